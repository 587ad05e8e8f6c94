"""Regulatory styles: small strategy classes, one per style, chosen by the Hydra group ``conf/regulator/``.

A style only *decides*: given what the regulator sees at a quarterly review (:class:`Review`), it returns the
escalation level of each reviewed body, who gets support, who earns autonomy and whether collaboration is forced
(:class:`Response`). What those decisions *do* (to performance, stress, trust, collaboration) lives in the mechanisms,
the same for every style, so differences between styles emerge from the mechanisms. Nothing outside this module refers
to a style by name.

Escalation levels follow NHS England's and NHS Improvement's tools (seed 000 L98): 0 none, 1 enhanced monitoring and
support, 2 warning, 3 legal directions or undertakings, 4 special measures (which may remove the leader).
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields, replace
from typing import ClassVar

import numpy as np

from abm.config import RegulatorConfig


def _body(kind: str, lo: float, hi: float, default: float, doc: str):
    """A field of the review that holds one value per body reviewed: its kind (``bool``, ``int``, ``float``), the
    range of its values, the value a body has when a caller does not say (:meth:`Review.of`), and its meaning."""
    return field(metadata={"kind": kind, "lo": lo, "hi": hi, "default": default, "doc": doc})


@dataclass
class Review:
    """What the regulator sees at a quarterly review of the bodies it oversees (arrays over those bodies). Every
    per-body field is declared with its kind and range (:func:`_body`), so a part of a review, a review built in a
    test and the contract's generated reviews all come from the fields themselves."""
    score: np.ndarray = _body("float", 0.0, 1.0, 0.5, "assessed score in [0, 1]")
    failing: np.ndarray = _body("bool", 0, 1, False, "score below the escalation threshold")
    improving: np.ndarray = _body("bool", 0, 1, False, "score above the previous review's")
    level: np.ndarray = _body("int", 0, 4, 0, "current escalation level 0..4")
    streak: np.ndarray = _body("int", 0, 6, 0, "consecutive failing reviews")
    rating: np.ndarray = _body("int", 0, 3, 2, "last published rating 0..3")
    attended: np.ndarray = _body("bool", 0, 1, True, "within the regulator's capacity (the worst-scoring first)")
    providers: bool = False  # True for NHS Improvement reviewing trusts, False for NHS England reviewing CCGs

    @classmethod
    def per_body(cls) -> list[Field]:
        """The fields that hold one value per body."""
        return [f for f in fields(cls) if "kind" in f.metadata]

    @classmethod
    def of(cls, providers: bool = False, **given) -> Review:
        """A review of as many bodies as the arrays ``given`` are long, every other per-body field at its default."""
        n = len(next(iter(given.values())))
        dtype = {"bool": bool, "int": np.int64, "float": float}
        values = {f.name: np.asarray(given[f.name], dtype[f.metadata["kind"]]) if f.name in given
                  else np.full(n, f.metadata["default"], dtype[f.metadata["kind"]]) for f in cls.per_body()}
        return cls(**values, providers=providers)

    def part(self, part: slice) -> Review:
        """The review of the bodies ``part`` (one run's, in a batch)."""
        return replace(self, **{f.name: getattr(self, f.name)[part] for f in self.per_body()})

    @property
    def share_compliant(self) -> float:
        return float(1.0 - self.failing.mean()) if len(self.failing) else 1.0


@dataclass
class Response:
    """What a style decides about each body reviewed (each field with the range it must stay in)."""
    level: np.ndarray = field(metadata={"range": (0, 4), "doc": "new escalation level 0..4"})
    support: np.ndarray = field(metadata={"range": (0, 1), "doc": "support offered, 0/1"})
    autonomy: np.ndarray = field(metadata={"range": (0, 1), "doc": "earned autonomy in [0, 1]"})
    force: np.ndarray = field(metadata={"range": (0, 1), "doc": "threat used to force collaboration, [0, 1]"})


