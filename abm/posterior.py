"""The shipped posterior: ``abm/data/posterior.csv``, equally weighted draws of the calibrated parameters.

``python -m experiments calibrate --ship`` writes it (ABC-SMC against observed England up to March 2016 and the
published effects, see ``docs/ODD.md`` section 8). The schema's defaults of the calibrated parameters are the values
of the draws' medoid (:func:`centre`: a real parameter set that the data support, at the centre of the posterior,
where the mean of a curved posterior need not be), so a plain run uses it; ``posterior.draw=K`` runs draw K and
``posterior.best=true`` the draw whose replay came closest to the observations (one replicate each, so "closest" is
partly luck: a quick look, not an estimate). A calibrated parameter set explicitly to something other than its
default keeps that value.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from importlib import resources

import pandas as pd

from abm.config import CHANGEABLE, Config, ConfigError, with_values

FILE = "posterior.csv"


@cache
def table() -> pd.DataFrame | None:
    """The shipped draws (one row per draw: ``draw``, the parameters, ``distance``), or None if none is shipped."""
    path = resources.files("abm.data").joinpath(FILE)
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return pd.read_csv(fh)


@cache
def digest() -> str:
    """A short fingerprint of the shipped draws (the first 12 hex digits of the file's SHA-256; "" if none): a result
    computed at ``posterior.draw=K`` is that draw's only while the same draws are shipped."""
    import hashlib
    path = resources.files("abm.data").joinpath(FILE)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""


def parameters() -> list[str]:
    """Names (``group.name``) of the calibrated parameters in the shipped posterior."""
    t = table()
    return [] if t is None else [c for c in t.columns if c not in ("draw", "distance")]


def medoid(draws: pd.DataFrame, names: list[str]) -> int:
    """The position of the draw closest, on average, to all the others (each parameter in units of its spread)."""
    import numpy as np
    x = draws[names].to_numpy(float)
    z = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-12)
    d = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    return int(np.argmin(d.sum(axis=1)))


def centre() -> dict[str, float]:
    """The calibrated parameters of the shipped draws' medoid: the schema's defaults (empty if none is shipped)."""
    t = table()
    if t is None or t.empty:
        return {}
    row = t.iloc[medoid(t, parameters())]
    return {name: float(row[name]) for name in parameters()}


def _default(name: str):
    group, key = name.split(".", 1)
    schema = CHANGEABLE[group]
    return getattr(schema(), key) if key in {f.name for f in fields(schema)} else None


def apply(config: Config) -> Config:
    """``config`` with the calibrated parameters of the chosen draw (unchanged for -1: the defaults, the medoid)."""
    chosen = config.posterior
    if chosen.draw < 0 and not chosen.best:
        return config
    t = table()
    if t is None or t.empty:
        raise ConfigError(f"posterior.draw={chosen.draw} needs abm/data/{FILE}, which is not shipped; "
                          "allowed: posterior.draw=-1")
    if chosen.best:
        row = t.loc[t.distance.idxmin()]
    elif chosen.draw >= len(t):
        raise ConfigError(f"posterior.draw={chosen.draw} is out of range; allowed: -1 (the defaults: the posterior's medoid) or "
                          f"0..{len(t) - 1}")
    else:
        row = t.iloc[chosen.draw]
    values = {}
    for name in parameters():
        group, key = name.split(".", 1)
        if getattr(getattr(config, group), key) == _default(name):      # not set by hand
            values[name] = float(row[name])
    return with_values(config, values)
