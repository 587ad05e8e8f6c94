"""The browser view, rendered headless with Solara (the page inside solara.AppLayout so the sidebar exists)."""

import ipyvuetify as v
import numpy as np
import pytest
import solara

from abm.viz import app
from abm.viz.drawing import COLOUR_BY, network_figure, node_values, outcome_figure
from abm.viz.explorer import ExplorerModel

pytestmark = pytest.mark.slow


@pytest.fixture
def page():
    model = ExplorerModel(structure="small", seed=1)
    box, rc = solara.render(solara.AppLayout(children=[app.make_page(model)]), handle_error=False)
    return model, rc


def button(rc, label):
    return rc.find(v.Btn, children=[label])


def test_the_sidebar_has_the_controls(page):
    _, rc = page
    for label in ("Reset", "Step"):
        button(rc, label).assert_single()
    labels = {w.label for w in rc.find(v.Select).widgets} | {w.label for w in rc.find(v.Slider).widgets}
    assert {"Scenario", "Regulatory style", "Second style", "Investment rule", "Colour organisations by"} <= labels
    assert {"Seed", "Severity", "Reporting load", "NHSE/NHSI consistency"} <= labels
    assert any(w.label == "Side by side with a second style" for w in rc.find(v.Checkbox).widgets)


def test_stepping_moves_the_model_and_changes_the_charts(page):
    model, rc = page
    first = model.simulations[0]
    assert first.t == 0
    before = _figures(rc)
    button(rc, "Step").widget.click()
    assert first.t == 1 and len(first.recorder.rows) == 2
    after = _figures(rc)
    assert before and after and before != after          # the drawings were re-rendered with new data
    button(rc, "Step").widget.click()
    assert first.t == 2
    assert any("Time: 2" in t for t in _texts(rc))


def _figures(rc):
    import ipywidgets
    return [w.value for w in rc.find(ipywidgets.Image).widgets]


def _texts(rc):
    import ipywidgets
    return [str(getattr(w, "value", "")) for w in rc.find(ipywidgets.HTML).widgets] + \
        [str(getattr(w, "children", "")) for w in rc.find(v.Html).widgets]


def test_changing_the_style_recreates_the_model_with_it():
    model = ExplorerModel(structure="small")
    reactive = solara.reactive(model)
    box, rc = solara.render(solara.AppLayout(children=[app.Explorer(reactive)]), handle_error=False)
    style = [w for w in rc.find(v.Select).widgets if w.label == "Regulatory style"][0]
    scenario = [w for w in rc.find(v.Select).widgets if w.label == "Scenario"][0]
    scenario.v_model = "small"                         # keep the test fast
    style.v_model = "stick"
    button(rc, "Reset").widget.click()
    assert reactive.value is not model
    assert reactive.value.left.reg.name == "stick"
    sbs = [w for w in rc.find(v.Checkbox).widgets if w.label == "Side by side with a second style"][0]
    sbs.v_model = True
    button(rc, "Reset").widget.click()
    assert reactive.value.right is not None and reactive.value.right.reg.name == "carrot"


def test_side_by_side_models_share_their_england_and_part_over_time():
    m = ExplorerModel(structure="small", regulator="stick", side_by_side=True, regulator_b="carrot", seed=2)
    a, b = m.simulations
    assert np.array_equal(a.orgs.population, b.orgs.population)
    assert a.recorder.rows[0]["perf_true"] == b.recorder.rows[0]["perf_true"]
    for _ in range(12):
        m.step()
    assert a.t == b.t == 12
    assert a.recorder.rows[-1]["mean_stress"] != b.recorder.rows[-1]["mean_stress"]


@pytest.mark.parametrize("colour_by", COLOUR_BY)
def test_the_drawings_cover_every_colouring_and_merged_ccgs_disappear(colour_by):
    from abm.mechanisms.mergers import merge
    m = ExplorerModel(structure="small")
    sim = m.left
    values = node_values(sim, colour_by)[0]
    assert len(values) == len(sim.orgs.kind) and np.isfinite(values).all()
    keep, gone = np.flatnonzero(sim.orgs.kind == "ccg")[:2]
    merge(sim, int(keep), int(gone))
    fig = network_figure(m.simulations, colour_by)
    assert "8 CCGs" in fig.axes[0].get_title()
    drawn = sum(len(c.get_offsets()) for c in fig.axes[0].collections[1:] if hasattr(c, "get_offsets"))
    assert drawn == len(sim.grid.G)
    assert len(outcome_figure(m.simulations).axes) == 6


def test_every_chart_is_titled_in_words_with_its_unit_and_dated(page):
    """The charts say what they show: a title in words with the unit, dates (YYYY-MM) on the time axis, a caption
    under a heading on the page."""
    from abm.viz.drawing import PANELS, performance_figure
    model, rc = page
    button(rc, "Step").widget.click()
    perf = performance_figure(model.simulations)
    ax = perf.axes[0]
    assert ax.get_ylabel() == "% of patients seen within the standard" and ax.get_xlabel() == "month"
    assert all(t.get_text().startswith("2016-") for t in ax.get_xticklabels())
    outcomes = outcome_figure(model.simulations)
    titles = [a.get_title() for a in outcomes.axes]
    assert titles == [panel for panel, _, _ in PANELS] and all("(" in t and ")" in t for t in titles)
    texts = " ".join(_texts(rc))
    assert "Carrot or stick: English NHS commissioning" in texts and "Key outcomes" in texts
