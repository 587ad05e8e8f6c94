"""What one parameter is, in words: ``python -m abm.config explain KEY``."""

from __future__ import annotations

import re

UNITS = {"share": r"\bshare\b|\bprobability\b|\bchance\b", "GBP m": r"GBP m|GBP million", "months": r"\bmonths?\b",
         "years": r"\byears?\b", "0-1 scale": r"in \[0, 1\]|0-1"}


def explain(key: str) -> str:
    """The parameter ``key`` (``group.name``) in a few lines; KeyError (naming the nearest key) if there is none."""
    from abm import posterior
    from abm.compose import _nearest
    from abm.config import parameter_rows, schema_keys

    rows = {r["name"]: r for r in parameter_rows()}
    if key not in rows:
        near = _nearest(key, schema_keys())
        raise KeyError(f"no parameter {key!r}" + (f"; did you mean {near}?" if near and near in rows else
                                                   "; list them with: python -m abm.config"))
    r = rows[key]
    unit = next((u for u, pattern in UNITS.items() if re.search(pattern, r["meaning"])), None)
    lines = [f"{key}: {r['meaning']}",
             f"  default     {r['default']}" + (f"  (unit: {unit}, as the meaning says)" if unit else ""),
             f"  range       {r['range']}",
             f"  provenance  {r['provenance']}",
             f"  source      {r['source']}"]
    draws = posterior.table()
    if draws is not None and key in draws.columns:
        v = draws[key]
        lines.append(f"  posterior   median {v.median():.4g}, 90 % interval [{v.quantile(0.05):.4g}, "
                     f"{v.quantile(0.95):.4g}] across the {len(v)} shipped draws (abm/data/posterior.csv); the "
                     "default is their medoid")
    elif r["provenance"] == "calibrated":
        lines.append("  posterior   calibrated before the shipped posterior (see its source); not among its draws")
    return "\n".join(lines)
