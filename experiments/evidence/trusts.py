"""Trust by trust: the model's trusts against their own figures.

From runs of one arm (the 2013 replay, re-anchored or not, or the April 2016 start), each acute trust's four-hour
share per financial year (the mean of its reported share over the year's twelve months; the year before the start
holds its starting share) and each trust's debt at a month end (its negative balance, GBP m). Against the real
figures (``abm/data/trust_ae_fy.csv``, ``abm/data/trust_loans_2016_17.csv``):

- **Forecast rows**, one per financial year: over the trusts with a real type 1 share in that year and the year
  before, the Spearman correlation of the runs' mean share with the real shares and the mean absolute error, each
  set against the naive forecast (each trust keeps its previous year's share, plus the national change: the mean
  change over the same trusts). A row passes when the model's correlation is at least the naive one's minus 0.05 and
  its error no larger.
- **Loan rows**: the Spearman correlation, over every trust of the model (0 where no loan), of the runs' mean debt
  with the real loan balance at that date.
- **Persistence rows**: within each run, the Spearman correlation of the trusts' shares in one year with their
  shares one or two years on (mean over runs), against the same statistic of the real shares (within 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from abm import initial
from abm.vocabulary import PROVIDER_KINDS

NAIVE_SLACK = 0.05           # rank correlation at least the naive forecast's minus this
PERSISTENCE_TOLERANCE = 0.1  # persistence within a run: within this of the real figure
LOAN_FLOOR = 0.8             # loans at the end of the replay's fit window: Spearman at least this
LOAN_DATES = {"2016-03": "balance_2016_04_01_gbp_m", "2017-03": "balance_2017_03_31_gbp_m"}   # month end -> column
PAIRS = [(2012, 2013), (2013, 2014), (2014, 2015), (2012, 2014), (2013, 2015)]   # the replay's fit window


def spearman(a, b) -> float:
    a, b = pd.Series(a, dtype=float).reset_index(drop=True), pd.Series(b, dtype=float).reset_index(drop=True)
    ok = a.notna() & b.notna()
    return float(a[ok].corr(b[ok], method="spearman")) if ok.sum() > 2 else float("nan")


def real_shares() -> pd.DataFrame:
    """Real type 1 shares: trusts (codes) x financial years."""
    t = initial.ae_table()
    return t.dropna(subset=["type1_share"]).pivot(index="trust_code", columns="fy", values="type1_share")


def fy_label(fy: int) -> str:
    return f"{fy}/{str(fy + 1)[-2:]}"


@dataclass
class TrustSeries:
    """One run's trusts month by month: ``perf`` (reported share) and ``balance`` (GBP m), months x organisations."""
    codes: np.ndarray
    kinds: np.ndarray
    dates: list[str]          # YYYY-MM of each month recorded (the first is the start)
    perf: np.ndarray
    balance: np.ndarray

    @classmethod
    def of_table(cls, orgs: pd.DataFrame, model: pd.DataFrame) -> TrustSeries:
        """From a run's organisation table and monthly table."""
        first = orgs[orgs.month == orgs.month.min()]
        perf = orgs.pivot(index="month", columns="org", values="perf_reported")[first.org]
        balance = orgs.pivot(index="month", columns="org", values="balance")[first.org]
        dates = [str(d) for d in model.sort_values("month").date]
        return cls(first.org.to_numpy(), first.kind.to_numpy(), dates, perf.to_numpy(), balance.to_numpy())

    def shares(self) -> pd.DataFrame:
        """Acute trusts x financial years: the mean over each complete year of the run (its first month is the
        starting state); the starting share in the year before the start."""
        acute = self.kinds == "acute"
        period = pd.PeriodIndex(self.dates, freq="M")
        fy = np.where(period.month >= 4, period.year, period.year - 1)
        out = {}
        for year in np.unique(fy):
            months = np.flatnonzero(fy == year)
            if len(months) == 12:
                out[int(year)] = self.perf[months][:, acute].mean(axis=0)
        out[initial.start_year(self.dates[0])] = self.perf[0, acute]
        return pd.DataFrame(out, index=self.codes[acute]).sort_index(axis=1)

    def debt(self, month: str) -> pd.Series:
        """Each trust's debt (GBP m, 0 in credit) at the end of ``month`` (empty if the run does not reach it)."""
        if month not in self.dates:
            return pd.Series(dtype=float)
        trusts = np.isin(self.kinds, PROVIDER_KINDS)
        return pd.Series(np.maximum(-self.balance[self.dates.index(month)][trusts], 0.0), index=self.codes[trusts])


