"""The evidence register: every passage the model cites, with its document, section and the words quoted.

Citations in the code and in ``docs/ODD.md`` read ``seed 003 L1248``: document 003, line 1248 of its text. Those are
the ids of the register. ``python -m abm.evidence --update [SEEDS_DIR]`` writes ``docs/evidence.md``: the four
documents with full references and where to get them, then one row per cited passage with the section heading it
sits under (read from the seed text), the short quotes the code uses, and where it is cited. A test checks that every
id cited anywhere is in the register, and (when the seed texts are beside the checkout) that the register is current.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

DOCUMENTS = {
    "000": ("Holder H, Buckingham H (2017). *A two-way street: what can CCGs teach us about accountability in STPs?* "
            "Research report, November 2017. London: Nuffield Trust.",
            "nuffieldtrust.org.uk, research: \"A two-way street\" (free PDF)",
            "interviews with 13 CCG leaders and NHS England policy-makers, September 2016"),
    "002": ("Simon J (2017). *The changing commissioning landscape.* Thesis 11 Ltd, commissioned by NHS Clinical "
            "Commissioners. London: NHS Clinical Commissioners.",
            "nhscc.org, publications: \"The changing commissioning landscape\" (free PDF)",
            "survey of 43 of 209 CCGs (March 2017) and 14 interviews"),
    "003": ("Moran V, Allen P, McDermott I, et al. (2018). *Investigating recent developments in the commissioning "
            "system: final report.* Policy Research Unit in Commissioning and the Healthcare System (PRUComm), London "
            "School of Hygiene and Tropical Medicine and University of Manchester, September 2018.",
            "prucomm.ac.uk, publications (free PDF)",
            "three CCG case studies, November 2017 to July 2018"),
    "004": ("NHS Providers (2018). *Health Select Committee: sustainability and transformation partnerships inquiry. "
            "Submission by NHS Providers*, January 2018. London: NHS Providers.",
            "nhsproviders.org, resources: submissions; and the Health and Social Care Committee's written evidence "
            "for the STP inquiry (2017-19) on committees.parliament.uk",
            "the provider view; the July 2017 STP dashboard"),
}
REF = re.compile(r"seed\s+(\d{3})\s+(L\d+(?:-\d+)?(?:\s*,\s*L\d+(?:-\d+)?)*)")
QUOTE = re.compile(r"“([^”]+)”")


def ids_in(text: str) -> list[tuple[str, int, int]]:
    """Every (ref id, start, end) in ``text``: ``seed 003 L808, L1024`` gives ``seed 003 L808`` and ``seed 003 L1024``."""
    out = []
    for m in REF.finditer(text):
        for part in re.findall(r"L\d+(?:-\d+)?", m.group(2)):
            out.append((f"seed {m.group(1)} {part}", m.start(), m.end()))
    return out


def citations() -> dict[str, dict]:
    """Every cited id with the quotes that follow it in the code and the places that cite it."""
    found: dict[str, dict] = defaultdict(lambda: {"quotes": set(), "where": set()})
    for path in sorted((ROOT / "abm").rglob("*.py")):
        text = path.read_text()
        rel = path.relative_to(ROOT).as_posix()
        owners = []
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node):
                owners.append((node.lineno, node.end_lineno or node.lineno, node.name))
        joined = re.sub(r'"\s*\n\s*"', "", text)           # implicitly concatenated strings read as one
        for ref, start, _end in ids_in(text):
            line = text.count("\n", 0, start) + 1
            owner = next((name for a, b, name in owners if a <= line <= b), None)
            found[ref]["where"].add(f"`{rel}`" + (f" (`{owner}`)" if owner else ""))
        refs = ids_in(joined)
        for q in QUOTE.finditer(joined):
            before = [r for r in refs if r[2] <= q.start() and q.start() - r[2] < 250]
            if before:
                found[before[-1][0]]["quotes"].add(" ".join(q.group(1).split()))
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for ref, _, _ in ids_in(odd):
        found[ref]["where"].add("`docs/ODD.md`")
    return dict(found)


def headings(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, heading) of the seed text's section headings: markdown headings, numbered sections, and short
    title lines standing alone between blank lines."""
    out = []
    marked = sum(1 for raw in lines if raw.startswith("#")) >= 3      # the document marks its headings: use only those
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        text = line.strip("#* ").strip()
        if not text or len(text) > 90:
            continue
        blank_around = (i == 1 or not lines[i - 2].strip()) and (i == len(lines) or not lines[i].strip())
        if line.startswith("#") or re.match(r"^\d+(\.\d+)+ [A-Z]", line) or re.match(r"^\d+ [A-Z][^.]*$", line):
            out.append((i, text))
        elif (not marked and blank_around and not text.startswith(("Source", "Figure", "Table")) and text[0].isupper()
              and not text.endswith((".", ",", ":", ";", "?", "”", '"'))
              and not line.startswith(("-", "“", '"', "(", "*")) and len(text.split()) <= 10):
            out.append((i, text))
    return out


def section_of(seed: str, line: int, seeds_dir: Path) -> str:
    files = list(seeds_dir.glob(f"{seed}_*.txt"))
    if not files:
        return "—"
    found = [h for n, h in headings(files[0].read_text().splitlines()) if n <= line]
    return found[-1] if found else "—"


def markdown(seeds_dir: Path = SEEDS) -> str:
    cites = citations()
    lines = ["# Evidence register", "",
             "Generated by `python -m abm.evidence --update` from the citations in the code and in `docs/ODD.md`; do "
             "not edit by hand. A citation `seed 003 L1248` names a document (below) and a line of the plain-text copy "
             "of it the project was built from; the register gives the section that line sits in and the words the "
             "code quotes from it, so a reader can find the passage in the published document. Published studies "
             "(Propper et al., Bevan and Hood, …) are cited by author and year and listed in `docs/ODD.md`; rows of "
             "the observed data and of the policy timeline are cited by measure and period or by date "
             "(`abm/data/`).", "", "## The documents", "",
             "| id | reference | where to get it | what it gives the model |", "|---|---|---|---|"]
    for doc, (ref, where, gives) in DOCUMENTS.items():
        lines.append(f"| {doc} | {ref} | {where} | {gives} |")
    lines += ["", "Document 001, the Nuffield Trust's web summary of 000, is not cited.", "",
              "## Cited passages", "",
              "| id | document | section | words quoted in the code | cited in |", "|---|---|---|---|---|"]

    def key(ref: str) -> tuple[str, int]:
        doc, line = ref.split()[1], ref.split()[2][1:].split("-")[0]
        return doc, int(line)

    for ref in sorted(cites, key=key):
        doc, first = key(ref)
        section = section_of(doc, first, seeds_dir).replace("|", "/")
        quotes = "; ".join(f"“{q}”" for q in sorted(cites[ref]["quotes"])).replace("|", "/") or "—"
        where = ", ".join(sorted(cites[ref]["where"]))
        short = DOCUMENTS[doc][0].split(".")[0] if doc in DOCUMENTS else doc
        lines.append(f"| <a id=\"{ref.replace(' ', '-')}\"></a>`{ref}` | {short} | {section} | {quotes} | {where} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    seeds = Path(args[1]) if len(args) > 1 else SEEDS
    if args[:1] == ["--update"]:
        if not seeds.is_dir():
            print(f"error: the seed texts are not at {seeds}; give their directory", file=sys.stderr)
            raise SystemExit(2)
        (ROOT / "docs" / "evidence.md").write_text(markdown(seeds))
    else:
        print(markdown(seeds))
