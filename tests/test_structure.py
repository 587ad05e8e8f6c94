"""The real England structure at month 0, and the small scenario."""

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import scenarios, vocabulary
from abm.agents import CCG, STP, LocalAuthority, NHSERegion, ProviderTrust
from abm.compose import compose
from abm.config import ConfigError, ScenarioConfig
from abm.model import CommissioningModel
from abm.scenarios import build
from abm.vocabulary import REGIONS

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


@pytest.mark.parametrize("name", list(REGIONS))
def test_every_nhs_england_region_is_a_scenario_of_its_own_with_its_counts_from_the_data(name):
    """A region holds England's CCGs, trusts, upper-tier LAs and STPs whose region (or primary STP's) it is, counted
    here from the data files themselves; the regions add up to England."""
    data = resources.files("abm.data")
    ccg = pd.read_csv(data.joinpath("ccg_stp_region_2016_17.csv").open("rb"))
    trusts = pd.read_csv(data.joinpath("trust_stp_type_2016_17.csv").open("rb"))
    stp = pd.read_csv(data.joinpath("stp_2017.csv").open("rb"))
    code = REGIONS[name]
    s = build(ScenarioConfig(name=name))
    o = s.orgs
    assert (o.kind == "ccg").sum() == (ccg.nhse_region_ods == code).sum()
    providers = o.kind.isin(["acute", "mental_health", "community", "ambulance"])
    assert providers.sum() == (trusts.nhse_region_ods == code).sum()
    assert len(s.stps) == (stp.nhse_region_ods == code).sum() and s.regions == [code]
    assert set(o.stp[o.stp >= 0]) == set(range(len(s.stps)))
    m = CommissioningModel(compose([f"scenario={name}", "months=3", "write_organisations=false"])).run()
    assert m.recorder.rows[-1]["n_ccgs"] == (ccg.nhse_region_ods == code).sum()


def test_the_regions_add_up_to_england():
    england = build(ScenarioConfig(name="england"))
    parts = [build(ScenarioConfig(name=n)) for n in REGIONS]
    for kind in ("ccg", "acute", "mental_health", "community", "ambulance", "la"):
        assert sum((p.orgs.kind == kind).sum() for p in parts) == (england.orgs.kind == kind).sum(), kind
    assert sum(len(p.stps) for p in parts) == len(england.stps)


def test_the_software_is_citable_and_its_version_said_once_everywhere():
    """CITATION.cff is valid (cffconvert's schema) and its version is the package's and the changelog's newest."""
    import re
    import subprocess
    import sys
    import tomllib

    import yaml
    cffconvert = Path(sys.executable).with_name("cffconvert")        # installed with the test extras
    res = subprocess.run([str(cffconvert), "--validate", "-i", str(ROOT / "CITATION.cff")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"] == version
    newest = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.M).group(1)
    assert newest == version


def test_the_readme_lists_every_style_scenario_and_preset_there_is():
    """The README's lists of config groups are the vocabulary's (a new style, scenario or preset must be added there,
    as CONTRIBUTING says)."""
    import re

    from abm.compose import CONF_DIR
    text = (ROOT / "README.md").read_text()
    groups = text[text.index("Config groups:"):]
    groups = groups[:groups.index("\n\n")]
    listed = {key: set(re.findall(r"[a-z0-9_]+", value))
              for key, value in re.findall(r"`(regulator|scenario|\+experiment)=` `([^`]+)`", groups)}
    assert listed["regulator"] == set(vocabulary.STYLES)
    assert listed["scenario"] == set(vocabulary.SCENARIOS)
    assert listed["+experiment"] == {p.stem for p in (CONF_DIR / "experiment").glob("*.yaml")}


def test_no_module_is_over_450_lines_and_no_class_over_200():
    """Each room is one a reader can hold in mind (CONTRIBUTING): split a module or a class along its seams first."""
    import ast
    long = []
    for path in sorted([*(ROOT / "abm").rglob("*.py"), *(ROOT / "experiments").rglob("*.py")]):
        text = path.read_text()
        if text.count("\n") > 450:
            long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 200:
                long.append(f"{path.relative_to(ROOT)}:{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not long, long


def test_the_data_readme_counts_every_shipped_files_rows():
    """abm/data/README.md names each shipped table with its row count: the counts are the files' own."""
    import re
    data = ROOT / "abm" / "data"
    text = (data / "README.md").read_text()
    listed = dict(re.findall(r"^\| `([\w.]+\.csv)` \| ([\d,]+) \|", text, flags=re.M))
    shipped = {p.name for p in data.glob("*.csv")}
    assert set(listed) == shipped
    for name, rows in listed.items():
        assert len(pd.read_csv(data / name)) == int(rows.replace(",", "")), name


def test_the_packages_import_each_other_in_one_direction():
    """A layered house: abm imports nothing of experiments; the evidence (designs, arms, per-trust rows) imports
    neither the calibration nor the validation; the calibration never imports the validation (they share the
    evidence). Read from the source, imports inside functions included."""
    import ast
    rules = {"abm": ("experiments",), "experiments/evidence": ("experiments.calibration", "experiments.validation"),
             "experiments/calibration": ("experiments.validation",)}
    broken = []
    for folder, forbidden in rules.items():
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                broken += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.startswith(forbidden)]
    assert not broken, broken


def test_the_makefile_and_readme_state_the_headline_presets_own_counts():
    """`make run`'s description and the README's preset table say what the carrot_vs_stick preset runs (draws x
    replicates, runs, jobs), read from the preset itself; the docs use one word, *replicate*, as the overrides do."""
    import re

    import yaml

    from abm import vocabulary
    from abm.compose import CONF_DIR
    preset = yaml.safe_load((CONF_DIR / "experiment" / "carrot_vs_stick.yaml").read_text())
    params = preset["hydra"]["sweeper"]["params"]
    starts = str(params["posterior.draw"]).split(",")
    draws = len(starts) * preset["batch"]["draws"]
    replicates = preset["batch"]["replicates"]
    runs = len(str(params["regulator"]).split(",")) * draws * replicates
    jobs = len(starts) * len(str(params["regulator"]).split(","))
    assert runs == len(vocabulary.STYLES) * draws * replicates
    makefile = (ROOT / "Makefile").read_text()
    assert f"{draws} posterior draws x {replicates} replicates" in makefile
    readme = (ROOT / "README.md").read_text()
    row = re.search(r"^\| `carrot_vs_stick` \|(.+)\|(.+)\|$", readme, re.M)
    assert row and f"{draws} posterior draws × {replicates} replicates" in row.group(1), row
    assert row.group(2).strip() == f"{runs} ({jobs})"
    for doc in ("README.md", "CONTRIBUTING.md", "Makefile", "outputs/README.md"):
        assert not re.search(r"\breplications?\b", (ROOT / doc).read_text(), re.I), doc
    out = (ROOT / "outputs" / "README.md").read_text()
    assert f"experiments/{preset['experiment']['name']}/" in out
