"""Benchmarks (not tests): cost per agent-step against Mesa's VirusOnNetwork, scaling, and sweep launchers.

    python -m experiments bench [--repeats 5] [--out outputs/bench]

Measured in one process and side by side, so that machine noise cancels in the ratios:

1. England: model construction, and seconds per agent-step over a 60-month run (median of ``--repeats`` runs after a
   warm-up), against Mesa's own ``VirusOnNetwork`` example with the same number of nodes and mean degree;
2. scaling: 1x, 4x and 16x England (``scenario.copies``: the same structure per STP, more STPs and regions), seconds
   per step, the fitted exponent of cost against size, and peak memory (each size in a fresh process);
3. sweeps: 16 small-scenario runs with Hydra's basic launcher and with the joblib launcher on 2 workers: speed-up,
   and Hydra's per-job overhead as a share of the run time;
4. throughput (``abm.batch``): England 60-month runs per second with one run per Hydra job and with jobs of many
   runs stepped together, and their ratio; seconds per agent-step in a batch against VirusOnNetwork; the 2-worker
   speed-up of a batched England sweep; memory per run in a batch and the peak of a 256-run batch;
5. presets: the 2-worker speed-up of the England experiment presets ``carrot_vs_stick`` (160 runs in 20 jobs) and
   ``logic_vs_resources`` (180 runs in 30 jobs), run as their Hydra sweeps with joblib on 1 and on 2 workers;
6. calibration workloads (runs whose parameters differ: ``abm.params``): 2013 replays per second in a batch of 32
   runs with different parameters against the same runs one by one, in the same process; the ABC-SMC's effective
   particles a minute (a short replenishment run on 2 workers); Sobol samples of the contrast preset a minute;
7. England from data (``abm.initial``: each trust from its own figures, the regulators' 12-month spin-up) against
   England from the stated draws (``scenario.from_data=false``): construction, step and a 47-month run's cost a month;
8. reports: ``python -m experiments run carrot_vs_stick`` end to end, then the report built again from its finished
   runs (``compare``, no reuse), then the same command a second time (every run finished, the report reused); and
   ``python -m experiments run whole_posterior`` end to end, report included (``--no-heavy`` skips it).

Prints a table and writes it to ``--out/bench.csv``. ``docs/performance.md`` records the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from abm.compose import compose
from abm.model import CommissioningModel

ROOT = Path(__file__).resolve().parents[2]      # the checkout (experiments/performance/bench.py)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def england(repeats: int) -> dict:
    cfg = compose(["months=60", "write_organisations=false"])
    CommissioningModel(cfg).run()                                   # warm-up
    build = float(np.median([timed(lambda: CommissioningModel(cfg)) for _ in range(3)]))
    runs, agents, degree = [], 0, 0.0
    for _ in range(repeats):
        m = CommissioningModel(cfg)
        agents = len(m.orgs.kind)
        degree = 2.0 * m.grid.G.number_of_edges() / len(m.grid.G)
        runs.append(timed(m.run) / m.months)
    step = float(np.median(runs))
    return {"organisations": agents, "mean_degree": degree, "build_s": build, "step_s": step,
            "agent_step_s": step / agents}


def virus(nodes: int, degree: float, repeats: int, steps: int = 60) -> dict:
    from mesa.examples import VirusOnNetwork

    def make():
        # An outbreak in 5 % of the nodes keeps the epidemic (the example's work) going for the whole run.
        return VirusOnNetwork(num_nodes=nodes, avg_node_degree=int(round(degree)),
                              initial_outbreak_size=max(1, nodes // 20), rng=1)
    warm = make()
    for _ in range(steps):
        warm.step()
    runs = []
    for _ in range(repeats):
        m = make()
        runs.append(timed(lambda m=m: [m.step() for _ in range(steps)]) / steps)
    step = float(np.median(runs))
    return {"nodes": nodes, "step_s": step, "agent_step_s": step / nodes}


def scaling_child(copies: int) -> None:
    """Run in a fresh process: print per-step time and peak memory for ``copies`` Englands."""
    import resource
    cfg = compose([f"scenario.copies={copies}", "months=24", "write_organisations=false"])
    m = CommissioningModel(cfg)
    n = len(m.orgs.kind)
    t = timed(m.run) / m.months
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"copies": copies, "organisations": n, "edges": int(len(m.edges.src)), "step_s": t,
                      "peak_mb": peak_mb}))


def scaling(sizes=(1, 4, 16)) -> tuple[list[dict], float]:
    rows = []
    for k in sizes:
        out = subprocess.run([sys.executable, "-m", "experiments", "bench", "--scaling-child", str(k)], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    x = np.log([r["organisations"] for r in rows])
    y = np.log([r["step_s"] for r in rows])
    exponent = float(np.polyfit(x, y, 1)[0])
    return rows, exponent


def sweeps(n_jobs: int = 16) -> dict:
    cfg = compose(["scenario=small", "write_organisations=false"])
    CommissioningModel(cfg).run()
    run = float(np.median([timed(lambda: CommissioningModel(cfg).run()) for _ in range(5)]))
    walls = {}
    for launcher, extra in (("basic", []), ("joblib", ["hydra.launcher.n_jobs=2"])):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "abm", "-m", "scenario=small", f"replicate=range(0,{n_jobs})",
                   "write_organisations=false", f"hydra.sweep.dir={tmp}/sweep", f"hydra/launcher={launcher}", *extra]
            walls[launcher] = timed(lambda cmd=cmd: subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True))
    overhead = (walls["basic"] - n_jobs * run) / n_jobs
    return {"jobs": n_jobs, "run_s": run, "basic_s": walls["basic"], "joblib_s": walls["joblib"],
            "speedup": walls["basic"] / walls["joblib"], "overhead_per_job_s": overhead,
            "overhead_share": overhead / run}


def batch_child(runs: int, months: int) -> None:
    """Run in a fresh process: step ``runs`` England replicates together; print time per run-step and peak memory."""
    import resource

    from abm.batch import Batch
    cfg = compose([f"months={months}", "write_organisations=false"])
    batch = Batch(cfg, list(range(runs)))
    t = timed(batch.run) / (batch.months * runs)
    for k in range(runs):
        batch.tables(k)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"runs": runs, "months": months, "run_step_s": t, "organisations": batch.N, "peak_mb": peak_mb}))


def child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "experiments", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def hydra_wall(args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "abm", "-m", "write_organisations=false", f"hydra.sweep.dir={tmp}/sweep", *args]
        return timed(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True))


def sweep_speedup(n_jobs: int, width: int) -> tuple[float, float]:
    """Wall time of a batched England sweep (``n_jobs`` jobs of ``width`` runs) with joblib on 1 and on 2 workers."""
    jobs = [f"replicate={','.join(str(k * width) for k in range(n_jobs))}", f"batch.replicates={width}",
            f"batch.width={width}", "hydra/launcher=joblib"]
    return hydra_wall([*jobs, "hydra.launcher.n_jobs=1"]), hydra_wall([*jobs, "hydra.launcher.n_jobs=2"])


def preset_speedup(name: str) -> tuple[float, float]:
    """Wall time of an experiment preset's sweep (``+experiment=name``) with joblib on 1 and on 2 workers."""
    jobs = [f"+experiment={name}", "hydra/launcher=joblib"]
    return hydra_wall([*jobs, "hydra.launcher.n_jobs=1"]), hydra_wall([*jobs, "hydra.launcher.n_jobs=2"])


