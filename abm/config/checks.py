"""Checks and uses of the schema: validation against the declared ranges, composition into :class:`Config`, the
policy timeline's changes, the parameter table of ``docs/ODD.md``, and configurations with values set."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import lru_cache
from typing import Any

from abm.config.behaviour import BehaviourConfig
from abm.config.fields import ConfigError
from abm.config.groups import InstitutionsConfig, RegimeConfig, RegulatorConfig, ResourcesConfig, ScenarioConfig
from abm.config.runs import (
    BatchConfig,
    CalibrateConfig,
    Config,
    CounterfactualConfig,
    ExperimentConfig,
    PosteriorConfig,
    SensitivityConfig,
    _check_month,
)
from abm.vocabulary import STYLES as REGULATOR_STYLES


def _check(path: str, value: Any, meta: dict) -> None:
    choices, lo, hi = meta.get("choices"), meta.get("lo"), meta.get("hi")
    if meta.get("boolean"):
        if not isinstance(value, bool):
            raise ConfigError(f"{path}={value!r} must be true or false")
        return
    if choices is not None:
        if value not in choices:
            raise ConfigError(f"{path}={value!r} is not allowed; choose one of: {', '.join(choices)}")
        return
    values = value if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if lo is None and hi is None:
                continue
            raise ConfigError(f"{path}={value!r} must be a number in [{lo}, {hi}]")
        if v != v or v in (float("inf"), float("-inf")):
            raise ConfigError(f"{path}={value!r} must be a finite number in [{lo}, {hi}]")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(f"{path}={value!r} is out of range; allowed: [{lo}, {hi}]")


def validate(cfg: Any, schema: type = Config, prefix: str = "") -> None:
    """Check every value of ``cfg`` (a :class:`Config` or one of its parts) against its declared range.

    Checks that involve several fields of one part run when the part is built (``__post_init__``); the timeline and
    the sensitivity ranges, which refer to the whole schema, are checked here.
    """
    for f in fields(schema):
        path = f"{prefix}{f.name}"
        value = getattr(cfg, f.name)
        nested = _NESTED.get(f.type) if isinstance(f.type, str) else (f.type if isinstance(f.type, type) else None)
        if nested is not None and is_dataclass(nested):
            validate(value, nested, path + ".")
        else:
            _check(path, value, dict(f.metadata))
    if schema is Config:
        _check_month(f"{prefix}start", cfg.start, required=True)
        for i, event in enumerate(cfg.timeline):
            _check_month(f"{prefix}timeline[{i}].date", event.date, required=True)
            for change in event.changes:
                parse_change(change, f"{prefix}timeline[{i}]")
    if schema is SensitivityConfig:
        if cfg.contrast and (len(cfg.contrast) != 2 or any(c not in REGULATOR_STYLES for c in cfg.contrast)):
            raise ConfigError(f"{prefix}contrast={list(cfg.contrast)} must name two styles of: "
                              f"{', '.join(REGULATOR_STYLES)}")
        ranges = {r["name"]: r for r in parameter_rows()}
        for item in cfg.parameters:
            name, low, high = item.name, item.low, item.high
            declared = ranges.get(name)
            if declared is None or "[" not in declared["range"] or name.startswith(("scenario.", "seed")):
                raise ConfigError(f"{prefix}parameters: {name!r} is not a numeric model parameter")
            lo, hi = (float(x) for x in declared["range"].strip("[]").split(", "))
            if not lo <= low < high <= hi:
                raise ConfigError(f"{prefix}parameters: {name} low={low}, high={high} must satisfy "
                                  f"{lo} <= low < high <= {hi}")


def to_config(cfg: Any) -> Config:
    """A composed Hydra config (or a plain dict of the same shape) as the :class:`Config` dataclass."""
    from omegaconf import OmegaConf
    if isinstance(cfg, Config):
        return cfg
    node = cfg if not isinstance(cfg, dict) else OmegaConf.merge(OmegaConf.structured(Config), cfg)
    config = OmegaConf.to_object(node)
    if not isinstance(config, Config):         # a DictConfig composed without the schema
        config = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), node))
    assert isinstance(config, Config)
    return config


_NESTED = {"ScenarioConfig": ScenarioConfig, "RegulatorConfig": RegulatorConfig, "BehaviourConfig": BehaviourConfig,
           "RegimeConfig": RegimeConfig, "ResourcesConfig": ResourcesConfig,
           "InstitutionsConfig": InstitutionsConfig, "ExperimentConfig": ExperimentConfig, "SensitivityConfig": SensitivityConfig,
           "CalibrateConfig": CalibrateConfig, "PosteriorConfig": PosteriorConfig, "BatchConfig": BatchConfig,
           "CounterfactualConfig": CounterfactualConfig}


# Parameter groups a policy event may change (the timeline), by their name in the config.
CHANGEABLE = {"regulator": RegulatorConfig, "resources": ResourcesConfig, "institutions": InstitutionsConfig,
              "behaviour": BehaviourConfig, "regime": RegimeConfig}


def parse_change(change: str, where: str = "timeline") -> tuple[str, str, Any]:
    """``"regulator.severity=0.5"`` -> (``"regulator"``, ``"severity"``, 0.5), checked against the parameter's range."""
    key, sep, raw = str(change).partition("=")
    group, _, name = key.strip().partition(".")
    schema = CHANGEABLE.get(group)
    declared = {f.name: f for f in fields(schema)} if schema else {}
    if not sep or name not in declared:
        raise ConfigError(f"{where}: change {change!r} must be GROUP.NAME=VALUE with GROUP one of "
                          f"{', '.join(CHANGEABLE)} and a known NAME")
    value = _yaml_value(raw)
    value = list(value) if isinstance(value, list) else value        # a fresh list: never the cached one
    _check(key.strip(), value, dict(declared[name].metadata))
    return group, name, value


