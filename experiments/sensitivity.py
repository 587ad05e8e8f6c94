"""Global sensitivity analysis with SALib: Morris screening or Sobol indices of the key outcomes.

    python -m experiments.sensitivity [--jobs N] [--out DIR] [Hydra overrides ...]

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

from abm.compose import compose  # noqa: E402
from abm.config import Config, ConfigError  # noqa: E402
from abm.model import CommissioningModel  # noqa: E402
from abm.precheck import precheck  # noqa: E402
from experiments.progress import run_parallel  # noqa: E402


def with_values(config: Config, names: list[str], values: np.ndarray) -> Config:
    """A copy of ``config`` with ``group.name`` parameters set to ``values`` (integers kept integer)."""
    groups: dict[str, dict] = {}
    for name, value in zip(names, values, strict=True):
        group, key = name.split(".", 1)
        current = getattr(getattr(config, group), key)
        groups.setdefault(group, {})[key] = int(round(value)) if isinstance(current, int) else float(value)
    return replace(config, **{g: replace(getattr(config, g), **kv) for g, kv in groups.items()})


def outcomes_of(config: Config, outcomes: list[str]) -> dict[str, float]:
    model = CommissioningModel(config).run()
    last = model.recorder.rows[-1]
    return {o: float(last[o]) for o in outcomes}


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
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 0.35 * len(indices.parameter.unique()) * rows + 2 * rows),
                             squeeze=False)
    shown = ("mu_star",) if method == "morris" else ("S1", "ST")
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        d = indices[indices.outcome == outcome]
        order = d[d["index"] == shown[-1]].sort_values("value").parameter.tolist()
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
    args, overrides = ap.parse_known_args(argv)
    overrides = ["+experiment=sensitivity", *overrides]
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
    names = [p.name for p in spec.parameters]
    problem = {"num_vars": len(names), "names": names, "bounds": [[p.low, p.high] for p in spec.parameters]}
    try:
        x = sample(spec.method, problem, spec.n, config.seed)
    except (ValueError, ConfigError) as exc:
        print(f"error: sensitivity.n={spec.n}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    out = args.out or Path("outputs/experiments/sensitivity") / f"{spec.method}-n{spec.n}"
    print(f"sensitivity ({spec.method}): {len(x)} runs of {config.scenario.name}, {len(names)} parameters",
          file=sys.stderr)
    results = run_parallel((delayed(outcomes_of)(with_values(config, names, row), spec.outcomes) for row in x),
                           args.jobs, "sensitivity")
    y = pd.DataFrame(results)
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
        top.append(f"| {o} | " + ", ".join(f"{r.parameter} ({r.value:.3g})" for r in d.head(3).itertuples()) + " |")
    (out / "report.md").write_text("\n".join([
        f"# Sensitivity analysis ({spec.method}, n={spec.n}, {len(x)} runs)", "",
        f"Scenario `{config.scenario.name}`, style `{config.regulator.name}`, {config.months} months, seed "
        f"{config.seed}, replicate {config.replicate} for every sample. Index: `{key}`.", "", *top, "",
        "![indices.png](indices.png)", "", "Files: `samples.parquet`, `indices.csv`.", ""]))
    print(f"report: {(out / 'report.md').resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
