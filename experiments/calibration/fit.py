"""What the calibration fits: the free parameters and their priors, the 2013 replay's answer to each observation,
the split of the observations into fit and held-out rows, and the distance between a replay and observed England.

Shared by ``experiments.calibration.calibrate`` (screening and ABC-SMC) and its tests.

* **Free parameters**: every numeric ``behaviour.*`` and ``regime.*`` parameter whose provenance is ``assumption``
  (the regulator, resources and institutions groups are the factors the experiments compare, so they are not fitted
  to the history of one regime), except those the replay sets itself (its scenario's observed starting shares and
  every parameter the policy timeline changes). Prior: uniform on half to one and a half times the assumed value, within the
  parameter's allowed range (itself an assumption: the assumed values are the modellers' best guesses and the
  interval says "within a factor of about 1.5"). Whole-number parameters are rounded when used.
* **Fit rows** (the distance uses these): every observation that ends by March 2016 (financial years 2013/14 to
  2015/16 and months up to 2016-03) and the rows the cut-offs were already read from (``targets.FIT``).
  **Held-out rows**: every later observation (2016/17 to 2019) not in ``targets.FIT``; nothing is tuned to them.
* **Distance**: the root mean square over fit rows of (model - real) / scale, where the scale is the half-width of the
  row's tolerance in ``experiments.evidence.observed`` (a count within max(6, 50 %): that; a share within 7 or 15 points: that;
  CCG count ±10 %; net position a factor of 2: half the real value; ...). A distance of 1 means the fit rows sit on
  the edges of their tolerances on average; a row the run cannot answer counts as 10 scales away.
"""

from __future__ import annotations

from dataclasses import fields, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from abm.config import BehaviourConfig, Config, RegimeConfig, with_values
from experiments.evidence import observed as targets

REPLAY = ["scenario=england_2013", "months=72", "write_organisations=false"]   # April 2013 to April 2019
FIT_UNTIL = "2016-03"
MISSING = 10.0          # scaled error of a row the run cannot answer
PRIOR_SPREAD = 0.5      # assumption: prior from (1 - spread) to (1 + spread) times the assumed value
# Priors set here instead (assumptions, stated: the range within which the modellers would not be surprised): levels
# near 1 (ratios of demand, capacity and performance), which would become implausible at +-50 %; and the share of
# trusts starting in deficit, which a first calibration piled against 0.3, the lower edge of its +-50 % prior (the
# observed share in deficit over 2013/14 was 25 %), so its prior spans 10-90 %.
PRIOR_RANGE = {"behaviour.initial_deficit_share": (0.1, 0.9), "behaviour.capacity_headroom": (0.92, 1.02),
               # the behavioural numbers the published effects pin: over their whole range, for the data to speak
               "behaviour.pressure_effort": (0.0, 0.5), "behaviour.gaming": (0.0, 0.3),
               "behaviour.legitimacy_share": (0.0, 1.0), "behaviour.support_effect": (0.0, 0.2),
               "behaviour.exit_stress": (0.0, 0.1), "behaviour.commitment_effort": (0.0, 0.5),
               "behaviour.effort_ceiling": (0.02, 0.3), "behaviour.stress_penalty": (0.0, 0.1),
               "behaviour.capacity_penalty": (0.0, 0.1),
               "behaviour.perf_baseline": (0.95, 1.0), "behaviour.load_knee": (0.85, 1.05),
               "behaviour.alliance_max_load": (0.95, 1.15), "behaviour.cquin_floor": (0.5, 1.0),
               "behaviour.linked_success": (0.6, 1.0)}


@lru_cache(maxsize=1)
def replay_inputs() -> frozenset[str]:
    """Parameters the replay sets itself: the scenario's own values (``conf/scenario/england_2013.yaml``, e.g. the
    share of trusts in deficit in 2013, an observed row) and every parameter a policy-timeline event changes. They
    are inputs of the replay, not free parameters of it."""
    from abm.config import parse_change
    cfg, default = base_config(), Config()
    names = {f"{group}.{f.name}" for group in ("behaviour", "regime") for f in fields(getattr(cfg, group))
             if getattr(getattr(cfg, group), f.name) != getattr(getattr(default, group), f.name)}
    for event in cfg.timeline:
        for change in event.changes:
            group, name, _ = parse_change(change)
            names.add(f"{group}.{name}")
    return frozenset(names)


