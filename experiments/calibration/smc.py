"""ABC-SMC by replenishment (Drovandi and Pettitt 2011, Biometrics 67: 225-233), over the parameters the screening
chose.

Every particle carries the same weight throughout, so the posterior is never carried by a few particles: each
generation drops the ``drop`` share of particles farthest from the observations (the tolerance becomes the largest
distance kept), replaces them by copies of the others, and moves each copy by up to ``R`` steps of ABC-MCMC: a
Gaussian random walk (scaled from the kept particles' covariance), accepted when its replay, at a fresh replicate,
comes within the tolerance (uniform priors and a symmetric walk: no other ratio). ``R`` is set from the
previous generation's acceptance rate so that a copy moves at least once with probability 1 - ``STUCK``; proposals
are folded back into the prior's box at its walls (a symmetric random walk, scaled 2.38^2 / d: Roberts, Gelman and
Gilks 1997). It stops
when the acceptance rate falls below ``MIN_ACCEPTANCE`` (the tolerance has reached the noise of the replay), after
``generations``, or before a generation that would end beyond the wall-time limit (its cost estimated at the last
generation's pace; the limit counts the sampler's time over every invocation, so a resumed run keeps the budget).

Importance-weighted ABC-SMC (pyabc, used before) left the last generation's effective sample size at 4 of 120
particles, and at 47 of 500 with ten particles to a batch (``docs/ODD.md`` section 8): in 8-12 dimensions the
proposal's density varies too much between the accepted particles. Here the effective sample size is the
population itself; what shows how well the posterior is explored is the number of distinct particles and the
acceptance rate, both reported.

Each generation is written to ``out/smc/generation_<t>.parquet`` with the sampler's state in ``out/smc/state.json``
(written last): started again with the same parameters, priors and seed, a killed calibration carries on from the
last finished generation. The replays run in batches of runs with different parameters on local processes or a
Dask cluster (:mod:`experiments.calibration.pool`).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from abm.config import CalibrateConfig
from experiments.calibration import fit, pool

STUCK = 0.01            # chance a copy is not moved at all, from which R is set (Drovandi and Pettitt 2011)
MIN_ACCEPTANCE = 0.02   # stop when fewer proposals than this are accepted: the tolerance is at the replay's noise
MAX_STEPS = 25          # most MCMC steps a generation takes
SCALE = 2.38 ** 2       # random-walk covariance: this over the number of parameters, times the kept particles'
                        # covariance (Roberts, Gelman and Gilks 1997)


@dataclass
class History:
    """What the sampler did: one row per generation (tolerance, evaluations, acceptance, steps, distinct particles,
    wall time) and the last generation's particles (parameters, distance, replicate)."""
    names: list[str]
    generations: pd.DataFrame
    particles: pd.DataFrame
    stopped: str = ""
    state: dict = field(default_factory=dict)

    @property
    def n_generations(self) -> int:
        return len(self.generations)


def _evaluate(items: list[tuple[dict[str, float], int]]) -> list[float]:
    return [fit.distance(sim, "abc") for sim in fit.evaluate(items)]


