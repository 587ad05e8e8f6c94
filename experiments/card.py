"""A trust's card: the model's version of one trust beside its own published figures.

    python -m experiments card CODE_OR_NAME [--draws 8] [--out outputs/cards]

Runs the 2013 replay to March 2017 (48 months) at posterior draws 0 .. D-1 (one replicate each, stepped together:
``abm.batch``) and draws the trust's four-hour share, debt and the regulator's actions on it (escalation, support) as
a band across the runs, against its published type 1 shares (2010/11-2016/17), its DH revenue support loans (April
2016, March 2017) and the special-measures events of the published lists; 2016/17 is the held-out year. Writes
``<out>/<CODE>.png`` and ``<out>/<CODE>.md``. A code or name that names no trust is refused in one line naming the
nearest ones (exit status 2).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from abm.config import ConfigError
from abm.units import fmt

MONTHS = 48      # April 2013 to March 2017: the replay's fit window and the held-out year


def trusts() -> pd.DataFrame:
    """The model's trusts: code, name, kind, STP code."""
    from abm.scenarios import read_table
    t = read_table("trust_stp_type_2016_17.csv")
    names = t.trust_name.str.title().str.replace(r"\bNhs\b", "NHS", regex=True).str.replace("'S ", "'s ")
    return pd.DataFrame({"code": t.trust_code, "name": names, "kind": t.trust_type, "stp": t.stp17cd})


def resolve(text: str) -> pd.Series:
    """The trust a code (any case) or a unique part of a name names; ConfigError in one line otherwise."""
    table = trusts()
    by_code = table[table.code.str.upper() == text.strip().upper()]
    if len(by_code) == 1:
        return by_code.iloc[0]
    named = table[table.name.str.lower().str.contains(text.strip().lower(), regex=False)]
    if len(named) == 1:
        return named.iloc[0]
    if len(named) > 1:
        listed = "; ".join(f"{r.code} {r.name}" for r in named.head(5).itertuples())
        raise ConfigError(f"trust {text!r} names {len(named)} trusts ({listed}{'; ...' if len(named) > 5 else ''}); "
                          "give a code")
    near = table.assign(score=[_likeness(text, r.code, r.name) for r in table.itertuples()]).nlargest(3, "score")
    hint = "; ".join(f"{r.code} {r.name}" for r in near.itertuples() if r.score > 0.5)
    raise ConfigError(f"trust {text!r} is not one of the model's 236 trusts" + (f"; nearest: {hint}" if hint else ""))


def _likeness(text: str, code: str, name: str) -> float:
    """How like a code or a name the text is: the best match of the text against the code, or against any stretch of
    the name as long as the text (0 to 1)."""
    query, lower = text.strip().lower(), name.lower()
    width = len(query)
    windows = [lower[i:i + width] for i in range(max(1, len(lower) - width + 1))]
    best = max(difflib.SequenceMatcher(None, query, w).ratio() for w in windows)
    return max(best, difflib.SequenceMatcher(None, query, code.lower()).ratio())


def model_series(code: str, draws: int) -> dict[str, np.ndarray | list[str]]:
    """The trust in the 2013 replay at posterior draws 0 .. draws-1: dates, and runs x months of its reported share,
    debt (GBP m), escalation and support."""
    from dataclasses import replace

    from abm import posterior
    from abm.batch import Batch
    from abm.compose import compose
    from abm.config import PosteriorConfig
    base = compose(["scenario=england_2013", f"months={MONTHS}", "write_organisations=true"])
    shipped = posterior.table()
    configs = [replace(base, replicate=k, posterior=PosteriorConfig(draw=k % len(shipped) if shipped is not None else -1))
               for k in range(max(1, draws))]
    batch = Batch.of(configs, organisations=True).run()
    i = int(np.flatnonzero(batch.structure.orgs.code.to_numpy() == code)[0])
    frames = batch.recorder.org_frames
    out: dict[str, np.ndarray | list[str]] = {"dates": [str(d) for d in batch.recorders[0].model_columns()["date"]]}
    for name in ("perf_reported", "balance", "escalation", "support"):
        out[name] = np.array([[f[name][batch.org_runs[r]][i] for f in frames] for r in range(batch.R)], float)
    out["debt"] = np.maximum(-np.asarray(out.pop("balance")), 0.0)
    return out


