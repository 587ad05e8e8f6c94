"""The behavioural parameters (``behaviour.*``), declared in one class per mechanism and joined in
:class:`BehaviourConfig` (one flat group: ``behaviour.trust_build``, whatever class declares it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from abm.config.fields import ConfigError, medoid, p


@dataclass
class MoneyBehaviour:
    """Behaviour: demand, money and performance."""

    demand_growth: float = medoid(0.03907, 0.0, 0.15, 0.03,
                                  "assumption: seed 004 L168 gives admissions growth of 2.2 % a year; 3 % adds "
                                  "acuity (seed 003 L808)",
                                  doc="annual growth of demand for provider care",
                                  calibration="0.2.0")
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
    capacity_spread: float = medoid(0.02804, 0.0, 0.2, 0.03,
                                    "assumption; the fit rows include the share of trusts meeting the four-hour standard",
                                    doc="spread between providers of initial capacity relative to demand (sd)",
                                    calibration="0.2.0")
    age_demand: float = p(1.0, 0.0, 5.0, "assumption; seed 004 L166, “a growing ageing population needing more care”",
                          doc="how much faster demand grows for patients with a larger share aged 65+: growth x "
                              "(1 + age_demand x (relative share of 65+ - 1))")
    capacity_headroom: float = medoid(0.9766, 0.5, 1.5, 0.97,
                                      "seed 004 L117",
                                      doc="mean initial provider capacity relative to demand")
    perf_adjust_rate: float = p(0.15, 0.01, 1.0, "assumption", doc="monthly speed at which true performance moves to its level")
    load_sensitivity: float = medoid(1.246, 0.0, 5.0, 1.2,
                                     "seed 004 L117, L134",
                                     doc="loss of true performance per unit of demand above capacity")
    pressure_effort: float = medoid(0.0877, 0.0, 0.5, 0.1,
                                    "Propper et al. 2008, 2010",
                                    doc="gain in true target performance per unit of high-powered pressure")
    commitment_effort: float = medoid(0.3027, 0.0, 0.5, 0.05,
                                      "assumption: no source states a size; the rule rests on seed 000 L139, L194, "
                                      "L265, Ayres and Braithwaite 1992 and West and Dawson 2012",
                                      doc="gain in true target performance per unit of commitment (the mean of trust in the "
                                     "regulator, support received and autonomy earned): effort of a body's own accord")
    effort_ceiling: float = medoid(0.2221, 0.01, 0.5, 0.15,
                                   "assumption (the form, diminishing returns to effort, and the value)",
                                   doc="the most effort (deterrence and commitment together) can add to true performance")
    effort_cost: float = p(0.01, 0.0, 0.1, "seed 000 L135",
                           doc="extra cost (share of income) per unit of effort spent chasing the target")
    gaming: float = medoid(0.03446, 0.0, 0.3, 0.06,
                           "Bevan and Hood 2006; seed 003 L454",
                           doc="largest reported-minus-true gap per unit of pressure")
    support_effect: float = medoid(0.01766, 0.0, 0.2, 0.03,
                                   "seed 000 L192, L269",
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


@dataclass
class OversightBehaviour:
    """Behaviour: performance management."""

    indicator_noise: float = p(0.05, 0.0, 0.3, "seed 000 L58, L202",
                               doc="noise in the assessed score")
    regime_min_months: int = p(12, 0, 120, "calibrated to observed special_measures_time_in_regime 2017-04 (20.5)",
                               doc="months a trust stays in special measures before it can leave")
    directions_min_months: int = p(3, 0, 120, "calibrated to observed ccgs_under_legal_directions 2013-04 (15) and "
                                              "2013-07 (8)",
                                   doc="months a CCG stays under legal directions before they can be lifted")
    inspection_interval: int = p(24, 1, 120, "assumption (CQC re-inspection about every two years)",
                                 doc="months between CQC inspections of a trust (staggered)")
    ccg_rating_cuts: list[float] = field(default_factory=lambda: [0.35, 0.47, 0.59], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed ccg_rating_* 2016-07", "choices": None,
        "doc": "CCG assessment cut-offs: inadequate | requires improvement | good | outstanding"})
    cqc_rating_cuts: list[float] = field(default_factory=lambda: [0.21, 0.61, 0.81], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed cqc_trust_rating_* 2016-05", "choices": None,
        "doc": "CQC overall rating cut-offs: inadequate | requires improvement | good | outstanding"})
    cqc_well_led_weight: float = p(0.2, 0.0, 1.0, "derived: the CQC's rating principles weigh its five key questions "
                                                  "equally, and well-led is one of the five (1 / 5)",
                                   doc="weight of the leadership domain (well-led) in the CQC's overall rating; the "
                                       "quality domain stands for the other four key questions")
    provider_weight: float = p(0.5, 0.0, 1.0, "seed 000 L202",
                               doc="weight of providers' performance in a CCG's assessment")


@dataclass
class TrustBehaviour:
    """Behaviour: trust."""

    trust_build: float = p(0.03, 0.0, 0.5, "seed 003 L1248",
                           doc="monthly trust gain from successful joint work (scaled by room to grow)")
    trust_loss_sanction: float = p(0.3, 0.0, 1.0, "seed 003 L1030; seed 000 L253",
                                   doc="share of trust lost by a sanctioned body in its sanctioner, at full severity")
    trust_loss_conflict: float = p(0.08793, 0.0, 1.0,
                                   "calibrated (0.1.0): posterior mean; held in 0.2.0 (assumed before: 0.08; "
                                   "seed 003 L808, L1024)",
                                   doc="share of trust lost in a month of conflict (disputes, fines)", assumed=0.08)
    trust_loss_threat: float = p(0.2, 0.0, 1.0, "seed 003 L784, L1030",
                                 doc="share of trust lost under a tendering or decommissioning threat")
    la_memory: float = p(0.3, 0.0, 1.0, "seed 003 L422",
                         doc="local authorities rebuild trust at this fraction of the NHS rate")
    personal_trust: float = p(0.4, 0.0, 1.0, "seed 003 L868; seed 004 L172",
                              doc="share of trust held by the leader and lost when the leader changes")
    trust_threshold: float = p(0.6566, 0.0, 1.0,
                               "calibrated (0.1.0): posterior mean; held in 0.2.0 (assumed before: 0.6; "
                               "seed 003 L992, L1258)",
                               doc="trust above which partners share information and risk", assumed=0.6)


@dataclass
class PeerBehaviour:
    """Behaviour: peers."""

    peer_look_rate: float = p(0.93, 0.0, 1.0, "derived: seed 002 L92, “Almost everyone (93%) indicated they were "
                                              "finding out what other CCGs were doing”, read as a yearly chance",
                              doc="share of CCGs looking at what peers do, per year")
    peer_learning: float = p(0.15, 0.0, 1.0, "seed 002 L92, L334",
                             doc="share of the gap to better-rated peers' readiness closed when looking")
    peer_weight: float = p(0.6, 0.0, 1.0, "seed 003 L546",
                           doc="weight of peer comparison in felt pressure (peers heard more than regulators)")


@dataclass
class CollaborationBehaviour:
    """Behaviour: collaboration."""

    init_joint_committee: float = p(0.4, 0.0, 1.0, "calibrated (experiments.calibration.cutoffs) to seed 002 L125, “Just over "
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
    merger_rate: float = p(0.01, 0.0, 1.0, "assumption; seed 002 L129 (a minority anticipated applying to merge in "
                                           "March 2017: “16% saying yes”)",
                           doc="monthly chance that a group of CCGs ready to merge decides to (the application "
                               "waits for the moratorium to end)")
    merger_shared_months: int = p(12, 0, 120, "assumption (a year of working under one accountable officer before "
                                              "applying to merge; seed 004 L218)",
                                  doc="months two CCGs share an accountable officer before they are ready to merge")
    merger_needs_shared_ao: bool = p(True, source="seed 002 L129, L123; the Long Term Plan ends it (policy timeline "
                                                   "2019-01)",
                                     doc="a merger needs merger_shared_months of a shared accountable officer (else "
                                         "a joint committee suffices)")
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


@dataclass
class LeadershipBehaviour:
    """Behaviour: leadership."""

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
    exit_stress: float = medoid(0.06605, 0.0, 1.0, 0.02,
                                "seed 000 L212, L224",
                                doc="monthly exit probability at full stress")
    turnover_capacity_loss: float = p(0.3, 0.0, 1.0, "seed 000 L234",
                                      doc="management capacity lost when a leader changes, recovering over months")


@dataclass
class StpBehaviour:
    """Behaviour: STP maturity."""

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
    maturity_practical: float = p(0.2, 0.0, 1.0, "assumption; seed 004 L80-85, “practical factors that better enable "
                                                 "closer working”: “Coterminal boundaries”, “Fewer organisations”",
                                  doc="weight of the footprint's practical factors (coterminous boundaries, fewer "
                                      "organisations) in STP maturity")
    investment_effect: float = p(0.15, 0.0, 1.0, "seed 004 L101-102, L110",
                                 doc="maturity gain per GBP 100m invested in an STP")


@dataclass
class FormsBehaviour:
    """Behaviour: functional forms: numbers that shape the rules (assumptions unless a source states the number)."""

    perf_baseline: float = medoid(0.9767, 0.5, 1.0, 0.985,
                                  "assumption (performance with spare capacity)",
                                  doc="performance level with demand at or below the load knee and nothing else pressing")
    load_knee: float = medoid(1.005, 0.5, 1.5, 0.95,
                              "assumption",
                              doc="load (demand over capacity) above which performance falls")
    perf_noise: float = p(0.0085, 0.0, 0.1, "derived: the variation of trusts' type 1 shares that passes "
                          "(abm/data/trust_ae_variogram.csv, fitted by abm/data/derive_trusts.py: variance 6.45 "
                          "points², monthly autocorrelation 0.52) gives a year's mean a variance of 1.49 points²; "
                          "through the monthly adjustment of true performance (perf_adjust_rate) that is 0.85 points "
                          "a month",
                          doc="monthly noise in true performance (variation that passes)")
    capacity_noise: float = p(0.006, 0.0, 0.1, "derived: the change of trusts' type 1 shares that lasts "
                              "(abm/data/trust_ae_variogram.csv, fitted by abm/data/derive_trusts.py: 0.37 points² a "
                              "month) is a shock to capacity: 0.61 points a month over load_sensitivity (1.02)",
                              doc="monthly shock to a provider's capacity (sd, share of capacity) that lasts: it moves "
                                  "the capacity planned too")
    stress_penalty: float = medoid(0.02468, 0.0, 0.5, 0.03, "assumption", doc="performance lost at full leader stress")
    capacity_penalty: float = medoid(0.04371, 0.0, 0.5, 0.02, "assumption; seed 000 L174",
                                     doc="performance lost with no management capacity left")
    legitimacy_share: float = medoid(0.5708, 0.0, 1.0, 0.5,
                                     "assumption; Braithwaite and Makkai 1994",
                                     doc="share of effort under pressure that depends on trust in the regulator")
    breach_margin: float = p(0.05313, 0.0, 0.5,
                             "calibrated (0.1.0): posterior mean; held in 0.2.0 (assumed before: 0.05; "
                             "assumption)",
                             doc="how far below the standard reported performance is a breach (fines, tender threats)",
                             assumed=0.05)
    fine_conflict: float = p(0.5, 0.0, 1.0, "assumption", doc="conflict of a fined month, as a share of a dispute's")
    cquin_floor: float = medoid(0.741, 0.0, 1.0, 0.75,
                                "assumption (CQUIN mostly earned)",
                                doc="CQUIN share earned at the lowest quality; all is earned from quality 1 - floor",
                                calibration="0.2.0")
    debt_interest: float = p(0.015, 0.0, 0.2, "seed 004 L108: “6% compared with 1.5% for most other trusts”",
                             provenance="source-number", doc="annual interest on debt")
    fsm_interest: float = p(0.06, 0.0, 0.3, "seed 004 L108: “6% compared with 1.5% for most other trusts”",
                            provenance="source-number",
                            doc="annual interest on debt in financial special measures")
    planned_surplus: float = medoid(0.00995, 0.0, 0.1, 0.01, "assumption (NHS business rules: a 1 % surplus)",
                                    doc="surplus CCGs plan and keep in reserve, and below which trusts run savings")
    deficit_repayment_years: float = p(3.0, 0.5, 20.0, "assumption", doc="years over which a CCG plans to repay a deficit")
    ccg_spend_spread: float = p(0.03, 0.0, 0.2, "calibrated by hand to observed ccgs_cumulative_deficit 2016-03 (fit "
                                                "row) at the ABC-SMC medoid; its form (exponential, like trusts' cost "
                                                "pressures) an assumption",
                                doc="spread between CCGs of the yearly growth of their other spending beyond demand "
                                    "(their own cost pressures, which persist)")
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
                               "calibrated (0.1.0): posterior mean; held in 0.2.0, 0.3.0, 0.3.1 and 0.3.2 (assumed before: 2.0; "
                               "assumption)",
                               doc="spreads from the national mean at which a benchmarked domain reaches 0 or 1", assumed=2.0)
    finance_scale: float = p(10.0, 1.0, 100.0, "assumption",
                             doc="finance domain gained per unit of net margin above plan (0.5 at plan)")
    stability_months: float = p(24.0, 1.0, 120.0, "assumption", doc="tenure at which a leader counts as stable")
    threat_readiness: float = p(0.2, 0.0, 1.0, "assumption", doc="readiness a forced-collaboration threat adds")
    support_unit: float = p(0.5, 0.01, 10.0, "assumption", doc="GBP m a quarter that buys full support for one body")
    programme_units: float = p(1.0, 0.0, 1.0, "assumption",
                               doc="share of a full support unit a body in special measures or under directions "
                                   "takes up (its improvement programme), paid from the regulators' budget after the "
                                   "fixed costs")
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
                           "calibrated (0.1.0): posterior mean; held in 0.2.0 (assumed before: 0.3; "
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
                                    "calibrated (0.1.0): posterior mean; held in 0.2.0 (assumed before: 36.0; "
                                    "assumption)",
                                    doc="tenure at which a member counts as stable for its STP", assumed=36.0)
    investment_depreciation: float = p(0.1, 0.0, 1.0, "assumption", doc="yearly loss of the effect of past STP investment")
    ics_autonomy: float = p(0.3, 0.0, 1.0, "assumption; seed 004 L192 (freedoms and flexibilities of an ICS)",
                            doc="earned autonomy of the members of an integrated care system")
    dashboard_cuts: list[float] = field(default_factory=lambda: [0.45, 0.51, 0.59], metadata={
        "lo": 0.0, "hi": 1.0, "source": "calibrated to observed stp_dashboard_* 2017-07 in the 2013 replay", "choices": None,
        "doc": "maturity cut-offs: needs most improvement | making progress | advanced | outstanding"})


@dataclass
class BehaviourConfig(FormsBehaviour, StpBehaviour, LeadershipBehaviour, CollaborationBehaviour,
                      PeerBehaviour, TrustBehaviour, OversightBehaviour, MoneyBehaviour):
    """Every behavioural parameter (fields listed in the order of the mechanisms: money first)."""

    def __post_init__(self) -> None:
        for key in ("dashboard_cuts", "ccg_rating_cuts", "cqc_rating_cuts"):
            cuts = list(getattr(self, key))
            numbers = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cuts)
            if len(cuts) != 3 or not numbers or sorted(cuts) != cuts:
                raise ConfigError(f"behaviour.{key}={cuts} must be three increasing numbers in [0, 1]")
