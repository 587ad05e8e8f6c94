"""Regulatory styles: each strategy's decisions on controlled reviews, and their registry."""

from pathlib import Path

import numpy as np
import pytest

from abm.compose import CONF_DIR, regulator_preset
from abm.config import REGULATOR_STYLES
from abm.styles import STYLES, Review, investment_weights, make_style

ROOT = Path(__file__).resolve().parent.parent


def review(failing, providers=False, **given):
    """A review of bodies failing or not (scores 0.2 and 0.7, a streak of one where failing), the other fields at
    their defaults unless ``given``."""
    failing = np.asarray(failing, bool)
    return Review.of(providers=providers, **{"score": np.where(failing, 0.2, 0.7), "failing": failing,
                                             "streak": failing.astype(int), **given})


def style(name, **kw):
    params = regulator_preset(name)
    for k, v in kw.items():
        setattr(params, k, v)
    return make_style(params)


def test_every_style_has_a_preset_and_metadata():
    assert set(STYLES) == set(REGULATOR_STYLES) == {p.stem for p in (CONF_DIR / "regulator").glob("*.yaml")}
    for cls in STYLES.values():
        assert cls.summary and cls.evidence


def test_carrot_supports_the_failing_never_sanctions_and_rewards_the_good():
    r = style("carrot").respond(review([True, False], rating=[1, 3]))
    assert list(r.level) == [1, 0] and list(r.support) == [1, 0]
    assert r.autonomy[1] > 0 and r.autonomy[0] == 0
    again = style("carrot").respond(review([True], level=[1]))
    assert again.level[0] == 1                        # never climbs the pyramid


def test_stick_escalates_fast_gives_no_support_and_holds_until_recovery():
    s = style("stick")
    r1 = s.respond(review([True, False]))
    assert list(r1.level) == [2, 0] and not r1.support.any() and not r1.autonomy.any()
    assert s.respond(review([True], level=[2])).level[0] == 3
    assert s.respond(review([True], level=[3])).level[0] == 4
    held = s.respond(Review.of(score=[0.45], failing=[False], improving=[True], level=[3], rating=[1], providers=True))
    assert held.level[0] == 3                         # not yet recovered enough to be let off
    assert (s.sanction(np.array([4])) > s.sanction(np.array([2]))).all()


def test_responsive_climbs_one_step_at_a_time_and_steps_down_on_improvement():
    s = style("responsive")
    assert s.respond(review([True], level=[0])).level[0] == 1
    assert s.respond(review([True], level=[2])).level[0] == 3
    assert s.respond(review([False], level=[3], improving=[True])).level[0] == 2
    assert s.respond(review([True], level=[1])).support[0] == 1     # support low on the pyramid
    assert s.respond(review([True], level=[3])).support[0] == 0


def test_carrot_then_stick_switches_when_most_comply_with_memory_and_a_band():
    s = style("carrot_then_stick", switch_share=0.5)
    few_comply = s.respond(review([True, True, True, False]))
    assert few_comply.level[0] == 1 and few_comply.support[0] == 1
    most = review([True, False, False, False])
    first = s.respond(most)
    assert first.level[0] == 1                      # one compliant review does not flip the regulator
    for _ in range(6):
        later = s.respond(most)
    assert later.level[0] == 2 and later.support[0] == 0
    # Back to rewards only when compliance falls clearly below the switch: those escalated step down one level.
    back = None
    for _ in range(10):
        back = s.respond(review([True, True, True, False], level=[3, 3, 2, 3]))
    assert back.level[3] == 2 and back.level[0] == 3     # the compliant one steps down, failing ones are held
    assert s.punishing[False] is False


def test_as_was_2016_is_hands_off_for_performers_and_heavy_handed_for_failure():
    s = style("as_was_2016")
    r = s.respond(review([True, False], rating=[1, 2]))
    assert list(r.level) == [2, 0] and not r.support.any()  # a first failure brings a warning
    assert r.autonomy[1] == 0                          # only outstanding bodies earn autonomy
    again = s.respond(Review.of(score=[0.2], failing=[True], level=[2], streak=[2], rating=[1]))
    assert again.level[0] == 3                         # failing again brings directions
    ccg = s.respond(review([True], level=[3]))
    trust = s.respond(review([True], level=[3], providers=True))
    assert ccg.level[0] == trust.level[0] == 4
    assert ccg.support[0] == 0 and trust.support[0] == 1   # NHSI supports provider leaders, no one CCG leaders


def test_capacity_limits_who_is_acted_on():
    for name in STYLES:
        r = style(name).respond(review([True, True], attended=[True, False]))
        assert r.level[1] == 0 and r.support[1] == 0


def test_severity_and_reporting_move_smoothly():
    mild, harsh = style("stick", severity=0.2), style("stick", severity=0.9)
    levels = np.array([2, 3, 4])
    assert np.all(harsh.sanction(levels) > mild.sanction(levels))
    carrot = style("carrot")
    assert np.all(carrot.reporting(levels, np.zeros(3), 0.6) > carrot.reporting(levels, np.zeros(3), 0.1))
    assert np.all(carrot.reporting(levels, np.ones(3) * 0.5, 0.6) < carrot.reporting(levels, np.zeros(3), 0.6))


def test_investment_rules():
    cat, mat = np.array([0, 1, 2, 3]), np.array([0.3, 0.45, 0.55, 0.7])
    pref, equal, need = (investment_weights(r, cat, mat) for r in ("preferential", "equal", "need"))
    assert pref[:2].sum() == 0 and pref[3] == pytest.approx(2 * pref[2])
    assert np.allclose(equal, 0.25)
    assert np.all(np.diff(need) < 0)
    for w in (pref, equal, need):
        assert w.sum() == pytest.approx(1.0)


def test_no_code_outside_the_style_classes_refers_to_a_style():
    names = [n for n in STYLES if n]
    allowed = {ROOT / "abm" / "styles.py", ROOT / "abm" / "vocabulary.py"}
    for path in (ROOT / "abm").rglob("*.py"):
        if path in allowed:
            continue
        text = path.read_text()
        for name in names:
            assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path} refers to style {name}"


def test_presets_state_only_what_differs_from_the_schema():
    import yaml

    from abm.config import RegulatorConfig
    base = RegulatorConfig()
    for path in (CONF_DIR / "regulator").glob("*.yaml"):
        stated = yaml.safe_load(path.read_text())
        assert stated["name"] == path.stem
        assert all(getattr(base, k) != v for k, v in stated.items() if k != "name"), path


def test_schema_defaults_are_the_default_styles_preset():
    from dataclasses import asdict

    from abm.config import RegulatorConfig
    assert asdict(RegulatorConfig()) == asdict(regulator_preset(RegulatorConfig().name))