def free_parameters(calibrated: bool = True, replay: bool = True) -> pd.DataFrame:
    """The assumption parameters the calibration may fit, with their prior ranges (one row each). With
    ``calibrated``, also those an earlier run of this calibration fitted, with their prior centred on the value
    assumed before (so a re-run screens and fits the same parameters over the same priors). With ``replay``, not
    those the replay sets itself (:func:`replay_inputs`)."""
    rows = []
    skip = replay_inputs() if replay else frozenset()
    for group, schema in (("behaviour", BehaviourConfig), ("regime", RegimeConfig)):
        inst = schema()
        for f in fields(schema):
            m = f.metadata
            value = getattr(inst, f.name)
            if calibrated and m.get("assumed") is not None:
                value = m["assumed"]
            elif m.get("provenance") != "assumption":
                continue
            if m.get("boolean") or m.get("choices") or m.get("lo") is None or f"{group}.{f.name}" in skip:
                continue
            if isinstance(value, (list, bool)) or not isinstance(value, (int, float)) or value == 0:
                continue
            low = max(float(m["lo"]), (1.0 - PRIOR_SPREAD) * value)
            high = min(float(m["hi"]), (1.0 + PRIOR_SPREAD) * value)
            low, high = PRIOR_RANGE.get(f"{group}.{f.name}", (low, high))
            rows.append({"name": f"{group}.{f.name}", "default": float(value), "low": low, "high": high,
                         "integer": isinstance(value, int)})
    return pd.DataFrame(rows)




def _end(period: str) -> str:
    """Last month an observation covers: '2015/16' -> '2016-03'."""
    return f"{int(period[:4]) + 1}-03" if "/" in period else period


def key(measure: str, period: str) -> str:
    return f"{measure}@{period}"


@lru_cache(maxsize=1)
def observations() -> pd.DataFrame:
    """Every observation the replay answers (real value on the model's scale, scale, fit or held out), then every
    published effect a design reproduces (``effect@<design>``: the bounds of its tolerance, fit or held out). A
    row's error is how far the model lies outside [low, high] (an observation's bounds are its value), in units of
    its scale."""
    from experiments.evidence import catalogue as effects
    from experiments.evidence import trusts
    obs = targets.load()
    rows = []
    for row in obs.itertuples():
        if targets.not_answered(row.measure, row.period):
            continue
        real = targets.real_value(row, obs)
        fit = (row.measure, row.period) in targets.FIT or _end(row.period) <= FIT_UNTIL
        cut = "_cuts" in targets.FIT.get((row.measure, row.period), "")
        rows.append({"key": key(row.measure, row.period), "measure": row.measure, "period": row.period,
                     "real": real, "low": real, "high": real, "scale": scale(row.measure, real),
                     "use": "fit" if fit else "held out", "abc": fit and not cut})
    for t in trusts.calibration_targets():
        measure, period = t["key"].split("@")
        rows.append({**t, "measure": measure, "period": period, "use": "fit", "abc": True})
    fitted = {d.key for d in effects.fitted()}
    for d in effects.DESIGNS:
        rows.append({"key": key("effect", d.key), "measure": "effect", "period": d.key, "real": d.published,
                     "low": d.bounds[0], "high": d.bounds[1], "scale": d.unit,
                     "use": "fit" if d.key in fitted else "held out", "abc": d.key in fitted})
    return pd.DataFrame(rows)


def scale(measure: str, real: float) -> float:
    """Half-width of the row's tolerance (``experiments.evidence.observed.TOLERANCE``), the unit of the distance."""
    r = abs(real)
    if measure == "ccgs":
        return 0.10 * r
    if measure in ("ccg_merger_events",) or measure.startswith("stp_dashboard_"):
        return 3.0
    if measure == "ae_type1_trusts_meeting_95":
        return 0.10
    if measure.startswith("ae_four_hour_"):
        return 0.03
    if measure in ("ccg_rating_inadequate", "cqc_trust_rating_inadequate"):
        return 0.07
    if measure.startswith(("ccg_rating_", "cqc_trust_rating_")) or measure == "providers_in_deficit_share":
        return 0.15
    if measure == "ccgs_sharing_accountable_officer":
        return 0.10
    if measure in ("provider_net_position", "contract_fines", "special_measures_time_in_regime"):
        return 0.5 * r
    return max(6.0, 0.5 * r)


def answers(monthly: pd.DataFrame | dict[str, np.ndarray],
            rows: list[tuple[str, str]] | None = None) -> dict[str, float]:
    """The replay's answer to every observation (or to each (measure, period) of ``rows``), from its monthly table
    (or its columns)."""
    run = targets.dated(monthly)
    if rows is None:
        rows = [(r.measure, r.period) for r in targets.load().itertuples()
                if not targets.not_answered(r.measure, r.period)]
    return {key(m, p): float(targets.model_value(targets.Row(m, p), run)) for m, p in rows}


