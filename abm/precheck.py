"""The pre-check of a command line: compose and validate every job before Hydra creates any output directory.

A bad override is reported in one line naming the key, the value and what is allowed, with exit status 2, and
nothing is written. Used by ``python -m abm`` and by every experiment that starts runs.
"""

from __future__ import annotations

import re
import sys

from abm import posterior
from abm.batch import expand
from abm.compose import CONF_DIR, check_overrides, compose, hydra_sweep
from abm.config import ConfigError
from abm.scenarios import build

MULTIRUN = {"-m", "--multirun"}
MAX_CHECKED = 40     # sweep values checked per key before a multirun starts (first and last 20)
HYDRA_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--resolve",
               "--shell-completion", "-sc", "--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd",
               "--experimental-rerun", "--version"}


def _overrides(argv: list[str]) -> list[str] | None:
    """The key=value overrides of the job(s), or None when Hydra flags make a pre-check inapplicable."""
    if any(a in HYDRA_FLAGS or a.split("=")[0] in HYDRA_FLAGS for a in argv):
        return None
    return [a for a in argv if a not in MULTIRUN and not a.startswith(("hydra.", "hydra/"))]


def _job_variants(overrides: list[str]) -> list[list[str]]:
    """Override lists that together try every value of every swept key (others at their first value)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    parsed = OverridesParser.create().parse_overrides(overrides)
    firsts, choices = [], []
    for o in parsed:
        key = o.get_key_element()
        if o.is_sweep_override():
            raw = list(o.sweep_string_iterator())
            parsed_numbers = [_number(v) for v in raw]
            if all(x is not None and float(x).is_integer() and "." not in v
                   for x, v in zip(parsed_numbers, raw, strict=True)):
                # an integer sweep (seeds, replicates): the range check needs only its extremes
                numbers = [float(x or 0.0) for x in parsed_numbers]
                raw = [raw[numbers.index(min(numbers))], raw[numbers.index(max(numbers))]]
            elif len(raw) > MAX_CHECKED:
                raw = raw[: MAX_CHECKED // 2] + raw[-MAX_CHECKED // 2:]
            values = [f"{key}={v}" for v in dict.fromkeys(raw)]
        else:
            values = [str(o.input_line)]
        firsts.append(values[0])
        choices.append(values)
    variants = [firsts]
    for i, values in enumerate(choices):
        variants += [firsts[:i] + [v] + firsts[i + 1:] for v in values[1:]]
    return variants


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def precheck(argv: list[str]) -> bool:
    """Compose and validate every job before Hydra creates any output directory; exit 2 with one line if bad.

    In a multirun the swept values are those of the command line and those a preset declares in
    ``hydra.sweeper.params`` (``+experiment=...``), as Hydra's sweeper would expand them. Returns False when Hydra
    flags (``--help``, ``--cfg``, ...) make a pre-check inapplicable, True when every job was checked."""
    overrides = _overrides(argv)
    if overrides is None:
        return False
    try:
        check_overrides(overrides)
        if any(a in MULTIRUN for a in argv):
            variants = _job_variants(overrides + _preset_sweeps(overrides, argv))
        else:
            variants = [overrides]
        scenarios = {}
        for variant in variants:
            config = compose(variant)
            runs = expand(config)                # batch.draws without a first draw
            for run in (runs[0], runs[-1]):
                posterior.apply(run)             # posterior.draw (or the batch's last draw) out of range
            scenarios[repr(config.scenario)] = config.scenario
        for scenario in scenarios.values():       # data files: missing, empty or malformed ones fail here
            build(scenario)
    except ConfigError as exc:
        _fail(str(exc))
    except Exception as exc:  # Hydra's composition and parsing errors: unknown keys, wrong types, unknown options
        _fail(_one_line(exc))
    return True


def _preset_sweeps(overrides: list[str], argv: list[str]) -> list[str]:
    """The sweeps declared in ``hydra.sweeper.params`` (by a preset, or by ``hydra.sweeper.params.KEY=...`` in
    ``argv``), as overrides, for the keys the command line does not set itself (a command-line value replaces the
    preset's sweep, as in Hydra's basic sweeper)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    given = {o.get_key_element() for o in OverridesParser.create().parse_overrides(overrides)}
    _, params = hydra_sweep(overrides + [a for a in argv if a.startswith("hydra.sweeper.params")])
    return [f"{key}={value}" for key, value in params.items() if key not in given]


def trust_precheck() -> None:
    """Let Hydra's basic sweeper launch without composing every job a second time.

    Before launching, Hydra's sweeper composes each job's configuration in the main process (~0.07 s a job, one job
    after another; its own comment says this "can be a bit slow for large jobs"), and each job composes it again where
    it runs. Once :func:`precheck` has composed and validated every value of every swept key, that first pass only
    repeats it: for the 30 jobs of ``logic_vs_resources`` it was 2.2 s spent before the first job started, the largest
    serial part of the sweep and so a limit on what a second worker gains (``make bench``). Call only after
    :func:`precheck` returned True.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    BasicSweeper.validate_batch_is_legal = _already_checked     # type: ignore[method-assign]


def _already_checked(self, batch) -> None:  # noqa: ANN001 - Hydra's signature
    """Every job of the batch was composed and validated by :func:`precheck`."""


def _one_line(exc: BaseException) -> str:
    """Hydra's multi-line composition errors, reduced to one line naming the key, the value and what is allowed."""
    text = " ".join(str(exc).split())
    missing = re.search(r"Could not find '(\w+)/([^']*)'", text)
    if missing:
        group, option = missing.groups()
        allowed = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
        return f"{group}={option!r} is not allowed; choose one of: {', '.join(allowed)}"
    override = re.search(r"override (\S+)", text)
    cause = " ".join(str(exc.__cause__ or "").split())
    key = re.search(r"full_key: (\S+)", cause)
    if "Could not override" in text or "not in struct" in text:
        quoted = re.search(r"override '([^']+)'", text)
        name = key.group(1) if key else (quoted.group(1) if quoted else "?")
        value = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.split("=")[0].lstrip("+~") == name), "")
        return f"unknown key {name!r} (value {value!r}); list the allowed keys with: python -m abm --cfg job"
    if key and override:
        return f"{override.group(1)}: {cause.split(' full_key:')[0]} (key {key.group(1)})"
    return (cause or text).split(" full_key:")[0]


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
