"""Run one simulation and write its tidy outputs.

``simulate(config)`` returns the model's two tables, each with the run id, the seed and every parameter as columns;
``write(tables, outdir, config)`` writes them as Parquet beside the resolved config, atomically: files appear under
their final names only once complete.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from abm.config import Config
from abm.model import CommissioningModel


def flat_params(config: Config) -> dict:
    """Every parameter as ``group.name`` -> value (lists as text), for the parameter columns."""
    out = {}
    for key, value in asdict(config).items():
        if isinstance(value, dict):
            for k, v in value.items():
                out[f"{key}.{k}"] = json.dumps(v) if isinstance(v, list) else v
        elif key not in ("run_id", "write_organisations"):
            out[key] = value
    return out


def run_id(config: Config) -> str:
    """The config's own label if given, else scenario, style, seed and a hash of every other parameter."""
    if config.run_id:
        return config.run_id
    params = {k: v for k, v in flat_params(config).items() if k != "seed"}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{config.scenario.name}-{config.regulator.name}-s{config.seed}-{digest}"


def simulate(config: Config) -> dict[str, pd.DataFrame]:
    model = CommissioningModel(config).run()
    rid = run_id(config)
    tables = {"model": model.recorder.model_frame()}
    if config.write_organisations:
        tables["organisations"] = model.recorder.organisation_frame()
    for df in tables.values():
        df.insert(0, "run_id", rid)
        df.insert(1, "seed", config.seed)
        for k, v in flat_params(config).items():
            if k != "seed":
                df[k] = v
    return tables


def write(tables: dict[str, pd.DataFrame], outdir: Path, config: Config) -> list[Path]:
    """Write ``<name>.parquet`` for each table and ``config_resolved.json``; each file via a temporary name."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        path = outdir / f"{name}.parquet"
        tmp = outdir / f".{name}.parquet.tmp"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        written.append(path)
    path = outdir / "config_resolved.json"
    tmp = outdir / ".config_resolved.json.tmp"
    tmp.write_text(json.dumps(asdict(config), indent=2, sort_keys=True))
    os.replace(tmp, path)
    written.append(path)
    return written


def summary(model_df: pd.DataFrame) -> str:
    """A short text summary of a run: start and end of the key outcomes."""
    first, last = model_df.iloc[0], model_df.iloc[-1]
    keys = [("perf_true", "performance, true", "{:.3f}"), ("perf_reported", "performance, reported", "{:.3f}"),
            ("aggregate_deficit", "aggregate deficit (GBP m)", "{:,.0f}"), ("n_in_deficit", "bodies in deficit", "{:.0f}"),
            ("n_ccgs", "CCGs", "{:.0f}"), ("share_ccgs_in_joint_committee", "CCGs in joint committees", "{:.0%}"),
            ("share_ccgs_sharing_ao", "CCGs sharing an AO", "{:.0%}"), ("mean_stress", "mean leader stress", "{:.2f}"),
            ("ccg_trust_in_nhse", "CCG trust in NHS England", "{:.2f}"), ("stp_maturity_mean", "STP maturity", "{:.2f}")]
    lines = [f"{'':28s} {first['date']:>10s} {last['date']:>10s}"]
    for col, label, fmt in keys:
        lines.append(f"{label:28s} {fmt.format(first[col]):>10s} {fmt.format(last[col]):>10s}")
    lines.append(f"{'leader changes (total)':28s} {'':>10s} {model_df.leader_turnover.sum():>10.0f}")
    lines.append(f"{'enforcement actions (total)':28s} {'':>10s} {model_df.enforcement_actions.sum():>10.0f}")
    return "\n".join(lines)
