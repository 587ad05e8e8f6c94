"""A fixed, readable layout of the organisation network: regions in quadrants, STPs as clusters, regulators centred.

Computed once from the structure (no force simulation), so it costs nothing per step and places the same
organisation in the same place in every figure and in the browser view. Within an STP, CCGs sit on an inner ring,
trusts on a middle ring and local authorities on an outer ring.
"""

from __future__ import annotations

import numpy as np

RING = {"ccg": 0.35, "acute": 0.7, "mental_health": 0.7, "community": 0.7, "ambulance": 0.7, "la": 1.0}


def grouped_layout(stp: np.ndarray, region: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Positions (n x 2) for organisations given their STP index (-1 for national bodies), region and kind."""
    n = len(stp)
    pos = np.zeros((n, 2))
    regions = sorted({int(r) for r, s in zip(region, stp, strict=True) if s >= 0})
    side = int(np.ceil(np.sqrt(max(len(regions), 1))))
    for ri, r in enumerate(regions):
        centre = np.array([ri % side, -(ri // side)], float) * 16.0
        stps = sorted({int(s) for s, rr in zip(stp, region, strict=True) if s >= 0 and rr == r})
        radius = 1.6 * np.sqrt(len(stps)) if len(stps) > 1 else 0.0
        for k, s in enumerate(stps):
            angle = 2 * np.pi * k / max(len(stps), 1)
            c = centre + radius * np.array([np.cos(angle), np.sin(angle)])
            for ring_kind in ("ccg", "trust", "la"):
                members = [i for i in np.flatnonzero(stp == s)
                           if (kind[i] == ring_kind) or (ring_kind == "trust" and kind[i] in RING and
                                                           kind[i] not in ("ccg", "la"))]
                scale = {"ccg": 0.35, "trust": 0.7, "la": 1.0}[ring_kind]
                for j, i in enumerate(members):
                    a = 2 * np.pi * j / max(len(members), 1) + 0.3 * k
                    pos[i] = c + scale * np.array([np.cos(a), np.sin(a)])
    national = np.flatnonzero(stp < 0)
    middle = pos[stp >= 0].mean(axis=0) if (stp >= 0).any() else np.zeros(2)
    for j, i in enumerate(national):
        a = 2 * np.pi * j / max(len(national), 1)
        pos[i] = middle + 1.5 * np.array([np.cos(a), np.sin(a)])
    return pos