def mean_shares(runs: list[TrustSeries]) -> pd.DataFrame:
    return pd.concat([r.shares() for r in runs]).groupby(level=0).mean()


def forecast_row(model_mean: pd.DataFrame, real: pd.DataFrame, fy: int) -> dict | None:
    """The model's shares in ``fy`` (trusts x years) against the real ones and the naive forecast."""
    if fy not in model_mean.columns or fy not in real.columns or fy - 1 not in real.columns:
        return None
    both = real[[fy - 1, fy]].dropna().join(model_mean[fy].rename("model"), how="inner").dropna()
    if len(both) < 3:
        return None
    naive = both[fy - 1] + (both[fy].mean() - both[fy - 1].mean())
    rho, mae = spearman(both.model, both[fy]), float((both.model - both[fy]).abs().mean())
    rho_naive, mae_naive = spearman(naive, both[fy]), float((naive - both[fy]).abs().mean())
    bias = float(both.model.mean() - both[fy].mean())
    # The sector's change apart from each trust's own: the error had the model known the real national change (as the
    # naive forecast does), and the Spearman correlation of each trust's change beyond the sector's, model with real.
    own_model = both.model - both[fy - 1] - (both.model.mean() - both[fy - 1].mean())
    own_real = both[fy] - both[fy - 1] - (both[fy].mean() - both[fy - 1].mean())
    return {"year": fy, "trusts": len(both), "rho": rho, "mae": mae, "rho_naive": rho_naive, "mae_naive": mae_naive,
            "bias": bias, "mae_sector_known": float((both.model - bias - both[fy]).abs().mean()),
            "own_change_rho": spearman(own_model, own_real),
            "ok": bool(rho >= rho_naive - NAIVE_SLACK and mae <= mae_naive)}


def real_loans(month: str, codes) -> pd.Series:
    return initial.loan_table()[LOAN_DATES[month]].reindex(codes).fillna(0.0)


def loan_persistence(codes) -> float:
    """The Spearman correlation of the real balances at 1 April 2016 and 31 March 2017 over ``codes``."""
    return spearman(real_loans("2016-03", codes), real_loans("2017-03", codes))


def loan_row(runs: list[TrustSeries], month: str) -> dict | None:
    """Spearman, over every trust of the model (0 where no loan), of the runs' mean debt at the end of ``month``
    with the real balance at that date."""
    debts = [r.debt(month) for r in runs]
    if month not in LOAN_DATES or not debts or any(d.empty for d in debts):
        return None
    mean = pd.concat(debts, axis=1).mean(axis=1)
    real = real_loans(month, mean.index)
    return {"month": month, "trusts": len(mean), "rho": spearman(mean, real),
            "rho_real_persistence": loan_persistence(mean.index), "with_loan_real": int((real > 0).sum()),
            "with_debt_model": float(np.mean([(d > 0).sum() for d in debts]))}


def persistence(runs: list[TrustSeries], real: pd.DataFrame, pairs=PAIRS) -> list[dict]:
    """Within each run, Spearman of the trusts' shares in year a with year b (mean over runs), against the real: over
    the same trusts, those with a real share in both years (the model's other acute trusts, whose start is drawn, are
    left out, as the real statistic leaves them out)."""
    shares = [r.shares() for r in runs]
    rows = []
    for a, b in pairs:
        if a not in real.columns or b not in real.columns:
            continue
        same = real[[a, b]].dropna().index
        within = [spearman(both[a], both[b]) for both in (s.loc[s.index.intersection(same)] for s in shares)
                  if a in both.columns and b in both.columns]
        if not within:
            continue
        model, truth = float(np.nanmean(within)), spearman(real.loc[same, a], real.loc[same, b])
        rows.append({"from": a, "to": b, "span": b - a, "model": model, "real": truth,
                     "ok": bool(abs(model - truth) <= PERSISTENCE_TOLERANCE)})
    return rows


