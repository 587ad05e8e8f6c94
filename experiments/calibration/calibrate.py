"""Bayesian calibration: screen the assumption parameters, then fit those that matter by ABC-SMC (pyabc).

    python -m experiments calibrate [calibrate.budget=smoke|default|long] [calibrate.KEY=VALUE ...]
                                    [--jobs 2] [--out outputs/calibration] [--ship]

1. **Screening** (SALib, Morris elementary effects): every numeric ``assumption`` parameter of ``behaviour`` and
   ``regime`` (``experiments.calibration.fit.free_parameters``, 104 of them) over its prior, on the distance between the 2013
   replay and the fit rows (one replicate, the same for every sample: common random numbers). A parameter *matters*
   when its mu* (the mean absolute change of the distance per prior range) exceeds the distance's own chance spread,
   the standard deviation over ``CHANCE_REPLICATES`` replicates at the assumed values: a smaller effect could not be
   told from chance by these data. The ABC fits the ``max_parameters`` that matter most.
2. **ABC-SMC** (pyabc, Toni et al. 2009; Del Moral et al. 2012): uniform priors, the replay at a random replicate per
   particle (so the posterior carries chance), the distance of ``experiments.calibration.fit``; quantile (median) epsilon
   schedule; a SQLite database (``abc.db``) written after every generation. Started again with the same database and
   parameters, it carries on from the last finished generation (resume after a kill).
3. **Posterior predictive**: ``predictive_draws`` particles drawn by weight, each re-run over 2013-2022 at a new
   replicate, against every observed series; the same number of replicates at the assumed values (the prior point)
   for comparison; the held-out rows judged with ``experiments.calibration.targets``' tolerances.

Writes to ``--out``: ``screening.csv``, ``screening.png``, ``abc.db``, ``posterior.parquet`` (the last generation's
particles, weights and distances), ``pairs.png``, ``predictive.png``, ``predictive.csv`` and ``report.md``.
``--ship`` also writes ``abm/data/posterior.csv`` (64 draws resampled by weight: what ``posterior.draw=K`` and the
experiments' posterior sweeps read) and prints the posterior means to put in ``abm/config.py``.

The cluster path: ``calibrate.sampler=dask`` runs the particles on a Dask cluster, a local one by default or the one
at ``calibrate.scheduler=tcp://HOST:8786`` (for example started on SLURM with ``dask-jobqueue``'s ``SLURMCluster``
and its ``scheduler_address``); the tests exercise it against a local cluster.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import delayed  # noqa: E402

from abm.config import CalibrateConfig, ConfigError, validate  # noqa: E402
from experiments.calibration import fit, targets  # noqa: E402
from experiments.calibration.sampler import BatchSampler, local_executor  # noqa: E402
from experiments.progress import run_parallel  # noqa: E402

BUDGETS = {
    "smoke": {"trajectories": 1, "max_parameters": 4, "population": 8, "generations": 2, "walltime_minutes": 2.0,
              "predictive_draws": 4},
    "default": {"trajectories": 6, "max_parameters": 16, "population": 120, "generations": 5,
                "walltime_minutes": 30.0, "predictive_draws": 40},
    "long": {"trajectories": 20, "max_parameters": 20, "population": 500, "generations": 15,
             "walltime_minutes": 600.0, "predictive_draws": 200},
}
CHANCE_REPLICATES = 12  # replicates at the assumed values that measure the distance's chance spread
SHIPPED_DRAWS = 64
POSTERIOR_FILE = Path(__file__).resolve().parent.parent / "abm" / "data" / "posterior.csv"


# --- settings -----------------------------------------------------------------------------------------------------
def settings(overrides: list[str]) -> CalibrateConfig:
    """``calibrate.KEY=VALUE`` overrides on top of the chosen budget; anything else is refused (ConfigError)."""
    from dataclasses import fields

    import yaml
    names = {f.name for f in fields(CalibrateConfig)}
    given = {}
    for item in overrides:
        k, sep, raw = item.partition("=")
        group, _, name = k.partition(".")
        if not sep or group != "calibrate" or name not in names:
            raise ConfigError(f"{item!r} is not allowed here; use calibrate.KEY=VALUE with KEY one of: "
                              f"{', '.join(sorted(names))}")
        value = yaml.safe_load(raw)
        given[name] = "" if value is None else value
    try:
        cfg = CalibrateConfig(**given)
    except TypeError as exc:                  # pragma: no cover - names are checked above
        raise ConfigError(str(exc)) from exc
    validate(cfg, CalibrateConfig, "calibrate.")
    budget = BUDGETS[cfg.budget]
    return replace(cfg, **{k: v for k, v in budget.items() if not getattr(cfg, k)})


# --- 1. screening -------------------------------------------------------------------------------------------------
def _screen_one(values: dict[str, float], replicate: int = 0) -> tuple[float, float]:
    sim = fit.replay(values, replicate=replicate)
    return fit.distance(sim, "fit"), fit.distance(sim, "held out")


def _screen_chance(replicates: list[int]) -> list[tuple[float, float]]:
    """The distances of several replicates at the assumed values (stepped together)."""
    return [(fit.distance(sim, "fit"), fit.distance(sim, "held out")) for sim in fit.replays({}, replicates)]


def chunks(items: list, n: int) -> list[list]:
    """``items`` in ``n`` nearly equal consecutive parts (no empty part)."""
    n = max(1, min(n, len(items)))
    return [list(part) for part in np.array_split(np.array(items, dtype=object), n)]


def screen(cfg: CalibrateConfig, jobs: int, out: Path) -> pd.DataFrame:
    """Morris screening of every free parameter on the fit distance; writes screening.csv and screening.png."""
    from SALib.analyze import morris as analyse
    from SALib.sample import morris as sample
    free = fit.free_parameters()
    done = out / "screening.csv"
    if done.is_file():                            # a finished screening of the same design is reused (resume)
        table = pd.read_csv(done)
        same = (sorted(table.name) == sorted(free.name) and {"trajectories", "seed"} <= set(table.columns)
                and (table.trajectories == cfg.trajectories).all() and (table.seed == cfg.seed).all()
                and np.allclose(table.set_index("name").loc[free.name, ["low", "high"]].to_numpy(),
                                free[["low", "high"]].to_numpy()))
        if same:
            print(f"reusing the screening in {done}", file=sys.stderr)
            table["calibrated"] = table.matters & (table.index < cfg.max_parameters)
            return table
    started = time.perf_counter()
    problem = {"num_vars": len(free), "names": free.name.tolist(), "bounds": free[["low", "high"]].to_numpy().tolist()}
    x = sample.sample(problem, N=cfg.trajectories, num_levels=4, seed=cfg.seed)
    tasks = [delayed(_screen_one)(dict(zip(problem["names"], row, strict=True))) for row in x]
    # the chance replicates share one configuration: a batch per worker (abm.batch)
    tasks += [delayed(_screen_chance)(part) for part in chunks(list(range(1, CHANCE_REPLICATES + 1)), jobs)]
    results = run_parallel(tasks, jobs, "screening")
    y = np.array([r[0] for r in results[: len(x)]])
    chance = float(np.std([d[0] for part in results[len(x):] for d in part], ddof=1))
    res = analyse.analyze(problem, x, y, num_levels=4, seed=cfg.seed)
    table = free.assign(mu_star=res["mu_star"], mu_star_conf=res["mu_star_conf"], sigma=res["sigma"])
    table = table.sort_values("mu_star", ascending=False).reset_index(drop=True)
    table["matters"] = table.mu_star > chance
    table["chance_sd"] = chance
    table["trajectories"], table["seed"] = cfg.trajectories, cfg.seed
    table["seconds"] = time.perf_counter() - started
    table["calibrated"] = table.matters & (table.index < cfg.max_parameters)
    table.to_csv(out / "screening.csv", index=False)
    top = table.head(25)[::-1]
    fig, ax = plt.subplots(figsize=(7, 7))
    colours = np.where(top.calibrated, "tab:blue", np.where(top.matters, "tab:orange", "tab:grey"))
    ax.barh(top.name, top.mu_star, xerr=top.mu_star_conf, color=colours, capsize=2)
    ax.axvline(chance, color="k", lw=0.8, ls="--", label="chance: sd of the distance over replicates")
    ax.set_xlabel("mu*: mean absolute effect on the fit distance (tolerance units)")
    ax.set_title(f"Morris screening, {len(x)} replays (blue: calibrated, orange: matters)", fontsize=10)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "screening.png", dpi=110)
    plt.close(fig)
    return table


# --- 2. ABC-SMC ---------------------------------------------------------------------------------------------------
def abc_model(parameters) -> dict[str, float]:
    """pyabc's model for one particle: the replay at its parameters and a fresh replicate (chance is part of the
    fit). The batch sampler evaluates particles with :func:`abc_evaluate` instead."""
    values = {k.replace("__", "."): float(v) for k, v in dict(parameters).items()}
    return fit.replay(values, replicate=int(np.random.randint(1_000, 1_000_000)))


def abc_evaluate(values: list[dict[str, float]], replicates: list[int]) -> list[dict[str, float]]:
    """A batch of particles (pyabc's names, ``group__name``), each at its replicate: one batch of replays."""
    return fit.batch_answers([{k.replace("__", "."): v for k, v in d.items()} for d in values], replicates)


def abc_distance(x: dict, x0: dict) -> float:
    return fit.distance(x, "fit")


def _sampler(cfg: CalibrateConfig, jobs: int):
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


def calibrate(cfg: CalibrateConfig, chosen: pd.DataFrame, jobs: int, out: Path):
    """ABC-SMC over the chosen parameters; resumes from ``out/abc.db`` when it holds a run over the same ones."""
    import logging

    import pyabc
    logging.getLogger("ABC").setLevel(logging.WARNING)
    names = [n.replace(".", "__") for n in chosen.name]
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo)
                                  for n, lo, hi in zip(names, chosen.low, chosen.high, strict=True)})
    sampler, client = _sampler(cfg, jobs)
    np.random.seed(cfg.seed)
    abc = pyabc.ABCSMC(abc_model, prior, abc_distance, population_size=cfg.population, sampler=sampler)
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
            history = abc.run(max_nr_populations=left, max_walltime=pd.Timedelta(minutes=cfg.walltime_minutes).to_pytimedelta(),
                              min_acceptance_rate=0.01)
    finally:
        if client is not None:
            client.close()
    return history


