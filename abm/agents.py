"""The organisations as Mesa agents.

Each agent is a thin, readable view on its row of the model's state arrays (``model.orgs``): the mechanisms update
those arrays in vectorised form, so an agent's attributes are always current without per-agent Python loops. Every
class names the decisions its organisation makes and where each decision is modelled.
"""

from __future__ import annotations

from mesa import Agent
from mesa.discrete_space import FixedAgent

from abm.vocabulary import DASHBOARD_BANDS as CATEGORIES
from abm.vocabulary import RATINGS


class Organisation(FixedAgent):
    """An organisation on the organisation network (``model.grid``)."""

    def __init__(self, model, idx: int, code: str, name: str):
        super().__init__(model)
        self.idx = idx
        self.code = code
        self.name = name

    def _get(self, attr: str):
        return getattr(self.model.orgs, attr)[self.idx]

    @property
    def org_kind(self) -> str:
        return str(self.model.orgs.kind[self.idx])

    @property
    def stp(self) -> int:
        return int(self._get("stp"))

    @property
    def alive(self) -> bool:
        return bool(self._get("alive"))

    @property
    def balance(self) -> float:
        return float(self._get("balance"))

    @property
    def stress(self) -> float:
        return float(self._get("stress"))

    @property
    def rating(self) -> str:
        return RATINGS[int(self._get("rating"))]

    @property
    def escalation(self) -> int:
        return int(self._get("escalation"))

    @property
    def trust_in_regulators(self) -> float:
        return float(self.model.trust_in_regulators()[self.idx])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.name!r})"


class CCG(Organisation):
    """Clinical commissioning group.

    Decides: contract form and sanctions with each provider (``mechanisms.money.settle``,
    ``mechanisms.collaboration.alliances``, ``tender_threats``); collaboration with neighbouring CCGs, from joint
    committee to shared accountable officer to merger (``collaboration.joint_committees``, ``leadership.replace``,
    ``mergers.update``); pooling budgets with its local authorities (``collaboration.pooled_budgets``).
    """


    @property
    def population(self) -> float:
        return float(self._get("population"))


class ProviderTrust(Organisation):
    """NHS trust or foundation trust: acute, mental health, community or ambulance.

    Decides: effort on the target against money (``money.performance``, ``money.settle``); capacity investment or
    cost improvement at the contract round (``money.contract_round``); what to report (``money.performance``);
    joining alliances and risk shares (``collaboration.alliances``, ``collaboration.risk_shares``).
    """


    @property
    def provider_type(self) -> str:
        return self.org_kind

    @property
    def performance(self) -> tuple[float, float]:
        """(true, reported) share of patients seen within the standard."""
        return float(self._get("perf_true")), float(self._get("perf_reported"))


class LocalAuthority(Organisation):
    """Upper-tier local authority (social care).

    Decides: pooling budgets with CCGs (``collaboration.pooled_budgets``); its social-care spending falls with
    austerity (``money.grow``); remembers slights longer than NHS bodies (``trust.update``, ``la_memory``).
    """



class Regulator(Organisation):
    """A national body; its behaviour is the configured regulatory style (``abm.styles``)."""



class NHSEngland(Regulator):
    """NHS England: oversees CCGs through its four regional teams; shares out STP investment."""


class NHSERegion(Regulator):
    """An NHS England regional team: reviews and rates its region's CCGs (``mechanisms.oversight``)."""


class NHSImprovement(Regulator):
    """NHS Improvement: reviews trusts, sets financial expectations, may place trusts in special measures."""


class CQC(Regulator):
    """Care Quality Commission: rates trusts on inspected quality each July (``ratings.inspect``)."""


AGENT_CLASS = {"ccg": CCG, "acute": ProviderTrust, "mental_health": ProviderTrust, "community": ProviderTrust,
               "ambulance": ProviderTrust, "la": LocalAuthority, "nhse": NHSEngland, "nhse_region": NHSERegion,
               "nhsi": NHSImprovement, "cqc": CQC}


class STP(Agent):
    """Sustainability and transformation partnership: not a statutory body, it decides nothing itself; its maturity
    emerges from its members (``mechanisms.stp``)."""

    def __init__(self, model, idx: int, code: str, name: str):
        super().__init__(model)
        self.idx = idx
        self.code = code
        self.name = name

    @property
    def members(self) -> list[Organisation]:
        return [a for a in self.model.organisations if a.stp == self.idx and a.alive]

    @property
    def maturity(self) -> float:
        return float(self.model.stps.maturity[self.idx])

    @property
    def category(self) -> str:
        return CATEGORIES[int(self.model.stps.category[self.idx])]

    @property
    def risk_share(self) -> bool:
        return bool(self.model.stps.risk_share[self.idx])