def calibration_rows(run: TrustSeries) -> dict[str, float]:
    """One replay's answers to the per-trust rows the calibration fits (``trust_*@...``, see
    ``experiments.calibration.fit.trust_observations``): persistence of each pair of years, the loans' rank
    correlation at the end of the fit window, and the first year's forecast (correlation and error)."""
    real = real_shares()
    out = {f"trust_persistence@{a}-{b}": r["model"] for r, (a, b) in
           ((r, (r["from"], r["to"])) for r in persistence([run], real))}
    loans = loan_row([run], "2016-03")
    if loans:
        out["trust_loans@2016-03"] = loans["rho"]
    first = forecast_row(run.shares(), real, initial.start_year(run.dates[0]) + 1)
    if first:
        out[f"trust_forecast_rho@{first['year']}"] = first["rho"]
        out[f"trust_forecast_mae@{first['year']}"] = first["mae"]
    return out


def calibration_targets(start: str = "2013-04") -> list[dict]:
    """The per-trust rows the calibration fits, for the 2013 replay: key, real value, the interval a run should lie in
    and the scale of its error (persistence: the real figure, within 0.1; loans at the end of the fit window: at least
    0.8, in steps of 0.05; the first year's forecast: a correlation at least the naive one's minus 0.05 (steps of
    0.05) and an error at most the naive one's (steps of half a point))."""
    real = real_shares()
    rows = []
    for a, b in PAIRS:
        truth = spearman(real[a], real[b])
        rows.append({"key": f"trust_persistence@{a}-{b}", "real": truth, "low": truth, "high": truth,
                     "scale": PERSISTENCE_TOLERANCE})
    rows.append({"key": "trust_loans@2016-03", "real": LOAN_FLOOR, "low": LOAN_FLOOR, "high": 1.0, "scale": 0.05})
    fy = initial.start_year(start) + 1
    naive = forecast_row(real[[fy]], real, fy)         # a model that knew the real shares: the naive forecast's figures
    if naive:
        rows.append({"key": f"trust_forecast_rho@{fy}", "real": naive["rho_naive"],
                     "low": naive["rho_naive"] - NAIVE_SLACK, "high": 1.0, "scale": NAIVE_SLACK})
        rows.append({"key": f"trust_forecast_mae@{fy}", "real": naive["mae_naive"], "low": 0.0,
                     "high": naive["mae_naive"], "scale": 0.005})
    return rows


# --- named cohorts against matched trusts -----------------------------------------------------------------------------
def cohort(regime: str, month: str) -> list[str]:
    """Codes of the trusts the published lists put in ``regime`` in ``month``."""
    c = initial.cohorts()
    return sorted(c[(c.regime == regime) & (c.entered == month)].trust_code)


def matched(treated: list[str], features: pd.DataFrame, k: int = 3) -> dict[str, list[str]]:
    """For each treated trust with every feature, the ``k`` other trusts nearest on the features (each in units of its
    spread across trusts), among those not treated."""
    pool = features.dropna()
    z = (pool - pool.mean()) / pool.std()
    controls = [c for c in z.index if c not in treated]
    out = {}
    for c in treated:
        if c in z.index:
            d = ((z.loc[controls] - z.loc[c]) ** 2).sum(axis=1).sort_values(kind="stable")
            out[c] = list(d.index[:k])
    return out


def did(values: pd.DataFrame, pairs: dict[str, list[str]], before, after) -> float:
    """Mean over treated trusts of (its change from ``before`` to ``after`` minus its matches' mean change)."""
    change = values[after] - values[before]
    diffs = [change.get(c, np.nan) - change.reindex(m).mean() for c, m in pairs.items()]
    diffs = [d for d in diffs if np.isfinite(d)]
    return float(np.mean(diffs)) if diffs else float("nan")


