"""Every rule names its evidence, every quote is found in its seed, and docs/ODD.md lists every rule and parameter."""

import ast
import re
from pathlib import Path

import pytest

from abm.config import markdown_table
from abm.styles import STYLES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
MECHANISMS = ["money", "effort", "oversight", "ratings", "trust", "peers", "collaboration", "mergers", "leadership",
              "stp"]
# Public functions that compute or book but decide nothing, so carry no behavioural rule of their own.
NOT_RULES = {"money.commissioning_edges", "money.performance_level_now", "money.misreporting", "money.pooled_fraction",
             "money.close_books",
             "ratings.initial_ratings",
             "oversight.places", "oversight.tick", "oversight.affordable_places", "money.intervention_spend",
             "trust.in_regulators", "trust.upward", "collaboration.stp_members", "mergers.merge", "mergers.groups",
             "leadership.shared_ao", "stp.internal_trust", "stp.update"}
REF = re.compile(r"seed\s+(\d{3})\s+L(\d+)(?:-(\d+))?")


def public_functions():
    for name in MECHANISMS:
        tree = ast.parse((ROOT / "abm" / "mechanisms" / f"{name}.py").read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                yield f"{name}.{node.name}", ast.get_docstring(node) or ""


def test_every_behavioural_rule_cites_its_evidence():
    missing = [name for name, doc in public_functions() if name not in NOT_RULES and "Evidence:" not in doc]
    assert not missing, f"rules without an Evidence: line: {missing}"
    for cls in STYLES.values():
        assert REF.search(cls.evidence) or re.search(r"\d{4}", cls.evidence), cls.name


def test_odd_lists_every_rule_every_style_and_the_current_parameter_table():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for name, _doc in public_functions():
        if name not in NOT_RULES:
            assert f"`{name}`" in odd, f"docs/ODD.md lacks rule {name}"
    for style in STYLES:
        assert f"`{style}`" in odd
    assert markdown_table() in odd, "docs/ODD.md parameter table is stale: paste `python -m abm.config`"


def _normalise(text: str) -> str:
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(a, b)
    return " ".join(text.split()).lower()


def quotes_in_code():
    for path in sorted((ROOT / "abm").rglob("*.py")):
        text = re.sub(r'"\s*\n\s*"', "", path.read_text())       # join implicitly concatenated strings
        for match in re.finditer(r"“([^”]+)”", text):
            refs = list(REF.finditer(text, 0, match.start()))
            if refs and match.start() - refs[-1].end() < 250:
                yield path.name, refs[-1], match.group(1)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (shared/seeds) are not beside this checkout")
def test_every_quote_is_in_its_seed_near_the_cited_line():
    seeds = {p.name[:3]: p.read_text().splitlines() for p in SEEDS.glob("0*.txt")}
    wrong, n = [], 0
    for fname, ref, quote in quotes_in_code():
        sid, first, last = ref.group(1), int(ref.group(2)), int(ref.group(3) or ref.group(2))
        window = _normalise(" ".join(seeds[sid][max(0, first - 3): last + 2]))
        parts = [_normalise(p).strip(" .,") for p in re.split(r"\[\.\.\.\]|\[…\]", quote)]
        n += 1
        if not all(part in window for part in parts if part):
            wrong.append(f"{fname}: seed {sid} L{first}: {quote[:60]}")
    assert n > 50 and not wrong, wrong


def test_every_cited_passage_is_in_the_evidence_register():
    from abm import evidence
    register = (ROOT / "docs" / "evidence.md").read_text()
    missing = [ref for ref in evidence.citations() if f"`{ref}`" not in register]
    assert not missing, f"not in docs/evidence.md (run: python -m abm.evidence --update): {missing}"
    for doc in evidence.DOCUMENTS:
        assert f"| {doc} |" in register


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (shared/seeds) are not beside this checkout")
def test_the_evidence_register_is_current():
    from abm import evidence
    assert (ROOT / "docs" / "evidence.md").read_text() == evidence.markdown(SEEDS), "run: python -m abm.evidence --update"


def test_every_parameter_has_a_provenance_and_a_source_number_quotes_its_number():
    from abm.config import PROVENANCE, parameter_rows
    rows = parameter_rows()
    assert all(r["provenance"] in PROVENANCE for r in rows)
    for r in rows:
        if r["provenance"] == "source-number":
            quotes = re.findall(r"“([^”]+)”", r["source"])
            assert quotes and any(re.search(r"\d", q) for q in quotes), f"{r['name']}: quote the number"
        if r["provenance"] == "derived":
            assert re.search(r"\d", r["source"]), f"{r['name']}: say the arithmetic"
