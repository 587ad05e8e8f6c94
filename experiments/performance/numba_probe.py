"""Does a compiled kernel beat numpy on a hot path? A probe, not part of the model (needs ``pip install numba``).

    python -m experiments numba_probe [--runs 32]

Takes the chance of successful joint work on every horizontal relationship (``abm.mechanisms.trust._success_chance``:
one of the month's largest per-relationship passes) for a batch of England runs after a year, computes it with numpy
(the model's code) and with a numba kernel written as one loop over the relationships, checks that both give the same
numbers bit for bit, and times both (median of 50 calls, after compilation). ``docs/performance.md`` records the
figures and the decision.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def kernel():
    from numba import njit

    @njit(cache=False)
    def chance(fwd, src, dst, stress, balance, stp, geography, link, conflict, linked, routine, geo, strain_effect,
               pullback_effect, financial_pullback):
        out = np.empty(len(fwd))
        for i in range(len(fwd)):
            j = fwd[i]
            a, c = src[j], dst[j]
            strain = 0.5 * (stress[a] + stress[c])
            deficits = (1.0 if balance[a] < 0 else 0.0) + (1.0 if balance[c] < 0 else 0.0)
            pullback = financial_pullback * 0.5 * deficits
            base = linked if link[j] else routine
            g = 1.0
            if stp[a] == stp[c] and stp[a] >= 0:
                g = 1.0 - 0.5 * geo + geo * geography[stp[a]]
            v = base * g * (1.0 - strain_effect * strain) * (1.0 - pullback_effect * pullback) * (1.0 - conflict[j])
            out[i] = min(max(v, 0.0), 1.0)
        return out
    return chance


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=32)
    args = ap.parse_args(argv)
    try:
        chance = kernel()
    except ImportError:
        print("error: numba is not installed (pip install numba); the probe needs it", file=sys.stderr)
        return 2
    from abm.batch import Batch
    from abm.compose import compose
    from abm.mechanisms import trust
    batch = Batch(compose(["months=12", "write_organisations=false"]), list(range(args.runs))).run()
    o, e, b, s = batch.orgs, batch.edges, batch.beh, batch.stps
    fwd = np.flatnonzero(e.active & trust.HORIZONTAL_EDGE[e.kind] & (e.src < e.dst))
    conflict = np.random.default_rng(0).uniform(0.0, 0.3, len(e.src))     # a month with conflicts on every edge
    e.conflict[:] = conflict

    def with_numpy():
        return trust._success_chance(batch, fwd)

    def with_numba():
        return chance(fwd, e.src, e.dst, o.stress, o.balance, o.stp, s.geography, e.link, e.conflict,
                      b.linked_success, b.routine_success, b.geography_range, b.strain_effect, b.pullback_effect,
                      b.financial_pullback)

    same = bool(np.array_equal(with_numpy(), with_numba()))
    times = {}
    for name, fn in (("numpy", with_numpy), ("numba", with_numba)):
        runs = []
        for _ in range(50):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        times[name] = float(np.median(runs))
    print(f"{args.runs} England runs, {len(fwd)} relationships: numpy {1e3 * times['numpy']:.3f} ms, numba "
          f"{1e3 * times['numba']:.3f} ms per call (x{times['numpy'] / times['numba']:.1f}); identical: {same}")
    print(f"per run: numpy {1e6 * times['numpy'] / args.runs:.1f} us, numba {1e6 * times['numba'] / args.runs:.1f} us")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
