"""Each trust starts as itself (abm/initial.py): the derived data, the inversion, the debt handed out by loans, the
regulators' view of the start, re-anchoring, named placements and the per-trust rows of the history check."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm import initial
from abm.compose import compose
from abm.config import ConfigError
from abm.mechanisms import performance_level
from abm.model import CommissioningModel
from experiments.evidence import trusts

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "trusts"


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs the project's reference data (../shared/data/trusts)")
def test_the_shipped_trust_files_are_what_the_derivation_script_writes():
    from abm.data import derive_trusts
    for name, table in derive_trusts.derive(SHARED).items():
        shipped = pd.read_csv(Path(derive_trusts.__file__).with_name(name))
        assert len(shipped) == len(table), name
        pd.testing.assert_frame_equal(shipped, pd.read_csv(pd.io.common.StringIO(table.to_csv(index=False))),
                                      check_dtype=False, obj=name)


def test_the_trust_data_name_real_trusts_and_hold_shares_and_loans():
    codes = set(pd.read_csv(Path(initial.__file__).with_name("data") / "trust_stp_type_2016_17.csv").trust_code)
    ae = initial.ae_table()
    assert set(ae.trust_code) <= codes
    assert ae.type1_share.dropna().between(0.4, 1.0).all()                  # shares, not counts
    assert ae.groupby("fy").type1_share.count().loc[2012] >= 100
    loans = initial.loan_table()
    assert len(loans) == len(codes) and (loans >= 0).all().all()           # every trust; 0 where no loan
    assert (loans.balance_2016_04_01_gbp_m > 0).sum() == 74
    assert set(initial.cohorts().trust_code) <= codes and initial.cohorts().source.str.len().gt(3).all()


def test_start_year_is_the_last_complete_financial_year():
    assert initial.start_year("2013-04") == 2012 and initial.start_year("2016-04") == 2015
    assert initial.start_year("2016-03") == 2014 and initial.start_year("2016-12") == 2015


@settings(max_examples=60, deadline=None)
@given(share=st.floats(0.6, 0.999), offset=st.floats(-0.05, 0.05), baseline=st.floats(0.9, 1.0),
       sensitivity=st.floats(0.3, 2.0), knee=st.floats(0.85, 1.1))
def test_the_load_inverts_the_performance_level(share, offset, baseline, sensitivity, knee):
    load = initial.load_for(np.array([share]), np.array([offset]), baseline, sensitivity, knee)
    level = performance_level(load, baseline, sensitivity, knee) + offset
    if load[0] >= knee:                                         # the level reaches the share exactly
        assert abs(level[0] - share) < 1e-9
    else:                                                       # above the baseline: spare capacity, the baseline
        assert share - offset > baseline - 1e-12 and abs(level[0] - (baseline + offset)) < 1e-9


def test_assign_by_rank_hands_out_the_same_values_largest_to_largest_key():
    rng = np.random.default_rng(1)
    values = rng.normal(size=50)
    key = np.r_[rng.random(20), np.zeros(30)]                   # 30 ties at 0
    out = initial.assign_by_rank(values, key, rng)
    assert np.allclose(np.sort(out), np.sort(values))
    top = np.argsort(-key)[:20]
    assert set(np.round(out[top], 12)) == set(np.round(np.sort(values)[::-1][:20], 12))
    assert np.all(np.diff(out[np.argsort(-key[:20])]) <= 0)


def test_assign_debt_puts_the_loans_in_debt_and_keeps_the_sectors_money():
    rng = np.random.default_rng(2)
    n = 40
    capacity = rng.uniform(5, 40, n)
    in_debt = rng.random(n) < 0.3
    unit_cost = np.where(in_debt, 1 + rng.uniform(0, 0.12, n), 1 - rng.uniform(0, 0.04, n))
    balance = np.where(in_debt, -rng.uniform(0.1, 1.2, n), rng.uniform(0, 0.3, n)) * capacity
    key = np.r_[np.linspace(1, 0.1, in_debt.sum()), np.zeros(n - in_debt.sum())]
    cost, money = initial.assign_debt(unit_cost, balance, capacity, key, rng)
    first = np.arange(in_debt.sum())
    assert np.all(cost[first] > 1.0) and np.all(money[first] < 0)        # the largest loans start in debt
    assert (cost > 1).sum() == in_debt.sum()
    assert np.isclose((capacity * (cost - 1)).sum(), (capacity * (unit_cost - 1)).sum())
    assert np.isclose(money.sum(), balance.sum())


@pytest.fixture(scope="module")
def start_2016():
    return {style: CommissioningModel(compose(["scenario=england", f"regulator={style}", "months=12",
                                               "write_organisations=false"])) for style in ("carrot", "stick")}


def test_acute_trusts_start_at_their_own_share_and_loan(start_2016):
    m = start_2016["stick"]
    codes = m.structure.orgs.code.to_numpy()
    share = initial.figures(codes, m.orgs.kind, "2016-04").share
    have = np.isfinite(share)
    assert have.sum() >= 110
    assert np.allclose(m.orgs.perf_reported[have], share[have])
    loans = initial.loans(codes, "balance_2016_04_01_gbp_m")
    owed = np.nan_to_num(loans) > 0
    assert np.allclose(m.orgs.balance[owed], -loans[owed])
    trusts_ = np.isin(m.orgs.kind, ("acute", "mental_health", "community", "ambulance"))
    assert np.all(m.orgs.balance[trusts_ & ~owed] >= 0)               # no loan: reserves


def test_every_style_starts_from_the_same_state(start_2016):
    a, b = start_2016["carrot"].orgs, start_2016["stick"].orgs
    for name in ("demand", "capacity", "perf_true", "perf_reported", "balance", "unit_cost", "pressure", "escalation",
                 "support", "stress"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.pressure > 0).any()                    # the 2016 mix's reviews before the start left their pressure
    assert not (a.regime_kind > 0).any()             # but placed no one


def test_without_data_the_draws_are_kept():
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    from abm.scenarios import build
    from abm.state import build_state
    cfg = compose(["scenario=england"])
    structure = build(cfg.scenario)
    plain, *_ = build_state(structure, cfg.behaviour, rng_a, "2016-04", from_data=False)
    data, *_ = build_state(structure, cfg.behaviour, rng_b, "2016-04", from_data=True)
    acute = np.isfinite(initial.figures(structure.orgs.code.to_numpy(), plain.kind, "2016-04").share)
    assert np.array_equal(plain.stress, data.stress) and np.array_equal(plain.capacity, data.capacity)
    assert not np.allclose(plain.perf_true[acute], data.perf_true[acute])


def test_anchoring_sets_the_trusts_at_their_published_year_each_april():
    m = CommissioningModel(compose(["scenario=england_2013", "scenario.anchor_until=2014-04", "months=14",
                                    "write_organisations=false"]))
    share = initial.figures(m.structure.orgs.code.to_numpy(), m.orgs.kind, "2014-04").share
    have = np.isfinite(share)
    gap = {}
    for _ in range(13):
        m.step()
        gap[str(m.date)] = np.abs(m.orgs.perf_reported[have] - share[have]).mean()
    # Set at the published year in April (then one month of the model's own movement), not before and not after.
    assert gap["2014-04"] < 0.5 * gap["2014-03"]
    assert gap["2014-05"] > gap["2014-04"]


def test_a_malformed_anchor_month_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"scenario.anchor_until='2016-13' must be a month written YYYY-MM"):
        compose(["scenario.anchor_until=2016-13"])


def test_cohort_matching_pairs_each_treated_trust_with_untreated_neighbours():
    pairs = trusts.sm_2013_pairs(2015)
    assert len(pairs) >= 5
    treated = set(trusts.cohort("quality", "2013-07"))
    assert all(len(m) == 3 and not set(m) & treated for m in pairs.values())
    value, se, n = trusts.sm_2013_data(2015)
    assert n == len(pairs) and se > 0 and abs(value) < 0.1


def test_forecast_rows_judge_against_the_naive_forecast():
    real = trusts.real_shares()
    perfect = trusts.forecast_row(real[[2015]], real, 2015)          # the truth beats the naive forecast
    assert perfect["ok"] and perfect["rho"] == pytest.approx(1.0) and perfect["mae"] == 0.0
    naive = real[[2014]].rename(columns={2014: 2015})                # last year's share, no national change
    worse = trusts.forecast_row(naive - 0.05, real, 2015)
    assert not worse["ok"] and worse["mae"] > worse["mae_naive"]
    # Had it known the sector's change, last year's share is the naive forecast itself; the truth's own changes are
    # the real ones.
    assert worse["mae_sector_known"] == pytest.approx(worse["mae_naive"])
    assert perfect["mae_sector_known"] == pytest.approx(0.0) and perfect["own_change_rho"] == pytest.approx(1.0)


def test_the_trusts_the_published_lists_name_are_the_ones_placed_in_july_2013():
    """The 2013 replay's quality special measures of July 2013 go to the trusts named by the published list (as many
    as the model holds), not to the model's worst."""
    from abm.mechanisms import oversight
    m = CommissioningModel(compose(["scenario=england_2013", "months=4", "seed=2"]))
    m.run()
    codes = m.structure.orgs.code.to_numpy()
    named = initial.entering(codes, "quality", "2013-07")
    assert len(named) >= 10
    placed = np.flatnonzero(m.orgs.regime_kind == oversight.QUALITY_SM)
    assert set(named) <= set(placed)
