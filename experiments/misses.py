"""What the model gets wrong, kept where every report can show it: ``abm/data/model_misses.json``.

``python -m experiments history --check`` and ``python -m experiments effects``, run as the README runs them (their
defaults, no overrides), record the rows they find missed, stamped with the model's version and the command; a
headline report (``experiments.sweeps.compare``) shows them beside the answer, so a fresh clone shows them without
running either, and says when they were measured on another version of the model.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

from abm.run import model_version

FILE = Path(str(resources.files("abm.data").joinpath("model_misses.json")))
PARTS = {"history": "the 2013 replay against observed England (`python -m experiments history --check`)",
         "trusts": "trust by trust (`python -m experiments history --check`)",
         "effects": "the published studies' designs (`python -m experiments effects`)"}


def record(part: str, passed: str, misses: list[str], command: str) -> None:
    """Keep ``part``'s verdict (``passed``: e.g. "60 of 61 rows") and its missed rows, one line each."""
    data = json.loads(FILE.read_text()) if FILE.is_file() else {}
    data[part] = {"model_version": model_version(), "date": date.today().isoformat(), "command": command,
                  "passed": passed, "misses": misses}
    FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def section(most: int = 6) -> list[str]:
    """The report's "What the model gets wrong" section (markdown lines): each part's verdict and its first misses."""
    if not FILE.is_file():
        return []
    data = json.loads(FILE.read_text())
    lines = ["## What the model gets wrong", ""]
    for part, what in PARTS.items():
        if part not in data:
            continue
        d = data[part]
        stale = "" if d["model_version"] == model_version() else (
            f" (measured on version {d['model_version']}; these runs are {model_version()})")
        lines.append(f"- **{what}**: {d['passed']}{stale}." + (" Missed:" if d["misses"] else ""))
        lines += [f"  - {m}" for m in d["misses"][:most]]
        if len(d["misses"]) > most:
            lines.append(f"  - and {len(d['misses']) - most} more ({d['command']})")
    return lines + [""]