class Style:
    """Base class: shared parameters and the translation of decisions into sanction and reporting intensities."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    evidence: ClassVar[str] = ""
    # True when each body's decision depends only on that body's own entries of the review (no memory, no shares of
    # the whole review): the regulators of many runs of one configuration can then decide in one call, over all
    # their bodies (``tests/test_style_contract.py`` holds such styles to it). A new style keeps False unless it is.
    body_by_body: ClassVar[bool] = False

    def __init__(self, params: RegulatorConfig):
        self.params = params

    # --- decisions each style makes
    def respond(self, r: Review) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- shared translation (same for every style)
    def sanction(self, level: np.ndarray) -> np.ndarray:
        return self.params.severity * np.asarray(self.params.sanction_at_level)[level]

    def reporting(self, level: np.ndarray, autonomy: np.ndarray, load: float) -> np.ndarray:
        """Reporting demanded: the envelope's baseline ``load``, less earned autonomy, plus what escalation adds."""
        return np.clip(load * (1.0 - autonomy) + np.asarray(self.params.reporting_at_level)[level], 0.0, 1.0)

    def _autonomy_for_good(self, r: Review, min_rating: int = 2) -> np.ndarray:
        return np.where((r.rating >= min_rating) & ~r.failing, self.params.autonomy_reward, 0.0)

    def _force(self, r: Review) -> np.ndarray:
        return np.where(r.failing & ~np.bool_(r.providers), self.params.force_collaboration, 0.0)


class Carrot(Style):
    name = "carrot"
    body_by_body = True
    summary = "supportive developer: coaching for those who struggle, earned autonomy, light reporting, no sanctions"
    evidence = ("seed 000 L188-192, leaders want assurance that is “supportive of organisations when the need for "
                "improvements was identified”; seed 000 L194, “earned autonomy”")

    def respond(self, r: Review) -> Response:
        # the need for improvement identified: full support for a body failing its review, lighter coaching (half a
        # unit, paid after full offers) for one rated below good at its last rating
        need = (r.failing | (r.rating <= 1)) & r.attended
        support = np.where(r.failing & r.attended, 1.0, np.where(need, self.params.coaching_share, 0.0))
        level = np.where(need, 1, 0)
        return Response(level=level, support=support, autonomy=self._autonomy_for_good(r, 2),
                        force=np.zeros(len(r.score)))


class Stick(Style):
    name = "stick"
    body_by_body = True
    summary = "command-and-control: warnings, directions and special measures for failure, heavy reporting"
    evidence = ("seed 000 L176, a shift “to becoming interventionist performance managers”; seed 000 L98, “legal "
                "directions or special measures”; seed 000 L224, removal from post")

    def respond(self, r: Review) -> Response:
        act = r.failing & r.attended
        up = np.where(r.level >= 2, np.minimum(r.level + 1, 4), 2)
        recovered = r.score >= self.params.escalation_threshold + self.params.recovery_margin
        level = np.where(act, up, np.where(recovered, 0, r.level))
        return Response(level=level, support=np.zeros(len(r.score)), autonomy=np.zeros(len(r.score)),
                        force=self._force(r))


class Responsive(Style):
    name = "responsive"
    body_by_body = True
    summary = "Ayres and Braithwaite's pyramid: start supportive, escalate one step per failed review, step down on improvement"
    evidence = "Ayres and Braithwaite 1992, Responsive Regulation; seed 000 L269, rewards, sanctions and a support offer"

    def respond(self, r: Review) -> Response:
        act = r.failing & r.attended
        level = np.where(act, np.minimum(r.level + 1, 4), np.where(r.improving | ~r.failing, np.maximum(r.level - 1, 0),
                                                                   r.level))
        support = (act & (level <= 2)).astype(float)
        return Response(level=level, support=support, autonomy=self._autonomy_for_good(r, 2),
                        force=np.where(level >= 3, self._force(r), 0.0))


