"""The oversight regime, the money levers and the policy timeline: each rule's direction of effect, and the bounds
that keep long runs credible. No test here says which style is better: that is for the experiments to find."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from abm.compose import CONF_DIR, compose
from abm.config import REGULATOR_STYLES
from abm.mechanisms import leadership, money, oversight, ratings, stp, trust
from abm.model import CommissioningModel
from abm.run import simulate
from abm.vocabulary import EDGE_KINDS
from experiments.validation.dynamics import keeps, measure

from conftest import small_config

WIDE = ("scenario.n_stps=6", "scenario.ccgs_per_stp=4")


# --- oversight -----------------------------------------------------------------------------------------------------
def test_regimes_never_hold_more_bodies_than_their_places():
    m = CommissioningModel(small_config(*WIDE, "regulator=stick", "regulator.escalation_threshold=1.0",
                                        "resources.capacity=1.0", "months=36"))
    for _ in range(36):
        m.step()
        o = m.orgs
        for kind in (oversight.QUALITY_SM, oversight.FINANCIAL_SM, oversight.DIRECTIONS):
            assert np.sum(o.alive & (o.regime_kind == kind)) <= oversight.places(m, kind)
        prov = m.mask(*oversight.PROVIDERS)
        assert np.sum(o.escalation[prov] >= 4) == np.sum(o.regime_kind[prov] > 0)


def test_the_budget_pays_interventions_first_and_support_from_what_is_left():
    def run(budget):
        m = CommissioningModel(small_config(*WIDE, "regulator=responsive", "regulator.escalation_threshold=0.6",
                                            "resources.capacity=1.0", f"resources.budget={budget}",
                                            "resources.intervention_cost=1.0", "months=24"))
        spend = []
        for _ in range(24):
            m.step()
            held = int(np.sum(m.orgs.alive & (m.orgs.regime_kind > 0)))
            assert held <= budget                                   # one GBP m a year each
            assert m.flows.support + m.flows.interventions <= budget / 12.0 + 1e-9 or m.flows.support == 0
            spend.append((m.flows.interventions, m.flows.support))
        return np.array(spend)
    none, some = run(0.0), run(3.0)
    assert not none.any()                                           # no budget: no interventions, no support
    assert some[:, 0].max() > 0


def test_support_offered_at_a_review_is_paid_each_month_until_the_next_and_a_short_month_does_not_cancel_it():
    # The regulator decides a body's support at its quarterly review; the budget pays it month by month. A month the
    # budget cannot pay (here: none left) pays nothing, and the next month with money pays the offer again.
    m = CommissioningModel(small_config(*WIDE, "regulator=carrot", "resources.capacity=1.0", "months=6"))
    o, body = m.orgs, int(np.flatnonzero(m.mask(*oversight.PROVIDERS))[0])
    o.regime_kind[:] = 0
    o.support_offer[:] = 0.0
    o.support_offer[body] = 0.5
    budget = m.res.budget
    paid = []
    for money_left in (True, False, True, True):
        m.res = replace(m.res, budget=budget if money_left else 0.0)
        oversight._pay_support(m)
        paid.append(o.support[body])
    assert paid[0] > 0 and paid[1] == 0 and paid[2] == paid[0] and paid[3] == paid[0]
    assert o.support_offer[body] == 0.5                      # paying never changes what was decided


def test_a_body_leaves_special_measures_only_after_the_minimum_stay_and_on_recovery():
    m = CommissioningModel(small_config("regulator=carrot", "behaviour.regime_min_months=12"))
    trusts = np.flatnonzero(m.mask(*oversight.PROVIDERS))
    assert oversight.place(m, oversight.QUALITY_SM, 1000) == len(trusts)       # everyone, for the test
    months_in = {}
    for _ in range(20):
        m.step()
        for i in trusts:
            if m.orgs.regime_kind[i] == 0 and i not in months_in:
                months_in[i] = m.t
    assert months_in and min(months_in.values()) >= 12
    assert all(m.orgs.regime_spells[i] >= 12 for i in months_in)


@pytest.mark.parametrize("relative", [True, False])
def test_relative_ratings_follow_standing_and_absolute_ratings_follow_scores(relative):
    # A July rating in which every CCG's year score is 0.1 lower than at the first: relative ratings (the improvement
    # and assessment framework) do not move, fixed cut-offs move CCGs down; a CCG overtaken by all the others moves
    # to the bottom under relative ratings although its own score did not change.
    m = CommissioningModel(small_config(*WIDE, f"regime.relative_ccg_ratings={str(relative).lower()}"))
    o, ccg = m.orgs, np.flatnonzero(m.mask("ccg"))
    scores = np.linspace(0.3, 0.7, len(ccg))
    m.rating_reference = [None]                          # the next rating is the framework's first (its reference)
    def publish(year):
        o.year_scores[ccg], o.year_n[ccg] = year, 1.0
        ratings.publish_ratings(m)
        return o.rating[ccg].copy()
    first = publish(scores)
    lower = publish(scores - 0.1)
    if relative:
        assert (lower == first).all()
    else:
        assert (lower <= first).all() and (lower < first).any()
    overtaken = scores + 0.5
    overtaken[-1] = scores[-1]                           # every other CCG overtakes the best one
    after = publish(overtaken)
    if relative:
        assert after[-1] == first[0] < first[-1]         # it now stands where the lowest stood
    else:
        assert after[-1] == first[-1]


def test_reviews_are_staggered_over_the_quarter():
    # October to December: no July publication resets the year's count in between
    m = CommissioningModel(small_config(*WIDE, "start=2016-09", "regulator=stick", "regulator.escalation_threshold=1.0"))
    seen = []
    for _ in range(3):
        before = m.orgs.year_n.copy()
        m.step()
        seen.append(np.flatnonzero(m.orgs.year_n > before))
    bodies = np.flatnonzero(m.mask("ccg", *oversight.PROVIDERS))
    assert sorted(np.concatenate(seen)) == sorted(bodies)            # everyone once a quarter ...
    assert all(0 < len(s) < len(bodies) for s in seen)               # ... a part each month


def test_leaders_in_special_measures_are_removed_in_any_month_not_only_at_reviews():
    m = CommissioningModel(small_config(*WIDE, "regulator.leader_removal=1.0"))
    trusts = np.flatnonzero(m.mask(*oversight.PROVIDERS))
    m.orgs.escalation[trusts] = 4
    forced = []
    for _ in range(3):
        m.t += 1
        forced.append(leadership.turnover(m)["forced_exits"])
    assert all(f > 0 for f in forced)


@pytest.mark.parametrize("removal", [0.0, 1.0])
def test_leaders_of_trusts_rated_inadequate_are_removed_only_where_the_regulator_removes(removal):
    """The worst CQC rating carries the removal hazard of special measures (zero-star trusts' chief executives), at
    the regulator's ``leader_removal``: none under a regulator that removes no one."""
    m = CommissioningModel(small_config(*WIDE, f"regulator.leader_removal={removal}"))
    trusts = np.flatnonzero(m.mask(*oversight.PROVIDERS))
    m.orgs.escalation[:] = 0
    m.orgs.rating[trusts] = np.where(np.arange(len(trusts)) % 2 == 0, 0, 2)    # half inadequate, half good
    m.orgs.stress[:] = 0.0
    m.t += 1
    forced = leadership.turnover(m)["forced_exits"]
    assert forced[0] == (len(trusts[::2]) if removal == 1.0 else 0)


def test_leaders_stress_alone_does_not_carry_a_trust_of_middling_quality_to_inadequate():
    """The CQC weighs its five key questions equally (well-led is one of five): a trust whose care is of middling
    quality is not rated inadequate for its leader's stress and inexperience alone; weighed half and half (with the
    cut-offs calibrated for that weighting in 0.2.1), it was."""
    def inadequate(*overrides: str) -> np.ndarray:
        m = CommissioningModel(small_config(*WIDE, "behaviour.indicator_noise=0", *overrides))
        trusts = np.flatnonzero(m.mask(*oversight.PROVIDERS))
        m.orgs.stress[:], m.orgs.tenure[:], m.orgs.capacity_loss[:] = 1.0, 0.0, 1.0     # leadership domain 0
        d = oversight.domains(m)
        q = d[trusts, oversight.QUALITY]
        middling = trusts[(q >= 0.4) & (q < 0.6)]
        assert len(middling) and np.all(d[middling, oversight.LEADERSHIP] == 0.0)
        m.orgs.inspect_slot[:] = m.t % m.beh.inspection_interval                       # every trust due
        ratings.inspect(m)
        return m.orgs.rating[middling] == 0
    assert not inadequate().any()                                                  # the defaults: weight 1/5
    assert inadequate("behaviour.cqc_well_led_weight=0.5", "behaviour.cqc_rating_cuts=[0.4,0.66,0.85]").all()


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_a_national_decline_shows_in_assessments_only_as_far_as_they_read_the_standard(weight):
    """The benchmark re-bases each April, so a decline of every trust leaves the relative part of the performance
    domain where it was; the part read against the standard (``standard_weight``) falls with it."""
    m = CommissioningModel(small_config(*WIDE, "behaviour.indicator_noise=0", f"behaviour.standard_weight={weight}"))
    prov = m.mask("provider")
    m.orgs.perf_reported[prov] = m.beh.target + 0.02            # every trust a little above the standard
    m.benchmark = oversight.rebase(m)
    before = oversight.domains(m)
    m.orgs.perf_true[prov] -= 0.05
    m.orgs.perf_reported[prov] -= 0.05
    m.benchmark = oversight.rebase(m)
    after = oversight.domains(m)
    assert np.allclose(after[prov][:, oversight.QUALITY], before[prov][:, oversight.QUALITY])
    drop = before[prov][:, oversight.PERFORMANCE] - after[prov][:, oversight.PERFORMANCE]
    expected = weight * 0.05 / (2 * m.beh.standard_span)
    assert np.allclose(drop, expected)


def test_the_cqc_rates_inspected_quality_not_gamed_figures():
    m = CommissioningModel(small_config(*WIDE, "behaviour.indicator_noise=0"))
    prov = m.mask("provider")
    d0 = oversight.domains(m)
    m.orgs.perf_reported[prov] += 0.05                          # gaming: reported up, true unchanged
    d1 = oversight.domains(m)
    assert np.allclose(d1[:, oversight.QUALITY], d0[:, oversight.QUALITY])
    assert np.all(d1[prov, oversight.PERFORMANCE] >= d0[prov, oversight.PERFORMANCE])


# --- money ---------------------------------------------------------------------------------------------------------
def _missing_standard(m):
    prov = m.mask("provider")
    m.orgs.perf_reported[prov] = m.beh.target - 0.2
    return prov


def test_fines_are_suspended_for_trusts_that_accepted_a_control_total_and_never_levied_in_an_alliance():
    def fines(*overrides, alliance=False):
        m = CommissioningModel(small_config(*overrides))
        _missing_standard(m)
        if alliance:
            cp = np.flatnonzero(m.edges.kind == EDGE_KINDS.index("commissioner_provider"))
            m.edges.form[cp] = 2
        return money.settle(m)["fines"]
    assert fines("regime.sanctions_suspended=none") > 0
    assert fines("regime.sanctions_suspended=all") == 0
    assert fines("regime.sanctions_suspended=none", alliance=True) == 0
    m = CommissioningModel(small_config("regime.sanctions_suspended=stf"))
    prov = _missing_standard(m)
    accepted = prov & ~np.isnan(m.orgs.control_total)
    assert accepted.any()
    before = m.orgs.inflow.copy()
    money.settle(m)
    none = CommissioningModel(small_config("regime.sanctions_suspended=none"))
    _missing_standard(none)
    money.settle(none)
    assert np.all(m.orgs.inflow[accepted] >= none.orgs.inflow[accepted] - 1e-12)
    assert before is not None


def test_reinvested_fines_cost_the_provider_nothing():
    kept, returned = (CommissioningModel(small_config("regime.sanctions_suspended=none",
                                                      f"regime.fines_reinvested={flag}")) for flag in (False, True))
    for m in (kept, returned):
        _missing_standard(m)
        money.settle(m)
    prov = kept.mask("provider")
    assert np.all(returned.orgs.inflow[prov] >= kept.orgs.inflow[prov]) and (returned.orgs.inflow[prov]
                                                                              > kept.orgs.inflow[prov]).any()


def test_trusts_accept_a_control_total_when_the_fund_covers_what_is_asked():
    m = CommissioningModel(small_config("regime.stf_share=0.03", "regime.control_total_closure=0.5"))
    prov = m.mask("provider")
    m.orgs.net_margin[prov] = np.linspace(-0.12, 0.02, prov.sum())
    accept = money.offer_control_totals(m)
    asked = np.maximum(0.01, 0.5 * np.maximum(-m.orgs.net_margin, 0.0))
    assert np.array_equal(accept[prov], asked[prov] <= 0.03)
    assert np.all(m.orgs.stf_offer[prov & ~accept] == 0) and np.all(m.orgs.stf_offer[accept] > 0)
    none = CommissioningModel(small_config("regime.stf_share=0"))
    assert not money.offer_control_totals(none).any()


def test_the_fund_is_paid_only_to_trusts_on_their_trajectory():
    m = CommissioningModel(small_config())
    prov = m.mask("provider")
    m.orgs.stf_eligible[prov] = 0.0
    assert money.settle(m)["stf"] == 0.0
    m.orgs.stf_eligible[prov] = 1.0
    assert money.settle(m)["stf"] == pytest.approx(m.orgs.stf_offer[prov].sum())


def test_regulator_support_is_paid_from_the_allocations_and_money_is_conserved():
    m = CommissioningModel(small_config("regulator=carrot", "resources=generous"))
    paid = []
    for _ in range(6):
        before, due = m.orgs.balance.sum(), m.orgs.support_money[m.orgs.alive].sum()
        m.step()
        assert m.orgs.balance.sum() - before == pytest.approx(m.flows.external_in - m.flows.external_out, abs=1e-9)
        assert m.flows.support == pytest.approx(due)             # what the last reviews decided, paid this month
        paid.append(m.flows.support)
    assert max(paid) > 0


def test_covid_regime_pays_blocks_tops_providers_up_and_pauses_oversight():
    m = CommissioningModel(small_config(*WIDE, "regime.covid=true", "regulator=stick",
                                        "regulator.escalation_threshold=1.0"))
    _missing_standard(m)
    m.step()
    prov = m.mask("provider")
    assert np.all(m.orgs.inflow[prov] >= m.orgs.outflow[prov] - 1e-9)
    assert m.flows.fines == 0 and m.flows.stf == 0 and m.flows.enforcement_actions == 0
    assert not m.orgs.escalation.any()


def test_the_start_month_is_honoured():
    m = CommissioningModel(small_config("start=2016-07", "months=12"))
    assert m.month_of_year == 3
    offered = {}
    for _ in range(12):
        m.step()
        offered[str(m.date)] = m.flows.control_totals_offered
    assert offered["2017-04"] > 0 and all(v == 0 for d, v in offered.items() if d != "2017-04")


# --- trust and leaders ---------------------------------------------------------------------------------------------
def test_a_new_leader_never_raises_trust():
    m = CommissioningModel(small_config())
    e = m.edges
    e.trust = np.linspace(0.0, 1.0, len(e.trust))
    before = e.trust.copy()
    ccgs = np.flatnonzero(m.mask("ccg"))
    trust.leader_change(m, ccgs)
    assert np.all(e.trust <= before)
    touched = np.isin(e.src, ccgs) | np.isin(e.dst, ccgs)
    assert np.all(e.trust[touched & (before > 0.5)] < before[touched & (before > 0.5)])


def test_conflict_slows_rebuilding_trust_without_blocking_it():
    def success_rate(conflict):
        m = CommissioningModel(small_config(*WIDE))
        e = m.edges
        rates = []
        for _ in range(30):
            e.conflict[:] = conflict
            trust.joint_work(m)
            rates.append(e.success.mean())
        return np.mean(rates)
    calm, tense = success_rate(0.0), success_rate(0.5)
    assert 0 < tense < calm


def test_operational_pressure_raises_stress_and_mean_stress_is_of_nhs_bodies():
    calm, pressed = (CommissioningModel(small_config()) for _ in range(2))
    prov = pressed.mask("provider")
    pressed.orgs.demand[prov] = 1.3 * pressed.orgs.capacity[prov]
    calm.orgs.demand[prov] = 0.9 * calm.orgs.capacity[prov]
    for m in (calm, pressed):
        leadership.update_stress(m)
    assert np.all(pressed.orgs.stress[prov] > calm.orgs.stress[prov])
    row = pressed.recorder.rows[-1]
    m = pressed
    m.recorder.collect()
    bodies = m.mask("ccg", *oversight.PROVIDERS)
    assert m.recorder.rows[-1]["mean_stress"] == pytest.approx(m.orgs.stress[bodies].mean())
    assert row is not None


# --- the policy timeline -------------------------------------------------------------------------------------------
def test_every_row_of_the_policy_timeline_is_an_event_of_the_2013_replay():
    from importlib import resources
    with resources.files("abm.data").joinpath("policy_timeline_2013_2022.csv").open("rb") as fh:
        rows = pd.read_csv(fh)
    events = yaml.safe_load((CONF_DIR / "scenario" / "england_2013.yaml").read_text())["timeline"]
    have = {(e["date"], e["note"]) for e in events}
    missing = [(r.date, r.event) for r in rows.itertuples() if (r.date, r.event) not in have]
    assert not missing, missing


def test_policy_events_place_bodies_and_designate_systems():
    """Quality special measures begin in July 2013 with the eleven trusts the published list names (none before); ten
    shadow accountable care systems in June 2017."""
    m = CommissioningModel(compose(["scenario=england_2013", "months=52", "write_organisations=false"]))
    keogh = np.isin(m.structure.orgs.code, ["RNL", "RJL", "RMP", "RWD", "RDD", "RJF", "RXR", "RLT", "RK5", "RXQ", "RPA"])
    counts, placed = {}, None
    for _ in range(52):
        m.step()
        counts[str(m.date)] = (m.recorder.rows[-1]["n_quality_special_measures"], m.recorder.rows[-1]["n_ics"])
        if str(m.date) == "2013-07":
            placed = m.orgs.regime_kind[keogh] == oversight.QUALITY_SM
    assert counts["2013-06"][0] == 0 and keogh.sum() == 11
    assert placed is not None and placed.all()          # the Keogh trusts, by name
    assert 11 <= counts["2013-07"][0] <= 17             # and any the new regime admits that month
    assert counts["2017-06"][1] == 10 and counts["2017-05"][1] == 0
    designated = m.stps.ics
    assert m.stps.maturity[designated].mean() >= m.stps.maturity[~designated].mean() - 0.05
    members = designated[np.maximum(m.orgs.stp, 0)] & m.mask("ccg")
    assert np.all(m.orgs.autonomy[members] >= m.beh.ics_autonomy) and m.stps.risk_share[designated].all()


def test_abolishing_ccgs_leaves_one_per_system():
    m = CommissioningModel(small_config(*WIDE, "months=2"))
    m.config.regime.ccgs_abolished = True
    m.step()
    o = m.orgs
    stps = o.stp[m.mask("ccg")]
    assert len(stps) == len(np.unique(stps)) == len(m.stps.maturity)
    assert m.flows.mergers == int((~o.alive & (o.kind == "ccg")).sum())


def test_designation_is_scaled_and_keeps_the_most_mature():
    m = CommissioningModel(small_config(*WIDE))
    m.stps.maturity = np.linspace(0.1, 0.9, len(m.stps.maturity))
    m.config.regime.ics_count = 22                   # half of England's 44 footprints
    m.regime = m.config.regime
    stp.designate(m)
    assert m.stps.ics.sum() == 3 and m.stps.ics[-3:].all()


# --- bounds of long runs (plausibility, not conclusions) -----------------------------------------------------------
@pytest.fixture(scope="module")
def england_runs():  # ten 60-month England runs: the slow part of this module
    return {(s, seed): simulate(compose([f"regulator={s}", f"seed={seed}", "write_organisations=false"]))["model"]
            for s in REGULATOR_STYLES for seed in range(2)}


def test_every_style_keeps_the_long_run_bounds_in_england(england_runs):
    for (style, seed), df in england_runs.items():
        assert not keeps(style, measure(df)), (style, seed, keeps(style, measure(df)))


def test_under_the_carrot_trust_free_of_payment_disputes_does_not_fall(england_runs):
    """The carrot's bound on commissioner-provider trust (docs/ODD.md section 8): where the commissioner has never been
    in deficit (no disputes under payment by results), trust ends no lower than it started; over all relationships it
    falls, and falls further where commissioners are in deficit."""
    for seed in range(2):
        df = england_runs[("carrot", seed)]
        assert measure(df)["cp_trust_undisputed_not_lower"], seed
        assert df.trust_commissioner_provider.iloc[-1] < df.trust_commissioner_provider_undisputed.iloc[-1]


@pytest.mark.slow
def test_suspending_contract_sanctions_keeps_more_commissioner_provider_trust():
    """Fines are conflict: with every contract sanction suspended, commissioner-provider trust ends higher than with
    them (same seeds); what erodes it then is disputes over payment (docs/ODD.md section 8)."""
    for seed in range(2):
        runs = [simulate(compose(["regulator=carrot", f"seed={seed}", "write_organisations=false", *extra]))["model"]
                for extra in ([], ["regime.sanctions_suspended=all"])]
        with_fines, without = (df.trust_commissioner_provider.iloc[-1] for df in runs)
        assert without > with_fines


def test_trusts_escalated_to_a_warning_or_above_answer_the_observed_share_in_nhs_improvements_lowest_segments():
    """NHS Improvement's segments 3 and 4 (mandated support, special measures) are read as the model's warning,
    directions and special measures: the monthly count takes every trust at level 2 or above and no CCG, and the
    observed row reads it as a share of the trusts."""
    from abm.metrics import month_columns
    from experiments.evidence import observed

    m = CommissioningModel(small_config(*WIDE))
    o = m.orgs
    trusts = np.flatnonzero(m.mask(*oversight.PROVIDERS))
    o.escalation[:] = 4                                            # every CCG too: they must not count
    o.escalation[trusts] = np.arange(len(trusts)) % 5              # levels 0..4 in turn among the trusts
    row, _ = month_columns(m)
    expected = int((o.escalation[trusts] >= 2).sum())
    assert row["n_providers_escalated"][0] == expected
    assert row["n_trusts"][0] == len(trusts)
    obs = observed.load()
    seg = obs[obs.measure == "providers_in_segments_3_4_share"].iloc[0]
    table = pd.DataFrame({"date": [seg.period], "n_providers_escalated": [expected], "n_trusts": [len(trusts)]})
    assert observed.model_value(seg, table) == pytest.approx(expected / len(trusts))
    assert observed.tolerance(seg.measure)[1](seg.value, seg.value + 0.09)
    assert not observed.tolerance(seg.measure)[1](seg.value, seg.value - 0.11)
