"""Progress bars for the experiments (tqdm): parallel jobs with a bar on standard error, results in order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joblib import Parallel
from tqdm import tqdm


def run_parallel(tasks: Iterable, n_jobs: int, desc: str, total: int | None = None, unit: str = "run") -> list[Any]:
    """Run joblib ``delayed`` tasks on ``n_jobs`` workers with a progress bar counting ``unit`` (a run, or a batch of
    runs); return their results in order."""
    tasks = list(tasks)
    results = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    return list(tqdm(results, total=total or len(tasks), desc=desc, unit=unit, leave=True))


def chunks(items: list, size: int) -> list[list]:
    """``items`` in consecutive parts of at most ``size``."""
    return [items[i:i + size] for i in range(0, len(items), max(size, 1))]