class Store:
    """The generations on disk: ``generation_<t>.parquet`` and ``state.json``, each written whole or not at all."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _write(self, path: Path, write) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        write(tmp)
        os.replace(tmp, path)

    def save(self, t: int, particles: pd.DataFrame, state: dict) -> None:
        self._write(self.folder / f"generation_{t}.parquet", lambda p: particles.to_parquet(p, index=False))
        self._write(self.folder / "state.json", lambda p: p.write_text(json.dumps(state, indent=1)))

    def load(self, signature: dict) -> tuple[pd.DataFrame, dict] | None:
        """The last finished generation and the state, if they belong to a run with this ``signature``."""
        path = self.folder / "state.json"
        if not path.is_file():
            return None
        state = json.loads(path.read_text())
        if state.get("signature") != signature:
            return None
        return pd.read_parquet(self.folder / f"generation_{state['t']}.parquet"), state

    def clear(self) -> None:
        for p in self.folder.glob("*"):
            p.unlink()


def run(cfg: CalibrateConfig, chosen: pd.DataFrame, jobs: int, out: Path) -> History:
    """Replenishment ABC-SMC over the ``chosen`` parameters (name, low, high); resumes from ``out/smc`` when it holds
    a run over the same parameters, priors, population and seed."""
    names = chosen.name.tolist()
    low, high = chosen.low.to_numpy(float), chosen.high.to_numpy(float)
    n, n_drop = int(cfg.population), max(1, int(round(cfg.drop * cfg.population)))
    signature = {"names": names, "low": low.tolist(), "high": high.tolist(), "population": n, "drop": n_drop,
                 "seed": int(cfg.seed)}
    store = Store(out / "smc")
    client = None
    if cfg.sampler == "dask":
        client, executor, _ = pool.dask(jobs, cfg.scheduler)
    else:
        executor = pool.local(jobs)
    started = time.perf_counter()

    def evaluate(theta: np.ndarray, replicates: np.ndarray) -> np.ndarray:
        items = [({k: float(v) for k, v in zip(names, row, strict=True)}, int(r))
                 for row, r in zip(theta, replicates, strict=True)]
        return np.array(pool.evaluate(executor, _evaluate, items, cfg.width), float)

    try:
        resumed = store.load(signature)
        if resumed is None:
            store.clear()
            rng = np.random.default_rng(cfg.seed)
            theta = low + (high - low) * rng.random((n, len(names)))
            replicates = rng.integers(1_000, 1_000_000, n)
            distance = evaluate(theta, replicates)
            rows = [_row(0, np.inf, n, np.nan, 0, theta, started)]
            state = {"signature": signature, "t": 0, "steps": 5, "rows": rows, "stopped": ""}
            store.save(0, _frame(names, theta, distance, replicates), state | {"rng": rng.bit_generator.state})
        else:
            frame, state = resumed
            rng = np.random.default_rng()
            rng.bit_generator.state = state["rng"]
            theta, distance = frame[names].to_numpy(float), frame.distance.to_numpy(float)
            replicates = frame.replicate.to_numpy(np.int64)
            print(f"resuming {store.folder} after generation {state['t']}", file=sys.stderr)
        limit = cfg.walltime_minutes * 60.0
        while not state["stopped"]:
            t = state["t"] + 1
            if t > cfg.generations:
                state["stopped"] = f"the budget's {cfg.generations} generations"
                break
            if spent(state) + next_cost(state, n_drop) > limit:
                state["stopped"] = (f"the wall-time limit ({cfg.walltime_minutes:g} min): the next generation would "
                                    "end beyond it")
                break
            g0 = time.perf_counter()
            order = np.argsort(distance, kind="stable")
            kept = order[: n - n_drop]
            tolerance = float(distance[kept[-1]])
            cov = SCALE / len(names) * np.atleast_2d(np.cov(theta[kept].T)) + 1e-12 * np.eye(len(names))
            copies = kept[rng.integers(0, len(kept), n_drop)]
            moving, moving_d = theta[copies].copy(), distance[copies].copy()
            moving_r = replicates[copies].copy()
            steps, accepted, proposed = int(state["steps"]), 0, 0
            for _ in range(steps):
                proposal = reflect(moving + rng.multivariate_normal(np.zeros(len(names)), cov, size=n_drop), low, high)
                fresh = rng.integers(1_000, 1_000_000, n_drop)
                d = evaluate(proposal, fresh)
                ok = d <= tolerance
                moving[ok], moving_d[ok], moving_r[ok] = proposal[ok], d[ok], fresh[ok]
                accepted, proposed = accepted + int(ok.sum()), proposed + n_drop
            theta = np.vstack([theta[kept], moving])
            distance = np.r_[distance[kept], moving_d]
            replicates = np.r_[replicates[kept], moving_r]
            rate = accepted / max(proposed, 1)
            state["steps"] = int(min(MAX_STEPS, max(1, math.ceil(math.log(STUCK) / math.log(max(1.0 - rate, 1e-9))))))
            state["rows"].append(_row(t, tolerance, proposed, rate, steps, theta, g0))
            state["t"] = t
            if rate < MIN_ACCEPTANCE:
                state["stopped"] = (f"an acceptance rate of {100 * rate:.1f} % (below {100 * MIN_ACCEPTANCE:.0f} %: "
                                    "the tolerance has reached the replay's noise)")
            store.save(t, _frame(names, theta, distance, replicates), state | {"rng": rng.bit_generator.state})
        store.save(state["t"], _frame(names, theta, distance, replicates), state | {"rng": rng.bit_generator.state})
    finally:
        if client is not None:
            client.close()
    return History(names, pd.DataFrame(state["rows"]), _frame(names, theta, distance, replicates), state["stopped"],
                   state)


def spent(state: dict) -> float:
    """Seconds the sampler has spent so far, over every invocation (a resumed run counts the time before it)."""
    return float(sum(r["seconds"] for r in state["rows"]))


def next_cost(state: dict, n_drop: int) -> float:
    """Seconds the next generation is expected to take: its evaluations at the last generation's pace."""
    if not state["rows"]:
        return 0.0
    last = state["rows"][-1]
    return float(last["seconds"]) / max(int(last["replays"]), 1) * n_drop * int(state["steps"])


def reflect(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Proposals folded back into the prior's box at its walls: a random walk that stays symmetric, so with uniform
    priors a proposal is accepted on its distance alone, and none is wasted outside the box."""
    width = high - low
    y = np.mod(x - low, 2.0 * width)
    return low + np.where(y > width, 2.0 * width - y, y)


def _row(t: int, tolerance: float, evaluations: int, rate: float, steps: int, theta: np.ndarray,
         since: float) -> dict:
    return {"generation": t, "tolerance": tolerance, "replays": int(evaluations), "acceptance": rate,
            "steps": steps, "distinct": int(len(np.unique(theta, axis=0))), "seconds": time.perf_counter() - since}


def _frame(names: list[str], theta: np.ndarray, distance: np.ndarray, replicates: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(theta, columns=names)
    return frame.assign(weight=1.0 / len(frame), distance=distance, replicate=replicates)


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: N for equal weights, 1 when one particle has them all."""
    w = np.asarray(weights, float) / np.sum(weights)
    return float(1.0 / np.sum(w ** 2))


def medoid(particles: pd.DataFrame, names: list[str]) -> int:
    """The particle closest, on average, to all the others: a real parameter set at the centre of the posterior,
    which a ridge's mean need not be (``abm.posterior.medoid``)."""
    from abm.posterior import medoid as centre
    return centre(particles, names)
