"""The contract every regulatory style keeps, inherited by one test class per style (as Axelrod does for its
strategies): whatever the review, decisions stay in range, bodies outside the regulator's capacity are never escalated
or supported, the review the style was shown is left as it was, and a style that decides body by body (so a batch
asks it once for all runs) decides alike on a review and on its parts. A new style adds one three-line class below."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from abm.compose import regulator_preset
from abm.styles import STYLES, Review, make_style


@st.composite
def reviews(draw):
    n = draw(st.integers(1, 12))
    score = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    threshold = draw(st.floats(0, 1))
    level = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    return Review(score=score, failing=score < threshold,
                  improving=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))), level=level,
                  streak=np.array(draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))),
                  rating=np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))),
                  attended=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
                  providers=draw(st.booleans()))


def decisions_stay_in_range(name, r, repeats):
    style = make_style(regulator_preset(name))
    for _ in range(repeats):                       # styles with memory are exercised over several reviews
        resp = style.respond(r)
    n = len(r.score)
    for values, lo, hi in ((resp.level, 0, 4), (resp.support, 0, 1), (resp.autonomy, 0, 1), (resp.force, 0, 1)):
        assert len(values) == n and np.all((values >= lo) & (values <= hi))


def unattended_untouched(name, r):
    resp = make_style(regulator_preset(name)).respond(r)
    out = ~r.attended
    assert np.all(resp.level[out] <= r.level[out]) and not np.any(resp.support[out])


def review_left_as_it_was(name, r):
    before = {k: np.copy(getattr(r, k)) for k in ("score", "failing", "improving", "level", "streak", "rating",
                                                  "attended")}
    make_style(regulator_preset(name)).respond(r)
    assert all(np.array_equal(getattr(r, k), v) for k, v in before.items())


def body_by_body_holds(name, r, cut):
    """A style that says it decides body by body decides the same about a review as about its two parts."""
    if not make_style(regulator_preset(name)).body_by_body:
        return
    cut = min(cut, len(r.score))
    whole = make_style(regulator_preset(name)).respond(r)
    parts = [make_style(regulator_preset(name)).respond(r.part(p)) for p in (slice(0, cut), slice(cut, None))]
    for field in ("level", "support", "autonomy", "force"):
        assert np.array_equal(getattr(whole, field), np.concatenate([getattr(p, field) for p in parts]))


class StyleContract:
    """Inherit it and set ``name``: every test below then runs on that style (each class draws its own reviews)."""
    name = ""

    def test_decisions_stay_in_range(self):
        given(r=reviews(), repeats=st.integers(1, 4))(lambda r, repeats: decisions_stay_in_range(self.name, r,
                                                                                                  repeats))()

    def test_bodies_outside_capacity_are_not_escalated_or_supported(self):
        given(r=reviews())(lambda r: unattended_untouched(self.name, r))()

    def test_the_review_is_left_as_it_was(self):
        given(r=reviews())(lambda r: review_left_as_it_was(self.name, r))()

    def test_a_body_by_body_style_decides_alike_on_the_whole_and_on_parts(self):
        given(r=reviews(), cut=st.integers(0, 12))(lambda r, cut: body_by_body_holds(self.name, r, cut))()


class TestCarrot(StyleContract):
    name = "carrot"


class TestStick(StyleContract):
    name = "stick"


class TestResponsive(StyleContract):
    name = "responsive"


class TestCarrotThenStick(StyleContract):
    name = "carrot_then_stick"


class TestAsWas2016(StyleContract):
    name = "as_was_2016"


def test_every_style_has_its_contract_class():
    assert {cls.name for cls in StyleContract.__subclasses__()} == set(STYLES)
