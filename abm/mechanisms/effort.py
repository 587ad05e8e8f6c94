"""Effort: what a body does beyond what its capacity gives, from two theories of change that the regulatory styles
bet on, each its own mechanism with its own parameter, and a ceiling they share.

- **Deterrence** (the stick's theory): a body works to the standard because failing it brings sanctions, from the
  regulator (discounted where the regulator lacks legitimacy) and from peers' published comparison (reputation).
- **Commitment** (the carrot's theory): a body that trusts its regulator, is helped and is given room works to the
  standard of its own accord.

Neither is the absence of the other: a style can raise both (the responsive pyramid), one, or neither. Their sum has
diminishing returns up to ``effort_ceiling``: no body can work harder without limit. Used by
:func:`abm.mechanisms.money.performance` and by the inversion of each trust's starting position
(:func:`abm.initial.settle`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from abm.protocol import ModelState


def deterrence(m: ModelState, reg_trust: np.ndarray) -> np.ndarray:
    """Drive from fear of sanction, in [0, 2]: the regulator's pressure, part fear and part legitimacy (the
    legitimate part goes with trust in the regulator), plus felt peer pressure.

    Evidence: Propper et al. 2008, 2010 (targets with sanctions raised measured performance in England against
    Scotland); Braithwaite and Makkai 1994 (compliance falls where regulation lacks legitimacy); seed 003 L640,
    “there's a lot of implied authority and there's a lot of peer pressure that can be exerted” (peer pressure is
    reputational pressure from published comparison, so it belongs with deterrence; Hibbard, Stockard and Tusler 2003:
    public reporting spurred improvement through reputation).
    """
    o, b = m.orgs, m.beh
    legit = m.each(b.legitimacy_share)
    return o.pressure * (1.0 - legit + legit * reg_trust) + m.each(b.peer_weight) * o.peer_pressure


def commitment(m: ModelState, reg_trust: np.ndarray) -> np.ndarray:
    """Drive from commitment, in [0, 1]: the mean of a body's trust in its regulators, the support it receives and
    the autonomy it has earned (equal weights: an assumption).

    Evidence: seed 000 L139, “Good accountability systems rely on trust and openness”; seed 000 L96, accountability
    “is *felt* – in contrast with more procedural mechanisms like performance management tools, which are imposed”;
    seed 000 L194, ratings that granted “earned autonomy”; seed 000 L265, “this requires trust and the delegation of
    autonomy from the centre”; Ayres and Braithwaite 1992 (responsive regulation: most compliance is won by
    persuasion); West and Dawson 2012 (staff engagement goes with better NHS trust outcomes, cross-sectional).
    """
    o = m.orgs
    return (reg_trust + o.support + o.autonomy) / 3.0


def effort(m: ModelState, reg_trust: np.ndarray) -> np.ndarray:
    """Total effort, the gain in true performance it buys: ``ceiling (1 - exp(-drive / ceiling))`` of the drive
    ``pressure_effort x deterrence + commitment_effort x commitment``; near the drive while it is small, never above
    ``effort_ceiling``.

    Evidence: none states the form; diminishing returns to effort up to a ceiling is an assumption (a body cannot
    raise performance without limit by effort alone), and the ceiling is calibrated.
    """
    b = m.beh
    drive = (m.each(b.pressure_effort) * deterrence(m, reg_trust)
             + m.each(b.commitment_effort) * commitment(m, reg_trust))
    ceiling = np.maximum(m.each(b.effort_ceiling), 1e-9)
    return ceiling * (1.0 - np.exp(-drive / ceiling))
