"""How a parameter is declared: its default, range, provenance class, source and meaning (:func:`p`)."""

from __future__ import annotations

from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value outside what the model accepts; its message is one line."""


def check_month(path: str, value: str, required: bool = False) -> None:
    """``value`` is a month written YYYY-MM (or empty, unless ``required``), else ConfigError naming ``path``."""
    import re
    if (value or required) and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(value)):
        raise ConfigError(f"{path}={value!r} must be a month written YYYY-MM")


PROVENANCE = ("data", "observed", "source-number", "derived", "calibrated", "assumption", "setting", "technical")


def provenance_of(source: str, choices: tuple | None) -> str:
    """The provenance class a parameter's ``source`` text implies, unless the parameter states its own:

    ``data`` (a file in abm/data, or the policy timeline), ``observed`` (a row of the observed history),
    ``source-number`` (a source that states the number, quoted), ``derived`` (arithmetic on sourced numbers, stated),
    ``calibrated`` (fitted, against what), ``assumption`` (chosen; a seed line named beside it is evidence for the rule
    the number belongs to, not for the number), ``setting`` (a named option, not a number), ``technical``.
    """
    text = source.strip().lower()
    for prefix, kind in (("technical", "technical"), ("model brief", "technical"), ("abm/data", "data"),
                         ("policy timeline", "data"), ("observed", "observed"), ("calibrated", "calibrated"),
                         ("derived", "derived")):
        if text.startswith(prefix):
            return kind
    return "setting" if choices else "assumption"


def p(default: Any, lo: float | None = None, hi: float | None = None, source: str = "assumption",
      doc: str = "", choices: tuple[str, ...] | None = None, provenance: str | None = None,
      assumed: float | None = None):
    """A parameter: default value plus the metadata used by validation and by the ODD table. ``assumed`` is the value
    a calibrated parameter was assumed to have before (its prior is centred there: ``experiments.calibration.fit``)."""
    meta = {"lo": lo, "hi": hi, "source": source, "doc": doc, "choices": choices, "boolean": isinstance(default, bool),
            "provenance": provenance or provenance_of(source, choices), "assumed": assumed}
    return field(default=default, metadata=meta)


CALIBRATION = "0.3.2"      # the calibration whose shipped draws give the defaults declared with :func:`medoid`


def medoid(default: float, lo: float, hi: float, assumed: float, basis: str, doc: str,
           calibration: str = CALIBRATION):
    """A parameter the ABC-SMC calibrates: ``default`` is the shipped draws' medoid (``abm/data/posterior.csv``),
    ``assumed`` the value before (the prior's centre) and ``basis`` what that value rested on. A parameter an earlier
    calibration set and the current one did not re-fit names that ``calibration``: its value is that calibration's
    medoid, held since (the shipped draws do not vary it)."""
    if calibration == CALIBRATION:
        source = (f"calibrated: ABC-SMC medoid ({CALIBRATION}), abm/data/posterior.csv (assumed before: {assumed:g}; "
                  f"{basis})")
    else:
        source = (f"calibrated: ABC-SMC medoid ({calibration}), held in {CALIBRATION}, which screened it but "
                  f"calibrated others within its budget (assumed before: {assumed:g}; {basis})")
    return p(default, lo, hi, source, doc=doc, assumed=assumed)

