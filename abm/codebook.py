"""The output codebook: every column of the model's tables, its unit and its meaning, declared once.

``python -m abm.codebook`` prints it as Markdown; ``--update`` rewrites ``docs/codebook.md``. A test checks that the
tables a run writes have exactly these columns (besides the parameter columns, ``group.name``, one per parameter of
``docs/ODD.md`` §9) and that ``docs/codebook.md`` is current. Money is in GBP million per month unless a unit says
otherwise; ``(month)`` means the value is the month's flow, ``(stock)`` the state at the end of the month.
"""

from __future__ import annotations

from abm.vocabulary import DASHBOARD_BANDS, EDGE_KINDS, RATINGS

COMMON = {
    "run_id": ("text", "label of the run: scenario, style, seed, replicate and a hash of every other parameter"),
    "seed": ("integer", "master seed"),
    "start": ("YYYY-MM", "calendar month of month 0"),
    "replicate": ("integer", "replicate index (common random numbers across settings)"),
    "months": ("months", "horizon of the run"),
}

MODEL = {
    "month": ("months", "months since the start (0 = the initial state)"),
    "date": ("YYYY-MM", "calendar month"),
    "regulator_active": ("style", "regulatory style in force this month (the timeline or a counterfactual may change it)"),
    "perf_true": ("share", "mean true performance of trusts: the share of patients seen within the standard (an acute "
                           "trust's four-hour A&E share of its type 1 department; other trusts' own access standard)"),
    "perf_reported": ("share", "mean reported performance of trusts (what the trusts report: true plus gaming)"),
    "perf_gap": ("share", "reported minus true performance (gaming)"),
    "acute_perf_true": ("share", "mean true performance of acute trusts (unweighted)"),
    "acute_perf_reported": ("share", "mean reported performance of acute trusts (unweighted)"),
    "ae_type1_reported": ("share", "reported four-hour A&E share of type 1 departments, England: acute trusts' "
                                   "reported performance weighted by their demand (attendances); the published series"),
    "ae_type1_true": ("share", "the same, true"),
    "share_acute_meeting_standard": ("share", "acute trusts whose reported performance is at or above the standard "
                                              "(95 %) this month"),
    "aggregate_deficit": ("GBP m (stock)", "sum of cumulative deficits of CCGs and trusts in deficit"),
    "net_balance": ("GBP m (stock)", "sum of the cumulative balances of CCGs and trusts"),
    "n_in_deficit": ("count", "CCGs and trusts with a cumulative deficit"),
    "n_trusts_in_deficit": ("count", "trusts with a cumulative deficit"),
    "n_ccgs_in_deficit": ("count", "CCGs with a cumulative deficit"),
    "provider_net_flow": ("GBP m (month)", "trusts' income minus expenditure this month"),
    "ccg_net_flow": ("GBP m (month)", "CCGs' income minus expenditure this month"),
    "provider_ytd_net": ("GBP m", "trusts' income minus expenditure since April"),
    "share_trusts_in_deficit_ytd": ("share", "trusts whose income and expenditure since April is in deficit"),
    "share_ccgs_in_deficit_ytd": ("share", "CCGs whose income and expenditure since April is in deficit"),
    "n_ccgs_overspent_ytd": ("count", "CCGs below their planned result since April"),
    "control_totals_accepted": ("count", "trusts holding an accepted control total"),
    **{f"ccg_rating_{r}": ("count", f"CCGs rated {r.replace('_', ' ')} (last July)") for r in RATINGS},
    **{f"trust_rating_{r}": ("count", f"trusts rated {r.replace('_', ' ')} by the CQC (last inspection)")
       for r in RATINGS},
    **{f"trust_{k}": ("0-1", f"mean trust on active {k.replace('_', '-')} relationships")
       for k in EDGE_KINDS if k != "regulator_regulator"},
    "trust_commissioner_provider_undisputed": ("0-1", "mean trust on active commissioner-provider relationships "
                                               "that have had no payment dispute and no contract fine since the "
                                               "start"),
    "n_ccgs": ("count", "CCGs (fewer after mergers)"),
    "n_joint_committees": ("count", "joint committees (connected groups of CCGs)"),
    "share_ccgs_in_joint_committee": ("share", "CCGs in a joint committee"),
    "n_ccgs_sharing_ao": ("count", "CCGs sharing an accountable officer"),
    "share_ccgs_sharing_ao": ("share", "CCGs sharing an accountable officer"),
    "n_pooled_budgets": ("count", "CCG-local authority pooled budgets"),
    "n_alliances": ("count", "commissioner-provider alliances (aligned-incentive contracts)"),
    "n_risk_shares": ("count", "STPs with a risk share in force"),
    "n_trusts": ("count", "trusts"),
    "n_local_authorities": ("count", "upper-tier local authorities"),
    "n_stps": ("count", "STP footprints"),
    "n_ics": ("count", "STPs designated integrated care systems"),
    "leader_turnover": ("count (month)", "leaders of NHS bodies (CCGs, trusts) who left"),
    "forced_leader_exits": ("count (month)", "leaders removed by the regulator"),
    "mean_stress": ("0-1", "mean leader stress of NHS bodies (CCGs and trusts)"),
    "reporting_burden": ("share", "mean share of management capacity spent on reporting"),
    "stp_maturity_mean": ("0-1", "mean STP maturity"),
    "stp_maturity_sd": ("0-1", "standard deviation of STP maturity"),
    **{f"dashboard_{c}": ("count", f"STPs in the dashboard band {c.replace('_', ' ')}") for c in DASHBOARD_BANDS},
    "support_spend": ("GBP m (month)", "regulator support paid (top-sliced from CCG allocations)"),
    "intervention_spend": ("GBP m (month)", "regulator spend on bodies in special measures or under directions"),
    "regulator_spend": ("GBP m (month)", "support plus intervention spend: what the style spent of its budget"),
    "enforcement_actions": ("count (month)", "escalations to a warning or above"),
    "n_special_measures": ("count", "trusts in special measures (quality or financial)"),
    "n_providers_escalated": ("count", "trusts the regulator has escalated to a warning or above (warning, directions, "
                                       "special measures)"),
    "n_quality_special_measures": ("count", "trusts in quality special measures"),
    "n_financial_special_measures": ("count", "trusts in financial special measures"),
    "n_ccgs_under_directions": ("count", "CCGs under legal directions (or special measures)"),
    "regime_entries": ("count (month)", "bodies entering special measures or legal directions"),
    "special_measures_exits": ("count (month)", "trusts leaving special measures"),
    "special_measures_exit_months": ("months (month)", "months in special measures of the trusts that left (sum)"),
    "directions_lifted": ("count (month)", "CCGs whose legal directions were lifted"),
    "investment": ("GBP m (month)", "STP capital and transformation investment (July)"),
    "stf_paid": ("GBP m (month)", "sustainability / provider sustainability fund paid"),
    "distress_funding": ("GBP m (month)", "central distress funding to indebted trusts"),
    "covid_topups": ("GBP m (month)", "COVID-19 top-ups to break even"),
    "contract_fines": ("GBP m (month)", "contract sanctions levied"),
    "cquin_withheld": ("GBP m (month)", "CQUIN withheld for local quality goals not met"),
    "tender_threats": ("count (month)", "re-tendering threats"),
    "gaming_caught": ("count (month)", "trusts an inspection found reporting performance above their true performance"),
    "pooled_spend": ("GBP m (month)", "CCG money spent through pooled budgets"),
    "risk_share_transfers": ("GBP m (month)", "money moved between members of risk shares"),
    "mergers": ("count (month)", "CCGs absorbed by mergers taking effect"),
    "merger_events": ("count (month)", "mergers taking effect (three CCGs into one is one event)"),
    "money_in": ("GBP m (month)", "money entering the modelled system (allocations, budgets, funds)"),
    "money_out": ("GBP m (month)", "money leaving it (costs, interest, other spending)"),
    "total_balance": ("GBP m (stock)", "sum of every organisation's balance (changes by money_in - money_out)"),
    "trust_in_regulators": ("0-1", "mean trust of CCGs and trusts in the regulators that oversee them"),
    "ccg_trust_in_nhse": ("0-1", "mean trust of CCGs in NHS England"),
}