@lru_cache(maxsize=1)
def base_config() -> Config:
    from abm.compose import compose
    return compose(REPLAY)


@lru_cache(maxsize=1)
def assumed_values() -> dict[str, float]:
    """Every free parameter at the value assumed before any calibration (the shipped defaults of calibrated
    parameters are not used, so a re-run of the calibration does not depend on its own earlier result)."""
    free = free_parameters()
    return dict(zip(free.name, free["default"], strict=True))


def replay(values: dict[str, float], replicate: int) -> dict[str, float]:
    """Run the 2013 replay with ``values`` (the others at their assumed values) at ``replicate`` and return its
    answers to the observations."""
    from abm.model import CommissioningModel
    cfg = replace(with_values(base_config(), {**assumed_values(), **values}), replicate=int(replicate))
    model = CommissioningModel(cfg).run()
    return answers(model.recorder.model_columns())


def batch_answers(values: list[dict[str, float]], replicates: list[int], base: Config | None = None,
                  rows: list[tuple[str, str]] | None = None) -> list[dict[str, float]]:
    """The replay (or ``base``) at each of several parameter sets, each at its own replicate, stepped together as one
    batch of runs with different parameters (``abm.batch.Batch.of``): what ``replay(values[k], replicates[k])``
    answers, to the last bit (to every observation, or to ``rows``)."""
    from abm.batch import Batch
    base, assumed = base or base_config(), assumed_values()
    configs = [replace(with_values(base, {**assumed, **v}), replicate=int(r))
               for v, r in zip(values, replicates, strict=True)]
    return [answers(rec.model_columns(), rows) for rec in Batch.of(configs, organisations=False).run().recorders]


def replays(values: dict[str, float], replicates: list[int]) -> list[dict[str, float]]:
    """:func:`replay` for several replicates of the same values, stepped together: the same answers as one replay
    each."""
    return batch_answers([values] * len(replicates), replicates)


def errors(sim: dict[str, float], use: str = "fit", what: str = "all") -> np.ndarray:
    """Scaled errors of the rows in ``use`` ("fit", "held out", "all", or "abc": the fit rows the ABC-SMC fits,
    i.e. not those the rating and dashboard cut-offs are read from, which the cut-offs' quantile rule fits): how far
    the model lies outside the row's [low, high], over its scale (for an observation: (model - real) / scale);
    ``what``: "history" (observations only), "effects" (published effects only) or "all"."""
    obs = observations()
    if use == "abc":
        obs = obs[obs.abc]
    elif use != "all":
        obs = obs[obs.use == use]
    if what != "all":
        obs = obs[(obs.measure == "effect") == (what == "effects")]
    model = np.array([sim.get(k, np.nan) for k in obs.key], float)
    with np.errstate(invalid="ignore"):
        err = (model - np.clip(model, obs.low.to_numpy(), obs.high.to_numpy())) / obs.scale.to_numpy()
    return np.where(np.isfinite(err), err, MISSING)


def evaluate(items: list[tuple[dict[str, float], int]]) -> list[dict[str, float]]:
    """A batch of parameter sets, each at its replicate (``(values, replicate)``; the other free parameters at their
    assumed values): the answers of the 2013 replay to every observation, and the figures of the fitted published
    effects (``effect@<design>``), every arm run as one batch of runs with different parameters."""
    from experiments.evidence import catalogue as effects
    from experiments.evidence import trusts
    from experiments.evidence.arms import run_arm
    values = [{**assumed_values(), **v} for v, _ in items]
    replicates = [int(r) for _, r in items]
    designs = effects.fitted()
    runs = {arm: run_arm(arm, values, replicates) for arm in dict.fromkeys(["replay", *effects.arms_of(designs)])}
    out = []
    for k in range(len(items)):
        sim = answers(runs["replay"][k].columns)
        sim |= trusts.calibration_rows(runs["replay"][k].trust_series())
        with np.errstate(invalid="ignore", divide="ignore"):
            sim |= {key("effect", d.key): float(d.measure({a: runs[a][k] for a in d.arms})) for d in designs}
        out.append(sim)
    return out


def distance(sim: dict[str, float], use: str = "fit", what: str = "all") -> float:
    """Root mean square scaled error over the rows in ``use`` (and ``what``: all, history or effects)."""
    return float(np.sqrt(np.mean(errors(sim, use, what) ** 2)))


def history_rows() -> pd.DataFrame:
    """The observations of England (not the published effects, nor the per-trust rows) among :func:`observations`."""
    obs = observations()
    return obs[(obs.measure != "effect") & ~obs.measure.str.startswith("trust_")]
