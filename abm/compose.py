"""Build a run's configuration from ``conf/`` exactly as the command line does, for use from Python.

``compose(["regulator=stick", "seed=3"])`` returns the same :class:`abm.config.Config` that
``python -m abm regulator=stick seed=3`` runs, so a model built from Python and one built from the CLI agree.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from abm.config import Config, ConfigError, RegulatorConfig, to_config, validate

CONF_DIR = Path(__file__).resolve().parent / "conf"     # shipped inside the package; ``conf/`` at the top links here


def register_schema() -> None:
    """Register the structured-config schema that ``conf/config.yaml`` names in its defaults list (once: turning the
    dataclass into a config node costs ~25 ms, paid at every composition when it was stored again each time)."""
    store = ConfigStore.instance()
    if "schema.yaml" not in store.repo:
        store.store(name="schema", node=Config)


def compose(overrides: list[str] | None = None) -> Config:
    """Compose ``conf/config.yaml`` with Hydra overrides, validate it and return it as a :class:`Config`."""
    register_schema()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides or []))
    config = to_config(cfg)
    validate(config)
    return config


def hydra_sweep(overrides: list[str]) -> tuple[Path, dict[str, str]]:
    """The sweep directory and the sweeps declared in ``hydra.sweeper.params`` (by a preset, ``+experiment=...``, or
    by ``hydra.sweeper.params.KEY=...``) of the configuration that the non-sweep ``overrides`` compose, as
    ``{key: value}``: what Hydra's basic sweeper sweeps before the command line's own sweeps replace any of them."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [str(o.input_line) for o in parsed if not o.is_sweep_override()]
    register_schema()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=fixed, return_hydra_config=True)
    return Path(str(cfg.hydra.sweep.dir)), {k: str(v) for k, v in (cfg.hydra.sweeper.params or {}).items()}


def regulator_preset(name: str) -> RegulatorConfig:
    """The parameters of a regulatory style as written in ``conf/regulator/<name>.yaml``."""
    path = CONF_DIR / "regulator" / f"{name}.yaml"
    if not path.is_file():
        allowed = sorted(p.stem for p in (CONF_DIR / "regulator").glob("*.yaml"))
        raise ConfigError(f"regulator={name!r} is not allowed; choose one of: {', '.join(allowed)}")
    preset = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RegulatorConfig), OmegaConf.load(path)))
    assert isinstance(preset, RegulatorConfig)
    return preset
