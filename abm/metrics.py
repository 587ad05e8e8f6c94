"""What a run records: one row per month for the system, one row per organisation per month.

The :class:`Recorder` is called once at month 0 and after every step; it computes each month's outcome measures once
from the state arrays (no per-agent reporters), hands them to Mesa's ``DataCollector`` (``model.datacollector``) and
builds tidy tables at the end.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np
import pandas as pd

from abm.codebook import MODEL
from abm.engine import RunView
from abm.mechanisms import collaboration, leadership, trust
from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES
from abm.vocabulary import EDGE_KINDS, FINANCIAL_SM, QUALITY_SM, RATINGS
from abm.vocabulary import PROVIDER_KINDS as PROVIDERS

ORG_COLUMNS = ("alive", "balance", "perf_true", "perf_reported", "score", "rating", "escalation", "stress", "tenure",
               "reporting", "autonomy", "support", "population", "readiness")


def model_row(m) -> tuple[dict, np.ndarray]:
    """The month's system-level outcomes, from the state arrays and the month's flows (``m.flows``)."""
    o, s, f = m.orgs, m.stps, m.flows
    prov, ccg = m.mask(*PROVIDERS), m.mask("ccg")
    bodies = prov | ccg
    row = {"month": m.t, "date": str(m.date), "regulator_active": m.reg.name}
    row["perf_true"] = float(o.perf_true[prov].mean())
    row["perf_reported"] = float(o.perf_reported[prov].mean())
    row["perf_gap"] = row["perf_reported"] - row["perf_true"]
    acute = m.mask("acute")
    row["acute_perf_true"] = float(o.perf_true[acute].mean())
    row["acute_perf_reported"] = float(o.perf_reported[acute].mean())
    deficit = bodies & (o.balance < 0)
    row["aggregate_deficit"] = float(-o.balance[deficit].sum())
    row["net_balance"] = float(o.balance[bodies].sum())
    row["n_in_deficit"] = int(deficit.sum())
    row["n_trusts_in_deficit"] = int((deficit & prov).sum())
    row["n_ccgs_in_deficit"] = int((deficit & ccg).sum())
    # Income and expenditure of the financial year so far (April to this month): flows, not balances.
    row["provider_net_flow"] = float((o.inflow - o.outflow)[prov].sum())
    row["ccg_net_flow"] = float((o.inflow - o.outflow)[ccg].sum())
    row["provider_ytd_net"] = float(o.ytd_net[prov].sum())
    row["share_trusts_in_deficit_ytd"] = float((o.ytd_net[prov] < 0).mean()) if prov.any() else 0.0
    row["share_ccgs_in_deficit_ytd"] = float((o.ytd_net[ccg] < 0).mean()) if ccg.any() else 0.0
    row["n_ccgs_overspent_ytd"] = int((o.ytd_net[ccg] < o.ytd_plan[ccg]).sum())
    row["control_totals_accepted"] = int((~np.isnan(o.control_total[prov])).sum())
    for k, name in enumerate(RATINGS):
        row[f"ccg_rating_{name}"] = int((o.rating[ccg] == k).sum())
        row[f"trust_rating_{name}"] = int((o.rating[prov] == k).sum())
    for kind, value in trust.mean_by_kind(m).items():
        row[f"trust_{kind}"] = value
    row.update(collaboration.counts(m))
    row["n_trusts"] = int(prov.sum())
    row["n_local_authorities"] = int(m.mask("la").sum())
    row["n_stps"] = len(s.maturity)
    row["n_ics"] = int(s.ics.sum())
    row["leader_turnover"] = int(f.turnover)
    row["forced_leader_exits"] = int(f.forced_exits)
    row["mean_stress"] = float(o.stress[bodies].mean())
    row["reporting_burden"] = float(o.reporting[bodies].mean())
    row["stp_maturity_mean"] = float(s.maturity.mean())
    row["stp_maturity_sd"] = float(s.maturity.std())
    for k, name in enumerate(CATEGORIES):
        row[f"dashboard_{name}"] = int((s.category == k).sum())
    row["support_spend"] = float(f.support)
    row["intervention_spend"] = float(f.interventions)
    row["regulator_spend"] = float(f.support + f.interventions)
    row["enforcement_actions"] = int(f.enforcement_actions)
    row["n_special_measures"] = int((o.escalation[prov] >= 4).sum())
    row["n_quality_special_measures"] = int((o.regime_kind[prov] == QUALITY_SM).sum())
    row["n_financial_special_measures"] = int((o.regime_kind[prov] == FINANCIAL_SM).sum())
    row["n_ccgs_under_directions"] = int((o.escalation[ccg] >= 3).sum())
    row["regime_entries"] = int(f.regime_entries)
    row["special_measures_exits"] = int(f.regime_exits)
    row["special_measures_exit_months"] = int(f.regime_exit_months)
    row["directions_lifted"] = int(f.directions_lifted)
    row["investment"] = float(f.investment)
    row["stf_paid"] = float(f.stf)
    row["distress_funding"] = float(f.distress)
    row["covid_topups"] = float(f.topups)
    row["contract_fines"] = float(f.fines)
    row["cquin_withheld"] = float(f.cquin_withheld)
    row["tender_threats"] = int(f.tenders)
    row["pooled_spend"] = float(f.pooled)
    row["risk_share_transfers"] = float(f.risk_transfer)
    row["mergers"] = int(f.mergers)
    row["merger_events"] = int(f.merger_events)
    row["money_in"] = float(f.external_in)
    row["money_out"] = float(f.external_out)
    row["total_balance"] = float(o.balance.sum())
    reg_trust = m.trust_in_regulators()
    row["trust_in_regulators"] = float(reg_trust[bodies].mean())
    row["ccg_trust_in_nhse"] = float(reg_trust[ccg].mean())
    return row, reg_trust


def _outcome(name: str, model) -> object:
    """A DataCollector model reporter: one outcome of this month, from the row computed once per month."""
    return model.recorder.row[name]


class Recorder:
    """Computes each month's outcomes once (vectorised) and hands them to a ``mesa.DataCollector`` whose model
    reporters are the outcome columns declared in :mod:`abm.codebook` (``model.datacollector`` is that collector:
    ``model.datacollector.get_model_vars_dataframe()`` gives the monthly table); keeps the organisation frames.

    In a batch (:class:`abm.batch.Batch`) each run has a recorder of its own (``run``), reading that run's view of the
    arrays (:class:`abm.engine.RunView`) and keeping its table without a DataCollector (``collector=False``: the same
    columns and values, without a Mesa model to hand it) and, when asked, its organisation frames.
    """

    def __init__(self, model, run: int = 0, collector: bool = True, organisations: bool = True):
        self.model, self.run = model, run
        self.row: dict = {}
        self.datacollector = (mesa.DataCollector(model_reporters={name: partial(_outcome, name) for name in MODEL})
                              if collector else None)
        self.table: dict[str, list] = {name: [] for name in MODEL}
        self.organisations = organisations
        self.org_frames: list[dict[str, np.ndarray]] = []
        self.view = RunView(model, run)

    def collect(self) -> None:
        m = self.view = RunView(self.model, self.run)
        self.row, reg_trust = model_row(m)
        if self.datacollector is not None:
            self.datacollector.collect(self.model)
        else:
            for name, values in self.table.items():
                values.append(self.row[name])
        if not self.organisations:
            return
        o = m.orgs
        frame = {c: getattr(o, c).copy() for c in ORG_COLUMNS}
        frame["trust_in_regulators"] = reg_trust
        frame["shared_ao"] = leadership.shared_ao(m)  # type: ignore[arg-type]  # a run's view reads like a model
        frame["merged_into"] = o.merged_into.copy()
        frame["month"] = np.full(len(o.kind), m.t)
        self.org_frames.append(frame)

    @property
    def rows(self) -> list[dict]:
        """The monthly rows collected so far (from the DataCollector)."""
        table = self.datacollector.model_vars if self.datacollector is not None else self.table
        return [{name: values[i] for name, values in table.items()} for i in range(len(table["month"]))]

    def network_frame(self) -> pd.DataFrame:
        """The relationships as they stand at the end of the run: one row per active directed edge."""
        m = self.view
        e = m.edges
        codes = m.structure.orgs.code.to_numpy()
        sel = e.active
        pos = self.model.layout
        return pd.DataFrame({"month": m.t, "src": codes[e.src[sel]], "dst": codes[e.dst[sel]],
                             "src_kind": m.orgs.kind[e.src[sel]], "dst_kind": m.orgs.kind[e.dst[sel]],
                             "src_x": pos[e.src[sel], 0], "src_y": pos[e.src[sel], 1],
                             "dst_x": pos[e.dst[sel], 0], "dst_y": pos[e.dst[sel], 1],
                             "kind": np.array(EDGE_KINDS)[e.kind[sel]], "trust": e.trust[sel],
                             "linked": e.link[sel]})

    def model_frame(self) -> pd.DataFrame:
        if self.datacollector is None:
            return pd.DataFrame(self.table)
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def organisation_frame(self) -> pd.DataFrame:
        m = self.view
        n = len(m.orgs.kind)
        cols = {c: np.concatenate([f[c] for f in self.org_frames]) for c in self.org_frames[0]}
        codes = m.structure.orgs.code.to_numpy()
        stp_codes = np.r_[m.structure.stps.code.to_numpy(), [""]]
        reps = len(self.org_frames)
        df = pd.DataFrame({
            "month": cols.pop("month"),
            "org": np.tile(codes, reps),
            "kind": np.tile(m.orgs.kind, reps),
            "stp": np.tile(stp_codes[m.orgs.stp], reps),
        })
        merged = cols.pop("merged_into")
        df["merged_into"] = np.where(merged >= 0, codes[np.maximum(merged, 0)], "")
        for c, v in cols.items():
            df[c] = v
        df["rating"] = np.array(RATINGS)[df["rating"].to_numpy()]
        assert len(df) == n * reps
        return df
