"""Run an experiment preset end to end: the Hydra sweep in parallel with a progress bar, then the report.

    python -m experiments run NAME [--jobs N] [--launcher joblib|basic] [Hydra overrides ...]

NAME is a file of ``conf/experiment/`` (``carrot_vs_stick``, ``logic_vs_resources``, ``severity``, ``investment``,
``consistency``;
``sensitivity`` is handed to ``experiments.sweeps.sensitivity``). The sweep goes to the preset's ``hydra.sweep.dir``
(``outputs/experiments/NAME``): re-running resumes it, skipping finished jobs. Extra overrides apply to every job,
e.g. ``months=120`` or ``scenario=small`` (then give ``hydra.sweep.dir=...`` to keep the results apart).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from tqdm import tqdm

from abm.compose import CONF_DIR, hydra_sweep, register_schema
from abm.precheck import precheck
from abm.run import is_complete
from experiments.sweeps import fairness
from experiments.sweeps.compare import compare

EXTRA_REPORTS = {"logic_vs_resources": fairness.report}   # presets with a report of their own beside compare's


def plan(name: str, overrides: list[str]) -> tuple[Path, list[list[str]]]:
    """The sweep directory and the list of jobs (as override lists) the preset will run."""
    parser = OverridesParser.create()
    parsed = parser.parse_overrides(overrides)
    sweep_dir, params = hydra_sweep([f"+experiment={name}", *overrides])
    for o in parsed:                              # a command-line value replaces the preset's sweep of that key
        if not o.get_key_element().startswith("hydra"):
            params[o.get_key_element()] = o.input_line.split("=", 1)[1]
    axes = []
    for key, value in params.items():
        o = parser.parse_override(f"{key}={value}")
        axes.append([f"{key}={v}" for v in o.sweep_string_iterator()] if o.is_sweep_override() else [f"{key}={value}"])
    return sweep_dir, [list(job) for job in product(*axes)]


def runs_per_job(name: str, overrides: list[str]) -> int:
    """Runs each job of the preset does (``batch.replicates`` x ``batch.draws``, :mod:`abm.batch`)."""
    parser = OverridesParser.create()
    fixed = [o.input_line for o in parser.parse_overrides(overrides) if not o.is_sweep_override()]
    register_schema()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=[f"+experiment={name}", *fixed])
    return int(cfg.batch.replicates) * int(cfg.batch.draws)


def count_done(sweep_dir: Path) -> int:
    """Finished runs under the sweep (a batch job's runs are in sub-directories of its job directory)."""
    return sum(1 for d in sweep_dir.rglob("done.json") if is_complete(d.parent)) if sweep_dir.is_dir() else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", help="experiment preset in conf/experiment/")
    ap.add_argument("--jobs", type=int, default=2, help="parallel jobs for the joblib launcher (default 2)")
    ap.add_argument("--launcher", choices=("joblib", "basic"), default="joblib")
    args, overrides = ap.parse_known_args(argv)
    presets = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
    if args.name not in presets:
        print(f"error: experiment={args.name!r} is not allowed; choose one of: {', '.join(presets)}", file=sys.stderr)
        return 2
    if args.name in ("sensitivity", "contrast"):
        from experiments.sweeps import sensitivity
        return sensitivity.main([f"--preset={args.name}", *overrides] + ([f"--jobs={args.jobs}"] if args.jobs else []))
    if args.jobs < 1:
        print(f"error: --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    precheck(["-m", f"+experiment={args.name}", *overrides])   # bad input: one line, exit 2, nothing written
    sweep_dir, jobs = plan(args.name, overrides)
    total = len(jobs) * runs_per_job(args.name, overrides)
    before = count_done(sweep_dir)
    cmd = [sys.executable, "-m", "abm", "-m", f"+experiment={args.name}", *overrides]
    if args.launcher == "joblib":
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.jobs}"]
    print(f"{args.name}: {len(jobs)} jobs, {total} runs ({before} already finished) into {sweep_dir}",
          file=sys.stderr)
    if before == total:                       # every run finished (and no other): the report, built or reused
        return _reports(args.name, sweep_dir)
    with tempfile.TemporaryFile("w+") as log, tqdm(total=total, initial=min(before, total), desc=args.name,
                                                   unit="run") as bar:   # the jobs' printout kept out of the bar's way
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None:
            bar.update(min(count_done(sweep_dir), total) - bar.n)
            time.sleep(0.5)
        bar.update(min(count_done(sweep_dir), total) - bar.n)
        err = proc.stderr.read()
        if sweep_dir.is_dir():
            log.seek(0)
            (sweep_dir / "sweep.log").write_text(log.read() + err)
    if proc.returncode != 0:
        print(err.strip().splitlines()[-1] if err.strip() else f"error: the sweep failed ({proc.returncode})",
              file=sys.stderr)
        return proc.returncode
    return _reports(args.name, sweep_dir)


def _reports(name: str, sweep_dir: Path) -> int:
    report = compare(sweep_dir)
    print(f"report: {report.resolve()}")
    if name in EXTRA_REPORTS:
        print(f"report: {EXTRA_REPORTS[name](sweep_dir).resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
