"""Screening: which assumption parameters matter to the fit (SALib's Morris elementary effects).

Every numeric ``assumption`` parameter of ``behaviour`` and ``regime`` (``experiments.calibration.fit``) is varied over
its prior; each Morris sample is the 2013 replay at one replicate, the same for every sample (common random numbers),
and its outcome the distance to the fit rows. A parameter *matters* when its mu* (the mean absolute change of the
distance per prior range) exceeds the distance's own chance spread, the standard deviation over ``CHANCE_REPLICATES``
replicates at the assumed values: a smaller effect could not be told from chance by these data. The samples run in
batches of runs with different parameters (``fit.batch_answers``), ``calibrate.width`` to a batch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import delayed  # noqa: E402

from abm.config import CalibrateConfig  # noqa: E402
from experiments.calibration import fit
from experiments.progress import (
    chunks,  # noqa: E402
    run_parallel,  # noqa: E402
)

CHANCE_REPLICATES = 12  # replicates at the assumed values that measure the distance's chance spread
# The behavioural numbers the published effects bear on (their designs are in the distance) and the fixed costs of a
# style (stress, lost management capacity: issue "carrot or stick, decided by evidence"): calibrated whatever
# their screening rank, since identifying them is what the effects are for.
FORCED = ("behaviour.pressure_effort", "behaviour.commitment_effort", "behaviour.effort_ceiling", "behaviour.gaming",
          "behaviour.legitimacy_share", "behaviour.support_effect", "behaviour.exit_stress", "behaviour.stress_penalty",
          "behaviour.capacity_penalty")


def _distances(values: list[dict[str, float]], replicates: list[int]) -> list[float]:
    """The fit distances of a batch of parameter sets (the replay and the fitted published effects)."""
    return [fit.distance(sim, "abc") for sim in fit.evaluate(list(zip(values, replicates, strict=True)))]


def screen(cfg: CalibrateConfig, jobs: int, out: Path) -> pd.DataFrame:
    """Morris screening of every free parameter on the fit distance; writes screening.csv and screening.png. A
    finished screening of the same design in ``out`` is reused (resume)."""
    from SALib.analyze import morris as analyse
    from SALib.sample import morris as sample
    free = fit.free_parameters()
    done = out / "screening.csv"
    if done.is_file():
        table = pd.read_csv(done)
        same = (sorted(table.name) == sorted(free.name) and {"trajectories", "seed"} <= set(table.columns)
                and (table.trajectories == cfg.trajectories).all() and (table.seed == cfg.seed).all()
                and np.allclose(table.set_index("name").loc[free.name, ["low", "high"]].to_numpy(),
                                free[["low", "high"]].to_numpy()))
        if same:
            print(f"reusing the screening in {done}", file=sys.stderr)
            return _choose(table, cfg.max_parameters)
    started = time.perf_counter()
    problem = {"num_vars": len(free), "names": free.name.tolist(), "bounds": free[["low", "high"]].to_numpy().tolist()}
    x = sample.sample(problem, N=cfg.trajectories, num_levels=4, seed=cfg.seed)
    rows = [dict(zip(problem["names"], row, strict=True)) for row in x]
    samples = chunks(rows, cfg.width)
    chance = chunks(list(range(1, CHANCE_REPLICATES + 1)), -(-CHANCE_REPLICATES // max(jobs, 1)))
    tasks = [delayed(_distances)(part, [0] * len(part)) for part in samples]          # one replicate for all samples
    tasks += [delayed(_distances)([{}] * len(part), part) for part in chance]          # the assumed values' chance
    results = run_parallel(tasks, jobs, "screening", total=len(tasks), unit="batch")
    y = np.array([d for part in results[: len(samples)] for d in part])
    spread = float(np.std([d for part in results[len(samples):] for d in part], ddof=1))
    res = analyse.analyze(problem, x, y, num_levels=4, seed=cfg.seed)
    table = free.assign(mu_star=res["mu_star"], mu_star_conf=res["mu_star_conf"], sigma=res["sigma"])
    table = table.sort_values("mu_star", ascending=False).reset_index(drop=True)
    table["matters"] = table.mu_star > spread
    table["chance_sd"] = spread
    table["trajectories"], table["seed"] = cfg.trajectories, cfg.seed
    table["seconds"] = time.perf_counter() - started
    table = _choose(table, cfg.max_parameters)
    table.to_csv(out / "screening.csv", index=False)
    plot(table, len(x), out / "screening.png")
    return table


def _choose(table: pd.DataFrame, most: int) -> pd.DataFrame:
    """Mark the calibrated parameters: the forced ones, then those that matter most, ``most`` in all."""
    forced = table.name.isin(FORCED)
    others = table.matters & ~forced
    rank = np.cumsum(others) - 1                               # rank among the others that matter (sorted by mu*)
    return table.assign(calibrated=forced | (others & (rank < most - int(forced.sum()))))


def plot(table: pd.DataFrame, replays: int, path: Path) -> None:
    top = table.head(25)[::-1]
    chance = float(table.chance_sd.iloc[0])
    fig, ax = plt.subplots(figsize=(7, 7))
    colours = np.where(top.calibrated, "tab:blue", np.where(top.matters, "tab:orange", "tab:grey"))
    ax.barh(top.name, top.mu_star, xerr=top.mu_star_conf, color=colours, capsize=2)
    ax.axvline(chance, color="k", lw=0.8, ls="--", label="chance: sd of the distance over replicates")
    ax.set_xlabel("mu*: mean absolute effect on the fit distance (tolerance units)")
    ax.set_title(f"Morris screening, {replays:,} replays (blue: calibrated, orange: matters)", fontsize=10)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
