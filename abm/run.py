"""Run one simulation and write its tidy outputs.

``simulate(config)`` returns the model's tables, each with the run id, the seed and every parameter as columns;
``write(tables, outdir, config)`` writes them as Parquet beside the resolved config, atomically: files appear under
their final names only once complete. ``run_job(config, outdir)`` is one Hydra job: it skips the work when the
directory already holds a complete result for the same configuration and model version, and otherwise writes the
tables, the provenance (package versions, git revision) and, last, ``done.json``: a job without it never counts as
finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from abm import posterior
from abm.config import Config
from abm.metrics import Recorder, RunRecord


def flat_params(config: Config) -> dict:
    """Every parameter as ``group.name`` -> value (lists as text), for the parameter columns."""
    out = {}
    for key, value in asdict(config).items():
        if key in ("sensitivity", "calibrate", "timeline", "batch"):
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                out[f"{key}.{k}"] = json.dumps(v) if isinstance(v, list) else v
        elif key not in ("run_id", "write_organisations", "write_network", "write_figures"):
            out[key] = value
    return out


def run_id(config: Config) -> str:
    """The config's own label if given, else scenario, style, seed and a hash of every other parameter."""
    if config.run_id:
        return config.run_id
    params = {k: v for k, v in flat_params(config).items() if k not in ("seed", "replicate")}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{config.scenario.name}-{config.regulator.name}-s{config.seed}r{config.replicate}-{digest}"


def simulate(config: Config) -> dict[str, pd.DataFrame]:
    from abm.model import CommissioningModel  # here, not at the top: a batch job's worker never imports Mesa (0.4 s)
    config = posterior.apply(config)          # the parameter columns show the draw's values
    model = CommissioningModel(config).run()
    return tables_of(model.recorder, config)


def tables_of(recorder: Recorder | RunRecord, config: Config) -> dict[str, pd.DataFrame]:
    """A finished run's tables (monthly, STPs, and the network and organisations when asked), with the run id, the seed and every
    parameter of ``config`` (the run's configuration, posterior draw applied) as columns."""
    return {name: table.to_pandas() for name, table in arrow_tables(recorder, config).items()}


def arrow_tables(recorder: Recorder | RunRecord, config: Config) -> dict[str, pa.Table]:
    """:func:`tables_of` as Arrow tables, the form they are written in: the parameter columns are built as constant
    Arrow columns rather than repeated through pandas (a third of the cost of writing a run)."""
    columns = {"model": recorder.model_columns(), "stps": recorder.stp_columns()}
    if config.write_network:
        columns["network"] = recorder.network_columns()
    if config.write_organisations:
        columns["organisations"] = recorder.organisation_columns()
    head = {"run_id": run_id(config), "seed": config.seed}
    params = {k: v for k, v in flat_params(config).items() if k != "seed"}
    out = {}
    for name, body in columns.items():
        n = len(next(iter(body.values())))
        out[name] = pa.Table.from_arrays(
            [*(pa.repeat(pa.scalar(v), n) for v in head.values()), *(pa.array(a) for a in body.values()),
             *(pa.repeat(pa.scalar(v), n) for v in params.values())],
            names=[*head, *body, *params])
    return out


# How result files are written: LZ4, plain encoding, no column statistics. Most columns of a run's tables are
# constant (its ~160 parameters, repeated on every row), and dictionary-encoding them and keeping min/max statistics
# for each was half of the time spent writing a run (England, 60 months: 21 -> 10.5 ms a run without organisations,
# 100 -> 50 ms with; files 0-15 % larger). The data read back are the same, dtypes included.
PARQUET = {"compression": "lz4", "use_dictionary": False, "write_statistics": False}