# --- 3. posterior predictive --------------------------------------------------------------------------------------
def _series_rows() -> list[tuple[str, str]]:
    """Every (measure, period) the predictive bands show: each observed measure at its observed month of the year
    (or financial year) in every year 2013-2021."""
    obs = fit.observations()
    rows = []
    for measure, periods in obs.groupby("measure").period:
        if "/" in periods.iloc[0]:
            rows += [(measure, f"{y}/{str(y + 1)[2:]}") for y in range(2013, 2022)]
        else:
            months = sorted({p[5:] for p in periods})
            rows += [(measure, f"{y}-{m}") for y in range(2013, 2022) for m in months]
    return rows


def _predict_one(values: dict[str, float], replicate: int, rows: list[tuple[str, str]]) -> dict[str, float]:
    """The whole replay (2013-2022) at ``values``, the other free parameters at their assumed values."""
    return _predict_many(values, [replicate], rows)[0]


def _predict_many(values: dict[str, float], replicates: list[int],
                  rows: list[tuple[str, str]]) -> list[dict[str, float]]:
    """:func:`_predict_one` for several replicates of the same values, stepped together (``abm.batch``)."""
    from abm.compose import compose
    batch = fit.replay_batch(values, [int(r) for r in replicates],
                             compose(["scenario=england_2013", "write_organisations=false"]))
    row = pd.Series
    frames = [targets.dated(rec.model_columns()) for rec in batch.recorders]
    return [{fit.key(m, p): float(targets.model_value(row({"measure": m, "period": p}), run)) for m, p in rows}
            for run in frames]