ORGANISATIONS = {
    "month": ("months", "months since the start"),
    "org": ("code", "ONS or ODS code of the organisation"),
    "kind": ("kind", "ccg, acute, mental_health, community, ambulance, la or a regulator"),
    "stp": ("code", "STP footprint (empty for regulators)"),
    "merged_into": ("code", "the CCG this one merged into (empty if none)"),
    "alive": ("boolean", "still exists (false after merging away)"),
    "balance": ("GBP m (stock)", "cumulative surplus (+) or deficit (-)"),
    "perf_true": ("share", "true performance (a CCG's: its providers', weighted by contract)"),
    "perf_reported": ("share", "reported performance"),
    "score": ("0-1", "last assessed score"),
    "rating": ("rating", "last rating (CCGs: NHS England's July rating; trusts: the CQC's)"),
    "escalation": ("0-4", "escalation level: none, monitoring, warning, directions, special measures"),
    "regime_kind": ("0-3", "the top regime the body is held in: 0 none, 1 quality special measures, 2 financial "
                           "special measures, 3 legal directions"),
    "net_margin": ("share", "income-and-expenditure margin over the last 12 months (share of income)"),
    "stress": ("0-1", "leader stress"),
    "tenure": ("months", "leader's months in post"),
    "reporting": ("share", "share of management capacity spent on reporting"),
    "autonomy": ("0-1", "earned autonomy"),
    "support": ("0-1", "regulator support received this month: the share of a full support unit the budget paid of "
                "the offer made at the body's last review"),
    "population": ("persons", "GP-registered patients (CCGs) or residents (local authorities)"),
    "readiness": ("0-1", "CCG readiness to collaborate"),
    "trust_in_regulators": ("0-1", "mean trust in the regulators that oversee it"),
    "shared_ao": ("boolean", "a CCG sharing its accountable officer"),
}

