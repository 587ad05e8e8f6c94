"""The model's vocabulary: every name that more than one module uses, declared once.

Organisation kinds, relationship kinds, ratings, dashboard bands, regimes, and the names of the regulatory styles,
scenarios and investment rules. Other modules import these; a test checks that the style classes, the Hydra presets
in ``conf/regulator/`` and :data:`STYLES` name the same styles, and likewise for scenarios.
"""

from __future__ import annotations

import numpy as np

# --- organisations
PROVIDER_KINDS = ("acute", "mental_health", "community", "ambulance")
REGULATOR_KINDS = ("nhse", "nhse_region", "nhsi", "cqc")
KINDS = ("ccg", *PROVIDER_KINDS, "la", *REGULATOR_KINDS)
KIND_ID = {k: i for i, k in enumerate(KINDS)}
BODIES = ("ccg", *PROVIDER_KINDS)                    # the bodies the regulators oversee
LED = (*BODIES, "la")                                # organisations whose leaders the model follows
STP_MEMBERS = ("ccg", "acute", "mental_health", "community")   # members of STP risk shares and finances


def kind_lut(*names: str) -> np.ndarray:
    """Lookup table over kind ids: ``kind_lut("ccg", "la")[ids]`` is True where the id is one of those kinds."""
    lut = np.zeros(len(KINDS), bool)
    lut[[KIND_ID[n] for n in names]] = True
    return lut


# --- relationships (trust is tracked on every directed edge of these kinds)
EDGE_KINDS = ("ccg_ccg", "commissioner_provider", "ccg_la", "provider_provider", "ccg_regulator",
              "provider_regulator", "regulator_regulator")
EDGE_ID = {k: i for i, k in enumerate(EDGE_KINDS)}

# --- assessments
RATINGS = ("inadequate", "requires_improvement", "good", "outstanding")
DASHBOARD_BANDS = ("needs_most_improvement", "making_progress", "advanced", "outstanding")
ESCALATION_LEVELS = ("none", "enhanced_monitoring", "warning", "directions", "special_measures")
REGIMES = ("none", "quality_special_measures", "financial_special_measures", "directions")
QUALITY_SM, FINANCIAL_SM, DIRECTIONS = 1, 2, 3       # codes of REGIMES

# --- configuration choices
STYLES = ("carrot", "stick", "responsive", "carrot_then_stick", "as_was_2016")
DEFAULT_STYLE = "as_was_2016"                        # the schema's regulator defaults are this style's preset
# NHS England's four commissioning regions of 2016/17, each a scenario of its own (by name): ODS codes in the data.
REGIONS = {"north": "Y54", "midlands_and_east": "Y55", "london": "Y56", "south": "Y57"}
SCENARIOS = ("england", "small", "england_2013", *REGIONS)
INVESTMENT_RULES = ("preferential", "equal", "need")
ENVELOPES = ("lean", "standard", "generous")          # resource envelopes (conf/resources/)
INSTITUTIONS = ("divided", "aligned")                 # institutional settings (conf/institutions/)
SANCTION_REGIMES = ("none", "stf", "all")