def make(code_or_name: str, draws: int, out: Path) -> tuple[Path, Path]:
    """Draw one trust's card; returns the figure and the text written."""
    from abm.places import card_figure, real_series
    trust = resolve(code_or_name)
    series = model_series(trust.code, draws)
    real = real_series(trust.code)
    title = f"{trust['name']} ({trust.code}, {trust.kind.replace('_', ' ')}): the model against its own figures"
    what = (f"Model: the 2013 replay at {draws} posterior draws (one replicate each), the trust started from its "
            "2012/13 share and ranked by its loans; published: NHS England type 1 four-hour shares, DH revenue "
            "support loans, special-measures lists (abm/data). 2016/17 (shaded) is held out.")
    fig = card_figure(title, list(series["dates"]), np.asarray(series["perf_reported"]), np.asarray(series["debt"]),
                      np.asarray(series["escalation"]), np.asarray(series["support"]), real, what=what)
    out.mkdir(parents=True, exist_ok=True)
    png, md = out / f"{trust.code}.png", out / f"{trust.code}.md"
    fig.savefig(png, dpi=100)
    md.write_text("\n".join(text_lines(trust, series, real, draws, png.name)) + "\n")
    return png, md


def text_lines(trust: pd.Series, series: dict, real: dict, draws: int, figure: str) -> list[str]:
    """The card in words: the trust's share year by year, published and in the model, its loans and its events."""
    dates = pd.PeriodIndex(list(series["dates"]), freq="M")
    fy = np.where(dates.month >= 4, dates.year, dates.year - 1)
    perf = np.asarray(series["perf_reported"])
    lines = [f"# {trust['name']} ({trust.code})", "", f"![card]({figure})", "",
             "| financial year | published type 1 share | model [5-95 % of runs] |", "|---|---|---|"]
    for year in sorted(set(real["share"].index) | set(int(y) for y in fy)):
        months = np.flatnonzero(fy == year)
        model = (fmt(np.median(perf[:, months].mean(axis=1)), "share") + " ["
                 + ", ".join(fmt(np.quantile(perf[:, months].mean(axis=1), q), "share") for q in (0.05, 0.95)) + "]"
                 if len(months) == 12 else "–")
        published = fmt(real["share"].get(year, np.nan), "share")
        if model == "–" and published == "–":
            continue                                        # a part-year of the run with no published share
        lines.append(f"| {year}/{str(year + 1)[-2:]}{' (held out)' if year >= 2016 else ''} | {published} | {model} |")
    lines.append("")
    debt = np.asarray(series["debt"])
    for date, value in real["debt"].items():
        if date in list(series["dates"]):
            t = list(series["dates"]).index(date)
            lines.append(f"- Debt in {date}: published loans {fmt(value, 'gbp_m')}, model "
                         f"{fmt(np.median(debt[:, t]), 'gbp_m')} (median of {draws} runs).")
    lines += [f"- {date}: {text} (published list)." for date, text in real["events"].items()]
    lines += ["", "Draw another: `python -m experiments card CODE` (a code, or part of a trust's name)."]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trust", help="a trust's ODS code (e.g. RJZ) or part of its name")
    ap.add_argument("--draws", type=int, default=8, help="posterior draws, one run each (default 8)")
    ap.add_argument("--out", type=Path, default=Path("outputs/cards"))
    args = ap.parse_args(argv)
    if args.draws < 1:
        print(f"error: --draws={args.draws} must be at least 1", file=sys.stderr)
        return 2
    try:
        png, md = make(args.trust, args.draws, args.out)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"card: {png.resolve()}\ntext: {md.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
