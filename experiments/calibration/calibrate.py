"""Bayesian calibration against observed England up to March 2016: screen the assumptions, fit those that matter.

    python -m experiments calibrate [calibrate.budget=smoke|default|long] [calibrate.KEY=VALUE ...]
                                    [--jobs 2] [--out outputs/calibration] [--ship]

1. **Screening** (``experiments.calibration.screening``): Morris elementary effects of every numeric assumption of
   ``behaviour`` and ``regime`` on the distance between the 2013 replay and the fit rows; those whose effect exceeds
   chance *matter*, and the ABC fits the ``max_parameters`` that matter most.
2. **ABC-SMC** (``experiments.calibration.smc``): replenishment ABC-SMC (equally weighted particles moved by
   ABC-MCMC), evaluated in batches of runs with different parameters on local processes or a Dask cluster; resumes
   from ``smc/`` after a kill.
3. **Posterior predictive** (``experiments.calibration.predictive``): posterior draws re-run over 2013-2022 against
   every observed series, beside the assumed values.

Writes to ``--out``: ``screening.csv``, ``screening.png``, ``posterior.parquet`` (the last generation's
particles and distances), ``smc/`` (every generation), ``pairs.png``, ``predictive.png``, ``predictive.csv`` and ``report.md``.
``--ship`` also writes ``abm/data/posterior.csv`` (draws from the final particles: what ``posterior.draw=K`` and the
experiments' posterior sweeps read) and prints the values to put in ``abm/config/``.

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
from abm.units import fmt
from experiments.calibration import fit, smc
from experiments.calibration.predictive import judge_rows, plot_pairs, plot_predictive, predictive, predictive_distances, resample
from experiments.calibration.screening import CHANCE_REPLICATES, FORCED, screen
from experiments.evidence import observed as targets

BUDGETS = {
    "smoke": {"trajectories": 1, "max_parameters": 4, "population": 16, "generations": 2, "walltime_minutes": 2.0,
              "predictive_draws": 4},
    "default": {"trajectories": 6, "max_parameters": 14, "population": 500, "generations": 12,
                "walltime_minutes": 34.0, "predictive_draws": 40},
    "long": {"trajectories": 20, "max_parameters": 16, "population": 1000, "generations": 40,
             "walltime_minutes": 600.0, "predictive_draws": 200},
}
SHIPPED_DRAWS = 256     # draws shipped in abm/data/posterior.csv, taken without replacement from the particles
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
def report(cfg: CalibrateConfig, table: pd.DataFrame, chosen: pd.DataFrame, history: smc.History,
           posterior: pd.DataFrame, judged: pd.DataFrame, pred: pd.DataFrame, seconds: dict[str, float],
           out: Path) -> None:
    obs = fit.observations()
    gens = history.generations
    screen_min = float(table.seconds.iloc[0]) / 60 if "seconds" in table else seconds["screen"] / 60
    best = posterior.iloc[int(posterior.distance.idxmin())]
    centre = posterior.iloc[smc.medoid(posterior, chosen.name.tolist())]
    n_fit = obs.use == "fit"
    lines = [f"# Calibration (budget `{cfg.budget}`)", "",
             "`python -m experiments calibrate`: the 2013 replay (`scenario=england_2013`) against observed England "
             "and the published effects' designs (`experiments/evidence/catalogue.py`). Fit rows: "
             f"{int((n_fit & (obs.measure != 'effect')).sum())} observations up to March 2016 (and the rows the "
             f"cut-offs were read from) and {int((n_fit & (obs.measure == 'effect')).sum())} published effects; held "
             f"out: {int((~n_fit).sum())} rows. Distance: root mean square over the fit rows of how far the model "
             "lies outside each row's tolerance interval (an observation's interval is its value), in units of the "
             "row's tolerance (`experiments/calibration/fit.py`).", "",
             f"Run time (wall clock, this machine, {cfg.sampler} workers): screening {fmt(screen_min, 'number')} min, "
             f"ABC-SMC {fmt(gens.seconds.sum() / 60, 'number')} min, posterior predictive "
             f"{fmt(seconds['predictive'] / 60, 'number')} min. This call took {fmt(sum(seconds.values()) / 60, 'number')} "
             "min (a reused screening and resumed generations cost nothing again).", "",
             "## Screening", "",
             f"Morris, {cfg.trajectories} trajectories over {len(table)} assumption parameters "
             f"({fmt(cfg.trajectories * (len(table) + 1), 'count')} evaluations). **{int(table.matters.sum())} parameters "
             f"matter** (mu* above the distance's chance spread, sd {fmt(table.chance_sd.iloc[0], 'number')} over "
             f"{CHANCE_REPLICATES} replicates at the assumed values); **{int(table.calibrated.sum())} are calibrated** "
             f"(the {cfg.max_parameters} that matter most, and the behavioural numbers the published effects bear on "
             f"whatever their rank: {', '.join(f'`{n}`' for n in FORCED)}), so "
             f"{int((table.matters & ~table.calibrated).sum())} of those that matter remain plain assumptions.", "",
             "![screening](screening.png)", "",
             "| parameter | mu* [95 % CI] | sigma | matters | calibrated |", "|---|---|---|---|---|"]
    for r in table.head(30).itertuples():
        lines.append(f"| `{r.name}` | {fmt(r.mu_star)} [±{fmt(r.mu_star_conf)}] | {fmt(r.sigma)} | "
                     f"{'yes' if r.matters else ''} | {'yes' if r.calibrated else ''} |")
    lines += ["", "## ABC-SMC (replenishment)", "",
              f"{len(chosen)} parameters, {fmt(cfg.population, 'count')} equally weighted particles, "
              f"{int(gens.generation.max())} generation(s) after the prior sample, "
              f"{fmt(gens.replays.sum(), 'count')} replays in all; stopped at {history.stopped or 'the end'}. Each "
              f"generation drops the {fmt(100 * cfg.drop, 'number')} % farthest particles and moves copies of the "
              "others by ABC-MCMC (`experiments/calibration/smc.py`).", "",
              "| generation | tolerance | replays | MCMC acceptance | steps | distinct particles | minutes |",
              "|---|---|---|---|---|---|---|"]
    for r in gens.itertuples():
        lines.append(f"| {r.generation} | {fmt(r.tolerance)} | {fmt(r.replays, 'count')} | "
                     f"{fmt(r.acceptance, 'share') if np.isfinite(r.acceptance) else '–'} | {r.steps} | "
                     f"{fmt(r.distinct, 'count')} | {fmt(r.seconds / 60)} |")
    distinct = int(len(posterior[chosen.name].drop_duplicates()))
    lines += ["", f"Last generation: effective sample size {fmt(smc.effective_size(posterior.weight), 'count')} of "
              f"{fmt(len(posterior), 'count')} particles (equal weights), **{fmt(distinct, 'count')} distinct parameter "
              "sets**.", "", "Prior (uniform) against posterior (last generation); *centre* is the medoid of these "
              "particles (the schema's defaults are the medoid of the draws shipped from them, "
              "`abm/data/posterior.csv`: a different set, so a different particle), *best* the particle closest to "
              "the observations (one replicate: partly luck):", "",
              "| parameter | assumed | prior | posterior mean | posterior 90 % interval | centre | best |",
              "|---|---|---|---|---|---|---|"]
    for r in chosen.itertuples():
        v = posterior[r.name].to_numpy()
        lines.append(f"| `{r.name}` | {fmt(r.default)} | [{fmt(r.low)}, {fmt(r.high)}] | {fmt(v.mean())} | "
                     f"[{fmt(np.quantile(v, 0.05))}, {fmt(np.quantile(v, 0.95))}] | {fmt(centre[r.name])} | "
                     f"{fmt(best[r.name])} |")
    lines += ["", "![pairs](pairs.png)", "", "## Against observed England and the published effects", ""]
    for use in ("fit", "held out"):
        d = judged[judged.use == use]
        lines.append(f"- **{use}** rows within their tolerance (predictive mean): posterior "
                     f"{int(d.posterior_pass.sum())} of {len(d)}, assumed values {int(d.assumed_pass.sum())} of "
                     f"{len(d)}.")
    for use in ("fit", "held out"):
        cells = []
        for arm in ("posterior", "assumed"):
            d = predictive_distances(pred, arm, use)
            cells.append(f"{arm} {fmt(d.mean())} [{fmt(np.quantile(d, 0.05))}, {fmt(np.quantile(d, 0.95))}]")
        lines.append(f"- distance on the **{use}** history rows (root mean square error in tolerance units, mean "
                     "[90 %] over the re-runs): " + "; ".join(cells) + ".")
    lines += ["", "![predictive](predictive.png)", "",
              "| measure | period | use | real | posterior mean [90 %] | within | assumed mean [90 %] | within |",
              "|---|---|---|---|---|---|---|---|"]
    for r in judged.itertuples():
        f = targets.formatter(r.measure, r.real)
        lines.append(f"| {r.measure} | {r.period} | {r.use} | {f(r.real)} | {f(r.posterior_mean)} "
                     f"[{f(r.posterior_low)}, {f(r.posterior_high)}] | {'yes' if r.posterior_pass else 'NO'} | "
                     f"{f(r.assumed_mean)} [{f(r.assumed_low)}, {f(r.assumed_high)}] | "
                     f"{'yes' if r.assumed_pass else 'NO'} |")
    lines += ["", "The published effects at the posterior: `python -m experiments effects`. Files: `screening.csv`, "
              "`posterior.parquet`, `predictive.csv`, `smc/` (every generation).", ""]
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
    posterior = history.particles.reset_index(drop=True)
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
    """Write ``abm/data/posterior.csv`` (draws taken without replacement from the equally weighted particles, in a
    random order) and print the medoid particle's values, the calibrated parameters' defaults for the schema."""
    names = chosen.name.tolist()
    rng = np.random.default_rng(seed)
    take = rng.choice(len(posterior), size=min(SHIPPED_DRAWS, len(posterior)), replace=False)
    table = posterior.iloc[take][names + ["distance"]].reset_index(drop=True)
    table.insert(0, "draw", np.arange(len(table)))
    POSTERIOR_FILE.write_text(table.to_csv(index=False, float_format="%.6g"))
    shipped = pd.read_csv(POSTERIOR_FILE)                   # the medoid of the draws as written (rounded)
    centre = shipped.iloc[smc.medoid(shipped, names)]
    print("the medoid particle (put it in abm/config/ as the defaults): "
          + " ".join(f"{n}={centre[n]:.4g}" for n in names))
    print(f"wrote {POSTERIOR_FILE}: {len(table)} draws, {len(table[names].drop_duplicates())} distinct")


if __name__ == "__main__":
    raise SystemExit(main())
