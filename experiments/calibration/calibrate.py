"""Bayesian calibration against observed England up to March 2016: screen the assumptions, fit those that matter.

    python -m experiments calibrate [calibrate.budget=smoke|default|long] [calibrate.KEY=VALUE ...]
                                    [--jobs 2] [--out outputs/calibration] [--ship]

1. **Screening** (``experiments.calibration.screening``): Morris elementary effects of every numeric assumption of
   ``behaviour`` and ``regime`` on the distance between the 2013 replay and the fit rows; those whose effect exceeds
   chance *matter*, and the ABC fits the ``max_parameters`` that matter most.
2. **ABC-SMC** (``experiments.calibration.smc``): pyabc with the particles evaluated in batches of runs with different
   parameters, on local processes or a Dask cluster; resumes from ``abc.db`` after a kill.
3. **Posterior predictive** (``experiments.calibration.predictive``): posterior draws re-run over 2013-2022 against
   every observed series, beside the assumed values.

Writes to ``--out``: ``screening.csv``, ``screening.png``, ``abc.db``, ``posterior.parquet`` (the last generation's
particles, weights and distances), ``pairs.png``, ``predictive.png``, ``predictive.csv`` and ``report.md``.
``--ship`` also writes ``abm/data/posterior.csv`` (draws resampled by weight: what ``posterior.draw=K`` and the
experiments' posterior sweeps read) and prints the values to put in ``abm/config.py``.

The cluster path: ``calibrate.sampler=dask`` runs the particles on a Dask cluster, a local one by default or the one
at ``calibrate.scheduler=tcp://HOST:8786`` (for example started on SLURM with ``dask-jobqueue``'s ``SLURMCluster``
and its ``scheduler_address``); the tests exercise it against a local cluster.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from abm.config import CalibrateConfig, ConfigError, validate
from experiments.calibration import fit, smc, targets
from experiments.calibration.predictive import judge_rows, plot_pairs, plot_predictive, predictive, predictive_distances, resample
from experiments.calibration.screening import CHANCE_REPLICATES, screen

BUDGETS = {
    "smoke": {"trajectories": 1, "max_parameters": 4, "population": 8, "generations": 2, "walltime_minutes": 2.0,
              "predictive_draws": 4},
    "default": {"trajectories": 6, "max_parameters": 16, "population": 120, "generations": 5,
                "walltime_minutes": 30.0, "predictive_draws": 40},
    "long": {"trajectories": 20, "max_parameters": 20, "population": 500, "generations": 15,
             "walltime_minutes": 600.0, "predictive_draws": 200},
}
SHIPPED_DRAWS = 64
POSTERIOR_FILE = Path(str(resources.files("abm.data").joinpath("posterior.csv")))


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


# --- report -------------------------------------------------------------------------------------------------------
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
    ess = smc.effective_size(w)
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
    history = smc.run(cfg, chosen, args.jobs, out)
    seconds["abc"] = time.perf_counter() - t0
    particles, weights = history.get_distribution()
    distances = history.get_weighted_distances()
    particles = particles.rename(columns=lambda c: c.replace("__", "."))[chosen.name.tolist()]
    posterior = particles.assign(weight=weights, distance=distances.distance.to_numpy()).reset_index(drop=True)
    posterior.to_parquet(out / "posterior.parquet", index=False)
    plot_pairs(posterior, posterior.weight.to_numpy(), chosen, out / "pairs.png")
    t0 = time.perf_counter()
    draws = resample(posterior, posterior.weight.to_numpy(), cfg.predictive_draws, cfg.seed)
    pred = predictive(draws, chosen.name.tolist(), args.jobs, cfg.width)
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
