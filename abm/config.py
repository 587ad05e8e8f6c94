"""The one place where every parameter is declared: its type, default, allowed range and source.

The dataclasses below are Hydra *structured configs*: Hydra checks types and rejects unknown keys when it composes
the YAML files in ``conf/``; :func:`validate` then checks every value against its range and names the offending key in
a one-line :class:`ConfigError`. ``python -m abm.config`` prints the parameter table that ``docs/ODD.md`` embeds
(``--update`` rewrites it there).

Sources are short: ``seed 000 L176`` means line 176 of ``shared/seeds/000_*.txt`` (see ``docs/ODD.md`` for the rule
each parameter belongs to); ``assumption`` marks a value the evidence does not give, chosen to be plausible and to be
varied in sensitivity analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from typing import Any

from abm.vocabulary import DEFAULT_STYLE, ENVELOPES, INSTITUTIONS, INVESTMENT_RULES, SANCTION_REGIMES, SCENARIOS
from abm.vocabulary import STYLES as REGULATOR_STYLES


class ConfigError(ValueError):
    """A configuration value outside what the model accepts; its message is one line."""


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


@dataclass
class ScenarioConfig:
    name: str = p("england", choices=SCENARIOS, source="abm/data (ONS, NHS Digital, NHSBSA)",
                  doc="organisation structure: real England 2016/17, a small synthetic one, or England 2013 (211 CCGs)")
    n_stps: int = p(3, 1, 12, "technical", doc="small scenario only: number of synthetic STPs")
    ccgs_per_stp: int = p(3, 1, 12, "technical", doc="small scenario only: CCGs per STP")
    acute_per_stp: int = p(2, 1, 6, "technical", doc="small scenario only: acute trusts per STP")
    copies: int = p(1, 1, 64, "technical",
                    doc="england only: k copies of the whole structure side by side (scaling benchmarks)")

    def __post_init__(self) -> None:
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
    escalation_threshold: float = p(0.4, 0.0, 1.0, "seed 000 L200; seed 003 L614",
                                    doc="assessed score below which a body counts as failing")
    autonomy_reward: float = p(0.3, 0.0, 1.0, "seed 000 L194",
                               doc="earned autonomy given to bodies rated well (less reporting, room to push back)")
    switch_share: float = p(0.5, 0.0, 1.0, "Chen et al. 2015",
                            doc="carrot_then_stick: share of compliant bodies at which rewards give way to punishment")
    leader_removal: float = p(0.15, 0.0, 1.0, "seed 000 L98, L224",
                              doc="probability per quarter that special measures remove the leader")
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
    recovery_margin: float = p(0.15, 0.0, 1.0, "assumption",
                               doc="stick: a body escalated steps down once its score is this far above the threshold")
    compliance_memory: float = p(0.25, 0.01, 1.0, "assumption",
                                 doc="carrot_then_stick: weight of the newest review in its smoothed compliance share")
    switch_band: float = p(0.05, 0.0, 0.5, "assumption",
                           doc="carrot_then_stick: half-width of the band around switch_share within which it keeps "
                               "its current logic")


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
    funding_growth: float = p(0.018, 0.0, 0.15, "assumption; seed 004 L117, “rising demand and constrained funding”",
                              doc="NHS funding: annual real growth of CCG allocations, the money that buys capacity "
                                  "(the envelope of the whole service, beside the regulators' own budget)")
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
class BehaviourConfig:
    # --- demand, money and performance
    demand_growth: float = p(0.02917, 0.0, 0.15,
                             "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.03; "
                             "assumption: seed 004 L168 gives admissions growth of 2.2 % a year; 3 % adds acuity "
                             "(seed 003 L808))",
                             doc="annual growth of demand for provider care", assumed=0.03)
    social_care_cut: float = p(0.02, 0.0, 0.2, "seed 004 L165",
                               doc="annual real cut in local-authority social-care budgets")
    displaced_demand: float = p(0.3, 0.0, 1.0, "seed 004 L165",
                                doc="share of cut social care that returns as NHS demand")
    initial_deficit_share: float = p(0.6, 0.0, 1.0, "assumption (King's Fund 2016, Deficits in the NHS, reports most "
                                                    "trusts in deficit; 60 % is not in the seeds)",
                                     doc="share of trusts that start running costs above tariff")
    initial_ccg_deficit_share: float = p(0.15, 0.0, 1.0, "assumption (2016); observed 19 of 211 for 2014-03",
                                         doc="share of CCGs that start with a cumulative deficit")
    cost_drift: float = p(0.018, 0.0, 0.1, "calibrated to observed provider_net_position 2013/14-2015/16 (fit rows)",
                          doc="yearly rise of providers' unit cost against tariff")
    cost_drift_spread: float = p(0.02, 0.0, 0.1, "calibrated with cost_drift (assumption for its form: exponential, "
                                                 "concentrated in a minority of trusts)",
                                 doc="spread between trusts of the yearly cost drift (a trust's own cost pressures)")
    cip_rate: float = p(0.01, 0.0, 0.1, "assumption",
                        doc="yearly cost-improvement programme of a provider in deficit (share of unit cost)")
    quality_spend: float = p(0.01, 0.0, 0.1, "assumption; seed 000 L135 (the pull of CQC quality targets)",
                             doc="yearly rise of unit cost of a provider rated inadequate by the CQC (half that if "
                                 "requires improvement): staffing up to the CQC's expectations")
    fine_rate: float = p(0.02, 0.0, 0.2, "assumption; checked against observed contract_fines 2015/16",
                         doc="contract sanction as a share of the month's payment for a missed standard")
    distress_threshold: float = p(0.25, 0.0, 5.0, "assumption",
                                  doc="cumulative debt, in years of income, beyond which central distress funding "
                                      "covers a third of the excess a year")
    capacity_spread: float = p(0.03, 0.0, 0.2, "assumption; calibrated to the spread of the four-hour standard "
                                               "across trusts (ae_type1_trusts_meeting_95)",
                               doc="spread between providers of initial capacity relative to demand (sd)")
    age_demand: float = p(1.0, 0.0, 5.0, "assumption; seed 004 L166, “a growing ageing population needing more care”",
                          doc="how much faster demand grows for patients with a larger share aged 65+: growth x "
                              "(1 + age_demand x (relative share of 65+ - 1))")
    capacity_headroom: float = p(0.961, 0.5, 1.5,
                                 "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.97; "
                                 "seed 004 L117)",
                                 doc="mean initial provider capacity relative to demand", assumed=0.97)
    perf_adjust_rate: float = p(0.15, 0.01, 1.0, "assumption", doc="monthly speed at which true performance moves to its level")
    load_sensitivity: float = p(1.2, 0.0, 5.0, "seed 004 L117, L134",
                                doc="loss of true performance per unit of demand above capacity")
    pressure_effort: float = p(0.1, 0.0, 0.5, "Propper et al. 2008, 2010",
                               doc="gain in true target performance per unit of high-powered pressure")
    effort_cost: float = p(0.01, 0.0, 0.1, "seed 000 L135",
                           doc="extra cost (share of income) per unit of effort spent chasing the target")
    gaming: float = p(0.06, 0.0, 0.3, "Bevan and Hood 2006; seed 003 L454",
                      doc="largest reported-minus-true gap per unit of pressure")
    support_effect: float = p(0.03, 0.0, 0.2, "seed 000 L192, L269",
                              doc="gain in true performance per unit of support received")
    target: float = p(0.95, 0.5, 1.0, "seed 004 L117: “the 95% 4-hour A&E target”", provenance="source-number",
                      doc="performance standard (share of patients seen within standard)")
    standard_weight: float = p(0.25, 0.0, 1.0, "assumption; seed 004 L117 (the 95 % A&E target, a national standard "
                                              "the oversight frameworks read performance against)",
                               doc="share of the assessed performance domain judged against the absolute standard "
                                   "rather than the national benchmark")
    standard_span: float = p(0.10, 0.01, 0.5, "assumption",
                             doc="shortfall below the standard at which the absolute part of the performance domain "
                                 "reaches 0 (it reaches 1 as far above it)")
    gaming_detection: float = p(0.3, 0.0, 1.0, "assumption; Bevan and Hood 2006 (audits found misreporting)",
                                doc="chance that a CQC inspection finds a gap between a trust's reported and true "
                                    "performance")
    gaming_sanction: float = p(0.35, 0.0, 1.0, "assumption (a warning's share of the regulator's severity)",
                               doc="sanction felt by a trust caught misreporting, as a share of the regulator's severity")
    deterrence_months: float = p(12.0, 0.0, 120.0, "assumption",
                                 doc="months a trust caught misreporting reports its true performance")
    # --- performance management
    indicator_noise: float = p(0.05, 0.0, 0.3, "seed 000 L58, L202",
                               doc="noise in the assessed score")
    regime_min_months: int = p(12, 0, 120, "calibrated to observed special_measures_time_in_regime 2017-04 (20.5)",
                               doc="months a trust stays in special measures before it can leave")
    directions_min_months: int = p(3, 0, 120, "calibrated to observed ccgs_under_legal_directions 2013-04 (15) and "
                                              "2013-07 (8)",
                                   doc="months a CCG stays under legal directions before they can be lifted")
    inspection_interval: int = p(24, 1, 120, "assumption (CQC re-inspection about every two years)",
                                 doc="months between CQC inspections of a trust (staggered)")
    ccg_rating_cuts: list[float] = field(default_factory=lambda: [0.37, 0.46, 0.57], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed ccg_rating_* 2016-07", "choices": None,
        "doc": "CCG assessment cut-offs: inadequate | requires improvement | good | outstanding"})
    cqc_rating_cuts: list[float] = field(default_factory=lambda: [0.4, 0.67, 0.87], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed cqc_trust_rating_* 2016-05", "choices": None,
        "doc": "CQC overall rating cut-offs: inadequate | requires improvement | good | outstanding"})
    provider_weight: float = p(0.5, 0.0, 1.0, "seed 000 L202",
                               doc="weight of providers' performance in a CCG's assessment")
    # --- trust
    trust_build: float = p(0.03, 0.0, 0.5, "seed 003 L1248",
                           doc="monthly trust gain from successful joint work (scaled by room to grow)")
    trust_loss_sanction: float = p(0.3, 0.0, 1.0, "seed 003 L1030; seed 000 L253",
                                   doc="share of trust lost by a sanctioned body in its sanctioner, at full severity")
    trust_loss_conflict: float = p(0.08793, 0.0, 1.0,
                                   "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.08; "
                                   "seed 003 L808, L1024)",
                                   doc="share of trust lost in a month of conflict (disputes, fines)", assumed=0.08)
    trust_loss_threat: float = p(0.2, 0.0, 1.0, "seed 003 L784, L1030",
                                 doc="share of trust lost under a tendering or decommissioning threat")
    la_memory: float = p(0.3, 0.0, 1.0, "seed 003 L422",
                         doc="local authorities rebuild trust at this fraction of the NHS rate")
    personal_trust: float = p(0.4, 0.0, 1.0, "seed 003 L868; seed 004 L172",
                              doc="share of trust held by the leader and lost when the leader changes")
    trust_threshold: float = p(0.6566, 0.0, 1.0,
                               "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.6; "
                               "seed 003 L992, L1258)",
                               doc="trust above which partners share information and risk", assumed=0.6)
    # --- peers
    peer_look_rate: float = p(0.93, 0.0, 1.0, "derived: seed 002 L92, “Almost everyone (93%) indicated they were "
                                              "finding out what other CCGs were doing”, read as a yearly chance",
                              doc="share of CCGs looking at what peers do, per year")
    peer_learning: float = p(0.15, 0.0, 1.0, "seed 002 L92, L334",
                             doc="share of the gap to better-rated peers' readiness closed when looking")
    peer_weight: float = p(0.6, 0.0, 1.0, "seed 003 L546",
                           doc="weight of peer comparison in felt pressure (peers heard more than regulators)")
    # --- collaboration
    init_joint_committee: float = p(0.5, 0.0, 1.0, "calibrated (experiments.calibration.cutoffs) to seed 002 L125, “Just over "
                                                   "two thirds (70%) stated they had one or more joint committees”",
                                    doc="April 2016: chance that a trusting CCG pair already has a joint committee")
    init_shared_ao: float = p(0.4, 0.0, 1.0, "calibrated (experiments.calibration.cutoffs) to the 40 % of CCGs sharing an "
                                             "accountable officer in March 2017 (seed 002 L125)",
                              doc="April 2016: chance that a joint-committee pair already shares an AO")
    tender_rate: float = p(0.05, 0.0, 1.0, "seed 003 L1030, L928",
                           doc="monthly chance that a distrusted, under-performing community or MH provider is "
                               "threatened with re-tendering")
    collaboration_rate: float = p(0.08, 0.0, 1.0, "seed 002 L49, L125",
                                  doc="monthly propensity of a ready, trusting CCG pair to form a joint committee")
    shared_ao_rate: float = p(0.3, 0.0, 1.0, "seed 002 L125; seed 004 L218",
                              doc="chance that a vacant AO post is filled by a joint-committee partner's AO")
    ao_sharing_rate: float = p(0.004, 0.0, 1.0, "calibrated to observed ccgs_sharing_accountable_officer 2016-09, "
                                                "2017-03 (0.01, 0.006, 0.004 tried); seed 004 L218",
                               doc="monthly propensity of trusting joint-committee partners to appoint one "
                                   "accountable officer")
    merger_rate: float = p(0.01, 0.0, 1.0, "seed 002 L129",
                           doc="monthly propensity of CCGs sharing an AO for a year to merge, when allowed")
    merger_needs_shared_ao: bool = p(True, source="seed 002 L129, L123; the Long Term Plan ends it (policy timeline "
                                                   "2019-01)",
                                     doc="a merger needs a year of a shared accountable officer (else a joint "
                                         "committee suffices)")
    merger_lead_months: int = p(6, 0, 60, "assumption (a merger is applied for in the autumn for the next April)",
                                doc="least time between a merger decision and the April it takes effect")
    merger_allowed_from: int = p(10, 0, 1200, "seed 002 L123",
                                 doc="month (0 = April 2016) when NHS England lifts its merger moratorium")
    pooling_rate: float = p(0.02, 0.0, 1.0, "seed 002 L137-141; seed 003 L350",
                            doc="monthly propensity of a trusting CCG-LA pair to pool budgets")
    pooled_absorption: float = p(0.5, 0.0, 1.0, "assumption; seed 003 L1010 (a cost shunt to the local authority)",
                                 doc="share of social-care cuts' displaced demand a fully pooled area absorbs")
    pooled_share: float = p(0.05, 0.0, 0.5, "seed 003 L208",
                            doc="share of the CCG's and LA's overlap budget put into a pooled fund")
    alliance_rate: float = p(0.03, 0.0, 1.0, "seed 003 L896-902",
                             doc="monthly propensity of a trusting commissioner-provider pair to form an alliance")
    alliance_decay: float = p(0.03, 0.0, 1.0, "seed 003 L948",
                              doc="monthly chance an alliance not renewed by joint success drifts apart")
    risk_share_rate: float = p(0.1, 0.0, 1.0, "seed 003 L976; seed 000 L242",
                               doc="monthly propensity of an STP to agree a risk share, before penalties")
    risk_share_partners: float = p(6.0, 1.0, 100.0, "seed 003 L976-978",
                                   doc="partner count at which risk-share propensity falls to 1/e")
    financial_pullback: float = p(1.0, 0.0, 5.0, "seed 004 L116, L172",
                                  doc="how strongly financial stress pulls organisations back from collaboration")
    # --- leadership
    stress_relax: float = p(0.08, 0.0, 1.0, "seed 002 L55", doc="monthly easing of leader stress")
    stress_sanction: float = p(0.25, 0.0, 1.0, "seed 000 L79, L222",
                               doc="stress added by a sanction at full severity")
    stress_deficit: float = p(0.03, 0.0, 1.0, "seed 000 L224", doc="monthly stress from being in deficit")
    stress_rating: float = p(0.02, 0.0, 1.0, "seed 000 L196", doc="monthly stress from a poor rating")
    stress_reporting: float = p(0.04, 0.0, 1.0, "seed 000 L216", doc="monthly stress per unit reporting burden")
    stress_operational: float = p(0.03, 0.0, 1.0, "seed 004 L134, L172",
                                  doc="monthly stress per unit of demand above a provider's capacity")
    stress_inconsistency: float = p(0.03, 0.0, 1.0, "seed 000 L145, L153",
                                    doc="stress from conflicting regulator instructions")
    stress_support: float = p(0.1, 0.0, 1.0, "seed 000 L218", doc="stress relieved per unit support")
    stress_autonomy: float = p(0.05, 0.0, 1.0, "seed 000 L194", doc="stress relieved per unit autonomy")
    exit_base: float = p(0.08, 0.0, 1.0, "derived: seed 002 L352, “nearly a third said they were going to retire in "
                                         "the next 3-5 years”: a third over about four years is 8 % a year",
                         doc="annual leader exit rate at no stress (retirement, career moves)")
    exit_stress: float = p(0.02, 0.0, 1.0, "seed 000 L212, L224", doc="monthly exit probability at full stress")
    turnover_capacity_loss: float = p(0.3, 0.0, 1.0, "seed 000 L234",
                                      doc="management capacity lost when a leader changes, recovering over months")
    # --- STP maturity
    maturity_rate: float = p(0.06, 0.0, 1.0, "seed 002 L240", doc="monthly speed at which STP maturity moves")
    maturity_trust: float = p(0.35, 0.0, 1.0, "assumption; seed 004 L72-74 (the quality of relationships)",
                              doc="weight of members' mutual trust in the maturity an STP's state supports (weights "
                                  "are relative)")
    maturity_stability: float = p(0.15, 0.0, 1.0, "assumption; seed 002 L242 (stable leadership)",
                                  doc="weight of members' leadership stability in STP maturity")
    maturity_finance: float = p(0.2, 0.0, 1.0, "assumption; seed 002 L256 (historic debt)",
                                doc="weight of members out of deficit in STP maturity")
    maturity_collaboration: float = p(0.3, 0.0, 1.0, "assumption; seed 004 L80-85 (practical joint working)",
                                      doc="weight of joint committees, pooled budgets, alliances and risk shares in STP "
                                          "maturity")
    investment_effect: float = p(0.15, 0.0, 1.0, "seed 004 L101-102, L110",
                                 doc="maturity gain per GBP 100m invested in an STP")
    # --- functional forms: numbers that shape the rules (assumptions unless a source states the number)
    perf_baseline: float = p(0.9833, 0.5, 1.0,
                             "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.985; "
                             "assumption (performance with spare capacity))",
                             doc="performance level with demand at or below the load knee and nothing else pressing",
                             assumed=0.985)
    load_knee: float = p(0.948, 0.5, 1.5,
                         "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.95; "
                         "assumption)",
                         doc="load (demand over capacity) above which performance falls", assumed=0.95)
    perf_noise: float = p(0.01, 0.0, 0.1, "assumption", doc="monthly noise in true performance")
    stress_penalty: float = p(0.03, 0.0, 0.5, "assumption", doc="performance lost at full leader stress")
    capacity_penalty: float = p(0.02, 0.0, 0.5, "assumption; seed 000 L174",
                                doc="performance lost with no management capacity left")
    legitimacy_share: float = p(0.5, 0.0, 1.0, "assumption; Braithwaite and Makkai 1994",
                                doc="share of effort under pressure that depends on trust in the regulator")
    breach_margin: float = p(0.05313, 0.0, 0.5,
                             "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.05; "
                             "assumption)",
                             doc="how far below the standard reported performance is a breach (fines, tender threats)",
                             assumed=0.05)
    fine_conflict: float = p(0.5, 0.0, 1.0, "assumption", doc="conflict of a fined month, as a share of a dispute's")
    cquin_floor: float = p(0.7241, 0.0, 1.0,
                           "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.75; "
                           "assumption (CQUIN mostly earned))",
                           doc="CQUIN share earned at the lowest quality; all is earned from quality 1 - floor", assumed=0.75)
    debt_interest: float = p(0.015, 0.0, 0.2, "seed 004 L108: “6% compared with 1.5% for most other trusts”",
                             provenance="source-number", doc="annual interest on debt")
    fsm_interest: float = p(0.06, 0.0, 0.3, "seed 004 L108: “6% compared with 1.5% for most other trusts”",
                            provenance="source-number",
                            doc="annual interest on debt in financial special measures")
    planned_surplus: float = p(0.01, 0.0, 0.1, "assumption (NHS business rules: a 1 % surplus)",
                               doc="surplus CCGs plan and keep in reserve, and below which trusts run savings")
    deficit_repayment_years: float = p(3.0, 0.5, 20.0, "assumption", doc="years over which a CCG plans to repay a deficit")
    plan_cut_limit: float = p(0.03, 0.0, 1.0, "assumption: most of a CCG's other spending (prescribing, continuing "
                                              "healthcare, primary care) cannot be cut at will",
                              doc="largest share of its other spending a CCG can cut in one year's plan")
    capacity_growth_max: float = p(0.04, 0.0, 0.5, "assumption",
                                   doc="largest yearly capacity growth a provider can recruit and build, whatever its money")
    capacity_lag: float = p(6.0, 1.0, 36.0, "assumption (recruiting staff and opening beds takes months)",
                            doc="months over which a provider puts its planned capacity in place (a 1/lag share of "
                                "the remaining change each month)")
    cip_capacity_share: float = p(0.5, 0.0, 1.0, "assumption", doc="share of a savings programme that cuts capacity")
    control_total_savings: float = p(2.0, 1.0, 5.0, "assumption",
                                     doc="largest savings programme a trust runs to meet an accepted control total, in "
                                         "cip_rates")
    distress_years: float = p(3.0, 0.5, 20.0, "assumption", doc="years over which distress funding covers the excess debt")
    benchmark_width: float = p(2.55, 0.5, 10.0,
                               "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 2.0; "
                               "assumption)",
                               doc="spreads from the national mean at which a benchmarked domain reaches 0 or 1", assumed=2.0)
    finance_scale: float = p(10.0, 1.0, 100.0, "assumption",
                             doc="finance domain gained per unit of net margin above plan (0.5 at plan)")
    stability_months: float = p(24.0, 1.0, 120.0, "assumption", doc="tenure at which a leader counts as stable")
    threat_readiness: float = p(0.2, 0.0, 1.0, "assumption", doc="readiness a forced-collaboration threat adds")
    support_unit: float = p(0.5, 0.01, 10.0, "assumption", doc="GBP m a quarter that buys full support for one body")
    routine_success: float = p(0.25, 0.0, 1.0, "assumption", doc="chance a month of routine contact counts as joint success")
    linked_success: float = p(0.85, 0.0, 1.0, "assumption",
                              doc="the same for partners in a joint arrangement, before stress and money pull it down")
    coterminosity_range: float = p(0.5, 0.0, 2.0, "assumption; seed 004 L83, “Coterminal boundaries between (some if "
                                                  "not all) partners”",
                                   doc="range of the coterminosity multiplier of joint success inside an STP")
    partner_crowding: float = p(0.3, 0.0, 2.0, "assumption; seed 003 L978, “a larger number of partners increased the "
                                               "risks of rivalries and divisions”",
                                doc="joint success inside an STP falls by exp(-this x (relative number of organisations "
                                    "- 1))")
    geography_range: float = p(0.5, 0.0, 2.0, "assumption; seed 002 L252",
                               doc="range of the natural-geography multiplier of joint success inside an STP")
    strain_effect: float = p(0.5, 0.0, 1.0, "assumption", doc="joint success lost at full stress of both partners")
    pullback_effect: float = p(0.3, 0.0, 1.0, "assumption", doc="joint success lost when both partners are in deficit")
    support_trust: float = p(4.0, 0.0, 20.0, "assumption",
                             doc="trust gained in the regulator from support, in units of trust_build")
    inconsistency_trust: float = p(0.5, 0.0, 1.0, "assumption",
                                   doc="trust lost to inconsistent instructions, as a share of a conflict's")
    trust_floor: float = p(0.273, 0.0, 1.0,
                           "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 0.3; "
                           "assumption)",
                           doc="trust below which partners will not collaborate", assumed=0.3)
    dissolve_trust: float = p(0.25, 0.0, 1.0, "assumption", doc="mutual trust below which a joint committee dissolves")
    tender_trust: float = p(0.3, 0.0, 1.0, "assumption", doc="trust below which a CCG threatens re-tendering")
    tender_block_months: float = p(12.0, 0.0, 60.0, "assumption", doc="months a tender threat blocks alliances")
    alliance_max_load: float = p(1.05, 0.5, 2.0, "assumption", doc="provider load above which no alliance forms")
    alliance_conflict_lapse: float = p(0.05, 0.0, 1.0, "assumption",
                                       doc="monthly chance an alliance lapses under inconsistent instructions")
    austerity_pull: float = p(1.0, 0.0, 10.0, "assumption",
                              doc="pull away from pooling per unit of a local authority's budget cut since the start")
    pool_break_trust: float = p(0.3, 0.0, 1.0, "assumption", doc="mutual trust below which a pooled budget may unpick")
    pool_break: float = p(0.1, 0.0, 1.0, "assumption", doc="monthly chance a distrusted pooled budget unpicks")
    risk_share_break: float = p(0.05, 0.0, 1.0, "assumption",
                                doc="monthly chance a risk share breaks per unit of conflict or distrusted deficit")
    risk_transfer: float = p(0.3, 0.0, 1.0, "assumption",
                             doc="share of a member's deviation from its risk share's mean result pooled each month")
    resilience_damping: float = p(0.5, 0.0, 1.0, "assumption; seed 000 L210-212",
                                  doc="share of added stress and stress exits a fully resilient leader avoids")
    new_leader_stress: float = p(0.2, 0.0, 1.0, "assumption", doc="stress of a newly appointed leader")
    capacity_recovery: float = p(0.1, 0.0, 1.0, "assumption (about a year)",
                                 doc="share of lost management capacity recovered a month")
    peer_gap_scale: float = p(2.0, 0.0, 10.0, "assumption", doc="peer pressure per unit a score lags the peers' mean")
    stp_stability_months: float = p(44.15, 1.0, 120.0,
                                    "calibrated: ABC-SMC posterior mean, abm/data/posterior.csv (assumed before: 36.0; "
                                    "assumption)",
                                    doc="tenure at which a member counts as stable for its STP", assumed=36.0)
    investment_depreciation: float = p(0.1, 0.0, 1.0, "assumption", doc="yearly loss of the effect of past STP investment")
    ics_autonomy: float = p(0.3, 0.0, 1.0, "assumption; seed 004 L192 (freedoms and flexibilities of an ICS)",
                            doc="earned autonomy of the members of an integrated care system")
    dashboard_cuts: list[float] = field(default_factory=lambda: [0.4, 0.46, 0.55], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed stp_dashboard_* 2017-07 in the 2013 replay", "choices": None,
        "doc": "maturity cut-offs: needs most improvement | making progress | advanced | outstanding"})

    def __post_init__(self) -> None:
        for key in ("dashboard_cuts", "ccg_rating_cuts", "cqc_rating_cuts"):
            cuts = list(getattr(self, key))
            numbers = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cuts)
            if len(cuts) != 3 or not numbers or sorted(cuts) != cuts:
                raise ConfigError(f"behaviour.{key}={cuts} must be three increasing numbers in [0, 1]")


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
    financial_special_measures: bool = p(True, source="policy timeline 2016-07",
                                         doc="NHS Improvement can place trusts in financial special measures")
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


@dataclass
class ExperimentConfig:
    name: str = p("", source="technical", doc="name of the experiment preset (conf/experiment/) that set up the sweep")
    baseline: str = p("", source="technical",
                      doc="setting the paired differences are taken against, as key=value (e.g. regulator.name=as_was_2016)")


@dataclass
class SensitivityParameter:
    name: str = ""
    low: float = 0.0
    high: float = 1.0


@dataclass
class SensitivityConfig:
    method: str = p("morris", choices=("morris", "sobol"), source="Morris 1991; Saltelli 2002",
                    doc="screening (Morris elementary effects) or variance-based (Sobol indices)")
    n: int = p(10, 1, 100_000, "technical", doc="Morris trajectories, or Sobol base samples (a power of 2)")
    parameters: list[SensitivityParameter] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "parameters to vary: list of {name: group.name, low, high}"})
    outcomes: list[str] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "model.parquet columns (end of run) to analyse"})
    assumptions: bool = p(False, source="technical",
                          doc="vary every numeric assumption of behaviour and regime over its prior "
                              "(experiments/calibration/fit.py) instead of the listed parameters")
    contrast: list[str] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "technical", "choices": None,
        "doc": "two styles [A, B]: analyse the paired difference A minus B of each outcome (same seed and replicate)"})


BUDGETS = ("smoke", "default", "long")
SAMPLERS = ("multicore", "dask")


@dataclass
class CalibrateConfig:
    """``python -m experiments calibrate``: screening and ABC-SMC against the observed England of 2013-2016.
    Zero means "as the budget says" (``experiments.calibration.calibrate.BUDGETS``)."""

    budget: str = p("default", choices=BUDGETS, source="technical",
                    doc="smoke (tests, about a minute), default (under 45 minutes on 2 cores) or long")
    trajectories: int = p(0, 0, 1000, "technical", doc="Morris screening trajectories (0: the budget's)")
    max_parameters: int = p(0, 0, 104, "technical", doc="most parameters the ABC fits, by screening rank (0: budget's)")
    population: int = p(0, 0, 100_000, "technical", doc="ABC-SMC particles per generation (0: the budget's)")
    generations: int = p(0, 0, 100, "technical", doc="ABC-SMC generations (0: the budget's)")
    walltime_minutes: float = p(0.0, 0.0, 10_000.0, "technical", doc="stop the ABC after this long (0: the budget's)")
    predictive_draws: int = p(0, 0, 10_000, "technical", doc="posterior draws re-run for the predictive bands")
    width: int = p(32, 1, 4096, "technical", doc="particles evaluated together in one batch of runs on a worker")
    drop: float = p(0.5, 0.05, 0.95, "technical",
                    doc="share of particles replaced (by moved copies of the others) in each ABC-SMC generation")
    sampler: str = p("multicore", choices=SAMPLERS, source="technical",
                     doc="pyabc sampler: local processes, or a Dask cluster (local, or at calibrate.scheduler)")
    scheduler: str = p("", source="technical",
                       doc="address of a running Dask scheduler (e.g. one started on SLURM); empty: a local cluster")
    seed: int = p(0, 0, 2**31 - 1, "technical", doc="seed of the screening design and the ABC's random numbers")


@dataclass
class PosteriorConfig:
    """Which calibrated parameter set a run uses (``abm/data/posterior.csv``, from ``experiments.calibration.calibrate``)."""

    draw: int = p(-1, -1, 100_000, "technical",
                  doc="-1: the posterior mean (the schema's defaults); K: the calibrated parameters of draw K")
    best: bool = p(False, source="technical", doc="use the single best particle (smallest distance) instead")

    def __post_init__(self) -> None:
        if self.best is True and isinstance(self.draw, int) and self.draw >= 0:
            raise ConfigError(f"posterior.best=true contradicts posterior.draw={self.draw}: choose one")


@dataclass
class BatchConfig:
    """How many runs one job does, in one process (``abm.batch``): consecutive replicates from ``replicate`` and
    consecutive posterior draws from ``posterior.draw``. Each run is written as its own complete-or-absent result,
    identical to the same run done alone."""

    replicates: int = p(1, 1, 10_000, "technical", doc="runs of consecutive replicates, from `replicate`, in this job")
    draws: int = p(1, 1, 100_000, "technical",
                   doc="runs of consecutive posterior draws, from `posterior.draw` (which must then be a draw, not -1)")
    width: int = p(32, 1, 4096, "technical",
                   doc="replicates advanced together in one set of arrays (memory grows with it; see docs/performance.md)")


@dataclass
class PolicyEvent:
    """A dated change of parameters: ``changes`` are ``group.name=value`` strings (regulator.*, resources.*,
    institutions.*, behaviour.* or regime.*)."""
    date: str = ""
    changes: list[str] = field(default_factory=list)
    note: str = ""
    source: str = ""


@dataclass
class CounterfactualConfig:
    style: str = p("", choices=("", *REGULATOR_STYLES), source="technical",
                   doc="swap in this regulatory style (its preset) from `start`, ignoring later regulator events")
    start: str = p("", source="technical", doc="YYYY-MM from which the counterfactual style applies")

    def __post_init__(self) -> None:
        if self.style:
            _check_month("counterfactual.start", self.start, required=True)


@dataclass
class Config:
    seed: int = p(0, 0, 2**31 - 1, "technical", doc="master seed: with the replicate, fixes every random stream")
    start: str = p("2016-04", source="technical", doc="calendar month (YYYY-MM) of month 0")
    replicate: int = p(0, 0, 1_000_000, "technical",
                       doc="replication index; settings compared at the same seed and replicate share random streams")
    months: int = p(60, 1, 1200, "technical", doc="horizon in months from April 2016")
    run_id: str = p("", source="technical", doc="label of the run; derived from the config and seed when empty")
    write_organisations: bool = p(True, source="technical",
                                  doc="write organisations.parquet (one row per organisation per month)")
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    regulator: RegulatorConfig = field(default_factory=RegulatorConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    resources: ResourcesConfig = field(default_factory=ResourcesConfig)
    institutions: InstitutionsConfig = field(default_factory=InstitutionsConfig)
    regime: RegimeConfig = field(default_factory=RegimeConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    timeline: list[PolicyEvent] = field(default_factory=list, metadata={
        "lo": None, "hi": None, "source": "conf/scenario/england_2013.yaml", "choices": None,
        "doc": "dated policy events that change regulator or behaviour parameters"})
    counterfactual: CounterfactualConfig = field(default_factory=CounterfactualConfig)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)
    posterior: PosteriorConfig = field(default_factory=PosteriorConfig)
    batch: BatchConfig = field(default_factory=BatchConfig)


def _check(path: str, value: Any, meta: dict) -> None:
    choices, lo, hi = meta.get("choices"), meta.get("lo"), meta.get("hi")
    if meta.get("boolean"):
        if not isinstance(value, bool):
            raise ConfigError(f"{path}={value!r} must be true or false")
        return
    if choices is not None:
        if value not in choices:
            raise ConfigError(f"{path}={value!r} is not allowed; choose one of: {', '.join(choices)}")
        return
    values = value if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if lo is None and hi is None:
                continue
            raise ConfigError(f"{path}={value!r} must be a number in [{lo}, {hi}]")
        if v != v or v in (float("inf"), float("-inf")):
            raise ConfigError(f"{path}={value!r} must be a finite number in [{lo}, {hi}]")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(f"{path}={value!r} is out of range; allowed: [{lo}, {hi}]")


def validate(cfg: Any, schema: type = Config, prefix: str = "") -> None:
    """Check every value of ``cfg`` (a :class:`Config` or one of its parts) against its declared range.

    Checks that involve several fields of one part run when the part is built (``__post_init__``); the timeline and
    the sensitivity ranges, which refer to the whole schema, are checked here.
    """
    for f in fields(schema):
        path = f"{prefix}{f.name}"
        value = getattr(cfg, f.name)
        nested = _NESTED.get(f.type) if isinstance(f.type, str) else (f.type if isinstance(f.type, type) else None)
        if nested is not None and is_dataclass(nested):
            validate(value, nested, path + ".")
        else:
            _check(path, value, dict(f.metadata))
    if schema is Config:
        _check_month(f"{prefix}start", cfg.start, required=True)
        for i, event in enumerate(cfg.timeline):
            _check_month(f"{prefix}timeline[{i}].date", event.date, required=True)
            for change in event.changes:
                parse_change(change, f"{prefix}timeline[{i}]")
    if schema is SensitivityConfig:
        if cfg.contrast and (len(cfg.contrast) != 2 or any(c not in REGULATOR_STYLES for c in cfg.contrast)):
            raise ConfigError(f"{prefix}contrast={list(cfg.contrast)} must name two styles of: "
                              f"{', '.join(REGULATOR_STYLES)}")
        ranges = {r["name"]: r for r in parameter_rows()}
        for item in cfg.parameters:
            name, low, high = item.name, item.low, item.high
            declared = ranges.get(name)
            if declared is None or "[" not in declared["range"] or name.startswith(("scenario.", "seed")):
                raise ConfigError(f"{prefix}parameters: {name!r} is not a numeric model parameter")
            lo, hi = (float(x) for x in declared["range"].strip("[]").split(", "))
            if not lo <= low < high <= hi:
                raise ConfigError(f"{prefix}parameters: {name} low={low}, high={high} must satisfy "
                                  f"{lo} <= low < high <= {hi}")


def to_config(cfg: Any) -> Config:
    """A composed Hydra config (or a plain dict of the same shape) as the :class:`Config` dataclass."""
    from omegaconf import OmegaConf
    if isinstance(cfg, Config):
        return cfg
    node = cfg if not isinstance(cfg, dict) else OmegaConf.merge(OmegaConf.structured(Config), cfg)
    config = OmegaConf.to_object(node)
    if not isinstance(config, Config):         # a DictConfig composed without the schema
        config = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), node))
    assert isinstance(config, Config)
    return config


_NESTED = {"ScenarioConfig": ScenarioConfig, "RegulatorConfig": RegulatorConfig, "BehaviourConfig": BehaviourConfig,
           "RegimeConfig": RegimeConfig, "ResourcesConfig": ResourcesConfig,
           "InstitutionsConfig": InstitutionsConfig, "ExperimentConfig": ExperimentConfig, "SensitivityConfig": SensitivityConfig,
           "CalibrateConfig": CalibrateConfig, "PosteriorConfig": PosteriorConfig, "BatchConfig": BatchConfig,
           "CounterfactualConfig": CounterfactualConfig}


def _check_month(path: str, value: str, required: bool = False) -> None:
    import re
    if (value or required) and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(value)):
        raise ConfigError(f"{path}={value!r} must be a month written YYYY-MM")


# Parameter groups a policy event may change (the timeline), by their name in the config.
CHANGEABLE = {"regulator": RegulatorConfig, "resources": ResourcesConfig, "institutions": InstitutionsConfig,
              "behaviour": BehaviourConfig, "regime": RegimeConfig}


def parse_change(change: str, where: str = "timeline") -> tuple[str, str, Any]:
    """``"regulator.severity=0.5"`` -> (``"regulator"``, ``"severity"``, 0.5), checked against the parameter's range."""
    key, sep, raw = str(change).partition("=")
    group, _, name = key.strip().partition(".")
    schema = CHANGEABLE.get(group)
    declared = {f.name: f for f in fields(schema)} if schema else {}
    if not sep or name not in declared:
        raise ConfigError(f"{where}: change {change!r} must be GROUP.NAME=VALUE with GROUP one of "
                          f"{', '.join(CHANGEABLE)} and a known NAME")
    value = _yaml_value(raw)
    value = list(value) if isinstance(value, list) else value        # a fresh list: never the cached one
    _check(key.strip(), value, dict(declared[name].metadata))
    return group, name, value


