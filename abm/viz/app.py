"""The browser view: ``make viz`` (``solara run abm/viz/app.py --host 127.0.0.1``).

Sidebar: scenario, seed, regulatory style (and, with "tune the style", its main parameters), and a side-by-side mode
that runs the same England under a second style; Mesa's step / play / pause / reset. Page ("Carrot or stick: English
NHS commissioning"): true and reported performance (from Mesa's ``model.datacollector``), the organisation network
(colour by trust, stress, rating or finance) and the key outcomes month by month, each chart titled in words with its
unit, dates on the time axis, and a caption saying what it shows. Everything is drawn with matplotlib on the server,
so the page works offline (no CDN).
"""

from __future__ import annotations

import html

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from abm.config import INVESTMENT_RULES, REGULATOR_STYLES, SCENARIOS
from abm.viz.drawing import COLOUR_BY, network_figure, outcome_figure, performance_figure
from abm.viz.explorer import DEFAULT, INSTITUTIONS, RESOURCES, SECOND_STYLE, ExplorerModel

model_params = {
    "structure": {"type": "Select", "value": "england", "values": list(SCENARIOS), "label": "Scenario"},
    "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
    "regulator": {"type": "Select", "value": DEFAULT.name, "values": list(REGULATOR_STYLES),
                  "label": "Regulatory style"},
    "tune_style": {"type": "Checkbox", "value": False, "label": "Tune the style with the sliders below"},
    "severity": {"type": "SliderFloat", "value": DEFAULT.severity, "min": 0.0, "max": 1.0, "step": 0.05, "label": "Severity"},
    "budget": {"type": "SliderFloat", "value": RESOURCES.budget, "min": 0.0, "max": 300.0, "step": 10.0,
               "label": "Regulators' budget (GBP m a year)"},
    "reporting_load": {"type": "SliderFloat", "value": RESOURCES.reporting_load, "min": 0.0, "max": 1.0, "step": 0.05,
                       "label": "Reporting load"},
    "consistency": {"type": "SliderFloat", "value": INSTITUTIONS.consistency, "min": 0.0, "max": 1.0, "step": 0.05,
                    "label": "NHSE/NHSI consistency"},
    "investment_rule": {"type": "Select", "value": INSTITUTIONS.investment_rule, "values": list(INVESTMENT_RULES),
                        "label": "Investment rule"},
    "side_by_side": {"type": "Checkbox", "value": False, "label": "Side by side with a second style"},
    "regulator_b": {"type": "Select", "value": SECOND_STYLE, "values": list(REGULATOR_STYLES),
                    "label": "Second style"},
}


TITLE = "Carrot or stick: English NHS commissioning"
CAPTIONS = {
    "performance": "True and reported performance of trusts: % of patients seen within the standard, by month "
                   "(the dotted line is the 95 % standard; reported above true is misreporting).",
    "network": "The organisation network: regions in quadrants, STPs as shaded clusters; CCGs sized by population.",
    "outcomes": "Key outcomes by month: performance (%), money (GBP m), mean trust (0-1), collaboration (count), "
                "leaders (changes a month, stress 0-100) and STPs by dashboard band (count).",
}


@solara.component
def Heading(title: str, caption: str = "", level: int = 3):
    """A heading and its caption as plain HTML (solara's Markdown asks its CDN for KaTeX, which offline fails)."""
    solara.HTML(tag=f"h{level}", unsafe_innerHTML=html.escape(title))
    if caption:
        solara.HTML(tag="p", unsafe_innerHTML=html.escape(caption))


@solara.component
def PerformanceView(model: ExplorerModel, step: float = 0):
    Heading("Performance", CAPTIONS["performance"])
    solara.FigureMatplotlib(performance_figure(model.simulations), format="png", dpi=80)


@solara.component
def NetworkView(model: ExplorerModel, step: float = 0):
    colour_by, set_colour_by = solara.use_state("trust")
    Heading("The organisation network", CAPTIONS["network"])
    with solara.Row():
        solara.Select("Colour organisations by", values=list(COLOUR_BY), value=colour_by, on_value=set_colour_by)
    solara.FigureMatplotlib(network_figure(model.simulations, colour_by), format="png", dpi=80)


@solara.component
def OutcomeView(model: ExplorerModel, step: float = 0):
    Heading("Key outcomes", CAPTIONS["outcomes"])
    solara.FigureMatplotlib(outcome_figure(model.simulations), format="png", dpi=80)


@solara.component
def Explorer(model: solara.Reactive):
    """Mesa's SolaraViz for the sidebar (controls, parameters, step counter), our drawings at full width below (Mesa's
    own plot component labels its time axis "Step" and its page "Page 0", neither of which a reader can use)."""
    solara.Title(TITLE)
    SolaraViz(model, components=[], model_params=model_params, name=TITLE, play_interval=300)
    update_counter.get()                     # re-render after every step, like Mesa's own components
    with solara.Column(style={"width": "100%"}):
        Heading(TITLE, level=2)
        PerformanceView(model.value, step=model.value.time)
        NetworkView(model.value, step=model.value.time)
        OutcomeView(model.value, step=model.value.time)


def make_page(model: ExplorerModel | None = None):
    """The page, for a given model (tests) or a fresh default one (the app)."""
    return Explorer(solara.reactive(model if model is not None else ExplorerModel()))


@solara.component
def Page():
    model = solara.use_memo(lambda: solara.reactive(ExplorerModel()), [])
    Explorer(model)