def sm_2013_pairs(after: int) -> dict[str, list[str]]:
    """The July 2013 quality special-measures trusts with a type 1 share in 2012/13 and in ``after``, each with the 3
    trusts nearest on 2012/13 share and all-types attendances (log) that have both years too."""
    real = real_shares()
    att = initial.ae_table().pivot(index="trust_code", columns="fy", values="attendances")
    have = real[[2012, after]].dropna().index
    features = pd.DataFrame({"share": real.loc[have, 2012], "size": np.log(att[2012].reindex(have))})
    return matched(cohort("quality", "2013-07"), features)


def sm_2013_data(after: int) -> tuple[float, float, int]:
    """The data's figure: mean change of the cohort's type 1 share from 2012/13 to ``after`` minus its matches',
    its standard error across the cohort's trusts, and how many trusts it rests on."""
    real = real_shares()
    pairs = sm_2013_pairs(after)
    change = real[after] - real[2012]
    diffs = np.array([change[c] - change.reindex(m).mean() for c, m in pairs.items()])
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(len(diffs))), len(diffs)


def fsm_2016_pairs() -> dict[str, list[str]]:
    """The five trusts put in financial special measures in July 2016, each with the 3 trusts nearest on their loan
    balance at 1 April 2016 and all-types A&E attendances in 2015/16 (log), among trusts with both."""
    att = initial.ae_table().pivot(index="trust_code", columns="fy", values="attendances")
    loans = initial.loan_table()
    features = pd.DataFrame({"loan": loans.balance_2016_04_01_gbp_m, "size": np.log(att[2015])}).dropna()
    return matched(cohort("financial", "2016-07"), features)


def fsm_2016_data() -> tuple[float, float, int]:
    """The data's figure: the cohort's change in loan balance from 1 April 2016 to 31 March 2017 (GBP m) minus its
    matches', its standard error, and how many trusts."""
    loans = initial.loan_table()
    change = loans.balance_2017_03_31_gbp_m - loans.balance_2016_04_01_gbp_m
    diffs = np.array([change[c] - change.reindex(m).mean() for c, m in fsm_2016_pairs().items()])
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(len(diffs))), len(diffs)


# --- the per-trust rows of ``python -m experiments history --check`` -------------------------------------------------
ARMS = {"replay": "2013 replay", "anchored": "2013 replay re-anchored each April", "start_2016": "April 2016 start"}


def check_rows(free: list[TrustSeries], anchored: list[TrustSeries], start_2016: list[TrustSeries]) -> pd.DataFrame:
    """Every per-trust row: forecasts (one year ahead in the re-anchored replay and the April 2016 start; from
    2012/13 in the free replay, shown, not judged), loans, persistence. Fit: up to 2015/16 and March 2016."""
    real = real_shares()
    rows = []
    for arm, runs in (("anchored", anchored), ("start_2016", start_2016), ("replay", free)):
        if not runs:
            continue
        mean = mean_shares(runs)
        for fy in sorted(c for c in mean.columns if c > initial.start_year(runs[0].dates[0])):
            r = forecast_row(mean, real, fy)
            if r is None:
                continue
            judged = arm != "replay" or fy == initial.start_year(runs[0].dates[0]) + 1
            rows.append({"kind": "forecast", "arm": arm, "period": fy_label(fy), "trusts": r["trusts"],
                         "model": r["rho"], "target": r["rho_naive"], "mae": r["mae"], "mae_naive": r["mae_naive"],
                         "bias": r["bias"], "mae_sector_known": r["mae_sector_known"],
                         "own_change_rho": r["own_change_rho"], "ok": r["ok"] if judged else None,
                         "use": "fit" if fy <= 2015 else "held out"})
    for arm, runs, month in (("replay", free, "2016-03"), ("start_2016", start_2016, "2017-03")):
        r = loan_row(runs, month) if runs else None
        if r is None:
            continue
        floor = LOAN_FLOOR if month == "2016-03" else r["rho_real_persistence"] - NAIVE_SLACK
        rows.append({"kind": "loans", "arm": arm, "period": month, "trusts": r["trusts"], "model": r["rho"],
                     "target": floor, "mae": np.nan, "mae_naive": np.nan, "bias": np.nan,
                     "mae_sector_known": np.nan, "own_change_rho": np.nan, "ok": bool(r["rho"] >= floor),
                     "use": "fit" if month == "2016-03" else "held out"})
    for r in persistence(free, real):
        rows.append({"kind": "persistence", "arm": "replay", "period": f"{fy_label(r['from'])} to {fy_label(r['to'])}",
                     "trusts": np.nan, "model": r["model"], "target": r["real"], "mae": np.nan, "mae_naive": np.nan,
                     "bias": np.nan, "mae_sector_known": np.nan, "own_change_rho": np.nan, "ok": r["ok"], "use": "fit"})
    return pd.DataFrame(rows)


