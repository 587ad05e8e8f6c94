import os

import pytest
from hypothesis import settings

from abm.compose import compose
from abm.model import CommissioningModel

# `make test` runs the default profile; CI (CI=true) runs the heavier one.
settings.register_profile("default", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")
HEAVY = os.environ.get("CI") == "true"


def small_config(*overrides: str):
    return compose(["scenario=small", *overrides])


@pytest.fixture
def small_model():
    return CommissioningModel(small_config("months=12"))


@pytest.fixture(scope="session")
def england_model():
    """One England model, built once, run 24 months (tests must not mutate it)."""
    return CommissioningModel(compose(["months=24", "write_organisations=false"])).run()