PRESETS = ("carrot_vs_stick", "logic_vs_resources")


def throughput(single_jobs: int = 8, batched_runs: int = 64, width: int = 32) -> dict:
    """England 60-month runs per second through Hydra: one run per job, against jobs of many runs stepped together
    (``batch.replicates``), both in one Hydra process with the basic launcher; then the 2-worker speed-up of batched
    England sweeps (4 and 8 jobs of ``width`` runs, joblib with 1 and with 2 workers: the fixed cost of starting the
    sweep and its workers weighs less in the larger); then memory per run in a batch."""
    one = hydra_wall([f"replicate=range(0,{single_jobs})"])
    many = hydra_wall([f"batch.replicates={batched_runs}", f"batch.width={width}"])
    w1, w2 = sweep_speedup(4, width)
    big1, big2 = sweep_speedup(8, width)
    small, big = child("--batch-child", "1", "60"), child("--batch-child", str(width), "60")
    huge = child("--batch-child", "256", "24")
    return {"single_jobs": single_jobs, "single_rate": single_jobs / one, "batched_runs": batched_runs,
            "batched_rate": batched_runs / many, "width": width, "sweep_runs": 4 * width, "w1_s": w1, "w2_s": w2,
            "speedup": w1 / w2, "big_runs": 8 * width, "big1_s": big1, "big2_s": big2, "big_speedup": big1 / big2,
            "run_step_s": big["run_step_s"], "organisations": big["organisations"],
            "mb_per_run": (big["peak_mb"] - small["peak_mb"]) / (width - 1), "peak_256_mb": huge["peak_mb"]}


