"""Global sensitivity analysis with SALib: Morris screening or Sobol indices of the key outcomes.

    python -m experiments sensitivity [--jobs N] [--out DIR] [Hydra overrides ...]

The parameters, their ranges, the outcomes and the method come from ``conf/experiment/sensitivity.yaml`` and can be
overridden like any key, e.g. ``sensitivity.method=sobol sensitivity.n=64 scenario=small``. Every sample is run with
the same seed and replicate (common random numbers), so differences between samples come from the parameters.
Writes ``samples.parquet`` (one row per sample: parameter values and end-of-run outcomes), ``indices.csv``,
``indices.png`` (a bar chart per outcome) and ``report.md`` to ``--out`` (default
``outputs/experiments/sensitivity/<method>-n<n>``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from joblib import delayed  # noqa: E402

from abm.compose import compose, regulator_preset  # noqa: E402
from abm.config import Config, ConfigError, with_values  # noqa: E402
from abm.model import CommissioningModel  # noqa: E402
from abm.precheck import precheck  # noqa: E402
from abm.units import fmt, number  # noqa: E402
from experiments.progress import run_parallel  # noqa: E402
from experiments.sweeps.outcomes import OUTCOMES as READ  # noqa: E402

TOP = 25      # parameters shown per outcome in indices.png (all are in indices.csv)


# The regulators' own numbers a contrast varies, each as a factor on every style's preset value (a style that sets a
# number to 0 keeps 0): the logic's thresholds and strengths, and the means the regulators act with. The two lists by
# escalation level (sanction_at_level, reporting_at_level) are not varied: the runs of a batch share lists
# (abm.params). A factor on the sanctions by level acts as the factor on severity, which is varied (the sanction felt
# is severity x sanction_at_level), except that severity also scales the sanction for misreporting found and is
# clipped at 1. reporting_load, the reporting every body owes, is varied; the extra reporting owed at each escalation
# level is not (a known gap of the contrast).
REGULATORS = ("severity", "escalation_threshold", "autonomy_reward", "leader_removal", "force_collaboration",
              "coaching_share", "recovery_margin")
MEANS = ("budget", "capacity", "reporting_load", "intervention_cost")
FACTOR = (0.5, 1.5)     # the range of each factor: within half and one and a half times the preset's value
# Numbers the observed history bounds more tightly, as factors on the preset's value. The escalation threshold: the
# replay keeps NHS Improvement's first segmentation (December 2016, 40 % of providers in segments 3 and 4, +-10 points)
# from 0.39 up, and the CCGs placed under directions in 2013 and the CCGs sharing an accountable officer in September
# 2016 (fit rows) up to 0.45 (derived: `history --check regulator.escalation_threshold=X` at 0.35, 0.4, 0.45, 0.5 and
# 0.6, interpolated; docs/ODD.md section 8): 0.39 / 0.4 to 0.45 / 0.4.
FACTOR_OF = {"escalation_threshold": (0.975, 1.125)}


def factor_range(name: str) -> tuple[float, float]:
    """The range of the factor on a regulators' number (``regulator.NAME`` or ``resources.NAME``)."""
    return FACTOR_OF.get(name.split(".", 1)[1], FACTOR)


def regulated(config: Config, style: str, factors: dict[str, float]) -> Config:
    """``config`` under ``style``'s preset, with the regulators' numbers of ``factors`` (``regulator.NAME`` or
    ``resources.NAME`` -> factor) applied to the preset's values (clipped to each number's range)."""
    from dataclasses import fields
    preset = regulator_preset(style)
    meta = {f.name: f.metadata for f in fields(preset)} | {f.name: f.metadata for f in fields(config.resources)}
    reg, res = {}, {}
    for key, factor in factors.items():
        group, name = key.split(".", 1)
        lo, hi = meta[name].get("lo"), meta[name].get("hi")
        value = getattr(preset if group == "regulator" else config.resources, name)
        scaled = ([float(np.clip(v * factor, lo, hi)) for v in value] if isinstance(value, list)
                  else float(np.clip(value * factor, lo, hi)))
        (reg if group == "regulator" else res)[name] = scaled
    return replace(config, regulator=replace(preset, **reg), resources=replace(config.resources, **res))


def outcomes_of(configs: list[Config], outcomes: list[str], contrast: list[str] | None = None,
                factors: list[dict[str, float]] | None = None) -> list[dict[str, float]]:
    """End-of-run outcomes of several samples, run as one batch of runs with different parameters (``abm.batch``);
    with a ``contrast`` [A, B], the paired difference A minus B of each (each style's preset logic, its numbers scaled
    by the sample's ``factors``, everything else, seed and replicate included, the same: one batch per style)."""
    from abm.batch import Batch
    if contrast:
        scale = factors or [{} for _ in configs]
        a, b = (outcomes_of([regulated(c, style, f) for c, f in zip(configs, scale, strict=True)], outcomes)
                for style in contrast)
        return [{o: x[o] - y[o] for o in outcomes} for x, y in zip(a, b, strict=True)]
    batch = Batch.of(configs, organisations=False).run()
    return [{o: float(rec.row[o]) for o in outcomes} for rec in batch.recorders]


