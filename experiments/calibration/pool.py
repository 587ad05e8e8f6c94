"""Where the calibration's runs are evaluated: batches of parameter sets sent to workers.

Any ``concurrent.futures`` executor will do: local processes (:func:`local`), a Dask cluster (:func:`dask`: a local
one, or the scheduler at an address, e.g. one started on SLURM with dask-jobqueue), or the calling process
(:class:`InProcess`). :func:`evaluate` sends a list of items ``width`` at a time, keeps every worker busy, and returns
the results in the order of the items.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any


class InProcess(concurrent.futures.Executor):
    """The calling process as a one-worker executor (for one job and for tests)."""

    def submit(self, fn, /, *args, **kwargs):                    # type: ignore[override]
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:                             # handed to the caller, as a pool would
            future.set_exception(exc)
        return future


def local(workers: int) -> concurrent.futures.Executor:
    """``workers`` local processes (joblib's reusable loky pool: started once, shared with ``joblib.Parallel``, safe
    with numpy's threads), or the calling process for one worker."""
    if workers <= 1:
        return InProcess()
    from joblib.executor import get_memmapping_executor
    return get_memmapping_executor(workers)


def dask(workers: int, scheduler: str = ""):
    """A Dask client (a local cluster of ``workers`` processes, or the scheduler at ``scheduler``), its executor and
    the number of its workers. Close the client when done."""
    from distributed import Client, LocalCluster
    client = Client(scheduler) if scheduler else Client(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                                     processes=True))
    return client, client.get_executor(), max(len(client.scheduler_info()["workers"]), 1)


def evaluate(executor: concurrent.futures.Executor, fn: Callable[[list], list], items: list, width: int) -> list[Any]:
    """``fn`` over ``items`` in consecutive batches of ``width`` (``fn`` takes a batch, returns one result per
    item), all submitted at once; results in the order of the items."""
    futures = [executor.submit(fn, items[i:i + width]) for i in range(0, len(items), max(width, 1))]
    return [result for future in futures for result in future.result()]
