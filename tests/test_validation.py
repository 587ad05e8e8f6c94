"""The validation machinery on the small scenario, and its pass/fail rules on controlled inputs."""

import numpy as np
import pandas as pd
import pytest

from abm.compose import compose
from experiments.validation.validate import PATTERNS, assess, main, observe, spearman


@pytest.mark.parametrize("start, months", [("2016-04", 27), ("2014-04", 51)])
def test_observe_records_every_pattern_on_the_small_scenario(start, months):
    """Patterns are read at their dates (March 2017, April 2017, July 2017, July 2018), whenever the run starts."""
    obs = observe(compose(["scenario=small", f"start={start}", f"months={months}", "write_organisations=false"]))
    expected = {key for key, *_ in PATTERNS if key != "joint_teams"}
    missing = expected - set(obs)
    assert missing <= {"autonomy_gap", "trust_gap"}      # need both high- and low-rated CCGs, not always in 9 CCGs
    for key, value in obs.items():
        assert np.isfinite(value), key
    assert 0 <= obs["joint_committees"] <= obs["collaborative_commissioning"] <= 1
    assert sum(obs[f"dashboard_{c}"] for c in ("outstanding", "advanced", "making_progress",
                                               "needs_most_improvement")) == 3


def test_pass_and_fail_follow_the_stated_tolerances():
    n = 10
    runs = pd.DataFrame({key: np.full(n, 0.0) for key, *_ in PATTERNS})
    runs["dashboard_outstanding"] = 5.0 + np.linspace(-1, 1, n)          # on target
    runs["dashboard_advanced"] = 10.0                                     # 10 away from 20
    runs["rho_history"] = 0.5 + np.linspace(-0.1, 0.1, n)                # clearly positive
    runs["rho_n_organisations"] = np.linspace(-0.3, 0.3, n)               # interval spans 0
    table = assess(runs).set_index("pattern")
    result = {row.pattern.split(":")[0] if "dashboard" in row.pattern else row.pattern: row.result
              for row in assess(runs).itertuples()}
    assert table.loc["STP dashboard July 2017: outstanding", "result"] == "pass"
    assert table.loc["STP dashboard July 2017: advanced", "result"] == "fail"
    assert table.loc["STP maturity rises with a history of partnership (Spearman)", "result"] == "pass"
    assert table.loc["STP maturity falls with more organisations (Spearman)", "result"] == "fail"
    assert any(r.startswith("fail (not modelled)") for r in result.values())


def test_spearman_handles_constant_inputs():
    assert spearman([1, 1, 1], [1, 2, 3]) == 0.0
    assert spearman([1, 2, 3], [2, 4, 9]) == 1.0


def test_validate_writes_its_report(tmp_path):
    assert main(["--replicates=2", "--jobs=1", f"--out={tmp_path}", "scenario=small"]) == 0
    text = (tmp_path / "validation.md").read_text()
    assert "| pattern | source | target |" in text and (tmp_path / "patterns.png").stat().st_size > 10_000
    assert len(pd.read_csv(tmp_path / "patterns.csv")) == len(PATTERNS)


def test_validate_refuses_a_run_that_starts_after_the_surveys(tmp_path, capsys):
    assert main(["--replicates=2", f"--out={tmp_path / 'v'}", "scenario=small", "start=2017-01"]) == 2
    assert "start=2017-01" in capsys.readouterr().err and not (tmp_path / "v").exists()


@pytest.mark.slow
def test_the_published_effects_table_lists_every_row_reproduced_or_why_not(tmp_path):
    """The smoke profile of `python -m experiments effects`: every row of abm/data/published_effects.csv is in the
    table, either with a design (model figure, tolerance, within or not) or with the reason it cannot be reproduced."""
    from experiments.validation import effects
    assert effects.main(["--smoke", "--jobs=1", f"--out={tmp_path}"]) == 0
    table = pd.read_csv(tmp_path / "effects.csv")
    assert set(table.row) == set(effects.load().key)
    designed = table[table.design_in_model.str.startswith("not reproducible") == False]  # noqa: E712
    assert len(designed) == len(effects.DESIGNS) and designed.n.max() == 2 and (designed.n >= 1).mean() > 0.8
    assert table.within.isna().sum() == len(effects.NOT_REPRODUCIBLE)
    text = (tmp_path / "effects.md").read_text()
    assert "counted design rows are reproduced at the posterior" in text and "Not reproducible:" in text
