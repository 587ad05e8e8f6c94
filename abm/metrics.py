"""What a run records: one row per month for the system, one row per organisation per month.

The :class:`Recorder` is called once at month 0 and after every step. It computes each month's outcome measures once,
for every run of the engine together (one value per run per column, from per-run totals of the state arrays: no
per-agent reporters and no per-run loop), keeps them, and builds each run's tidy tables at the end
(:meth:`Recorder.model_frame`, :meth:`Recorder.network_frame`, :meth:`Recorder.organisation_frame`, all for run 0
unless told). A single run (:class:`abm.model.CommissioningModel`) also hands its row to Mesa's ``DataCollector``
(``model.datacollector``); a batch hands each run's part to the caller as a :class:`RunRecord`.

Totals are row sums of a (runs, size) table (:class:`Tally`, the elements left out counting 0) or sums in index
order, the same way whether the run is alone or batched, so a run's tables do not depend on the company it keeps.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from abm.codebook import MODEL
from abm.engine import RunView
from abm.mechanisms import leadership, trust
from abm.mechanisms.collaboration import CCG_CCG, CCG_LA, CP
from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES
from abm.vocabulary import EDGE_KINDS, FINANCIAL_SM, QUALITY_SM, RATINGS
from abm.vocabulary import PROVIDER_KINDS as PROVIDERS

ORG_COLUMNS = ("alive", "balance", "perf_true", "perf_reported", "score", "rating", "escalation", "regime_kind",
               "net_margin", "stress", "tenure",
               "reporting", "autonomy", "support", "population", "readiness")


STP_COLUMNS = ("perf_true", "perf_reported", "deficit", "maturity")      # stps.parquet, besides month and stp


def stp_values(m) -> dict[str, np.ndarray]:
    """Each STP of every run this month (one value per STP of every run, runs one after another): the four-hour share
    of its acute trusts (true and reported, weighted by demand, as ``ae_type1_*``), the gross deficit of its CCGs
    and trusts (GBP m) and its maturity: what the map of a report or of the browser view colours."""
    o = m.orgs
    n = m.R * m.S
    acute = m.mask("acute") & (o.stp >= 0)
    where = o.stp[acute]
    weight = np.bincount(where, weights=o.demand[acute], minlength=n)
    out = {col: np.bincount(where, weights=(o.demand * getattr(o, col))[acute], minlength=n)
           / np.maximum(weight, 1e-12) for col in ("perf_true", "perf_reported")}
    bodies = m.mask("ccg", *PROVIDERS) & (o.stp >= 0) & (o.balance < 0)
    out["deficit"] = -np.bincount(o.stp[bodies], weights=o.balance[bodies], minlength=n)
    out["maturity"] = m.stps.maturity.copy()
    return out


class Tally:
    """Per-run counts, totals and means over one kind of element (organisations, relationships or STPs) of every run
    of an engine: run ``r`` holds elements ``r*size .. r*size+size-1``, so each is a sum along a row of the
    (runs, size) table (the elements left out count as 0), the same for a run alone or batched."""

    def __init__(self, runs: int, size: int):
        self.R, self.size = runs, size
        self.run = np.repeat(np.arange(runs), size)

    def count(self, mask: np.ndarray) -> np.ndarray:
        return np.count_nonzero(mask.reshape(self.R, self.size), axis=1)

    def total(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        kept = values if mask is None else np.where(mask, values, 0.0)
        return kept.reshape(self.R, self.size).sum(axis=1)

    def mean(self, values: np.ndarray, mask: np.ndarray | None = None, empty: float = np.nan) -> np.ndarray:
        n = self.count(mask) if mask is not None else np.full(self.R, self.size)
        return np.where(n > 0, self.total(values, mask) / np.maximum(n, 1), empty)


def month_columns(m) -> tuple[dict, np.ndarray]:
    """The month's system-level outcomes of every run of the engine ``m`` (each column one value per run, or one value
    for all: month, date, style) and each organisation's trust in its regulators."""
    o, e, s, f = m.orgs, m.edges, m.stps, m.run_flows
    per_org, per_stp = Tally(m.R, m.N), Tally(m.R, m.S)
    count, total, mean = per_org.count, per_org.total, per_org.mean
    prov, ccg = m.mask(*PROVIDERS), m.mask("ccg")
    bodies = prov | ccg
    row: dict = {"month": m.t, "date": str(m.date), "regulator_active": m.reg.name}
    row["perf_true"] = mean(o.perf_true, prov)
    row["perf_reported"] = mean(o.perf_reported, prov)
    row["perf_gap"] = row["perf_reported"] - row["perf_true"]
    acute = m.mask("acute")
    row["acute_perf_true"] = mean(o.perf_true, acute)
    row["acute_perf_reported"] = mean(o.perf_reported, acute)
    # The four-hour A&E standard as published: the acute trusts are the type 1 departments, the national share is
    # over attendances (weighted by demand), and the trusts meeting it are those at or above the standard.
    attendances = total(o.demand, acute)
    row["ae_type1_reported"] = total(o.demand * o.perf_reported, acute) / np.maximum(attendances, 1e-12)
    row["ae_type1_true"] = total(o.demand * o.perf_true, acute) / np.maximum(attendances, 1e-12)
    row["share_acute_meeting_standard"] = mean((o.perf_reported >= m.each(m.beh.target)).astype(float), acute,
                                               empty=0.0)
    deficit = bodies & (o.balance < 0)
    row["aggregate_deficit"] = -total(o.balance, deficit)
    row["net_balance"] = total(o.balance, bodies)
    row["n_in_deficit"] = count(deficit)
    row["n_trusts_in_deficit"] = count(deficit & prov)
    row["n_ccgs_in_deficit"] = count(deficit & ccg)
    # Income and expenditure of the financial year so far (April to this month): flows, not balances.
    net = o.inflow - o.outflow
    row["provider_net_flow"] = total(net, prov)
    row["ccg_net_flow"] = total(net, ccg)
    row["provider_ytd_net"] = total(o.ytd_net, prov)
    row["share_trusts_in_deficit_ytd"] = mean((o.ytd_net < 0).astype(float), prov, empty=0.0)
    row["share_ccgs_in_deficit_ytd"] = mean((o.ytd_net < 0).astype(float), ccg, empty=0.0)
    row["n_ccgs_overspent_ytd"] = count(ccg & (o.ytd_net < o.ytd_plan))
    row["control_totals_accepted"] = count(prov & ~np.isnan(o.control_total))
    for k, name in enumerate(RATINGS):
        row[f"ccg_rating_{name}"] = count(ccg & (o.rating == k))
        row[f"trust_rating_{name}"] = count(prov & (o.rating == k))
    # Mean trust on the active relationships of each kind, per run.
    for k, name in enumerate(EDGE_KINDS):
        if name != "regulator_regulator":
            rel = m.relationships(k)
            row[f"trust_{name}"] = _mean_by_run(m, rel, e.trust)
            if name == "commissioner_provider":
                # The same on the relationships the contract has never set against each other: no payment dispute
                # (payment by results under a commissioner in deficit, seed 003 L808) and no fine (money.settle).
                row["trust_commissioner_provider_undisputed"] = _mean_by_run(m, rel[~e.disputed[rel]], e.trust)
    row.update(_collaboration(m, per_org, per_stp, ccg))
    row["n_trusts"] = count(prov)
    row["n_local_authorities"] = count(m.mask("la"))
    row["n_stps"] = m.S
    row["n_ics"] = per_stp.count(s.ics.astype(bool))
    row["leader_turnover"] = f.turnover
    row["forced_leader_exits"] = f.forced_exits
    row["mean_stress"] = mean(o.stress, bodies)
    row["reporting_burden"] = mean(o.reporting, bodies)
    maturity = per_stp.mean(s.maturity)
    row["stp_maturity_mean"] = maturity
    row["stp_maturity_sd"] = np.sqrt(per_stp.mean((s.maturity - maturity[per_stp.run]) ** 2))
    for k, name in enumerate(CATEGORIES):
        row[f"dashboard_{name}"] = per_stp.count(s.category == k)
    row["support_spend"] = f.support
    row["intervention_spend"] = f.interventions
    row["regulator_spend"] = f.support + f.interventions
    row["enforcement_actions"] = f.enforcement_actions
    row["n_special_measures"] = count(prov & (o.escalation >= 4))
    row["n_providers_escalated"] = count(prov & (o.escalation >= 2))
    row["n_quality_special_measures"] = count(prov & (o.regime_kind == QUALITY_SM))
    row["n_financial_special_measures"] = count(prov & (o.regime_kind == FINANCIAL_SM))
    row["n_ccgs_under_directions"] = count(ccg & (o.escalation >= 3))
    row["regime_entries"] = f.regime_entries
    row["special_measures_exits"] = f.regime_exits
    row["special_measures_exit_months"] = f.regime_exit_months
    row["directions_lifted"] = f.directions_lifted
    row["investment"] = f.investment
    row["stf_paid"] = f.stf
    row["distress_funding"] = f.distress
    row["covid_topups"] = f.topups
    row["contract_fines"] = f.fines
    row["cquin_withheld"] = f.cquin_withheld
    row["tender_threats"] = f.tenders
    row["gaming_caught"] = f.gaming_caught
    row["pooled_spend"] = f.pooled
    row["risk_share_transfers"] = f.risk_transfer
    row["mergers"] = f.mergers
    row["merger_events"] = f.merger_events
    row["money_in"] = f.external_in
    row["money_out"] = f.external_out
    row["total_balance"] = total(o.balance)
    reg_trust = trust.in_regulators(m)
    row["trust_in_regulators"] = mean(reg_trust, bodies)
    row["ccg_trust_in_nhse"] = mean(reg_trust, ccg)
    return row, reg_trust


