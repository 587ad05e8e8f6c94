"""``python -m experiments COMMAND [options]``: one entry point for every experiment (``--help`` lists them)."""

from __future__ import annotations

import importlib
import sys

# command -> (module, what it does)
COMMANDS = {
    "run": ("experiments.sweeps.run", "run an experiment preset (conf/experiment/) with a progress bar and its report"),
    "compare": ("experiments.sweeps.compare", "the report of a finished sweep (table, figures, paired differences)"),
    "fairness": ("experiments.sweeps.fairness", "logic against resources: the report of logic_vs_resources"),
    "sensitivity": ("experiments.sweeps.sensitivity", "Morris or Sobol indices (SALib), or a style contrast's"),
    "calibrate": ("experiments.calibration.calibrate", "screening and ABC-SMC against observed England"),
    "cutoffs": ("experiments.calibration.cutoffs", "the grid and quantile rules that set the cut-offs"),
    "history": ("experiments.validation.history", "replay 2013-2022 against observed England, or a counterfactual"),
    "validate": ("experiments.validation.validate", "the seeds' patterns: target, model [95 % interval], pass/fail"),
    "effects": ("experiments.validation.effects", "the published studies' designs re-run in the model, against their findings"),
    "card": ("experiments.card", "one trust: the model's version of it beside its own published figures"),
    "dynamics": ("experiments.validation.dynamics", "the bounds every style keeps over 60 months"),
    "bench": ("experiments.performance.bench", "benchmarks (make bench)"),
    "profile_step": ("experiments.performance.profile_step", "where a month's step spends its time"),
    "viz_timing": ("experiments.performance.viz_timing", "time a step and redraw of the browser view"),
    "numba_probe": ("experiments.performance.numba_probe", "a compiled kernel against numpy (needs numba)"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m experiments COMMAND [options]   (python -m experiments COMMAND --help)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {what}" for name, (_, what) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"error: command {name!r} is not known; choose one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    sys.argv = [f"python -m experiments {name}", *rest]
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
