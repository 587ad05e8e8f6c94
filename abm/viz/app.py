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

import numpy as np
import pandas as pd
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from abm.config import INVESTMENT_RULES, REGULATOR_STYLES, SCENARIOS
from abm.places import card_figure, map_figure, real_series
from abm.scenarios import read_table
from abm.viz.drawing import COLOUR_BY, network_figure, outcome_figure, performance_figure
from abm.viz.explorer import DEFAULT, INSTITUTIONS, RESOURCES, SECOND_STYLE, ExplorerModel
from abm.vocabulary import PROVIDER_KINDS as PROVIDERS

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
    "card": "Pick a trust: its four-hour share (%), debt (GBP m) and the regulator's actions on it in this run, beside "
            "its own published type 1 shares, DH loans and special-measures events (black, purple).",
    "map": "The 2021 footprints coloured by this month's value of the model's 2017 STPs that overlap them (weighted by "
           "shared LSOAs); dots are trusts' headquarters (© OpenStreetMap contributors, ODbL).",
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


MAP_OUTCOMES = {"true four-hour share (%)": ("perf_true", 100.0, "RdYlGn"),
                "reported four-hour share (%)": ("perf_reported", 100.0, "RdYlGn"),
                "gross deficit (GBP m)": ("deficit", 1.0, "Reds"), "STP maturity (0-1)": ("maturity", 1.0, "viridis")}


@solara.component
def MapView(model: ExplorerModel, step: float = 0):
    """England's STPs coloured by an outcome of the (left) model this month, trusts as dots at their headquarters."""
    outcome, set_outcome = solara.use_state(next(iter(MAP_OUTCOMES)))
    Heading("England as a map", CAPTIONS["map"])
    solara.Select("Colour STPs by", values=list(MAP_OUTCOMES), value=outcome, on_value=set_outcome)
    sim = model.left
    if sim.structure.stps.code.str.startswith("E54").all():
        column, scale, cmap = MAP_OUTCOMES[outcome]
        values = pd.Series(scale * sim.recorder.stp_frames[-1][column], index=sim.structure.stps.code.to_numpy())
        fig = map_figure(values, f"{outcome}, {sim.date}", outcome, cmap=cmap,
                         points=pd.Series(1.0, index=sim.structure.orgs.code[np.isin(sim.orgs.kind, PROVIDERS)]))
        solara.FigureMatplotlib(fig, format="png", dpi=72)
    else:
        solara.Text("The map is of England's real STPs: choose the england scenario or a region.")


@solara.component
def TrustCardView(model: ExplorerModel, step: float = 0):
    """One trust picked by name (type to search): its path in the model so far beside its own published figures."""
    sim = model.left
    orgs = sim.structure.orgs
    trusts = orgs[orgs.kind.isin(PROVIDERS)]
    labels = [f"{r.code} {r.name}" for r in trusts.itertuples()]
    default = next((x for x in labels if x.startswith("RJZ ")), labels[0])
    query, set_query = solara.use_state("")
    chosen, set_chosen = solara.use_state(default)
    Heading("A trust as itself", CAPTIONS["card"])
    solara.InputText("Find a trust (part of its name or its code)", value=query, on_value=set_query,
                     continuous_update=True)
    found = [x for x in labels if query.lower() in x.lower()] or labels
    solara.Select("Trust", values=found[:50], value=chosen if chosen in found else found[0], on_value=set_chosen)
    label = chosen if chosen in found else found[0]
    code = label.split(" ", 1)[0]
    i = int(np.flatnonzero(orgs.code.to_numpy() == code)[0])
    frames = sim.recorder.org_frames
    if not frames:
        solara.Text("The card needs the organisations' record (write_organisations).")
        return
    dates = [str(sim.start + f["month"]) for f in frames]
    series = {k: np.array([[f[k][i] for f in frames]], float) for k in ("perf_reported", "balance", "escalation",
                                                                         "support")}
    real = real_series(code) if code in set(read_table("trust_stp_type_2016_17.csv").trust_code) else \
        {"share": pd.Series(dtype=float), "debt": {}, "events": {}}
    fig = card_figure(label, dates, series["perf_reported"], np.maximum(-series["balance"], 0.0), series["escalation"],
                      series["support"], real, what="This run of the model (left) against the trust's own published "
                                                     "figures; 2016/17 on is held out.")
    solara.FigureMatplotlib(fig, format="png", dpi=72)


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
        with solara.Columns([1, 1]):
            TrustCardView(model.value, step=model.value.time)
            MapView(model.value, step=model.value.time)


def make_page(model: ExplorerModel | None = None):
    """The page, for a given model (tests) or a fresh default one (the app)."""
    return Explorer(solara.reactive(model if model is not None else ExplorerModel()))


@solara.component
def Page():
    model = solara.use_memo(lambda: solara.reactive(ExplorerModel()), [])
    Explorer(model)
