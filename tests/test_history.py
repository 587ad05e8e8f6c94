"""The 2013 scenario, the policy timeline (events switch behaviour at their dates), counterfactuals and the yearly
history outputs."""

import numpy as np
import pandas as pd
import pytest

from abm.compose import compose
from abm.config import ConfigError
from abm.model import CommissioningModel
from abm.styles import Stick
from experiments.validation.history import main, yearly


def test_england_2013_starts_with_211_ccgs_in_april_2013():
    m = CommissioningModel(compose(["scenario=england_2013", "months=1"]))
    row = m.recorder.rows[0]
    assert row["n_ccgs"] == 211 and row["date"] == "2013-04" and m.months == 1
    cfg = compose(["scenario=england_2013"])
    assert cfg.months == 111 and cfg.start == "2013-04" and len(cfg.timeline) >= 6
    pop = m.orgs.population[m.orgs.kind == "ccg"].sum()
    assert pop == pytest.approx(57_541_178)


def timeline_config(*extra):
    events = ("timeline=[{date:'2016-06',note:switch,changes:['regulator.name=stick','behaviour.tender_rate=0.5']},"
              "{date:'2016-09',note:later,changes:['regulator.severity=0.55','behaviour.trust_build=0.1']}]")
    return compose(["scenario=small", "months=8", events, *extra])


def test_timeline_events_switch_behaviour_at_their_dates():
    m = CommissioningModel(timeline_config())
    assert m.reg.name == "as_was_2016" and m.beh.tender_rate == 0.05
    m.step()                                            # May 2016
    assert m.reg.name == "as_was_2016"
    m.step()                                            # June 2016
    assert m.reg.name == "stick" and isinstance(m.style, Stick) and m.beh.tender_rate == 0.5
    for _ in range(3):
        m.step()                                        # September 2016
    assert m.reg.severity == 0.55 and m.beh.trust_build == 0.1
    active = [r["regulator_active"] for r in m.recorder.rows]
    assert active[:2] == ["as_was_2016"] * 2 and set(active[2:]) == {"stick"}


def test_a_counterfactual_swaps_the_style_from_its_date_and_ignores_later_regulator_events():
    m = CommissioningModel(timeline_config("counterfactual.style=carrot", "counterfactual.start=2016-05"))
    m.run()
    assert m.reg.name == "carrot" and m.reg.severity == 0.2       # the preset's, not the later event's 0.55
    assert m.beh.tender_rate == 0.5 and m.beh.trust_build == 0.1  # behaviour events still apply
    active = [r["regulator_active"] for r in m.recorder.rows]
    assert active[0] == "as_was_2016" and set(active[1:]) == {"carrot"}


@pytest.mark.parametrize("event, message", [
    ("{date:'2016-13',changes:['behaviour.tender_rate=0.1']}", "YYYY-MM"),
    ("{date:'2016-06',changes:['behaviour.nothing=0.1']}", "known NAME"),
    ("{date:'2016-06',changes:['behaviour.tender_rate=2']}", "out of range"),
    ("{date:'2016-06',changes:['regulator.name=bogus']}", "not allowed"),
])
def test_bad_timeline_entries_are_rejected(event, message):
    with pytest.raises(ConfigError, match=message):
        compose(["scenario=small", f"timeline=[{event}]"])


def test_yearly_outputs_use_financial_years_sum_events_and_read_july_ratings():
    from experiments.validation.history import JULY, SUMMED, YEAR_END
    months = pd.period_range("2013-04", "2015-03", freq="M")
    model = pd.DataFrame({"date": months.astype(str)})
    for col in [*YEAR_END, *JULY]:
        model[col] = np.arange(len(months), dtype=float)
    for col in SUMMED:
        model[col] = 1.0
    y = yearly(model).set_index("year")
    assert list(y.index) == [2013, 2014]
    assert y.loc[2013, "mergers"] == 12 and y.loc[2013, "n_ccgs"] == 11      # March 2014 is the year end
    assert y.loc[2014, "ccg_rating_good"] == 15                              # July 2014


@pytest.mark.slow
def test_history_with_a_counterfactual_writes_its_tables_and_figures(tmp_path):
    assert main(["--replicates=1", "--jobs=1", "--counterfactual=carrot", "--from=2016-04", f"--out={tmp_path}",
                 "months=40"]) == 0
    history = pd.read_csv(tmp_path / "history.csv")
    assert set(history.arm) == {"as was", "carrot from 2016-04"}
    assert (history[history.year == 2013].n_ccgs == 211).all()
    for fig in ("history.png", "differences.png", "spread.png"):
        assert (tmp_path / fig).stat().st_size > 10_000
    text = (tmp_path / "history.md").read_text()
    assert "| 2013/14 |" in text and "## Who fails" in text and "Persistence:" in text
    spread = pd.read_csv(tmp_path / "spread.csv")
    assert set(spread.year) >= {2013, 2014, 2015} and spread.in_deficit.between(0, 1).all()
    assert (spread.margin_q5 <= spread.margin_q50).all() and (spread.margin_q50 <= spread.margin_q95).all()
    assert spread.meeting_standard.between(0, 1).all()
