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


def outcomes_of(configs: list[Config], outcomes: list[str], contrast: list[str] | None = None) -> list[dict[str, float]]:
    """End-of-run outcomes of several samples, run as one batch of runs with different parameters (``abm.batch``);
    with a ``contrast`` [A, B], the paired difference A minus B of each (each style's preset logic, everything else,
    seed and replicate included, the same: one batch per style)."""
    from abm.batch import Batch
    if contrast:
        a, b = (outcomes_of([replace(c, regulator=regulator_preset(style)) for c in configs], outcomes)
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
        return pd.DataFrame({"parameter": problem["names"], "index": 0.0, "direction": 0.0})
    indices = analyse(method, problem, x, positive, seed)
    key = "mu_star" if method == "morris" else "ST"
    table = indices[indices["index"] == key].set_index("parameter").value.rename("index").to_frame()
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--preset", default="sensitivity", help="experiment preset (sensitivity or contrast)")
    args, overrides = ap.parse_known_args(argv)
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
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    try:
        x = sample(spec.method, problem, spec.n, config.seed)
    except (ValueError, ConfigError) as exc:
        print(f"error: sensitivity.n={spec.n}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    out = args.out or Path("outputs/experiments") / args.preset / f"{spec.method}-n{spec.n}"
    print(f"sensitivity ({spec.method}): {len(x)} runs of {config.scenario.name}, {len(names)} parameters",
          file=sys.stderr)
    samples = [with_values(config, dict(zip(names, row, strict=True))) for row in x]
    contrast = list(spec.contrast)
    width = config.batch.width
    parts = [samples[i:i + width] for i in range(0, len(samples), width)]
    results = run_parallel((delayed(outcomes_of)(part, spec.outcomes, contrast) for part in parts),
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
            largest = float(deciders["index"].max()) if len(deciders) else 0.0
            if largest < 0.2:
                lines[-1] += (f" No parameter has a {key} of 0.2 or more on the sign (the largest is {number(largest)}): "
                              "no single assumption decides it.")
            lines[-1] += (f" Parameters that decide the sign ({key} of the indicator \"the contrast is positive\"; "
                          "direction: + when raising the parameter makes a positive contrast more likely):")
            lines += ["", f"| parameter | {key} of the sign | direction |", "|---|---|---|"]
            for r in deciders.head(6).itertuples():
                arrow = "+" if r.direction > 0 else "−" if r.direction < 0 else "0"
                lines.append(f"| `{r.parameter}` | {number(r.index)} | {arrow} |")
            lines.append("")
    lines += ["![indices.png](indices.png)", "", "Files: `samples.parquet`, `indices.csv`"
              + (", `sign_<outcome>.csv`" if contrast else "") + ".", ""]
    (out / "report.md").write_text("\n".join(lines))
    print(f"report: {(out / 'report.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