def write(tables: dict[str, pd.DataFrame] | dict[str, pa.Table], outdir: Path, config: Config) -> list[Path]:
    """Write ``<name>.parquet`` for each table (pandas or Arrow) and ``config_resolved.json``; each file via a
    temporary name."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        path = outdir / f"{name}.parquet"
        tmp = outdir / f".{name}.parquet.tmp"
        table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, tmp, **PARQUET)
        os.replace(tmp, path)
        written.append(path)
    path = outdir / "config_resolved.json"
    _write_json(path, asdict(config))
    written.append(path)
    return written


def config_key(config: Config) -> str:
    """Identity of a job's result: a hash of its whole resolved configuration (seed and replicate included) and of
    the model's version. A new version is released whenever results change (CHANGELOG), so a run an earlier version
    finished is run again rather than resumed."""
    identity = {"config": asdict(config), "model_version": model_version()}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


@cache
def model_version() -> str:
    """The installed model's version (``pyproject.toml``), or "unknown" when it is not installed."""
    try:
        return metadata.version("nhs-commissioning-abm")
    except metadata.PackageNotFoundError:
        return "unknown"


def is_complete(outdir: Path, config: Config | None = None) -> bool:
    """True when ``outdir`` holds a result this version of the model finished with the same shipped posterior (for
    ``config``, when given)."""
    done = Path(outdir) / "done.json"
    if not done.is_file():
        return False
    try:
        record = json.loads(done.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    if not all((Path(outdir) / f).is_file() for f in record.get("files", [])):
        return False
    if record.get("model_version") != model_version() or record.get("posterior", "") != posterior.digest():
        return False                         # another version, or other shipped draws behind posterior.draw=K
    return config is None or record.get("key") == config_key(config)


@cache
def provenance() -> dict:
    """Package versions, Python, platform and the git revision of this checkout (when there is one)."""
    packages: dict[str, str | None] = {}
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx", "hydra-core", "omegaconf", "SALib",
                 "matplotlib", "nhs-commissioning-abm"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10)
        git = {"revision": rev.stdout.strip() or None, "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        git = {"revision": None, "dirty": None}
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": packages, "git": git}


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)


def run_job(config: Config, outdir: Path, tables: dict[str, pd.DataFrame] | dict[str, pa.Table] | None = None
            ) -> tuple[bool, dict[str, pd.DataFrame] | dict[str, pa.Table] | None]:
    """One job: (False, None) if ``outdir`` already has this configuration's complete result, else run (or take the
    ``tables`` a batch computed for it) and write."""
    outdir = Path(outdir)
    if is_complete(outdir, config):
        return False, None
    stale = outdir / "done.json"
    if stale.exists():
        stale.unlink()                       # a result for another configuration: no longer valid
    if tables is None:
        tables = simulate(config)
    files = [p.name for p in write(tables, outdir, config)]
    _write_json(outdir / "provenance.json", provenance())
    _write_json(outdir / "done.json", {"key": config_key(config), "model_version": model_version(),
                                       "posterior": posterior.digest(), "run_id": run_id(config),
                                       "files": [*files, "provenance.json"]})
    return True, tables


def summary(model_df: pd.DataFrame) -> str:
    """A short text summary of a run in the reports' units: start and end of the key outcomes."""
    from abm.units import fmt
    first, last = model_df.iloc[0], model_df.iloc[-1]
    keys = [("perf_true", "performance, true", "share"), ("perf_reported", "performance, reported", "share"),
            ("aggregate_deficit", "gross deficit", "gbp_m"), ("n_in_deficit", "bodies in deficit", "count"),
            ("n_ccgs", "CCGs", "count"), ("share_ccgs_in_joint_committee", "CCGs in joint committees", "share"),
            ("share_ccgs_sharing_ao", "CCGs sharing an AO", "share"), ("mean_stress", "mean leader stress (0-1)", "number"),
            ("ccg_trust_in_nhse", "CCG trust in NHS England (0-1)", "number"),
            ("stp_maturity_mean", "STP maturity (0-1)", "number")]
    lines = [f"{'':32s} {first['date']:>12s} {last['date']:>12s}"]
    for col, label, unit in keys:
        lines.append(f"{label:32s} {fmt(first[col], unit):>12s} {fmt(last[col], unit):>12s}")
    lines.append(f"{'leader changes (total)':32s} {'':>12s} {fmt(model_df.leader_turnover.sum(), 'count'):>12s}")
    lines.append(f"{'enforcement actions (total)':32s} {'':>12s} {fmt(model_df.enforcement_actions.sum(), 'count'):>12s}")
    return "\n".join(lines)