def sign_deciders(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """For a contrast: which parameters decide its sign. The global sensitivity index of the indicator "the contrast
    is positive" (Sobol ST, or Morris mu*), and the direction in which raising the parameter moves that chance
    (Morris: the signed mean elementary effect; Sobol: the mean change of the indicator when the parameter's value
    is switched from matrix A to matrix B, signed by the direction of the switch)."""
    positive = (y > 0).astype(float)
    if positive.std() == 0:                       # the sign never changes: nothing decides it
        return pd.DataFrame({"parameter": problem["names"], "index": 0.0, "low": 0.0, "direction": 0.0})
    indices = analyse(method, problem, x, positive, seed)
    key = "mu_star" if method == "morris" else "ST"
    chosen = indices[indices["index"] == key].set_index("parameter")
    table = chosen.value.rename("index").to_frame()
    table["low"] = (chosen.value - chosen.conf.fillna(0.0)).clip(lower=0.0)       # the lower end of its 95 % interval
    d = problem["num_vars"]
    if method == "morris":
        from SALib.analyze import morris
        res = morris.analyze(problem, x, positive, num_levels=4, seed=seed)
        table["direction"] = np.sign(res["mu"])
    else:                                         # rows per base point: A, AB_1 .. AB_d, B
        blocks = positive.reshape(-1, d + 2)
        xs = x.reshape(-1, d + 2, d)
        change = blocks[:, 1:d + 1] - blocks[:, [0]]
        step = np.sign(xs[:, d + 1, :] - xs[:, 0, :])
        table["direction"] = np.sign((change * step).mean(axis=0))
    return table.reset_index().sort_values("index", ascending=False)


def sample(method: str, problem: dict, n: int, seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris
        return morris.sample(problem, N=n, num_levels=4, seed=seed)
    from SALib.sample import sobol
    return sobol.sample(problem, n, calc_second_order=False, seed=seed)


def analyse(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    rows = []
    if method == "morris":
        from SALib.analyze import morris
        res = morris.analyze(problem, x, y, num_levels=4, seed=seed)
        for i, name in enumerate(problem["names"]):
            rows += [{"parameter": name, "index": "mu_star", "value": res["mu_star"][i],
                      "conf": res["mu_star_conf"][i]},
                     {"parameter": name, "index": "sigma", "value": res["sigma"][i], "conf": np.nan}]
    else:
        from SALib.analyze import sobol
        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        for i, name in enumerate(problem["names"]):
            rows += [{"parameter": name, "index": "S1", "value": res["S1"][i], "conf": res["S1_conf"][i]},
                     {"parameter": name, "index": "ST", "value": res["ST"][i], "conf": res["ST_conf"][i]}]
    return pd.DataFrame(rows)


def plot(indices: pd.DataFrame, method: str, path: Path) -> None:
    outcomes = list(dict.fromkeys(indices.outcome))
    cols = 2 if len(outcomes) > 1 else 1
    rows = int(np.ceil(len(outcomes) / cols))
    shown_n = min(TOP, indices.parameter.nunique())
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 0.35 * shown_n * rows + 2 * rows),
                             squeeze=False)
    shown = ("mu_star",) if method == "morris" else ("S1", "ST")
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = indices[indices.outcome == outcome]
        order = d[d["index"] == shown[-1]].sort_values("value").parameter.tolist()[-TOP:]
        y = np.arange(len(order))
        for k, idx in enumerate(shown):
            v = d[d["index"] == idx].set_index("parameter").loc[order]
            ax.barh(y + 0.4 * k - 0.2 * (len(shown) - 1), v.value, height=0.4 if len(shown) > 1 else 0.7,
                    xerr=v.conf.fillna(0.0), label=idx, alpha=0.8, capsize=2)
        ax.set_yticks(y, order, fontsize=8)
        ax.set_title(outcome, fontsize=10)
        ax.set_xlabel("mu* (unit of the outcome)" if method == "morris" else "share of variance", fontsize=8)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    fig.suptitle("Morris screening: mean absolute elementary effect (mu*) with 95 % interval" if method == "morris"
                 else "Sobol indices: first order (S1) and total (ST) with 95 % intervals")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


ANSWERS = Path("outputs/experiments/whole_posterior/report/answer_by_draw.csv")    # experiments.sweeps.voi


def crossing_draws(path: Path = ANSWERS) -> list[int]:
    """The two posterior draws whose answer (carrot minus stick) lies nearest zero, and those at its quartiles."""
    if not path.is_file():
        raise ConfigError(f"--draws=crossing needs {path}: run python -m experiments run whole_posterior first")
    answer = pd.read_csv(path).set_index("draw").effect
    near = answer.abs().nsmallest(2).index.tolist()
    quartiles = [int((answer - answer.quantile(q)).abs().idxmin()) for q in (0.25, 0.75)]
    return list(dict.fromkeys([*near, *quartiles]))


def at_draws(args, overrides: list[str]) -> int:
    """The analysis at each of several posterior draws, each into ``<out>/draw-K``, and a summary of their signs."""
    try:
        draws = crossing_draws() if args.draws == "crossing" else [int(d) for d in args.draws.split(",")]
    except (ConfigError, ValueError) as exc:
        print(f"error: --draws={args.draws!r}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    base = args.out or Path("outputs/experiments") / args.preset / "draws"
    lines = [f"# The contrast at {len(draws)} posterior draws", ""]
    for d in draws:
        out = base / f"draw-{d}"
        code = main([f"--preset={args.preset}", f"--jobs={args.jobs}", f"--out={out}", *overrides,
                     f"posterior.draw={d}"])
        if code:
            return code
        text = (out / "report.md").read_text()
        sign = text.split("## The sign of the contrast", 1)[-1].strip().splitlines()
        lines += [f"## Draw {d}", "", *sign[:14], "", f"(`{out / 'report.md'}`)", ""]
    (base / "report.md").write_text("\n".join(lines) + "\n")
    print(f"report: {(base / 'report.md').resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--preset", default="sensitivity", help="experiment preset (sensitivity or contrast)")
    ap.add_argument("--draws", default="", help="posterior draws to run at, one after another: a comma list, or "
                                                "'crossing' (the two draws of the whole-posterior sweep nearest zero "
                                                "and those at its quartiles: run whole_posterior first)")
    args, overrides = ap.parse_known_args(argv)
    if args.draws:
        return at_draws(args, overrides)
    overrides = [f"+experiment={args.preset}", *overrides]
    precheck(overrides)
    config = compose(overrides)
    spec = config.sensitivity
    known = set(CommissioningModel(compose(["scenario=small", "months=1"])).recorder.rows[0])
    bad = [o for o in spec.outcomes if o not in known]
    if bad:
        print(f"error: sensitivity.outcomes has unknown column(s) {', '.join(bad)}; "
              f"allowed: columns of model.parquet", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"error: --jobs={args.jobs} must be at least 1", file=sys.stderr)
        return 2
    if spec.assumptions:
        from experiments.calibration.fit import free_parameters
        free = free_parameters(calibrated=False, replay=False)   # the calibrated ones vary over the posterior instead
        names, bounds = free.name.tolist(), free[["low", "high"]].to_numpy().tolist()
    else:
        names, bounds = [p.name for p in spec.parameters], [[p.low, p.high] for p in spec.parameters]
    contrast = list(spec.contrast)
    scaled = ([f"regulator.{n}" for n in REGULATORS] + [f"resources.{n}" for n in MEANS]
              if spec.assumptions and contrast else [])
    names, bounds = names + scaled, bounds + [list(factor_range(n)) for n in scaled]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    try:
        x = sample(spec.method, problem, spec.n, config.seed)
    except (ValueError, ConfigError) as exc:
        print(f"error: sensitivity.n={spec.n}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    out = args.out or Path("outputs/experiments") / args.preset / f"{spec.method}-n{spec.n}"
    print(f"sensitivity ({spec.method}): {len(x)} runs of {config.scenario.name}, {len(names)} parameters",
          file=sys.stderr)
    plain = [n for n in names if n not in scaled]
    samples = [with_values(config, {n: v for n, v in zip(names, row, strict=True) if n in plain}) for row in x]
    factors = [{n: float(v) for n, v in zip(names, row, strict=True) if n in scaled} for row in x]
    width = config.batch.width
    parts = [(samples[i:i + width], factors[i:i + width]) for i in range(0, len(samples), width)]
    results = run_parallel((delayed(outcomes_of)(part, spec.outcomes, contrast, scale) for part, scale in parts),
                           args.jobs, "sensitivity", unit="batch")
    y = pd.DataFrame([r for part in results for r in part])
    out.mkdir(parents=True, exist_ok=True)
    pd.concat([pd.DataFrame(x, columns=names), y], axis=1).to_parquet(out / "samples.parquet", index=False)
    indices = pd.concat([analyse(spec.method, problem, x, y[o].to_numpy(float), config.seed).assign(outcome=o)
                         for o in spec.outcomes], ignore_index=True)
    indices = indices[["outcome", "parameter", "index", "value", "conf"]]
    indices.to_csv(out / "indices.csv", index=False)
    plot(indices, spec.method, out / "indices.png")
    top = ["| outcome | most influential parameters |", "|---|---|"]
    key = "mu_star" if spec.method == "morris" else "ST"
    for o in spec.outcomes:
        d = indices[(indices.outcome == o) & (indices["index"] == key)].sort_values("value", ascending=False)
        top.append(f"| {o} | " + ", ".join(f"{r.parameter} ({number(r.value)})" for r in d.head(3).itertuples()) + " |")
    what = (f"the paired difference `{contrast[0]}` minus `{contrast[1]}` (both presets' logic, the same seed and "
            "replicate, 2 runs a sample)" if contrast else f"style `{config.regulator.name}`")
    lines = [f"# Sensitivity analysis ({spec.method}, n={spec.n}, {len(x)} samples, "
             f"{len(x) * (2 if contrast else 1)} runs)", "",
             f"Scenario `{config.scenario.name}`, {what}, {config.months} months, seed {config.seed}, replicate "
             f"{config.replicate} for every sample; {len(names)} parameters"
             + (" (every numeric assumption of behaviour and regime, uniform over its prior: experiments/calibration/fit.py;"
                " the calibrated parameters stay at their defaults, the posterior medoid: their uncertainty is carried "
                "by the posterior draws of the headline presets)" if spec.assumptions else "")
             + f". Index: `{key}`.", "", *top, ""]
    if contrast:
        lines += ["## The sign of the contrast", ""]
        for o in spec.outcomes:
            v = y[o].to_numpy(float)
            deciders = sign_deciders(spec.method, problem, x, v, config.seed)
            deciders.assign(outcome=o).to_csv(out / f"sign_{o}.csv", index=False)
            unit = READ[o].difference_unit if o in READ else "number"
            share = float(np.mean(v > 0))
            lines += [f"`{o}` ({READ[o].label if o in READ else o}): {contrast[0]} minus {contrast[1]} is positive in "
                      f"{fmt(share, 'share', digits=0)} of samples ({int((v > 0).sum()):,} of {len(v):,}; "
                      f"mean {fmt(v.mean(), unit, signed=True)}, 5-95 % "
                      f"{fmt(np.quantile(v, 0.05), unit, signed=True)} to {fmt(np.quantile(v, 0.95), unit, signed=True)})."]
            if share in (0.0, 1.0):
                lines += ["The sign is the same in every sample: no parameter decides it (the indicator is constant, "
                          f"so every {key} of the sign is 0).", ""]
                continue
            plain = deciders[~deciders.parameter.isin(scaled)]
            deciding = plain[plain.low >= 0.2]
            if len(deciding):
                lines[-1] += (f" **{len(deciding)} plain assumption(s) have a {key} of 0.2 or more on the sign, judged "
                              "on the lower end of the index's 95 % interval: "
                              + ", ".join(f"`{r.parameter}` ({number(r.index)}, lower end {number(r.low)})"
                                          for r in deciding.itertuples()) + "**.")
            else:
                largest = plain.sort_values("low", ascending=False).head(1)
                lines[-1] += (f" No plain assumption has a {key} of 0.2 or more on the sign, judged on the lower end of "
                              "its 95 % interval" + (f" (the largest: `{largest.parameter.iloc[0]}`, "
                                                     f"{number(largest['index'].iloc[0])}, lower end "
                                                     f"{number(largest.low.iloc[0])})" if len(largest) else "") + ".")
            lines[-1] += (f" Parameters that decide the sign ({key} of the indicator \"the contrast is positive\", with "
                          "the lower end of its 95 % interval; direction: + when raising the parameter makes a "
                          "positive contrast more likely; the regulators' numbers are factors on each style's preset):")
            lines += ["", f"| parameter | {key} of the sign | lower end | direction |", "|---|---|---|---|"]
            for r in deciders.head(8).itertuples():
                arrow = "+" if r.direction > 0 else "−" if r.direction < 0 else "0"
                what = " (the regulators' number)" if r.parameter in scaled else ""
                lines.append(f"| `{r.parameter}`{what} | {number(r.index)} | {number(r.low)} | {arrow} |")
            lines.append("")
    lines += ["![indices.png](indices.png)", "", "Files: `samples.parquet`, `indices.csv`"
              + (", `sign_<outcome>.csv`" if contrast else "") + ".", ""]
    (out / "report.md").write_text("\n".join(lines))
    print(f"report: {(out / 'report.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