def mixed_batch(runs: int = 32, alone: int = 8) -> dict:
    """2013 replays (the calibration's replay, 72 months) per second: ``runs`` parameter sets from the priors in one
    batch, against ``alone`` of the same one by one (a Mesa model each), in this process."""
    from experiments.calibration import fit
    free = fit.free_parameters()
    rng = np.random.default_rng(0)
    values = [{n: float(rng.uniform(lo, hi)) for n, lo, hi in zip(free.name, free.low, free.high, strict=True)}
              for _ in range(runs)]
    fit.batch_answers(values[:2], [0, 1])                                  # warm-up (structure, imports)
    batched = timed(lambda: fit.batch_answers(values, list(range(runs))))
    single = timed(lambda: [fit.replay(v, k) for k, v in enumerate(values[:alone])])
    return {"runs": runs, "batched_rate": runs / batched, "single_rate": alone / single}


def smc_rate(population: int = 64) -> dict:
    """Effective particles a minute of a short replenishment ABC-SMC (two generations, 2 workers) over the forced
    behavioural parameters, on the calibration's own distance."""
    from experiments.calibration import calibrate, fit, smc
    from experiments.calibration.screening import FORCED
    free = fit.free_parameters().set_index("name").loc[list(FORCED)].reset_index()
    cfg = calibrate.settings([f"calibrate.population={population}", "calibrate.generations=2",
                              "calibrate.walltime_minutes=30"])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        history = smc.run(cfg, free, 2, Path(tmp))
        minutes = (time.perf_counter() - t0) / 60.0
    return {"population": population, "ess": smc.effective_size(history.particles.weight),
            "distinct": int(len(history.particles[free.name].drop_duplicates())), "minutes": minutes,
            "replays": int(history.generations.replays.sum())}


def sobol_rate(samples: int = 32) -> dict:
    """Samples of the contrast preset (carrot minus stick, 2 runs a sample, April 2016 to March 2020) a minute, one
    batch per style of ``samples`` parameter sets from the assumptions' priors."""
    from abm.config import with_values
    from experiments.calibration import fit
    from experiments.sweeps import sensitivity
    config = compose(["+experiment=contrast"])
    free = fit.free_parameters(calibrated=False, replay=False)
    rng = np.random.default_rng(1)
    configs = [with_values(config, {n: float(rng.uniform(lo, hi)) for n, lo, hi in
                                    zip(free.name, free.low, free.high, strict=True)}) for _ in range(samples)]
    sensitivity.outcomes_of(configs[:2], ["perf_true"], ["carrot", "stick"])          # warm-up
    seconds = timed(lambda: sensitivity.outcomes_of(configs, ["perf_true"], ["carrot", "stick"]))
    return {"samples": samples, "per_minute": 60.0 * samples / seconds}


def from_data(repeats: int, months: int = 47) -> dict:
    """England 47-month runs from each trust's own figures against runs from the stated draws, in this process:
    construction (with the regulators' spin-up) and stepping, median of ``repeats``."""
    out = {}
    for key, flag in (("data", "true"), ("draws", "false")):
        cfg = compose([f"months={months}", "write_organisations=false", f"scenario.from_data={flag}"])
        CommissioningModel(cfg).run()                                                   # warm-up
        builds, steps = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            m = CommissioningModel(cfg)
            builds.append(time.perf_counter() - t0)
            steps.append(timed(m.run) / months)
        out[key] = {"build_s": float(np.median(builds)), "step_s": float(np.median(steps))}
        out[key]["month_s"] = out[key]["build_s"] / months + out[key]["step_s"]
    return {"months": months, **out}


