"""The parameter groups a run is configured by besides behaviour: scenario, regulator, resources, institutions and
the national regime (the timeline changes the last four)."""

from __future__ import annotations

from dataclasses import dataclass, field

from abm.config.fields import ConfigError, check_month, p
from abm.vocabulary import DEFAULT_STYLE, ENVELOPES, INSTITUTIONS, INVESTMENT_RULES, SANCTION_REGIMES, SCENARIOS
from abm.vocabulary import STYLES as REGULATOR_STYLES


@dataclass
class ScenarioConfig:
    name: str = p("england", choices=SCENARIOS, source="abm/data (ONS, NHS Digital, NHSBSA)",
                  doc="organisation structure: real England 2016/17, a small synthetic one, or England 2013 (211 CCGs)")
    n_stps: int = p(3, 1, 12, "technical", doc="small scenario only: number of synthetic STPs")
    ccgs_per_stp: int = p(3, 1, 12, "technical", doc="small scenario only: CCGs per STP")
    acute_per_stp: int = p(2, 1, 6, "technical", doc="small scenario only: acute trusts per STP")
    from_data: bool = p(True, source="abm/data (trust_ae_fy.csv, trust_loans_2016_17.csv)",
                        doc="start each trust from its own public figures where they exist (four-hour share, DH loans: "
                            "abm.initial); false: every trust drawn from the stated distributions")
    anchor_until: str = p("", source="technical",
                          doc="YYYY-MM: each April up to this month, every trust with a published four-hour share for "
                              "the year just ended is set at it again (each year a forecast one year ahead); empty: "
                              "never")
    copies: int = p(1, 1, 64, "technical",
                    doc="england only: k copies of the whole structure side by side (scaling benchmarks)")

    def __post_init__(self) -> None:
        check_month("scenario.anchor_until", self.anchor_until)
        if isinstance(self.copies, int) and self.copies > 1 and self.name not in ("england", "england_2013"):
            raise ConfigError(f"scenario.copies={self.copies} contradicts scenario.name={self.name!r}: copies applies "
                              "to the england scenario only")


@dataclass
class RegulatorConfig:
    """Defaults are those of the default style, ``conf/regulator/as_was_2016.yaml`` (a test keeps them equal)."""

    name: str = p(DEFAULT_STYLE, choices=REGULATOR_STYLES, source="model brief",
                  doc="regulatory style (strategy class in abm/styles.py)")
    severity: float = p(0.7, 0.0, 1.0, "seed 000 L98",
                        doc="strength of sanctions at full escalation (warnings, directions, special measures)")
    escalation_threshold: float = p(0.4, 0.0, 1.0, "seed 000 L200; seed 003 L614 (the rule, not the number); observed "
                                                   "providers_in_segments_3_4_share 2016-12 and "
                                                   "ccgs_under_legal_directions (fit rows) bound it to about 0.39-0.45 "
                                                   "(docs/ODD.md section 8)",
                                    doc="assessed score below which a body counts as failing")
    autonomy_reward: float = p(0.3, 0.0, 1.0, "seed 000 L194",
                               doc="earned autonomy given to bodies rated well (less reporting, room to push back)")
    switch_share: float = p(0.5, 0.0, 1.0, "Chen et al. 2015",
                            doc="carrot_then_stick: share of compliant bodies at which rewards give way to punishment")
    leader_removal: float = p(0.15, 0.0, 1.0, "seed 000 L98, L224",
                              doc="probability per quarter that special measures (or a CQC rating of inadequate) "
                                  "remove the leader")
    force_collaboration: float = p(0.4, 0.0, 1.0, "seed 000 L198",
                                   doc="intensity of threats used to force CCGs to collaborate with their STP")
    sanction_at_level: list[float] = field(default_factory=lambda: [0.0, 0.1, 0.35, 0.7, 1.0], metadata={
        "lo": 0.0, "hi": 1.0, "source": "assumption; seed 000 L98 (the escalating tools: warnings, directions, special "
                                        "measures)", "choices": None, "provenance": "assumption",
        "doc": "share of the severity felt at each escalation level: none, monitoring, warning, directions, special "
               "measures"})
    reporting_at_level: list[float] = field(default_factory=lambda: [0.0, 0.05, 0.1, 0.2, 0.3], metadata={
        "lo": 0.0, "hi": 1.0, "source": "assumption; seed 000 L174 (information requests)", "choices": None,
        "provenance": "assumption", "doc": "extra share of management capacity on reporting at each escalation level"})
    coaching_share: float = p(0.5, 0.0, 1.0, "assumption; seed 000 L188-192 (support “when the need for improvements "
                                             "was identified”)",
                              doc="carrot: support units offered to a body rated below good that is not failing "
                                  "(lighter coaching, paid after full offers)")
    recovery_margin: float = p(0.15, 0.0, 1.0, "assumption",
                               doc="stick: a body escalated steps down once its score is this far above the threshold")
    compliance_memory: float = p(0.25, 0.01, 1.0, "assumption",
                                 doc="carrot_then_stick: weight of the newest review in its smoothed compliance share")
    switch_band: float = p(0.05, 0.0, 0.5, "assumption",
                           doc="carrot_then_stick: half-width of the band around switch_share within which it keeps "
                               "its current logic")

    def __post_init__(self) -> None:
        for key in ("sanction_at_level", "reporting_at_level"):
            value = getattr(self, key)
            values = list(value) if isinstance(value, (list, tuple)) else []
            numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0 for x in values)
            if len(values) != 5 or not numbers:
                raise ConfigError(f"regulator.{key}={value} must be five numbers in [0, 1], one per escalation level "
                                  "(none, monitoring, warning, directions, special measures)")