@lru_cache(maxsize=1024)
def _yaml_value(raw: str) -> Any:
    """A value written in YAML (the timeline's changes are parsed at every validation and every event: once each)."""
    import yaml
    return yaml.safe_load(raw)


_GROUPS = ("scenario", "regulator", "resources", "institutions", "behaviour", "regime", "experiment", "sensitivity",
           "timeline", "counterfactual", "calibrate", "posterior", "batch")


def parameter_rows() -> list[dict]:
    """One row per parameter (group, name, default, range, source, meaning) for the ODD table."""
    rows = []
    for group, schema in (("", Config), ("scenario", ScenarioConfig), ("regulator", RegulatorConfig),
                          ("resources", ResourcesConfig), ("institutions", InstitutionsConfig),
                          ("behaviour", BehaviourConfig), ("regime", RegimeConfig), ("experiment", ExperimentConfig),
                          ("sensitivity", SensitivityConfig), ("calibrate", CalibrateConfig),
                          ("posterior", PosteriorConfig), ("batch", BatchConfig)):
        inst = schema()
        for f in fields(schema):
            if f.name in _GROUPS:
                continue
            m = f.metadata
            rng = " / ".join(m["choices"]) if m.get("choices") else (
                f"[{m['lo']}, {m['hi']}]" if m.get("lo") is not None else "any")
            rows.append({"name": f"{group}.{f.name}" if group else f.name, "default": getattr(inst, f.name),
                         "range": rng, "provenance": m.get("provenance", "technical"), "source": m.get("source", ""),
                         "meaning": m.get("doc", "")})
    return rows


