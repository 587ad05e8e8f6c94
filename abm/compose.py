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


PRESET_GROUPS = ("regulator", "resources", "institutions", "scenario")     # groups whose name picks a preset file


def check_overrides(overrides: list[str]) -> None:
    """Refuse, in one line (ConfigError), an override of a key the schema does not declare (naming the nearest
    declared key and the value typed) and one that sets a preset group's ``name`` without choosing its preset
    (``regulator.name=stick`` would run the stick's logic with the current preset's numbers under the stick's name)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from abm.config import schema_keys
    known = schema_keys()
    groups = {p.name for p in CONF_DIR.iterdir() if p.is_dir()}
    for o in OverridesParser.create().parse_overrides([x for x in overrides if not x.startswith(("hydra.", "hydra/"))]):
        key = o.key_or_group
        typed = str(o.input_line).split("=", 1)[1] if "=" in str(o.input_line) else ""
        group, _, field = key.partition(".")
        if group in PRESET_GROUPS and field == "name" and not o.is_delete():
            raise ConfigError(f"{key}={typed} sets the name without the {group} preset's numbers; choose the preset "
                              f"with {group}={typed} (then change any of its numbers, e.g. {group}.KEY=VALUE)")
        if key in known or key.split("/")[0] in groups or key.startswith("experiment"):
            continue
        near = _nearest(key, known)
        hint = f"; did you mean {near}?" if near else "; list the allowed keys with: python -m abm --cfg job"
        given = f"in {str(o.input_line)!r}" if o.is_add() or o.is_force_add() or o.is_delete() else f"(value {typed!r})"
        raise ConfigError(f"unknown key {key!r} {given}{hint}")


def _nearest(key: str, known: set[str]) -> str | None:
    """The declared key nearest to a mistyped one: its group corrected, then its field within the group."""
    import difflib

    def close(word: str, among) -> str | None:
        found = difflib.get_close_matches(word, sorted(among), n=1, cutoff=0.6)
        return found[0] if found else None
    group, dot, field = key.partition(".")
    tops = {k for k in known if "." not in k}
    if group not in tops:
        group = close(group, tops) or ""
    if not group or not dot:
        return group or None
    fields = {k.split(".", 1)[1] for k in known if k.startswith(group + ".")}
    match = field if field in fields else close(field, fields)
    return f"{group}.{match}" if match else None


def compose(overrides: list[str] | None = None) -> Config:
    """Compose ``conf/config.yaml`` with Hydra overrides, validate it and return it as a :class:`Config`."""
    check_overrides(list(overrides or []))
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