NETWORK = {
    "month": ("months", "month of the snapshot (the end of the run)"),
    "src": ("code", "organisation that trusts"),
    "dst": ("code", "organisation trusted"),
    "src_kind": ("kind", "kind of src"),
    "dst_kind": ("kind", "kind of dst"),
    "src_x": ("layout", "drawing position of src"),
    "src_y": ("layout", "drawing position of src"),
    "dst_x": ("layout", "drawing position of dst"),
    "dst_y": ("layout", "drawing position of dst"),
    "kind": ("relationship", "relationship kind: " + ", ".join(EDGE_KINDS)),
    "trust": ("0-1", "how far src trusts dst"),
    "linked": ("boolean", "joint committee, pooled budget or alliance in force"),
}

STPS = {
    "month": ("months", "months since the start (0 = the start)"),
    "stp": ("code", "STP (April 2017 code)"),
    "perf_true": ("0-1", "true four-hour share of the STP's acute trusts, weighted by demand (as ae_type1_true)"),
    "perf_reported": ("0-1", "reported four-hour share of the STP's acute trusts, weighted by demand"),
    "deficit": ("GBP m", "gross deficit: the negative balances of the STP's CCGs and trusts"),
    "maturity": ("0-1", "STP maturity"),
}
TABLES = {"model.parquet": MODEL, "organisations.parquet": ORGANISATIONS, "network.parquet": NETWORK,
          "stps.parquet": STPS}


def markdown() -> str:
    lines = ["# Output codebook", "",
             "Generated from `abm/codebook.py` by `python -m abm.codebook --update`; do not edit by hand. Every table "
             "also has the columns below under *every table*, and one column per parameter named `group.name` (the "
             "parameter table of `docs/ODD.md` §9 gives each one's unit, range and source).", ""]
    for title, columns in (("every table", COMMON), *TABLES.items()):
        lines += [f"## {title}", "", "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{name}` | {unit} | {meaning} |" for name, (unit, meaning) in columns.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    from pathlib import Path
    if sys.argv[1:2] == ["--update"]:
        Path(sys.argv[2] if len(sys.argv) > 2 else "docs/codebook.md").write_text(markdown())
    else:
        print(markdown())