def check_lines(table: pd.DataFrame, replicates: int) -> list[str]:
    """The per-trust rows in words and a table (for ``history_check.md``)."""
    from abm.units import fmt
    judged = table[table.ok.notna()]
    lines = ["## Trust by trust", "",
             f"Each trust's own figures (`abm/data/trust_ae_fy.csv`, `abm/data/trust_loans_2016_17.csv`), "
             f"{replicates} replicates per arm, each at its own posterior draw. **{int(judged.ok.sum())} of "
             f"{len(judged)} judged rows pass** (fit {int(judged[judged.use == 'fit'].ok.sum())} of "
             f"{int((judged.use == 'fit').sum())}, held out {int(judged[judged.use == 'held out'].ok.sum())} of "
             f"{int((judged.use == 'held out').sum())}).", "",
             "- *Forecast*: over the acute trusts with a real type 1 share in the year and the year before, the "
             "Spearman correlation of the replicates' mean share with the real one against the naive forecast's "
             "(last year's share plus the real national change), and the mean absolute error (points) against the "
             "naive one's. Passes when the correlation is at least the naive one's minus 0.05 and the error no larger. "
             "The re-anchored replay sets each trust at its last published year each April from 2014 to 2016 "
             "(`scenario.anchor_until=2016-04`), so each of its years is a forecast one year ahead, as the naive one "
             "is; the free replay's later years are forecasts two or more years ahead, shown but not judged. *Bias*: "
             "the model's mean share minus the real mean (points). *MAE, sector known*: the model's error with its shares "
             "moved by the bias, as if it had known the real national change, as the naive forecast does; what is "
             "left is each trust's own change. *Own change ρ*: the Spearman correlation of each trust's change beyond "
             "the sector's, model against real (near 0: the model adds nothing to the naive forecast trust by trust).",
             "- *Loans*: Spearman over all trusts (0 where no loan) of the model's debt with the DH loan balance at "
             "that date; at least 0.8 at the end of the fit window, and at least the real balances' own correlation "
             "(1 April 2016 with 31 March 2017) minus 0.05 a year on.",
             "- *Persistence*: within each run of the free replay, Spearman of the trusts' shares in one year with "
             "another (the year before the start is the starting share), against the real; within 0.1.", "",
             "| kind | arm | period | trusts | model | target | MAE (points) | naive MAE | bias (points) | MAE, sector "
             "known | own change ρ | pass | use |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        verdict = "–" if r.ok is None or (isinstance(r.ok, float) and np.isnan(r.ok)) else ("pass" if r.ok else "FAIL")
        target = {"forecast": "naive ", "loans": "≥ ", "persistence": "real "}[r.kind] + fmt(r.target, "number", digits=2)
        lines.append(f"| {r.kind} | {ARMS[r.arm]} | {r.period} | {'' if pd.isna(r.trusts) else int(r.trusts)} | "
                     f"{fmt(r.model, 'number', digits=2)} | {target} | "
                     f"{'' if pd.isna(r.mae) else f'{100 * r.mae:.2f}'} | "
                     f"{'' if pd.isna(r.mae_naive) else f'{100 * r.mae_naive:.2f}'} | "
                     f"{'' if pd.isna(r.bias) else f'{100 * r.bias:+.2f}'} | "
                     f"{'' if pd.isna(r.mae_sector_known) else f'{100 * r.mae_sector_known:.2f}'} | "
                     f"{'' if pd.isna(r.own_change_rho) else fmt(r.own_change_rho, 'number', digits=2)} | "
                     f"{verdict} | {r.use} |")
    return lines