class CarrotThenStick(Style):
    name = "carrot_then_stick"
    summary = ("Chen et al. 2015: reward compliance while few comply, punish non-compliance once most do; the switch "
               "remembers (a smoothed compliance share with a band) and bodies step down one level at a time")
    evidence = "Chen, Sasaki, Brännström and Dieckmann 2015, First carrot, then stick, J R Soc Interface 12: 20140935"

    def __init__(self, params: RegulatorConfig):
        super().__init__(params)
        self.compliance: dict[bool, float] = {}     # per regulator (CCGs, trusts): smoothed compliance share
        self.punishing: dict[bool, bool] = {}

    def respond(self, r: Review) -> Response:
        key = bool(r.providers)
        share = self.compliance.get(key, r.share_compliant)
        memory = self.params.compliance_memory
        share = (1.0 - memory) * share + memory * r.share_compliant
        self.compliance[key] = share
        punishing = self.punishing.get(key, False)
        if punishing and share < self.params.switch_share - self.params.switch_band:
            punishing = False
        elif not punishing and share > self.params.switch_share + self.params.switch_band:
            punishing = True
        self.punishing[key] = punishing
        if punishing:
            return Stick(self.params).respond(r)
        carrot = Carrot(self.params).respond(r)
        # Bodies escalated while punishing are let down one level per review, not all at once.
        held = r.level >= 2
        carrot.level = np.where(held, np.where(r.failing, r.level, r.level - 1), carrot.level)
        return carrot


class AsWas2016(Style):
    name = "as_was_2016"
    body_by_body = True
    summary = ("the mix the seeds describe: hands-off for performers, heavy-handed for failing bodies, support for "
               "failing trust leaders but not CCG leaders, threats to force collaboration")
    evidence = ("seed 003 L614, “if CCGs were performing satisfactorily, then NHSE did not interfere” and scrutiny of "
                "failing CCGs was “heavy-handed”; seed 000 L200, “if you don't hear from me”; seed 000 L218, support "
                "from NHS Improvement for provider leaders, none for failing CCG leaders; seed 000 L198, a failing "
                "category threatened to force collaboration")

    def respond(self, r: Review) -> Response:
        act = r.failing & r.attended
        # A first failure brings a warning; failing again brings directions (trusts: undertakings), then special
        # measures.
        level = np.where(act, np.where(r.level >= 3, 4, np.where(r.streak >= 2, 3, 2)), np.where(r.failing, r.level, 0))
        support = (act & (level >= 4) & np.bool_(r.providers)).astype(float)
        return Response(level=level, support=support, autonomy=self._autonomy_for_good(r, 3), force=self._force(r))


STYLES: dict[str, type[Style]] = {cls.name: cls for cls in (Carrot, Stick, Responsive, CarrotThenStick, AsWas2016)}


def make_style(params: RegulatorConfig) -> Style:
    """Instantiate the style named in the config; only the project's own classes can be built."""
    try:
        return STYLES[params.name](params)
    except KeyError:
        raise ValueError(f"regulator.name={params.name!r} is not allowed; choose one of: {', '.join(STYLES)}") from None


# --- how STP investment is shared out (a parameter of every style, not a style of its own)

def investment_weights(rule: str, category: np.ndarray, maturity: np.ndarray) -> np.ndarray:
    """Weights (summing to 1) for sharing STP investment.

    Evidence: seed 004 L62, the centre has “a tendency to invest in those local areas seen to be progressing most
    swiftly” (``preferential``: outstanding and advanced STPs only, outstanding double); seed 004 L268, “support (and
    funding) should be offered to STPs at all stages of development” (``equal``); ``need`` favours the least mature.
    """
    if len(category) == 0:
        return np.zeros(0)
    if rule == "preferential":
        w = np.select([category == 3, category == 2], [2.0, 1.0], 0.0)
    elif rule == "equal":
        w = np.ones(len(category))
    elif rule == "need":
        w = np.clip(1.0 - maturity, 0.05, 1.0)
    else:
        raise ValueError(f"institutions.investment_rule={rule!r} is not allowed; choose one of: preferential, equal, need")
    if w.sum() == 0:
        w = np.ones(len(category))
    return w / w.sum()
