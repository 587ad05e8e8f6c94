"""Where a month's time goes: each mechanism timed in one process, for one run or for a batch.

    python -m experiments profile_step [--runs R] [--phases] [Hydra overrides ...]

Wraps every public function of the mechanism modules and the recorder with a timer, runs the configuration (R = 1:
one run; R > 1: R replicates stepped together, ``abm.batch``) and prints milliseconds per run-step for the 25 costliest.
Times are inclusive (a function that calls another counts both), and the wrappers add their own cost: use it to see
where the time goes, ``make bench`` for the figures. ``--phases`` instead times, without wrappers, what a batch job
spends per run: building the batch, stepping it, making each run's tables and writing them (to a temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from abm import metrics
from abm.compose import compose
from abm.mechanisms import collaboration, leadership, money, oversight, peers, stp, trust

MODULES = (collaboration, leadership, money, oversight, peers, stp, trust)


def instrument(spent: Counter) -> None:
    """Replace each public mechanism function (and the recorder's collect) by a timed one."""
    def timed(owner, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
        setattr(owner, name, wrapper)

    for mod in MODULES:
        short = mod.__name__.rsplit(".", 1)[-1]
        for name, obj in list(vars(mod).items()):
            if callable(obj) and getattr(obj, "__module__", "") == mod.__name__ and name[:1].islower():
                timed(mod, name, f"{short}.{name}")
    timed(metrics.Recorder, "collect", "recording")


def phases(cfg, runs: int) -> int:
    """Milliseconds per run of a batch job's phases: build, step, tables, write (as ``abm.batch.run_batch`` does)."""
    from abm.batch import Batch
    from abm.run import run_job
    spent: Counter = Counter()
    t0 = time.perf_counter()
    batch = Batch(cfg, list(range(runs)))
    spent["build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch.run()
    spent["step"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            t0 = time.perf_counter()
            tables = batch.arrow_tables(k)
            spent["tables"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            run_job(batch.config_of(k), Path(tmp) / f"r{k}", tables)
            spent["write"] += time.perf_counter() - t0
    print(f"{cfg.scenario.name}, {runs} run(s) together, {batch.months} months: ms per run")
    for phase in ("build", "step", "tables", "write"):
        print(f"  {phase:8s} {1e3 * spent[phase] / runs:8.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--phases", action="store_true", help="time a batch job's phases per run instead")
    args, overrides = ap.parse_known_args(argv)
    if args.runs < 1:
        print(f"error: --runs={args.runs} must be at least 1", flush=True)
        return 2
    cfg = compose(["write_organisations=false", *overrides])
    if args.phases:
        return phases(cfg, args.runs)
    spent: Counter = Counter()
    instrument(spent)
    if args.runs == 1:
        from abm.model import CommissioningModel
        model = CommissioningModel(cfg)
    else:
        from abm.batch import Batch
        model = Batch(cfg, list(range(args.runs)))
    spent.clear()                                   # construction is not a month
    t0 = time.perf_counter()
    model.run()
    per = 1e3 / (model.months * args.runs)
    print(f"{cfg.scenario.name}, {args.runs} run(s), {model.months} months: {per * (time.perf_counter() - t0):.3f} ms "
          "per run-step in all")
    for label, seconds in spent.most_common(25):
        print(f"  {label:38s} {per * seconds:8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
