"""Numbers as a person reads them: one formatting helper for every report, console summary and the browser view.

Shares are shown as percentages, differences of shares in percentage points, money in GBP m (or bn) with thousands
separators, counts as whole numbers, everything else with a few significant figures, and never in scientific
notation. ``fmt(value, unit)`` is the one entry point; the unit names the scale the value is on.

    >>> fmt(0.9187, "share"), fmt(0.000746, "points"), fmt(10_123.4, "gbp_m"), fmt(-4_420.0, "gbp_m")
    ('91.9 %', '+0.07 points', 'GBP 10,123m', '-GBP 4,420m')
    >>> fmt(9.47e-05, "points"), fmt(1234, "count"), fmt(0.000123), fmt(123456.7)
    ('+0.01 points', '1,234', '0.000123', '123,457')
    >>> interval(0.0027, 0.0026, 0.0028, "points"), interval(94.0, 93.9, 94.1, "gbp_m")
    ('+0.27 [+0.26, +0.28] points', 'GBP 94m [93.9, 94.1]')
"""

from __future__ import annotations

import math

UNITS = {
    "share": "a share, shown as a percentage",
    "points": "a difference of shares, in percentage points (signed)",
    "gbp_m": "money in GBP million",
    "count": "a whole number of things",
    "months": "months",
    "years": "years",
    "number": "a plain number (a ratio, an index, standard deviations)",
}


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def number(x, digits: int = 3, signed: bool = False) -> str:
    """``x`` with ``digits`` significant figures (no fewer decimals than a whole number needs), thousands separators,
    never scientific notation; '–' for a missing value."""
    if not _finite(x):
        return "–"
    x = float(x)
    sign = "+" if signed and x > 0 else ""
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = min(max(digits - 1 - magnitude, 0), 12)
    text = f"{x:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return sign + text


def fmt(x, unit: str = "number", signed: bool | None = None, digits: int | None = None) -> str:
    """``x`` on the scale ``unit`` (one of :data:`UNITS`), as a person reads it."""
    if unit not in UNITS:
        raise ValueError(f"unit={unit!r} is not known; choose one of: {', '.join(UNITS)}")
    if not _finite(x):
        return "–"
    x = float(x)
    if unit == "share":
        places = 1 if digits is None else digits
        value = 100 * x if abs(100 * x) >= 0.5 * 10 ** -places else 0.0          # no "-0.0 %"
        return f"{value:.{places}f} %"
    if unit == "points":
        value = 100 * x
        places = digits if digits is not None else (2 if abs(value) < 1 else 1)
        text = f"{value:+.{places}f}" if signed is not False else f"{value:.{places}f}"
        return f"{text} points"
    if unit == "gbp_m":
        sign = "-" if x < 0 else ("+" if signed and x > 0 else "")
        a = abs(x)
        if a >= 100:
            return f"{sign}GBP {a:,.0f}m"
        return f"{sign}GBP {number(a, digits or 3)}m"
    if unit == "count":
        return f"{x:+,.0f}" if signed else f"{x:,.0f}"
    if unit in ("months", "years"):
        return f"{number(x, digits or 3, bool(signed))} {unit}"
    return number(x, digits or 3, bool(signed))


def interval(value, low, high, unit: str = "number", signed: bool | None = None) -> str:
    """A value with its interval, the unit said once: '+0.27 [+0.26, +0.28] points', '87.7 % [87.4, 88.0]',
    'GBP 94m [93.9, 94.1]'."""
    if unit == "points":
        sign = signed is not False
        values = [100 * float(v) if _finite(v) else float("nan") for v in (value, low, high)]
        places = 2 if max((abs(v) for v in values if math.isfinite(v)), default=0.0) < 1 else 1
        text = [f"{v:+.{places}f}" if sign else f"{v:.{places}f}" if math.isfinite(v) else "–" for v in values]
        return f"{text[0]} [{text[1]}, {text[2]}] points"
    if unit == "share":
        text = [f"{100 * float(v):.1f}" if _finite(v) else "–" for v in (value, low, high)]
        return f"{text[0]} % [{text[1]}, {text[2]}]"
    if unit == "gbp_m":
        digits = 3 if max(abs(float(v)) for v in (value, low, high) if _finite(v)) < 100 else None
        text = [fmt(v, "gbp_m", signed=signed, digits=digits) for v in (value, low, high)]
        inner = [t.replace("GBP ", "").replace("m", "") for t in text[1:]]
        return f"{text[0]} [{inner[0]}, {inner[1]}]"
    text = [fmt(v, unit, signed=signed) for v in (value, low, high)]
    return f"{text[0]} [{text[1]}, {text[2]}]"