def resample(particles: pd.DataFrame, weights: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """``n`` draws from a weighted particle population (systematic resampling), equally weighted."""
    rng = np.random.default_rng(seed)
    w = np.asarray(weights, float) / np.sum(weights)
    positions = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    return particles.iloc[idx].reset_index(drop=True)


def predictive(draws: pd.DataFrame, names: list[str], jobs: int) -> pd.DataFrame:
    """Re-run each draw (posterior) and the assumed values (prior point) over 2013-2022; long table of answers."""
    rows = _series_rows()
    tasks, labels = [], []
    for i, d in draws.iterrows():
        tasks.append(delayed(_predict_one)({n: d[n] for n in names}, 10_000 + i, rows))
        labels.append(("posterior", i))
    # the assumed values are one configuration: their replicates go in a batch per worker (abm.batch)
    parts = chunks(list(range(len(draws))), jobs)
    tasks += [delayed(_predict_many)({}, [10_000 + i for i in part], rows) for part in parts]
    results = run_parallel(tasks, jobs, "posterior predictive")
    results = results[: len(labels)] + [res for part in results[len(labels):] for res in part]
    labels += [("assumed", i) for part in parts for i in part]
    out = []
    for (arm, i), res in zip(labels, results, strict=True):
        for k, v in res.items():
            measure, period = k.split("@")
            out.append({"arm": arm, "draw": i, "measure": measure, "period": period, "value": v})
    return pd.DataFrame(out)


def _when(period: str) -> float:
    if "/" in period:
        return int(period[:4]) + 0.75       # the middle of the financial year's second half (its end: March)
    return int(period[:4]) + (int(period[5:7]) - 0.5) / 12


def plot_predictive(pred: pd.DataFrame, path: Path) -> None:
    obs = fit.observations()
    measures = list(dict.fromkeys(obs.measure))
    cols = 4
    rows = int(np.ceil(len(measures) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.6 * rows), squeeze=False)
    for ax, measure in zip(axes.flat, measures, strict=False):
        for arm, colour in (("assumed", "tab:grey"), ("posterior", "tab:blue")):
            d = pred[(pred.arm == arm) & (pred.measure == measure)]
            q = d.groupby("period").value.quantile([0.05, 0.5, 0.95]).unstack().dropna()
            if q.empty:
                continue
            x = [_when(p) for p in q.index]
            ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.25, lw=0)
            ax.plot(x, q[0.5], color=colour, lw=1.2, label=f"{arm} (median, 90 % band)")
        o = obs[obs.measure == measure]
        for use, face in (("fit", "k"), ("held out", "white")):
            s = o[o.use == use]
            ax.scatter([_when(p) for p in s.period], s.real, facecolor=face, edgecolor="k", zorder=3, s=22,
                       label=f"observed ({use})")
        ax.set_title(measure.replace("_", " "), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(measures):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("2013 replay against observed England: posterior predictive (blue) and the assumed values (grey); "
                 "filled points were fitted, hollow points held out", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_pairs(particles: pd.DataFrame, weights: np.ndarray, chosen: pd.DataFrame, path: Path) -> None:
    names = chosen.name.tolist()
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.7 * k + 1, 1.7 * k + 1), squeeze=False)
    w = weights / weights.sum()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            ax.tick_params(labelsize=5)
            if i == j:
                ax.hist(particles[a], bins=12, weights=w, range=(chosen.low.iloc[i], chosen.high.iloc[i]),
                        color="tab:blue", alpha=0.8)
                ax.axvline(chosen["default"].iloc[i], color="k", lw=0.8, ls="--")
            elif i > j:
                ax.scatter(particles[b], particles[a], s=4 + 200 * w, alpha=0.5, color="tab:blue")
                ax.set_xlim(chosen.low.iloc[j], chosen.high.iloc[j])
                ax.set_ylim(chosen.low.iloc[i], chosen.high.iloc[i])
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(b.split(".")[-1], fontsize=6)
            if j == 0:
                ax.set_ylabel(a.split(".")[-1], fontsize=6)
    fig.suptitle("Posterior (last ABC-SMC generation): weighted histograms on the prior ranges (dashed: the assumed "
                 "value) and pairwise particles", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def judge_rows(pred: pd.DataFrame) -> pd.DataFrame:
    """Every observed row against the predictive mean and 90 % band of each arm, with pass or fail."""
    obs = fit.observations()
    rows = []
    for r in obs.itertuples():
        row = {"measure": r.measure, "period": r.period, "use": r.use, "real": r.real}
        for arm in ("assumed", "posterior"):
            v = pred[(pred.arm == arm) & (pred.measure == r.measure) & (pred.period == r.period)].value.dropna()
            mean = float(v.mean()) if len(v) else float("nan")
            row |= {f"{arm}_mean": mean, f"{arm}_low": float(v.quantile(0.05)) if len(v) else np.nan,
                    f"{arm}_high": float(v.quantile(0.95)) if len(v) else np.nan,
                    f"{arm}_pass": targets.judge(r.measure, r.real, mean)}
        rows.append(row)
    return pd.DataFrame(rows)


# --- report -------------------------------------------------------------------------------------------------------
def predictive_distances(pred: pd.DataFrame, arm: str, use: str) -> np.ndarray:
    """The distance of each re-run of ``arm`` on the ``use`` rows."""
    d = pred[pred.arm == arm]
    keys = d.measure + "@" + d.period
    return np.array([fit.distance(dict(zip(keys[d.draw == i], d.value[d.draw == i], strict=True)), use)
                     for i in sorted(d.draw.unique())])


def report(cfg: CalibrateConfig, table: pd.DataFrame, chosen: pd.DataFrame, history, posterior: pd.DataFrame,
           judged: pd.DataFrame, pred: pd.DataFrame, seconds: dict[str, float], out: Path) -> None:
    pops = history.get_all_populations()
    abc_min = float(pops.wall_time.sum()) / 60
    pops = pops[pops.t >= 0]
    screen_min = float(table.seconds.iloc[0]) / 60 if "seconds" in table else seconds["screen"] / 60
    w = posterior.weight.to_numpy()
    lines = [f"# Calibration (budget `{cfg.budget}`)", "",
             "`python -m experiments calibrate` on the 2013 replay (`scenario=england_2013`, April 2013 to April 2019). "
             f"Fit rows: {int((fit.observations().use == 'fit').sum())} observations up to March 2016 and the rows "
             f"the cut-offs were read from; held out: {int((fit.observations().use == 'held out').sum())} later "
             "observations. Distance: root mean square of (model - real) / tolerance over the fit rows "
             "(`experiments/calibration/fit.py`).", "",
             f"Run time (wall clock, this machine): screening {screen_min:.1f} min, ABC-SMC {abc_min:.1f} min "
             f"(summed over the generations in `abc.db`), posterior predictive {seconds['predictive'] / 60:.1f} min; "
             f"{cfg.sampler} sampler. This call took {sum(seconds.values()) / 60:.1f} min (a reused screening and "
             "resumed generations cost nothing again).", "",
             "## Screening", "",
             f"Morris, {cfg.trajectories} trajectories over {len(table)} assumption parameters "
             f"({cfg.trajectories * (len(table) + 1)} replays). **{int(table.matters.sum())} parameters matter** "
             f"(mu* above the distance's chance spread, sd {table.chance_sd.iloc[0]:.3f} over {CHANCE_REPLICATES} "
             f"replicates at the assumed values); **{int(table.calibrated.sum())} are calibrated**, "
             f"so {int((table.matters & ~table.calibrated).sum())} of those that matter "
             f"({(table.matters & ~table.calibrated).sum() / max(table.matters.sum(), 1):.0%}) remain plain "
             "assumptions.", "", "![screening](screening.png)", "",
             "| parameter | mu* [95 % CI] | sigma | matters | calibrated |", "|---|---|---|---|---|"]
    for r in table.head(30).itertuples():
        lines.append(f"| `{r.name}` | {r.mu_star:.3f} [±{r.mu_star_conf:.3f}] | {r.sigma:.3f} | "
                     f"{'yes' if r.matters else ''} | {'yes' if r.calibrated else ''} |")
    lines += ["", "## ABC-SMC", "",
              f"{len(chosen)} parameters, {cfg.population} particles a generation, {history.n_populations} "
              f"generation(s), {int(pops.samples.sum())} replays in all.", "",
              "| generation | epsilon | replays | acceptance rate |", "|---|---|---|---|"]
    for r in pops.itertuples():
        lines.append(f"| {r.t} | {r.epsilon:.3f} | {r.samples} | {r.particles / r.samples:.2f} |")
    ess = 1.0 / np.sum((w / w.sum()) ** 2)
    lines += ["", f"Effective sample size of the last generation: {ess:.1f} of {len(w)} particles"
              + (" (**degenerate**: a few particles carry most of the weight, so the posterior's spread is "
                 "understated; more particles or a local transition kernel would help)" if ess < 0.2 * len(w) else "")
              + ".", "", "Prior (uniform) against posterior (weighted, last generation):", "",
              "| parameter | assumed | prior | posterior mean | posterior 90 % interval |", "|---|---|---|---|---|"]
    for r in chosen.itertuples():
        v = posterior[r.name].to_numpy()
        order = np.argsort(v)
        cw = np.cumsum(w[order]) / w.sum()
        lo, hi = v[order][np.searchsorted(cw, 0.05)], v[order][min(np.searchsorted(cw, 0.95), len(v) - 1)]
        lines.append(f"| `{r.name}` | {r.default:g} | [{r.low:g}, {r.high:g}] | {np.average(v, weights=w):.4g} | "
                     f"[{lo:.4g}, {hi:.4g}] |")
    lines += ["", "![pairs](pairs.png)", "", "## Against observed England", ""]
    for use in ("fit", "held out"):
        d = judged[judged.use == use]
        lines.append(f"- **{use}** rows passing their tolerance (predictive mean): posterior "
                     f"{int(d.posterior_pass.sum())} of {len(d)}, assumed values {int(d.assumed_pass.sum())} of "
                     f"{len(d)}.")
    for use in ("fit", "held out"):
        cells = []
        for arm in ("posterior", "assumed"):
            d = predictive_distances(pred, arm, use)
            cells.append(f"{arm} {d.mean():.2f} [{np.quantile(d, 0.05):.2f}, {np.quantile(d, 0.95):.2f}]")
        lines.append(f"- distance on the **{use}** rows (root mean square error in tolerance units, mean [90 %] over "
                     f"the re-runs): " + "; ".join(cells) + ".")
    lines += ["", "![predictive](predictive.png)", "",
              "| measure | period | use | real | posterior mean [90 %] | pass | assumed mean [90 %] | pass |",
              "|---|---|---|---|---|---|---|---|"]
    for r in judged.itertuples():
        f = targets.formatter(r.real)
        lines.append(f"| {r.measure} | {r.period} | {r.use} | {f(r.real)} | {f(r.posterior_mean)} "
                     f"[{f(r.posterior_low)}, {f(r.posterior_high)}] | {'pass' if r.posterior_pass else 'FAIL'} | "
                     f"{f(r.assumed_mean)} [{f(r.assumed_low)}, {f(r.assumed_high)}] | "
                     f"{'pass' if r.assumed_pass else 'FAIL'} |")
    lines += ["", "Files: `screening.csv`, `posterior.parquet`, `predictive.csv`, `abc.db` (pyabc History).", ""]
    (out / "report.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=Path("outputs/calibration"))
    ap.add_argument("--ship", action="store_true", help="write abm/data/posterior.csv from this calibration")
    ap.add_argument("--ship-only", action="store_true",
                    help="write abm/data/posterior.csv from the finished calibration in --out, without running")
    args, overrides = ap.parse_known_args(argv)
    try:
        cfg = settings(overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"error: --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    out = args.out
    if args.ship_only:
        if not (out / "posterior.parquet").is_file():
            print(f"error: --ship-only needs a finished calibration in {out} (posterior.parquet)", file=sys.stderr)
            return 2
        post = pd.read_parquet(out / "posterior.parquet")
        ship(post, pd.read_csv(out / "screening.csv").query("calibrated"), cfg.seed)
        return 0
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    t0 = time.perf_counter()
    table = screen(cfg, args.jobs, out)
    seconds["screen"] = time.perf_counter() - t0
    chosen = table[table.calibrated].reset_index(drop=True)
    t0 = time.perf_counter()
    history = calibrate(cfg, chosen, args.jobs, out)
    seconds["abc"] = time.perf_counter() - t0
    particles, weights = history.get_distribution()
    distances = history.get_weighted_distances()
    particles = particles.rename(columns=lambda c: c.replace("__", "."))[chosen.name.tolist()]
    posterior = particles.assign(weight=weights, distance=distances.distance.to_numpy()).reset_index(drop=True)
    posterior.to_parquet(out / "posterior.parquet", index=False)
    plot_pairs(posterior, posterior.weight.to_numpy(), chosen, out / "pairs.png")
    t0 = time.perf_counter()
    draws = resample(posterior, posterior.weight.to_numpy(), cfg.predictive_draws, cfg.seed)
    pred = predictive(draws, chosen.name.tolist(), args.jobs)
    seconds["predictive"] = time.perf_counter() - t0
    pred.to_csv(out / "predictive.csv", index=False)
    plot_predictive(pred, out / "predictive.png")
    judged = judge_rows(pred)
    report(cfg, table, chosen, history, posterior, judged, pred, seconds, out)
    if args.ship:
        ship(posterior, chosen, cfg.seed)
    print(f"report: {(out / 'report.md').resolve()}")
    return 0


def ship(posterior: pd.DataFrame, chosen: pd.DataFrame, seed: int) -> None:
    """Write ``abm/data/posterior.csv`` (equally weighted draws) and print the weighted means for the schema."""
    names = chosen.name.tolist()
    draws = resample(posterior, posterior.weight.to_numpy(), SHIPPED_DRAWS, seed)
    # systematic resampling returns copies side by side: shuffle, so that any first K draws are a random sample
    draws = draws.iloc[np.random.default_rng(seed).permutation(len(draws))].reset_index(drop=True)
    table = draws[names + ["distance"]].copy()
    table.insert(0, "draw", np.arange(len(table)))
    POSTERIOR_FILE.write_text(table.to_csv(index=False, float_format="%.6g"))
    means = {n: float(table[n].mean()) for n in names}         # the schema's defaults: the shipped draws' mean
    print("posterior means (put them in abm/config.py): " + " ".join(f"{k}={v:.4g}" for k, v in means.items()))
    print(f"wrote {POSTERIOR_FILE}")


if __name__ == "__main__":
    raise SystemExit(main())
