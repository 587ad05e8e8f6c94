"""Mechanism 4: peer pressure and peer learning.

Organisations compare their assessed score with their peers' (same STP and same sector; published ratings make the
comparison public) and feel pressure when they lag; CCGs look at what other CCGs do and move their readiness to
collaborate towards that of better-rated peers; an STP's collective maturity pulls its members along, by peer
influence only (an STP lead has no statutory levers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from abm.mechanisms import monthly_prob, per_org_mean, rank_in_group
from abm.vocabulary import BODIES, PROVIDER_KINDS

if TYPE_CHECKING:
    from abm.protocol import ModelState

SECTOR = {kind: int(kind in PROVIDER_KINDS) for kind in BODIES}   # 0 commissioners, 1 providers


def compare(m: ModelState) -> None:
    """Felt peer pressure: how far a body's score lies below the mean of its STP peers in the same sector.

    Evidence: seed 003 L546, “people are more likely to listen to their peers than they are to a regulator because
    they've walked in their shoes”; seed 003 L640, “there's a lot of implied authority and there's a lot of peer
    pressure that can be exerted”; seed 003 L672, published benchmarks prompt “why are we so different from that
    other locality”.
    """
    o = m.orgs
    bodies = np.flatnonzero(m.mask(*SECTOR))
    if len(bodies) == 0:
        return
    group = o.stp[bodies] * 2 + np.array([SECTOR[k] for k in o.kind[bodies]])
    peer_mean = per_org_mean(group, o.score[bodies], int(group.max()) + 1)[group]
    o.peer_pressure[:] = 0.0
    o.peer_pressure[bodies] = np.clip(m.each(m.beh.peer_gap_scale, "orgs", bodies) * (peer_mean - o.score[bodies]),
                                      0.0, 1.0)


def learn(m: ModelState) -> None:
    """CCGs that look at peers move their readiness to collaborate towards better-rated peers' and their STP's.

    Evidence: seed 002 L92, “Almost everyone (93%) indicated they were finding out what other CCGs were doing”;
    seed 002 L334, “an on-line repository of helpful documents [...] so we could borrow from each other”; seed 003
    L94, STP Leads “relied primarily on personal relationships and peer influence”.
    """
    o, b = m.orgs, m.beh
    ccg = np.flatnonzero(m.mask("ccg"))
    if len(ccg) == 0:
        return
    looking = m.draw("peers", len(o.kind))[ccg] < m.each(monthly_prob(b.peer_look_rate), "orgs", ccg)
    # Better-rated peers: same region, higher score; their mean readiness is the example followed.
    # Each (run, region) group in descending score; running sums along the rows of a zero-padded table, so that each
    # group is summed on its own, in order.
    ready = o.readiness[ccg]
    _, group = np.unique(m.run_of_org[ccg] * (int(o.region.max()) + 1) + o.region[ccg], return_inverse=True)
    order = np.lexsort((-o.score[ccg], group))
    size = np.bincount(group)
    pos = rank_in_group(group[order], len(size))                             # place within the group, best first
    table = np.zeros((len(size), int(size.max())))
    table[group[order], pos] = ready[order]
    csum = np.cumsum(table, axis=1)
    target = np.empty(len(ccg))
    before = csum[group[order], np.maximum(pos - 1, 0)] / np.maximum(pos, 1)   # mean readiness of those scoring higher
    target[order] = np.where(pos == 0, table[group[order], 0], before)
    stp_pull = m.stps.maturity[o.stp[ccg]]
    weight = m.each(b.peer_weight, "orgs", ccg)
    goal = (1.0 - weight) * target + weight * np.maximum(target, stp_pull)
    o.readiness[ccg] = np.where(looking, ready + m.each(b.peer_learning, "orgs", ccg) * (goal - ready), ready)
