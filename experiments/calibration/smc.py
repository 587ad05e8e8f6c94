"""ABC-SMC (pyabc; Toni et al. 2009, Del Moral et al. 2012) over the parameters the screening chose.

Uniform priors; each particle is the 2013 replay at its parameters and a replicate drawn with it (chance is part of
the fit); the distance of ``experiments.calibration.fit``; a quantile (median) epsilon schedule; particles evaluated in
batches of runs with different parameters by :class:`experiments.calibration.sampler.BatchSampler`, on local
processes or a Dask cluster. A SQLite database (``abc.db``) is written after every generation: started again with the
same database and parameters, the calibration carries on from the last finished generation (resume after a kill).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from abm.config import CalibrateConfig
from experiments.calibration import fit
from experiments.calibration.sampler import BatchSampler, local_executor


def abc_model(parameters) -> dict[str, float]:
    """pyabc's model for one particle: the replay at its parameters and a fresh replicate. The batch sampler
    evaluates particles with :func:`abc_evaluate` instead; pyabc is handed this one as the model it describes."""
    values = {k.replace("__", "."): float(v) for k, v in dict(parameters).items()}
    return fit.replay(values, replicate=int(np.random.randint(1_000, 1_000_000)))


def abc_evaluate(values: list[dict[str, float]], replicates: list[int]) -> list[dict[str, float]]:
    """A batch of particles (pyabc's names, ``group__name``), each at its replicate: one batch of replays."""
    return fit.batch_answers([{k.replace("__", "."): v for k, v in d.items()} for d in values], replicates)


def abc_distance(x: dict, x0: dict) -> float:
    return fit.distance(x, "fit")


def sampler(cfg: CalibrateConfig, jobs: int):
    """The batch sampler on local processes or a Dask cluster (local, or at ``calibrate.scheduler``), and the Dask
    client to close afterwards (None for local processes)."""
    client = None
    if cfg.sampler == "dask":
        from distributed import Client, LocalCluster
        client = Client(cfg.scheduler) if cfg.scheduler else Client(LocalCluster(n_workers=jobs, threads_per_worker=1,
                                                                                   processes=True))
        executor, workers = client.get_executor(), max(len(client.scheduler_info()["workers"]), 1)
    else:
        executor, workers = local_executor(jobs), jobs
    rng = np.random.default_rng(cfg.seed)
    return BatchSampler(abc_evaluate, executor, cfg.width, workers, rng), client


def run(cfg: CalibrateConfig, chosen: pd.DataFrame, jobs: int, out: Path):
    """ABC-SMC over the ``chosen`` parameters (name, low, high); resumes from ``out/abc.db`` when it holds a run over
    the same ones. Returns pyabc's History."""
    import pyabc
    logging.getLogger("ABC").setLevel(logging.WARNING)
    names = [n.replace(".", "__") for n in chosen.name]
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo)
                                  for n, lo, hi in zip(names, chosen.low, chosen.high, strict=True)})
    batch_sampler, client = sampler(cfg, jobs)
    np.random.seed(cfg.seed)                         # pyabc draws its proposals from numpy's global generator
    abc = pyabc.ABCSMC(abc_model, prior, abc_distance, population_size=cfg.population, sampler=batch_sampler)
    db = out / "abc.db"
    url = f"sqlite:///{db.resolve()}"
    done = 0
    if db.exists():
        previous = pyabc.History(url)
        finished = 0 if previous.max_t is None else previous.n_populations     # an empty database: none
        same = finished > 0 and sorted(previous.get_distribution()[0].columns) == sorted(names)
        if same:
            done = finished
            abc.load(url, previous.id)
            print(f"resuming {db} after {done} finished generation(s)", file=sys.stderr)
        else:
            db.unlink()
    if not done:
        abc.new(url, {k: 0.0 for k in fit.observations().key})
    history = abc.history
    left = cfg.generations - done
    try:
        if left > 0:
            history = abc.run(max_nr_populations=left,
                              max_walltime=pd.Timedelta(minutes=cfg.walltime_minutes).to_pytimedelta(),
                              min_acceptance_rate=0.01)
    finally:
        if client is not None:
            client.close()
    return history


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: N for equal weights, 1 when one particle has them all."""
    w = np.asarray(weights, float) / np.sum(weights)
    return float(1.0 / np.sum(w ** 2))
