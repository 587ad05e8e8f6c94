"""The real England structure at month 0, and the small scenario."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import scenarios, vocabulary
from abm.agents import CCG, STP, LocalAuthority, NHSERegion, ProviderTrust
from abm.compose import compose
from abm.config import ConfigError, ScenarioConfig
from abm.model import CommissioningModel

ROOT = Path(__file__).resolve().parent.parent


def test_england_has_the_real_counts_at_month_zero():
    m = CommissioningModel(compose(["months=1"]))
    row = m.recorder.rows[0]
    assert (row["n_ccgs"], row["n_trusts"], row["n_local_authorities"], row["n_stps"]) == (209, 236, 152, 44)
    assert len(m.agents_by_type[CCG]) == 209
    assert len(m.agents_by_type[ProviderTrust]) == 236
    assert len(m.agents_by_type[LocalAuthority]) == 152
    assert len(m.agents_by_type[NHSERegion]) == 4
    assert len(m.agents_by_type[STP]) == 44
    assert row["ccg_rating_good"] + row["ccg_rating_outstanding"] + row["ccg_rating_requires_improvement"] \
        + row["ccg_rating_inadequate"] == 209


def test_england_population_and_types_come_from_the_data():
    s = scenarios.england()
    ccg = s.orgs[s.orgs.kind == "ccg"]
    assert ccg.population.sum() == pytest.approx(57_541_178, rel=1e-9)
    counts = s.orgs.kind.value_counts()
    assert counts["acute"] == 154 and counts["mental_health"] == 49 and counts["ambulance"] == 10
    assert counts["community"] == 18 + 5          # care trusts are modelled as community providers
    assert s.stps.coterminosity.between(0, 1).all()


def test_network_is_model_grid_with_one_node_per_organisation(small_model):
    m = small_model
    assert len(m.grid.G) == len(m.orgs.kind)
    for agent in m.agent_of:
        assert agent.cell is m.grid[agent.idx]
    ccg = m.agent_of[0]
    kinds = {a.org_kind for c in ccg.cell.neighborhood for a in c.agents}
    assert {"ccg", "acute", "la", "nhse_region"} <= kinds


def test_every_ccg_contracts_with_providers_and_every_trust_is_paid():
    m = CommissioningModel(compose(["months=1"]))
    e, o = m.edges, m.orgs
    cp = (e.kind == vocabulary.EDGE_KINDS.index("commissioner_provider")) & (o.kind[e.src] == "ccg")
    assert set(np.flatnonzero(o.kind == "ccg")) == set(e.src[cp])
    assert set(np.flatnonzero(np.isin(o.kind, vocabulary.PROVIDER_KINDS))) == set(e.dst[cp])


def test_small_scenario_is_small():
    s = scenarios.small(ScenarioConfig(name="small", n_stps=2, ccgs_per_stp=2))
    assert s.orgs.kind.value_counts()["ccg"] == 4 and len(s.stps) == 2


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    import shutil
    for f in scenarios.DATA_DIR.iterdir():
        if str(f).endswith(".csv"):
            shutil.copy(str(f), tmp_path / f.name)
    monkeypatch.setattr(scenarios, "DATA_DIR", tmp_path)
    return tmp_path


def test_missing_data_file_is_a_clear_error(data_copy):
    (data_copy / "stp_2017.csv").unlink()
    with pytest.raises(ConfigError, match="stp_2017.csv is missing"):
        scenarios.england()


def test_empty_data_file_is_a_clear_error(data_copy):
    (data_copy / "ccg_population_2016.csv").write_text("")
    with pytest.raises(ConfigError, match="ccg_population_2016.csv is empty or malformed"):
        scenarios.england()


def test_data_file_without_a_needed_column_is_a_clear_error(data_copy):
    path = data_copy / "trust_stp_type_2016_17.csv"
    df = scenarios.pd.read_csv(path).drop(columns=["trust_type"])
    df.to_csv(path, index=False)
    with pytest.raises(ConfigError, match="lacks column"):
        scenarios.england()


def test_a_config_needs_no_hydra_and_equals_the_command_lines_defaults():
    from dataclasses import asdict

    from abm.compose import compose
    from abm.config import Config
    assert asdict(Config()) == asdict(compose([]))


def test_one_vocabulary_names_the_styles_and_scenarios_everywhere():
    from abm.compose import CONF_DIR
    from abm.scenarios import BUILDERS
    from abm.styles import STYLES
    from abm.vocabulary import SCENARIOS
    from abm.vocabulary import STYLES as STYLE_NAMES
    assert set(STYLES) == set(STYLE_NAMES) == {p.stem for p in (CONF_DIR / "regulator").glob("*.yaml")}
    assert set(BUILDERS) == set(SCENARIOS) == {p.stem for p in (CONF_DIR / "scenario").glob("*.yaml")}


def test_the_codebook_declares_every_output_column_and_docs_are_current():
    from abm import codebook
    from abm.run import simulate
    tables = simulate(compose(["scenario=small", "months=2"]))
    for name, df in tables.items():
        declared = {**codebook.COMMON, **codebook.TABLES[f"{name}.parquet"]}
        written = {c for c in df.columns if "." not in c}
        assert written == set(declared), (name, written ^ set(declared))
    assert (ROOT / "docs" / "codebook.md").read_text() == codebook.markdown(), "run: python -m abm.codebook --update"


def test_the_model_has_a_mesa_datacollector_and_the_parquet_table_comes_from_it():
    import mesa

    from abm.run import simulate
    config = compose(["scenario=small", "months=4"])
    m = CommissioningModel(config).run()
    assert isinstance(m.datacollector, mesa.DataCollector)
    collected = m.datacollector.get_model_vars_dataframe()
    assert len(collected) == 5 and collected.month.tolist() == [0, 1, 2, 3, 4]
    table = simulate(config)["model"]
    pd.testing.assert_frame_equal(table[list(collected.columns)].reset_index(drop=True),
                                  collected.reset_index(drop=True))