def schema_keys(schema: type = Config, prefix: str = "") -> set[str]:
    """Every key the schema declares, as dotted paths (``regulator.severity``), groups included (``regulator``)."""
    keys = set()
    for f in fields(schema):
        path = f"{prefix}{f.name}"
        keys.add(path)
        nested = _NESTED.get(f.type) if isinstance(f.type, str) else (f.type if isinstance(f.type, type) else None)
        if nested is not None and is_dataclass(nested):
            keys |= schema_keys(nested, path + ".")
    return keys


def markdown_table() -> str:
    lines = ["| parameter | default | range | provenance | source | meaning |", "|---|---|---|---|---|---|"]
    for r in parameter_rows():
        lines.append(f"| `{r['name']}` | {r['default']} | {r['range']} | {r['provenance']} | {r['source']} | "
                     f"{r['meaning']} |")
    return "\n".join(lines)


START_MARK, END_MARK = "<!-- parameter table: generated -->", "<!-- end of parameter table -->"


def update_odd(path: str) -> None:
    """Replace the parameter table between the markers of ``docs/ODD.md`` with the current one."""
    from pathlib import Path
    text = Path(path).read_text()
    head, _, rest = text.partition(START_MARK)
    _, _, tail = rest.partition(END_MARK)
    Path(path).write_text(f"{head}{START_MARK}\n{markdown_table()}\n{END_MARK}{tail}")


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] == ["--update"]:
        update_odd(sys.argv[2] if len(sys.argv) > 2 else "docs/ODD.md")
    else:
        print(markdown_table())


def with_values(config: Config, values: dict[str, float]) -> Config:
    """A copy of ``config`` with ``group.name`` parameters set to ``values`` (whole-number parameters rounded)."""
    from dataclasses import replace
    groups: dict[str, dict] = {}
    for name, value in values.items():
        group, key = name.split(".", 1)
        current = getattr(getattr(config, group), key)
        groups.setdefault(group, {})[key] = int(round(value)) if isinstance(current, int) else float(value)
    return replace(config, **{g: replace(getattr(config, g), **kv) for g, kv in groups.items()})
