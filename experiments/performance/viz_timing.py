"""Time one step plus redraw of the browser view, at England scale and on the small scenario.

    python -m experiments viz_timing [--steps 12]

Prints the median over the steps (after two warm-up steps) of: stepping the model(s), drawing the network and
drawing the charts, each to PNG as the page does (matplotlib on the server, 80 dpi).
"""

from __future__ import annotations

import argparse
import io
import time

import numpy as np

from abm.viz.drawing import network_figure, outcome_figure
from abm.viz.explorer import ExplorerModel


def png(fig) -> None:
    fig.savefig(io.BytesIO(), format="png", dpi=80)


def measure(structure: str, side_by_side: bool, steps: int) -> dict[str, float]:
    model = ExplorerModel(structure=structure, side_by_side=side_by_side)
    times = {"step": [], "network": [], "charts": []}
    for i in range(steps + 2):
        t0 = time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        png(network_figure(model.simulations, "trust"))
        t2 = time.perf_counter()
        png(outcome_figure(model.simulations))
        t3 = time.perf_counter()
        if i >= 2:
            times["step"].append(t1 - t0)
            times["network"].append(t2 - t1)
            times["charts"].append(t3 - t2)
    out = {k: float(np.median(v)) for k, v in times.items()}
    out["total"] = sum(out.values())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=12)
    args = ap.parse_args(argv)
    print("| scenario | mode | step (s) | network redraw (s) | charts redraw (s) | step + redraw (s) |")
    print("|---|---|---|---|---|---|")
    for structure in ("england", "small"):
        for sbs in (False, True):
            r = measure(structure, sbs, args.steps)
            print(f"| {structure} | {'side by side' if sbs else 'single'} | {r['step']:.3f} | {r['network']:.3f} | "
                  f"{r['charts']:.3f} | {r['total']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
