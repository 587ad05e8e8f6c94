"""The one place where every parameter is declared: its type, default, allowed range and source.

The dataclasses of this package are Hydra *structured configs*: Hydra checks types and rejects unknown keys when it composes
the YAML files in ``conf/``; :func:`validate` then checks every value against its range and names the offending key in
a one-line :class:`ConfigError`. ``python -m abm.config`` prints the parameter table that ``docs/ODD.md`` embeds
(``--update`` rewrites it there).

Sources are short: ``seed 000 L176`` means line 176 of ``shared/seeds/000_*.txt`` (see ``docs/ODD.md`` for the rule
each parameter belongs to); ``assumption`` marks a value the evidence does not give, chosen to be plausible and to be
varied in sensitivity analysis.

Modules: :mod:`~abm.config.fields` (how a parameter is declared), :mod:`~abm.config.groups` (scenario, regulator,
resources, institutions, regime), :mod:`~abm.config.behaviour` (behaviour, one class per mechanism),
:mod:`~abm.config.runs` (the whole run, experiments, calibration, batches), :mod:`~abm.config.checks` (validation,
the timeline's changes, the ODD table).
"""

from abm.config.behaviour import BehaviourConfig
from abm.config.checks import (
                               CHANGEABLE,
                               END_MARK,
                               START_MARK,
                               markdown_table,
                               parameter_rows,
                               parse_change,
                               schema_keys,
                               to_config,
                               update_odd,
                               validate,
                               with_values,
)
from abm.config.fields import PROVENANCE, ConfigError, p, provenance_of
from abm.config.groups import InstitutionsConfig, RegimeConfig, RegulatorConfig, ResourcesConfig, ScenarioConfig
from abm.config.runs import (
                               BUDGETS,
                               SAMPLERS,
                               BatchConfig,
                               CalibrateConfig,
                               Config,
                               CounterfactualConfig,
                               ExperimentConfig,
                               PolicyEvent,
                               PosteriorConfig,
                               SensitivityConfig,
                               SensitivityParameter,
)
from abm.vocabulary import DEFAULT_STYLE, ENVELOPES, INSTITUTIONS, INVESTMENT_RULES, SANCTION_REGIMES, SCENARIOS
from abm.vocabulary import STYLES as REGULATOR_STYLES

__all__ = ["BUDGETS", "CHANGEABLE", "DEFAULT_STYLE", "END_MARK", "ENVELOPES", "INSTITUTIONS", "INVESTMENT_RULES",
           "PROVENANCE", "REGULATOR_STYLES", "SAMPLERS", "SANCTION_REGIMES", "SCENARIOS", "START_MARK",
           "BatchConfig", "BehaviourConfig", "CalibrateConfig", "Config", "ConfigError", "CounterfactualConfig",
           "ExperimentConfig", "InstitutionsConfig", "PolicyEvent", "PosteriorConfig", "RegimeConfig",
           "RegulatorConfig", "ResourcesConfig", "ScenarioConfig", "SensitivityConfig", "SensitivityParameter",
           "markdown_table", "p", "parameter_rows", "parse_change", "provenance_of", "schema_keys", "to_config",
           "update_odd", "validate", "with_values"]
