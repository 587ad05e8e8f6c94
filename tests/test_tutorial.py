"""The tutorial notebook runs, cell by cell, on the current code (so it never rots)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_tutorial_notebook_executes(tmp_path):
    nb = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum(1 for o in outputs if "image/png" in o.get("data", {})) >= 4      # two plots, the map and the card
    assert any("44 STPs" in str(o.get("text", "")) for o in outputs)                 # the map's STPs
    assert any("RJZ" in str(o.get("text", "")) for o in outputs)                     # the card's text
    assert any("mentor" in str(o.get("data", {}).get("text/plain", "")) for o in outputs)