@dataclass
class ResourcesConfig:
    """What the regulators have to act with: one envelope, the same for every style compared within it. Defaults are
    ``conf/resources/standard.yaml`` (the 2016 envelope). Interventions are paid first from the budget; support is
    paid from what is left, so a style spends the same budget by its own logic."""

    name: str = p("standard", choices=ENVELOPES, source="technical", doc="resource envelope (conf/resources/)")
    budget: float = p(40.0, 0.0, 1000.0, "assumption (2016: GBP 20m of support and 40 places at GBP 0.5m)",
                      doc="regulators' improvement budget, GBP m a year: interventions first, support from the rest")
    intervention_cost: float = p(0.5, 0.0, 10.0, "assumption",
                                 doc="GBP m a year for each body in special measures or under directions (an "
                                     "improvement director or case manager and their programme)")
    funding_growth: float = p(0.018, -0.1, 0.15, "assumption; seed 004 L117, “rising demand and constrained funding”",
                              doc="NHS funding: annual real growth (negative: a real cut) of CCG allocations, the money "
                                  "that buys capacity (the envelope of the whole service, beside the regulators' own "
                                  "budget)")
    capacity: float = p(0.3, 0.0, 1.0, "seed 000 L139, L200",
                        doc="share of the bodies reviewed each month that the regulator can actively attend to")
    reporting_load: float = p(0.35, 0.0, 1.0, "seed 000 L174",
                              doc="baseline share of management capacity taken by information requests")
    places_quality_sm: float = p(15.0, 0.0, 1000.0, "observed: 15 trusts in quality special measures, 2017-04",
                                 doc="improvement directors: trusts that can be held in quality special measures at "
                                     "once (England's size; scaled with the number of trusts)")
    places_financial_sm: float = p(10.0, 0.0, 1000.0, "observed: 10 trusts in financial special measures, 2017-03",
                                   doc="trusts that can be held in financial special measures at once (England's "
                                       "size; scaled)")
    places_ccgs: float = p(15.0, 0.0, 1000.0, "observed: 15 CCGs under legal directions, 2013-04",
                           doc="case managers: CCGs NHS England can hold under legal directions at once "
                               "(England's size; scaled with the number of CCGs)")


@dataclass
class InstitutionsConfig:
    """How the national bodies work together and invest. Defaults are ``conf/institutions/divided.yaml`` (2016)."""

    name: str = p("divided", choices=INSTITUTIONS, source="technical", doc="institutional setting (conf/institutions/)")
    consistency: float = p(0.4, 0.0, 1.0, "seed 000 L153; seed 002 L286",
                           doc="probability that NHS England and NHS Improvement send consistent instructions")
    investment_rule: str = p("preferential", choices=INVESTMENT_RULES, source="seed 004 L101-102, L268",
                             doc="how STP transformation capital is shared out")
    investment_budget: float = p(300.0, 0.0, 3000.0, "seed 004 L102",
                                 doc="STP capital and transformation investment, GBP m per year")