@lru_cache(maxsize=1024)
def _yaml_value(raw: str) -> Any:
    """A value written in YAML (the timeline's changes are parsed at every validation and every event: once each)."""
    import yaml
    return yaml.safe_load(raw)


_GROUPS = ("scenario", "regulator", "resources", "institutions", "behaviour", "regime", "experiment", "sensitivity",
           "timeline", "counterfactual", "calibrate", "posterior", "batch")


def parameter_rows() -> list[dict]:
    """One row per parameter (group, name, default, range, source, meaning) for the ODD table."""
    rows = []
    for group, schema in (("", Config), ("scenario", ScenarioConfig), ("regulator", RegulatorConfig),
                          ("resources", ResourcesConfig), ("institutions", InstitutionsConfig),
                          ("behaviour", BehaviourConfig), ("regime", RegimeConfig), ("experiment", ExperimentConfig),
                          ("sensitivity", SensitivityConfig), ("calibrate", CalibrateConfig),
                          ("posterior", PosteriorConfig), ("batch", BatchConfig)):
        inst = schema()
        for f in fields(schema):
            if f.name in _GROUPS:
                continue
            m = f.metadata
            rng = " / ".join(m["choices"]) if m.get("choices") else (
                f"[{m['lo']}, {m['hi']}]" if m.get("lo") is not None else "any")
            rows.append({"name": f"{group}.{f.name}" if group else f.name, "default": getattr(inst, f.name),
                         "range": rng, "provenance": m.get("provenance", "technical"), "source": m.get("source", ""),
                         "meaning": m.get("doc", "")})
    return rows


def schema_keys(schema: type = Config, prefix: str = "") -> set[str]:
    """Every key the schema declares, as dotted paths (``regulator.severity``), groups included (``regulator``)."""
    keys = set()
    for f in fields(schema):
        path = f"{prefix}{f.name}"
        keys.add(path)
        nested = _NESTED.get(f.type) if isinstance(f.type, str) else (f.type if isinstance(f.type, type) else None)
        if nested is not None and is_dataclass(nested):
            keys |= schema_keys(nested, path + ".")
    return keys


def markdown_table() -> str:
    from collections import Counter
    rows = parameter_rows()
    counts = Counter(r["provenance"] for r in rows)
    lines = [f"{len(rows)} parameters: " + ", ".join(f"{n} {kind}" for kind, n in counts.most_common()) + ".", "",
             "| parameter | default | range | provenance | source | meaning |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['name']}` | {r['default']} | {r['range']} | {r['provenance']} | {r['source']} | "
                     f"{r['meaning']} |")
    return "\n".join(lines)


START_MARK, END_MARK = "<!-- parameter table: generated -->", "<!-- end of parameter table -->"


def update_odd(path: str) -> None:
    """Replace the parameter table between the markers of ``docs/ODD.md`` with the current one."""
    from pathlib import Path
    text = Path(path).read_text()
    head, _, rest = text.partition(START_MARK)
    _, _, tail = rest.partition(END_MARK)
    Path(path).write_text(f"{head}{START_MARK}\n{markdown_table()}\n{END_MARK}{tail}")


def with_values(config: Config, values: dict[str, float]) -> Config:
    """A copy of ``config`` with ``group.name`` parameters set to ``values`` (whole-number parameters rounded)."""
    from dataclasses import replace
    groups: dict[str, dict] = {}
    for name, value in values.items():
        group, key = name.split(".", 1)
        current = getattr(getattr(config, group), key)
        groups.setdefault(group, {})[key] = int(round(value)) if isinstance(current, int) else float(value)
    return replace(config, **{g: replace(getattr(config, g), **kv) for g, kv in groups.items()})
