"""Derive the model's per-trust inputs from the project's per-trust reference data (``shared/data/trusts``, to March
2017): each trust's yearly type 1 four-hour share and A&E attendances, its DH revenue support loans, and the list of
trusts each year holds.

The A&E files name trusts rather than coding them. NHS England's 2016/17 returns by ODS code and department type hold
the same counts in the same months, so a name is matched to the code whose figures are equal in most months of
2016/17: the type 1 share (to 4 decimals) for the type 1 file, the attendances summed over department types for the
all-types file. A match needs at least 10 of the 12 months and a code among the model's 236 trusts
(``trust_stp_type_2016_17.csv``); ``trust_codes.csv`` records each match and how it was made.

A financial year is named by the year it starts in (2012 = April 2012 to March 2013). A year's type 1 share is the
mean of the figures published for it: weekly situation reports to the end of May 2015, monthly figures from June 2015
(June 2015 is in both series; the monthly figure is used). Figures above 1 are not shares (113 weekly rows of Luton and
Dunstable from 2010 to 2012 hold counts) and are dropped. Attendances and breaches (all department types) are summed
over a year only when its 12 months are all present.

Loans: the loan rows of the DH workbook, summed per trust (balances at 1 April 2016 and 31 March 2017, GBP m); a trust
with no loan has 0. Loans to a trust that later became part of another (``ods_successors_trusts_ccgs_2010_2017.csv``)
are the successor's.

Usage: python -m abm.data.derive_trusts PATH/TO/shared/data/trusts
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
MIN_MONTHS = 10              # months of 2016/17 in which a name's figures must equal a code's to be matched


def _fy(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return np.where(d.dt.month >= 4, d.dt.year, d.dt.year - 1)


def _match(named: pd.DataFrame, coded: pd.DataFrame, codes: set[str], tolerance: float, what: str) -> pd.DataFrame:
    """For each name (rows of ``named``: names x months), the code (rows of ``coded``) whose monthly values are equal
    (within ``tolerance``) in the most months; kept when that is at least MIN_MONTHS and the code is a model trust."""
    rows = []
    for name, values in named.iterrows():
        equal = (coded[values.index].sub(values, axis=1).abs() <= tolerance).sum(axis=1)
        code, n = equal.idxmax(), int(equal.max())
        if n >= MIN_MONTHS and code in codes:
            rows.append({"source_name": name, "trust_code": code,
                         "matched_by": f"{what} equal in {n} of {values.notna().sum()} months of 2016/17"})
    return pd.DataFrame(rows)


def derive(src: Path) -> dict[str, pd.DataFrame]:
    trusts = pd.read_csv(HERE / "trust_stp_type_2016_17.csv")
    codes = set(trusts.trust_code)
    returns = pd.read_csv(src / "ae_attendances_by_org_and_type_2016_17.csv", dtype={"type": str})
    shares = pd.read_csv(src / "ae_type1_share_by_trust_2010_2017.csv")
    counts = pd.read_csv(src / "ae_attendances_breaches_by_trust_2010_2017.csv")
    shares = shares[(shares.trust_name != "England") & (shares.type1_share <= 1.0)]
    counts = counts[counts.trust_name != "England"]

    # Names to codes, from the months of 2016/17.
    type1 = returns[returns.type == "1"].assign(share=lambda d: 1.0 - d.breaches / d.attendances)
    coded_share = type1.pivot(index="org_code", columns="period", values="share").round(4)
    named_share = (shares[(shares.frequency == "monthly") & (shares.period >= "2016-04")]
                   .pivot(index="trust_name", columns="period", values="type1_share").round(4))
    by_share = _match(named_share, coded_share, codes, 1.5e-4, "type 1 share")
    coded_total = returns.groupby(["org_code", "period"]).attendances.sum().unstack()
    named_total = counts[counts.period >= "2016-04"].pivot(index="trust_name", columns="period", values="attendances")
    by_count = _match(named_total, coded_total, codes, 0.0, "attendances (all types)")
    matched = pd.concat([by_share.assign(file="ae_type1_share_by_trust_2010_2017.csv"),
                         by_count.assign(file="ae_attendances_breaches_by_trust_2010_2017.csv")], ignore_index=True)
    code_of_share = dict(zip(by_share.source_name, by_share.trust_code, strict=True))
    code_of_count = dict(zip(by_count.source_name, by_count.trust_code, strict=True))

    # Type 1 shares: the mean of a year's published figures (weekly to May 2015, monthly from June 2015).
    weekly = shares[shares.frequency == "weekly"]
    weekly = weekly[pd.to_datetime(weekly.period) < "2015-06-01"]
    monthly = shares[shares.frequency == "monthly"]
    figures = pd.concat([weekly.assign(fy=_fy(weekly.period)), monthly.assign(fy=_fy(monthly.period + "-15"))])
    figures = figures.assign(trust_code=figures.trust_name.map(code_of_share)).dropna(subset=["trust_code"])
    share_fy = figures.groupby(["trust_code", "fy"]).type1_share.agg(type1_share="mean", type1_figures="count")
    # Attendances and breaches, all department types, over complete years.
    counts = counts.assign(trust_code=counts.trust_name.map(code_of_count), fy=_fy(counts.period + "-15"))
    counts = counts.dropna(subset=["trust_code"])
    year = counts.groupby(["trust_code", "fy"]).agg(attendances=("attendances", "sum"), breaches=("breaches", "sum"),
                                                    months=("attendances", "count"),
                                                    breach_months=("breaches", "count"))
    year.loc[year.months < 12, "attendances"] = np.nan
    year.loc[year.breach_months < 12, "breaches"] = np.nan
    ae = share_fy.join(year[["attendances", "breaches"]], how="outer").reset_index()
    ae = ae.dropna(subset=["type1_share", "attendances", "breaches"], how="all")
    ae["type1_share"] = ae.type1_share.round(5)
    ae = ae.astype({"fy": int}).sort_values(["trust_code", "fy"])
    ae["type1_figures"] = ae.type1_figures.astype("Int64")
    ae["attendances"] = ae.attendances.astype("Int64")
    ae["breaches"] = ae.breaches.astype("Int64")

    # Loans: the loan rows summed per trust, onto the successor's code; GBP thousand -> GBP m.
    loans = pd.read_csv(src / "dh_revenue_support_loans_2016_17.csv")
    succ = pd.read_csv(src / "ods_successors_trusts_ccgs_2010_2017.csv")
    succ = succ[(succ.kind == "trust") & (succ.date <= "2017-04-01")]
    successor = dict(zip(succ.old_code, succ.new_code, strict=True))
    for _ in range(3):                               # follow chains of successions
        loans["org_code"] = loans.org_code.map(lambda c: successor.get(c, c) if successor.get(c, c) in codes else c)
    unmatched = sorted(set(loans.org_code) - codes)
    if unmatched:
        raise SystemExit(f"loan rows for codes outside the model's trusts: {', '.join(unmatched)}")
    cols = ["balance_2016_04_01_gbp_k", "drawn_2016_17_gbp_k", "repaid_2016_17_gbp_k", "balance_2017_03_31_gbp_k"]
    per = loans.groupby("org_code")[cols].sum().reindex(sorted(codes)).fillna(0.0) / 1000.0
    per.columns = [c.replace("_gbp_k", "_gbp_m") for c in cols]
    per = per.round(3).rename_axis("trust_code").reset_index()

    variogram = share_variogram(shares)

    years = pd.concat([ae.dropna(subset=["type1_share"]).assign(series="type1_share")[["fy", "trust_code", "series"]],
                       ae.dropna(subset=["attendances"]).assign(series="attendances")[["fy", "trust_code", "series"]]])
    years = years.sort_values(["fy", "series", "trust_code"]).reset_index(drop=True)
    return {"trust_ae_fy.csv": ae, "trust_loans_2016_17.csv": per, "trust_codes.csv": matched,
            "trust_years.csv": years, "trust_ae_variogram.csv": variogram}


VARIOGRAM_LAGS = (1, 2, 3, 6, 12, 18, 24)      # months
VARIOGRAM_SPAN = ("2011-04-01", "2015-06-01")  # the weekly reports, whole financial years to May 2015


def share_variogram(shares: pd.DataFrame) -> pd.DataFrame:
    """How far a trust's type 1 share moves away from where it stood k months earlier, relative to the other trusts:
    the mean over trusts and months of the squared change in its deviation from the month's mean across trusts, for
    each lag k (points squared). Weekly figures April 2011 to May 2015, averaged over blocks of 4.33 weeks (months).
    What it shows: a quick rise over the first months (variation that passes), then a slow one (changes that last)."""
    weekly = shares[shares.frequency == "weekly"]
    date = pd.to_datetime(weekly.period)
    weekly = weekly[(date >= VARIOGRAM_SPAN[0]) & (date < VARIOGRAM_SPAN[1])]
    week = ((pd.to_datetime(weekly.period) - pd.Timestamp(VARIOGRAM_SPAN[0])).dt.days // 7).to_numpy()
    table = weekly.assign(week=week).pivot_table(index="trust_name", columns="week", values="type1_share")
    deviation = table - table.mean()
    monthly = deviation.T.groupby((deviation.columns / (52.0 / 12.0)).astype(int)).mean().T
    rows = []
    for k in VARIOGRAM_LAGS:
        change = (monthly.shift(-k, axis=1) - monthly).stack()
        rows.append({"lag_months": k, "mean_square_points2": round(float((change ** 2).mean()) * 1e4, 3),
                     "pairs": int(change.notna().sum())})
    return pd.DataFrame(rows)


def noise_from_variogram(variogram: pd.DataFrame, adjust_rate: float, sensitivity: float) -> dict[str, float]:
    """The model's two kinds of variation of a trust from the variogram (points squared at lag k):
    ``2 v (1 - r^k) + q k`` fitted by least squares: variation that passes (variance ``v``, monthly autocorrelation
    ``r``) and change that lasts (``q`` a month).

    - ``capacity_noise``: the lasting change is a shock to capacity, which moves performance by ``sensitivity`` times
      the load: ``sqrt(q) / 100 / sensitivity``.
    - ``perf_noise``: the passing variation leaves a financial year's mean with variance ``v (1 + 2 sum_k (1 - k/12)
      r^k) / 12``; in the model it enters true performance each month and decays at ``1 - adjust_rate``, which gives a
      year's mean the same variance for the noise returned here.
    """
    from scipy.optimize import curve_fit

    k = variogram.lag_months.to_numpy(float)
    y = variogram.mean_square_points2.to_numpy(float)
    (v, r, q), _ = curve_fit(lambda k, v, r, q: 2 * v * (1 - r ** k) + q * k, k, y, p0=(7.0, 0.5, 0.3),
                             bounds=([0, 0, 0], [100, 0.99, 10]))

    def year_factor(rho: float) -> float:
        return (1.0 + 2.0 * sum((1.0 - j / 12.0) * rho ** j for j in range(1, 12))) / 12.0

    year_variance = v * year_factor(r)                                 # points squared
    rho = 1.0 - adjust_rate
    noise = np.sqrt(year_variance * (1.0 - rho ** 2) / year_factor(rho)) / 100.0
    return {"passing_variance_points2": v, "passing_autocorrelation": r, "lasting_points2_a_month": q,
            "year_mean_variance_points2": year_variance, "perf_noise": float(noise),
            "capacity_noise": float(np.sqrt(q) / 100.0 / sensitivity)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    for name, table in derive(Path(sys.argv[1])).items():
        table.to_csv(HERE / name, index=False)
        print(f"wrote {name}: {len(table)} rows")
    from abm.config import BehaviourConfig
    beh = BehaviourConfig()
    noise = noise_from_variogram(pd.read_csv(HERE / "trust_ae_variogram.csv"), beh.perf_adjust_rate,
                                 beh.load_sensitivity)
    print("derived from the variogram: " + ", ".join(f"{k} {v:.4g}" for k, v in noise.items()))