@dataclass
class RegimeConfig:
    """The national policy regime: what the national bodies decided and when. The policy timeline changes it
    (``regime.NAME=VALUE``); the defaults are the regime of 2016/17."""

    stf_share: float = p(0.0243, 0.0, 0.1, "derived: GBP 1.8bn (seed 004 L271) / GBP 74bn provider spend (seed 004 L7)",
                         doc="sustainability fund offered to trusts that accept a control total, share of income")
    stf_performance_part: float = p(0.3, 0.0, 1.0, "assumption (STF conditional on A&E trajectories: timeline 2016-04)",
                                    doc="part of the fund tied to the performance trajectory; the rest to the "
                                        "control total")
    stf_tolerance: float = p(0.01, 0.0, 0.2, "assumption",
                             doc="how far short of its control total (margin) a trust may be and still count as on "
                                 "its financial trajectory")
    stf_performance_tolerance: float = p(0.03, 0.0, 0.3, "assumption",
                                         doc="how far below the national performance (share of patients) a trust may "
                                             "be and still count as on its performance trajectory")
    control_total_closure: float = p(0.3, 0.0, 1.0, "assumption",
                                     doc="share of its deficit a trust's control total asks it to close in a year")
    control_total_stretch: float = p(0.01, 0.0, 0.1, "assumption",
                                     doc="least improvement a control total asks, share of income")
    sanctions_suspended: str = p("stf", choices=SANCTION_REGIMES, source="policy timeline 2016-04, 2018-04",
                                 doc="contract sanctions suspended for no trust, for trusts that accepted a control "
                                     "total, or for all")
    fines_reinvested: bool = p(False, source="policy timeline 2015-04 (from Jan 2016 CCGs withhold fines rather "
                                               "than reinvest them)",
                               doc="fines levied are returned to the provider as non-recurrent funding")
    fines_waivable: bool = p(False, source="policy timeline 2015-04 (marginal sanctions without waiver)",
                             doc="commissioners may waive a fine for a provider they trust")
    cquin_share: float = p(0.025, 0.0, 0.1, "derived: twice the halved 1.25 % of policy timeline 2019-04",
                           doc="CQUIN: share of contract value paid for meeting local quality goals")
    foundation_autonomy: float = p(0.0, 0.0, 1.0, "technical: a design's setting (experiments/evidence/arms.py, the "
                                                  "freedoms of foundation status); 0 in every run otherwise",
                                   doc="earned autonomy foundation trusts hold whatever the style gives")
    quality_special_measures: bool = p(True, source="policy timeline 2013-07",
                                       doc="the quality special-measures regime exists (trusts may be placed in it)")
    financial_special_measures: bool = p(True, source="policy timeline 2016-07",
                                         doc="NHS Improvement can place trusts in financial special measures")
    relative_ccg_ratings: bool = p(True, source="policy timeline 2016-07 (CCG improvement and assessment "
                                                 "framework); NHS England (2017), CCG IAF 2016/17 clinical priority "
                                                 "overviews (the assessment is relative); seed 000 L166 (the framework)",
                                   doc="CCG ratings read each CCG's assessed score against this year's CCGs (the "
                                       "improvement and assessment framework), not against fixed cut-offs")
    ics_count: int = p(0, 0, 1000, "policy timeline 2017-06 .. 2021-04",
                       doc="integrated care systems designated (England's size; the most mature STPs)")
    covid: bool = p(False, source="policy timeline 2020-03",
                    doc="COVID-19 regime: block payments with top-ups, routine oversight and ratings paused")
    ccgs_abolished: bool = p(False, source="policy timeline 2022-07",
                             doc="CCGs end: each system's CCGs become one integrated care board")
    place_quality_special_measures: int = p(0, 0, 1000, "policy timeline 2013-07",
                                            doc="one-off: trusts placed in quality special measures by an event")
    place_financial_special_measures: int = p(0, 0, 1000, "policy timeline 2016-07",
                                              doc="one-off: trusts placed in financial special measures by an event")
    place_ccg_directions: int = p(0, 0, 1000, "policy timeline 2013-04, 2016-07",
                                  doc="one-off: CCGs put under legal directions by an event")
