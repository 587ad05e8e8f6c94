"""Command line: ``python -m abm [Hydra overrides]`` runs one simulation and writes its outputs.

Examples::

    python -m abm                                   # as_was_2016 style, real England, seed 0, 47 months
    python -m abm regulator=stick scenario=england seed=3
    python -m abm scenario=small months=24 regulator.severity=0.3
    python -m abm --help                            # Hydra's help: config groups and every key

Outputs go to the run's Hydra output directory (printed at the end): ``model.parquet`` (one row per month),
``organisations.parquet`` (one row per organisation per month), ``network.parquet`` (relationships and their trust at
the end), ``config_resolved.json``, ``provenance.json``, Hydra's ``.hydra/`` and, written last, ``done.json``; with
``write_figures=true`` also ``figures.png`` (the key outcomes month by month).
In a multirun (``-m``) each job has its own directory named after its overrides; re-running the same sweep into the
same ``hydra.sweep.dir`` skips the jobs that are already complete. ``batch.replicates=K`` (``batch.draws=D``) makes a
job run K consecutive replicates (D consecutive posterior draws) in one process, each written as its own result in a
sub-directory (``abm.batch``).
A bad override is reported in one line naming the key, the value and what is allowed; the exit status is 2 and
nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from abm.batch import run_batch
from abm.compose import CONF_DIR, register_schema
from abm.config import to_config, validate
from abm.precheck import precheck, trust_precheck
from abm.run import summary

register_schema()


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    config = to_config(cfg)
    validate(config)
    outdir = HydraConfig.get().runtime.output_dir
    done = skipped = 0
    for _run, where, ran, tables in run_batch(config, Path(outdir)):
        if not ran or tables is None:
            skipped += 1
            print(f"complete already, skipped: {where}")
            continue
        done += 1
        model = tables["model"].to_pandas()
        if config.batch.replicates == 1 and config.batch.draws == 1:
            print(summary(model))
        if config.write_figures:
            from abm.figures import run_figure
            title = f"{config.scenario.name}, {config.regulator.name}, seed {config.seed}, replicate {config.replicate}"
            print(f"figures: {run_figure(model, Path(where) / 'figures.png', title)}")
    if done + skipped > 1:
        print(f"batch: {done} runs done, {skipped} complete already")
    print(f"outputs: {outdir}")


if __name__ == "__main__":
    if precheck(sys.argv[1:]):
        trust_precheck()                 # every job is composed and checked: Hydra need not compose each twice
    main()