def _mean_by_run(m, edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over the sorted relationship indices ``edges``, per run (summed in index order; 0 where a
    run has none)."""
    run = edges // m.E
    n = np.bincount(run, minlength=m.R)
    summed = np.bincount(run, weights=values[edges], minlength=m.R)
    return np.where(n > 0, summed / np.maximum(n, 1), 0.0)


def groups(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """The connected groups that the links ``src``-``dst`` (both directions listed) form among ``n`` nodes, each
    named by its smallest member: each node takes the smallest label among its neighbours until nothing changes (a
    few passes: groups are small). Groups never span runs (no link does), so ``groups // N`` is each group's run."""
    if len(src) == 0:
        return np.zeros(0, dtype=np.int64)
    linked = np.zeros(n, bool)                      # only the linked nodes take part: labels are places in ``nodes``
    linked[src] = True
    nodes = np.flatnonzero(linked)
    place = np.cumsum(linked) - 1
    a, b = place[src], place[dst]
    label = np.arange(len(nodes))
    while True:
        lowest = label.copy()
        np.minimum.at(lowest, a, label[b])
        if np.array_equal(lowest, label):
            return nodes[np.unique(label)]
        label = lowest


def _collaboration(m, per_org: Tally, per_stp: Tally, ccg: np.ndarray) -> dict[str, np.ndarray]:
    """Collaboration counts of every run: joint committees (connected groups of linked CCGs), shared accountable
    officers, pooled budgets, alliances and risk shares."""
    o, e = m.orgs, m.edges
    jc = m.relationships(CCG_CCG)
    jc = jc[e.link[jc]]
    in_jc = np.zeros(len(o.kind), bool)
    in_jc[e.src[jc]] = True
    shared = leadership.shared_ao(m)
    pooled, alliances = m.relationships(CCG_LA, "ccg"), m.relationships(CP, "ccg")
    n_ccg = per_org.count(ccg)
    return {
        "n_ccgs": n_ccg,
        "n_joint_committees": np.bincount(groups(e.src[jc], e.dst[jc], len(o.kind)) // m.N, minlength=m.R),
        "share_ccgs_in_joint_committee": per_org.mean(in_jc.astype(float), ccg, empty=0.0),
        "n_ccgs_sharing_ao": per_org.count(shared),
        "share_ccgs_sharing_ao": np.where(n_ccg > 0, per_org.count(shared) / np.maximum(n_ccg, 1), 0.0),
        "n_pooled_budgets": m.counts(pooled[e.link[pooled]], "edges"),
        "n_alliances": m.counts(alliances[e.link[alliances]], "edges"),
        "n_risk_shares": per_stp.count(m.stps.risk_share.astype(bool)),
    }


def _outcome(name: str, model) -> object:
    """A DataCollector model reporter: one outcome of this month, from the row computed once per month."""
    return model.recorder.row[name]


def _scalar(value, run: int):
    """Run ``run``'s value of a column as a plain number (or the text shared by all runs)."""
    if isinstance(value, np.ndarray):
        return value[run].item()
    return value


class Recorder:
    """Computes each month's outcomes once for every run of the engine (vectorised) and keeps them; for a single run
    it also hands them to a ``mesa.DataCollector`` whose model reporters are the outcome columns declared in
    :mod:`abm.codebook` (``model.datacollector.get_model_vars_dataframe()`` gives the monthly table); keeps the
    organisation arrays when asked (``organisations``)."""

    def __init__(self, model, collector: bool = True, organisations: bool = True):
        self.model = model
        self.row: dict = {}                      # a single run's row of the last month (the DataCollector reads it)
        self.datacollector = None
        if collector:                            # a single run's (a batch has no Mesa model, nor imports Mesa)
            import mesa
            self.datacollector = mesa.DataCollector(model_reporters={name: partial(_outcome, name) for name in MODEL})
        self.months: list[dict] = []             # each month's columns, one value per run
        self._stacked: dict[str, np.ndarray] = {}  # the months stacked per column (built when first read)
        self._stacked_months = -1
        self.organisations = organisations
        self.org_frames: list[dict[str, np.ndarray]] = []
        self.stp_frames: list[dict[str, np.ndarray]] = []

    def collect(self) -> None:
        m = self.model
        columns, reg_trust = month_columns(m)
        self.months.append(columns)
        self.stp_frames.append(stp_values(m) | {"month": m.t})
        if self.datacollector is not None:
            self.row = self.row_of(-1, 0)
            self.datacollector.collect(m)
        if not self.organisations:
            return
        o = m.orgs
        frame = {c: getattr(o, c).copy() for c in ORG_COLUMNS}
        frame["trust_in_regulators"] = reg_trust
        frame["shared_ao"] = leadership.shared_ao(m)
        frame["merged_into"] = o.merged_into.copy()
        frame["month"] = m.t
        self.org_frames.append(frame)

    def row_of(self, month: int, run: int = 0) -> dict:
        """Run ``run``'s row of the month ``month`` (an index into the months recorded: -1 is the last)."""
        return {name: _scalar(value, run) for name, value in self.months[month].items()}

    @property
    def rows(self) -> list[dict]:
        """The monthly rows collected so far (run 0's: a single run's)."""
        return self.rows_of(0)

    def rows_of(self, run: int) -> list[dict]:
        """Run ``run``'s monthly rows collected so far."""
        return [self.row_of(i, run) for i in range(len(self.months))]

    def model_frame(self, run: int = 0) -> pd.DataFrame:
        """Run ``run``'s monthly table (for a single run, the DataCollector's)."""
        if self.datacollector is not None:
            return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return pd.DataFrame(self.model_columns(run))

    def model_columns(self, run: int = 0) -> dict[str, np.ndarray]:
        """Run ``run``'s monthly table as columns (the values of :meth:`model_frame`)."""
        if self._stacked_months != len(self.months):                # every run's columns at once, once per length
            self._stacked = {name: np.array([month[name] for month in self.months]) for name in MODEL}
            self._stacked_months = len(self.months)
        return {name: (a[:, run] if a.ndim == 2 else a) for name, a in self._stacked.items()}

    def network_frame(self, run: int = 0) -> pd.DataFrame:
        """Run ``run``'s relationships as they stand at the end: one row per active directed edge."""
        return pd.DataFrame(self.network_columns(run))

    def network_columns(self, run: int = 0) -> dict[str, np.ndarray]:
        m = RunView(self.model, run)
        e = m.edges
        codes = m.structure.orgs.code.to_numpy()
        sel = np.flatnonzero(e.active)
        src, dst = e.src[sel], e.dst[sel]
        pos = self.model.layout
        return {"month": np.full(len(sel), m.t), "src": codes[src], "dst": codes[dst],
                "src_kind": m.orgs.kind[src], "dst_kind": m.orgs.kind[dst],
                "src_x": pos[src, 0], "src_y": pos[src, 1], "dst_x": pos[dst, 0], "dst_y": pos[dst, 1],
                "kind": np.array(EDGE_KINDS)[e.kind[sel]], "trust": e.trust[sel], "linked": e.link[sel]}

    def stp_columns(self, run: int = 0) -> dict[str, np.ndarray]:
        """Run ``run``'s STPs month by month (``stps.parquet``): month, stp (code), and :data:`STP_COLUMNS`."""
        m = self.model
        own = m.stp_runs[run]
        codes = m.structure.stps.code.to_numpy()
        frames = self.stp_frames
        cols = {"month": np.repeat([f["month"] for f in frames], m.S), "stp": np.tile(codes, len(frames))}
        for c in STP_COLUMNS:
            cols[c] = np.concatenate([f[c][own] for f in frames])
        return cols

    def organisation_frame(self, run: int = 0) -> pd.DataFrame:
        """Run ``run``'s organisations, one row per organisation per month recorded."""
        return pd.DataFrame(self.organisation_columns(run))

    def organisation_columns(self, run: int = 0) -> dict[str, np.ndarray]:
        m = RunView(self.model, run)
        own = self.model.org_runs[run]
        n, reps = len(m.orgs.kind), len(self.org_frames)
        codes = m.structure.orgs.code.to_numpy()
        stp_codes = np.r_[m.structure.stps.code.to_numpy(), [""]]
        merged = np.concatenate([f["merged_into"][own] for f in self.org_frames]) - own.start   # the run's numbering
        cols = {"month": np.repeat([f["month"] for f in self.org_frames], n), "org": np.tile(codes, reps),
                "kind": np.tile(m.orgs.kind, reps), "stp": np.tile(stp_codes[m.orgs.stp], reps),
                "merged_into": np.where(merged >= 0, codes[np.maximum(merged, 0)], "")}
        for c in self.org_frames[0]:
            if c not in cols:
                cols[c] = np.concatenate([f[c][own] for f in self.org_frames])
        cols["rating"] = np.array(RATINGS)[cols["rating"]]
        return cols


class RunRecord:
    """One run's part of a batch's :class:`Recorder`, read as a single run's recorder: ``row`` (the last month),
    ``rows``, ``model_frame()``, ``network_frame()``, ``organisation_frame()`` (and each table's ``*_columns()``)."""

    def __init__(self, recorder: Recorder, run: int):
        self.recorder, self.run = recorder, run

    @property
    def row(self) -> dict:
        return self.recorder.row_of(-1, self.run)

    @property
    def rows(self) -> list[dict]:
        return self.recorder.rows_of(self.run)

    def model_frame(self) -> pd.DataFrame:
        return self.recorder.model_frame(self.run)

    def model_columns(self) -> dict[str, np.ndarray]:
        return self.recorder.model_columns(self.run)

    def network_frame(self) -> pd.DataFrame:
        return self.recorder.network_frame(self.run)

    def network_columns(self) -> dict[str, np.ndarray]:
        return self.recorder.network_columns(self.run)

    def organisation_frame(self) -> pd.DataFrame:
        return self.recorder.organisation_frame(self.run)

    def stp_columns(self) -> dict[str, np.ndarray]:
        return self.recorder.stp_columns(self.run)

    def organisation_columns(self) -> dict[str, np.ndarray]:
        return self.recorder.organisation_columns(self.run)
