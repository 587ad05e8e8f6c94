"""An ABC-SMC sampler for pyabc that evaluates a generation's particles in batches of runs.

pyabc's own samplers run one simulation per particle, each in its own call. Here the main process draws the
proposals (pyabc's proposal and weight functions, unchanged), sends them ``width`` at a time to the workers, where
each batch runs as one :class:`abm.batch.Batch` of runs with different parameters (:mod:`abm.params`: about 2.5x
cheaper per run than runs one by one), and judges the results in the order the proposals were drawn, so fast
simulations are not favoured, until ``n`` are accepted. The replicate of each particle is drawn with its proposal,
so a calibration is reproducible from its seed, and chance is part of the fit as before.

The workers are any ``concurrent.futures`` executor: local processes (:func:`local_executor`), a Dask cluster
(``distributed.Client.get_executor()``, local or at a scheduler's address), or none (in the calling process).
"""

from __future__ import annotations

import concurrent.futures
from collections import deque
from collections.abc import Callable
from functools import partial

import numpy as np
import pyabc
from pyabc.inference_util.inference_util import _simulate_one_from_prior, generate_valid_proposal
from pyabc.population import Particle

# evaluate(list of parameter dicts, list of replicates) -> list of summary statistics (dicts)
Evaluate = Callable[[list[dict[str, float]], list[int]], list[dict]]


class InProcess(concurrent.futures.Executor):
    """The calling process as a one-worker executor (for ``--jobs 1`` and tests)."""

    def submit(self, fn, /, *args, **kwargs):                    # type: ignore[override]
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:                             # handed to the caller, as a pool would
            future.set_exception(exc)
        return future


def local_executor(workers: int) -> concurrent.futures.Executor:
    """``workers`` local processes (joblib's reusable loky pool: started once, shared with the screening's
    ``joblib.Parallel`` calls, safe with numpy's threads), or the calling process for one worker."""
    if workers <= 1:
        return InProcess()
    from joblib.executor import get_memmapping_executor
    return get_memmapping_executor(workers)


class BatchSampler(pyabc.sampler.Sampler):
    """Sample a generation by evaluating its proposals in batches of ``width`` runs on ``executor``'s ``workers``.

    ``evaluate`` runs one batch (a picklable function); ``rng`` draws each particle's replicate. Keeps
    ``workers + 1`` batches in flight so that no worker waits while the main process judges results."""

    def __init__(self, evaluate: Evaluate, executor: concurrent.futures.Executor, width: int, workers: int,
                 rng: np.random.Generator, check_max_eval: bool = True):
        super().__init__()
        self.evaluate, self.executor = evaluate, executor
        self.width, self.workers, self.rng = int(width), int(workers), rng
        self.check_max_eval = check_max_eval

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        propose, judge = _proposal_and_judge(simulate_one)
        sample = self._create_empty_sample()
        pending: deque = deque()
        evaluations = accepted = 0

        def submit() -> None:
            proposals = [propose() for _ in range(self.width)]
            replicates = self.rng.integers(1_000, 1_000_000, self.width).tolist()
            values = [{k: float(v) for k, v in theta.items()} for _, theta in proposals]
            pending.append((proposals, self.executor.submit(self.evaluate, values, replicates)))

        for _ in range(self.workers + 1):
            submit()
        while accepted < n and (not self.check_max_eval or evaluations < max_eval):
            proposals, future = pending.popleft()
            submit()
            for (model, theta), sum_stat in zip(proposals, future.result(), strict=True):
                particle = judge(model, theta, sum_stat)
                evaluations += 1
                sample.append(particle)
                accepted += bool(particle.accepted)
                if accepted >= n or (self.check_max_eval and evaluations >= max_eval):
                    break
        for _, future in pending:                   # proposals drawn ahead and not needed: not evaluated or counted
            future.cancel()
        self.nr_evaluations_ = evaluations
        return sample


def _proposal_and_judge(simulate_one) -> tuple[Callable, Callable]:
    """From pyabc's simulation function of a generation (a ``functools.partial`` of pyabc's own), its two halves:
    draw a proposal (model, parameter), and turn a proposal with its summary statistics into a particle."""
    kw = simulate_one.keywords
    if simulate_one.func is _simulate_one_from_prior:             # the calibration sample: from the prior, all kept
        def from_prior():
            model = int(kw["model_prior"].rvs())
            return model, kw["parameter_priors"][model].rvs()

        def keep(model, theta, sum_stat) -> Particle:
            return Particle(m=model, parameter=theta, weight=1.0, sum_stat=kw["summary_statistics"](sum_stat),
                            distance=np.inf, accepted=True, proposal_id=0, preliminary=False)
        return from_prior, keep
    if not kw.get("evaluate", True):
        raise ValueError("the batch sampler does not do look-ahead sampling")
    propose = partial(generate_valid_proposal, t=kw["t"], m=kw["m"], p=kw["p"], model_prior=kw["model_prior"],
                      parameter_priors=kw["parameter_priors"],
                      model_perturbation_kernel=kw["model_perturbation_kernel"], transitions=kw["transitions"])

    def judge(model, theta, sum_stat) -> Particle:
        x = kw["summary_statistics"](sum_stat)
        result = kw["acceptor"](distance_function=kw["distance_function"], eps=kw["eps"], x=x, x_0=kw["x_0"],
                                t=kw["t"], par=theta)
        weight = kw["weight_function"](model, theta, result.weight) if result.accept else 0.0
        return Particle(m=model, parameter=theta, weight=weight, sum_stat=x, distance=result.distance,
                        accepted=bool(result.accept), preliminary=False, proposal_id=kw["proposal_id"])
    return propose, judge
