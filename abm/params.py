"""Parameters of R runs side by side: one number where every run has the same, one value per run where they differ.

A batch (:mod:`abm.batch`) may hold runs whose numeric parameters differ: the particles of an ABC generation, the
samples of a Sobol or Morris design, the draws of a posterior. Such runs must share everything that is not a number:
the scenario, the start and horizon, the policy timeline, the counterfactual, the regulatory style and every
option, switch and list of cut-offs (runs that differ there go to different batches). :func:`merge` builds the one
configuration the mechanisms read: a parameter on which the runs agree stays the plain number it is in a single run;
one on which they differ becomes an array of the runs' values, one per run. Mechanisms read every numeric parameter
through the engine's accessor :meth:`abm.axis.RunAxis.each`, which gives the number itself, or each element's own
run's value. The schema (:mod:`abm.config`) stays the one place where parameters are declared.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np

from abm.config import CHANGEABLE, Config, ConfigError

# What the runs of a batch must share besides the non-numeric parameters of the parameter groups.
SHARED = ("scenario", "start", "months", "timeline", "counterfactual")

Value = float | int | np.ndarray      # a parameter as the mechanisms see it: a number, or one value per run


def numeric(value: Any) -> bool:
    """A parameter that may differ between the runs of a batch: a number (not a switch, an option or a list)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def merge(configs: list[Config]) -> Config:
    """The configuration of R runs side by side: each numeric parameter of the parameter groups (regulator,
    resources, institutions, behaviour, regime) a number where the runs agree, else an array of the runs' values.
    Raises :class:`ConfigError` naming the first thing the runs do not share. A single run's configuration is
    returned as it is."""
    first = configs[0]
    if len(configs) == 1:
        return first
    for name in SHARED:
        for c in configs[1:]:
            if getattr(c, name) != getattr(first, name):
                raise ConfigError(f"runs of one batch must share {name} ({getattr(first, name)!r} and "
                                  f"{getattr(c, name)!r}); run them in separate batches")
    groups = {}
    for group in CHANGEABLE:
        parts = [getattr(c, group) for c in configs]
        varying = {}
        for f in fields(parts[0]):
            values = [getattr(p, f.name) for p in parts]
            if all(_same(v, values[0]) for v in values[1:]):
                continue
            if not all(numeric(v) for v in values):
                raise ConfigError(f"runs of one batch must share {group}.{f.name} (it is not a number: "
                                  f"{values[0]!r} and {next(v for v in values if not _same(v, values[0]))!r}); "
                                  "run them in separate batches")
            whole = all(isinstance(v, (int, np.integer)) for v in values)
            varying[f.name] = np.array(values, dtype=np.int64 if whole else float)
        groups[group] = replace(parts[0], **varying) if varying else parts[0]
    return replace(first, **groups)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def varying(config: Config) -> list[str]:
    """The parameters (``group.name``) on which the runs of a merged configuration differ."""
    return [f"{group}.{f.name}" for group in CHANGEABLE for f in fields(getattr(config, group))
            if isinstance(getattr(getattr(config, group), f.name), np.ndarray)]


def of_run(value: Value, run: int) -> float | int:
    """Run ``run``'s value of a parameter (the number itself where the runs agree)."""
    return value[run].item() if isinstance(value, np.ndarray) else value


def per_run(fn, value: Value) -> Value:
    """``fn`` (a function of one number) applied to a parameter: to the number, or to each run's value in turn, so
    that a run's result does not depend on whether it is batched with runs of other values (numpy's vectorised
    power and logarithms may round the last bit differently from Python's)."""
    if isinstance(value, np.ndarray):
        return np.array([fn(v.item()) for v in value])
    return fn(value)