def reports(heavy: bool) -> dict:
    """Wall times of the headline preset end to end, its report rebuilt, a second run with nothing new, and (heavy)
    the whole-posterior preset, each into a directory of its own."""
    def run(name: str, sweep: str, *extra: str) -> float:
        cmd = [sys.executable, "-m", "experiments", "run", name, f"hydra.sweep.dir={sweep}", *extra]
        return timed(lambda: subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True))

    with tempfile.TemporaryDirectory() as tmp:
        sweep = f"{tmp}/carrot_vs_stick"
        first = run("carrot_vs_stick", sweep)
        rebuild = timed(lambda: subprocess.run([sys.executable, "-m", "experiments", "compare", sweep, "--baseline",
                                                "regulator.name=as_was_2016", "--out", f"{tmp}/rebuilt"],
                                               cwd=ROOT, capture_output=True, check=True))
        second = run("carrot_vs_stick", sweep)
        whole = run("whole_posterior", f"{tmp}/whole_posterior") if heavy else float("nan")
    return {"first_s": first, "rebuild_s": rebuild, "second_s": second, "whole_s": whole}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench")
    ap.add_argument("--no-heavy", dest="heavy", action="store_false",
                    help="skip the whole-posterior preset (about 10 minutes)")
    ap.add_argument("--scaling-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--batch-child", type=int, nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.scaling_child is not None:
        scaling_child(args.scaling_child)
        return 0
    if args.batch_child is not None:
        batch_child(*args.batch_child)
        return 0
    ours = england(args.repeats)
    theirs = virus(ours["organisations"], ours["mean_degree"], args.repeats)
    sizes, exponent = scaling()
    sweep = sweeps()
    tp = throughput()
    presets = {name: preset_speedup(name) for name in PRESETS}
    mixed = mixed_batch()
    abc = smc_rate()
    sobol = sobol_rate()
    init = from_data(args.repeats)
    built = reports(args.heavy)
    batched_agent_step = tp["run_step_s"] / tp["organisations"]
    rows = [
        ("england: organisations", ours["organisations"], ""),
        ("england: mean degree of the network", round(ours["mean_degree"], 1), ""),
        ("england: model construction (s)", round(ours["build_s"], 3), ""),
        ("england: seconds per step", f"{ours['step_s']:.4f}", ""),
        ("england: microseconds per agent-step", f"{1e6 * ours['agent_step_s']:.2f}", ""),
        ("VirusOnNetwork (same nodes, degree): microseconds per agent-step", f"{1e6 * theirs['agent_step_s']:.2f}",
         ""),
        ("ratio ours / VirusOnNetwork", round(ours["agent_step_s"] / theirs["agent_step_s"], 2), ""),
        *[(f"scaling {r['copies']}x: organisations / edges", f"{r['organisations']} / {r['edges']}", "")
          for r in sizes],
        *[(f"scaling {r['copies']}x: seconds per step", f"{r['step_s']:.4f}", "") for r in sizes],
        *[(f"scaling {r['copies']}x: peak memory (MB)", round(r["peak_mb"]), "") for r in sizes],
        ("scaling: fitted exponent of cost against size", round(exponent, 2), "goal <= 1.1"),
        ("sweep: one small run in-process (s)", round(sweep["run_s"], 3), ""),
        (f"sweep: {sweep['jobs']} jobs, basic launcher (s)", round(sweep["basic_s"], 2), ""),
        (f"sweep: {sweep['jobs']} jobs, joblib on 2 workers (s)", round(sweep["joblib_s"], 2), ""),
        ("sweep: joblib speed-up", round(sweep["speedup"], 2), "goal >= 1.8"),
        ("sweep: Hydra overhead per job (s)", round(sweep["overhead_per_job_s"], 3), ""),
        ("sweep: overhead as a share of a run", f"{sweep['overhead_share']:.0%}", "goal <= 5%"),
        (f"throughput: England 60-month runs per second, one run per Hydra job ({tp['single_jobs']} jobs)",
         round(tp["single_rate"], 2), ""),
        (f"throughput: England 60-month runs per second, batched ({tp['batched_runs']} runs in one job, "
         f"{tp['width']} stepped together)", round(tp["batched_rate"], 2), ""),
        ("throughput: batched / one run per job", round(tp["batched_rate"] / tp["single_rate"], 2), ""),
        (f"batched ({tp['width']} runs together): seconds per run-step", f"{tp['run_step_s']:.4f}", ""),
        (f"batched ({tp['width']} runs together): microseconds per agent-step", f"{1e6 * batched_agent_step:.2f}",
         ""),
        ("batched ratio ours / VirusOnNetwork", round(batched_agent_step / theirs["agent_step_s"], 2), ""),
        (f"batched England sweep, {tp['sweep_runs']} runs in 4 jobs: joblib 1 worker / 2 workers (s)",
         f"{tp['w1_s']:.1f} / {tp['w2_s']:.1f}", ""),
        ("batched England sweep: 2-worker speed-up", round(tp["speedup"], 2), "goal >= 1.8"),
        (f"batched England sweep, {tp['big_runs']} runs in 8 jobs: joblib 1 worker / 2 workers (s)",
         f"{tp['big1_s']:.1f} / {tp['big2_s']:.1f}", ""),
        (f"batched England sweep of {tp['big_runs']} runs: 2-worker speed-up", round(tp["big_speedup"], 2),
         "goal >= 1.8"),
        *[row for name, (one, two) in presets.items() for row in (
            (f"preset {name}: joblib 1 worker / 2 workers (s)", f"{one:.1f} / {two:.1f}", ""),
            (f"preset {name}: 2-worker speed-up", round(one / two, 2), "goal >= 1.8"))],
        (f"batch memory per England run ({tp['width']} together, 60 months)", f"{tp['mb_per_run']:.1f} MB",
         "goal < 20 MB"),
        ("batch of 256 England runs (24 months): peak memory", f"{tp['peak_256_mb']:.0f} MB", "goal < 4096 MB"),
        (f"calibration: 2013 replays a second, {mixed['runs']} with different parameters in one batch",
         round(mixed["batched_rate"], 2), ""),
        ("calibration: 2013 replays a second, the same one by one", round(mixed["single_rate"], 2), ""),
        ("calibration: batch of different parameters / one by one", round(mixed["batched_rate"] / mixed["single_rate"], 2),
         "goal >= 2.5"),
        (f"ABC-SMC: effective particles a minute ({abc['population']} particles, 2 generations, 2 workers, "
         f"{abc['replays']} evaluations)", round(abc["ess"] / abc["minutes"], 1), ""),
        ("ABC-SMC: distinct particles of the last generation", f"{abc['distinct']} of {abc['population']}", ""),
        (f"contrast (Sobol): samples a minute ({sobol['samples']} in one batch per style, 1 worker)",
         round(sobol["per_minute"], 1), ""),
        ("England from data: construction, spin-up included / from the stated draws (s)",
         f"{init['data']['build_s']:.2f} / {init['draws']['build_s']:.2f}", ""),
        ("England from data: seconds per step / from the stated draws",
         f"{init['data']['step_s']:.4f} / {init['draws']['step_s']:.4f}", ""),
        (f"England from data: cost a month of a {init['months']}-month run, construction included / from the draws",
         round(init["data"]["month_s"] / init["draws"]["month_s"], 2), "goal <= 1.2"),
        ("report: make run's preset end to end, 2 workers (s)", round(built["first_s"], 1), ""),
        ("report: built from its finished runs (compare, s)", round(built["rebuild_s"], 1), "goal <= 30"),
        ("report: make run again with every run finished (s)", round(built["second_s"], 1), "goal <= 20"),
        ("whole_posterior preset end to end, report included (s)",
         round(built["whole_s"], 1) if built["whole_s"] == built["whole_s"] else "skipped", "goal <= 600"),
    ]
    table = pd.DataFrame(rows, columns=["measure", "value", "goal"])
    table["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "bench.csv", index=False)
    width = max(len(r[0]) for r in rows)
    for measure, value, goal in rows:
        print(f"{measure:<{width}}  {value!s:>16}  {goal}")
    print(f"written: {(args.out / 'bench.csv').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
