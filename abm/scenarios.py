"""Scenarios: who exists and who is tied to whom, before anything happens.

A scenario returns a :class:`Structure`: one row per organisation, one row per STP and one row per relationship.
``england`` reads the real 2016/17 structure from ``abm/data`` (see its README for sources and licence), and each NHS
England region (``north``, ``midlands_and_east``, ``london``, ``south``) is its part of the same data, wired alike;
``small`` is a synthetic England in miniature for fast tests. Nothing here is random: attributes the data do not hold (finances,
history of partnership, leadership) are drawn by :mod:`abm.initial` from the model's generator.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from abm.config import ConfigError, ScenarioConfig
from abm.vocabulary import PROVIDER_KINDS, REGIONS, SCENARIOS

# Share of a CCG's allocation spent on each provider type; the rest (primary care, prescribing, continuing care,
# independent sector, running costs) is spent outside the modelled trusts. Approximate 2016/17 CCG spending mix
# (NHS England CCG allocations and programme budgeting returns), rounded.
SPEND_MIX = {"acute": 0.52, "mental_health": 0.12, "community": 0.09, "ambulance": 0.03}

# Relative size of a trust by its ERIC 2016/17 organisation type (income weight inside its STP). Assumption:
# ERIC classes acute trusts by size band; teaching and large trusts hold more of the local contract value.
ERIC_SIZE = {"ACUTE - TEACHING": 1.6, "ACUTE - LARGE": 1.3, "ACUTE - MULTI-SERVICE": 1.2, "ACUTE - MEDIUM": 1.0,
             "ACUTE - SMALL": 0.7, "ACUTE - SPECIALIST": 0.4, "MENTAL HEALTH AND LEARNING DISABILITY": 1.0,
             "COMMUNITY": 1.0, "CARE TRUST": 0.6, "AMBULANCE": 1.0}


@dataclass
class Structure:
    orgs: pd.DataFrame   # code, name, kind, stp, region, population, older, size, foundation
    stps: pd.DataFrame   # code, name, region, coterminosity
    edges: pd.DataFrame  # src, dst, kind, share; both directions (ccg_la: share of the src's area in the overlap)
    regions: list[str]


# The shipped reference data, or a directory of the same files named by ABM_DATA_DIR (e.g. updated lookups).
DATA_DIR = Path(os.environ["ABM_DATA_DIR"]) if os.environ.get("ABM_DATA_DIR") else resources.files("abm.data")


def read_table(name: str) -> pd.DataFrame:
    """A shipped data table (or ABM_DATA_DIR's), or ConfigError in one line naming the file."""
    try:
        with DATA_DIR.joinpath(name).open("rb") as fh:
            df = pd.read_csv(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"data file {DATA_DIR.joinpath(name)} is missing; restore it (or unset ABM_DATA_DIR)") from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"data file {DATA_DIR.joinpath(name)} is empty or malformed: {exc}".splitlines()[0]) from exc
    if df.empty:
        raise ConfigError(f"data file {DATA_DIR.joinpath(name)} has no rows")
    return df


def _require(df: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(f"data file {DATA_DIR.joinpath(name)} lacks column(s) {', '.join(missing)}")


_BUILT: dict[str, Structure] = {}


def build(cfg: ScenarioConfig) -> Structure:
    """The organisation structure of a scenario. Built once per process and scenario, then shared by every run (a
    structure is never changed by a run: the state arrays are copies), so that many runs in one process (``abm.batch``,
    calibration and sensitivity workers) do not pay for reading and joining the lookups each time."""
    if cfg.name not in SCENARIOS:
        raise ConfigError(f"scenario.name={cfg.name!r} is not allowed; choose one of: {', '.join(SCENARIOS)}")
    key = json.dumps(asdict(cfg), sort_keys=True) + str(DATA_DIR)
    if key not in _BUILT:
        if len(_BUILT) >= 4:
            _BUILT.clear()
        _BUILT[key] = BUILDERS[cfg.name](cfg)
    return _BUILT[key]


def england(cfg: ScenarioConfig | None = None) -> Structure:
    """The real 2016/17 England: 209 CCGs, 236 trusts, 152 upper-tier LAs, 44 STPs, 4 NHS England regions."""
    orgs, stps, regions, la_pairs = england_tables()
    if cfg is not None and cfg.name == "england_2013":
        orgs, la_pairs = _split_newcastle_gateshead(orgs, la_pairs)
    copies = cfg.copies if cfg is not None else 1
    if copies > 1:       # k Englands side by side, each with its own regions: k times the STPs, same structure
        nr = len(regions)
        orgs = pd.concat([orgs.assign(code=orgs.code + (f"~{k}" if k else ""), stp=orgs.stp + k * len(stps),
                                      region=orgs.region + k * nr) for k in range(copies)], ignore_index=True)
        stps = pd.concat([stps.assign(code=stps.code + (f"~{k}" if k else ""), region=stps.region + k * nr)
                          for k in range(copies)], ignore_index=True)
        regions = [r + (f"~{k}" if k else "") for k in range(copies) for r in regions]
        la_pairs = [(c + (f"~{k}" if k else ""), la + (f"~{k}" if k else ""), a, b)
                    for k in range(copies) for c, la, a, b in la_pairs]
    return _finish(orgs, stps, regions, la_pairs)


def region(cfg: ScenarioConfig) -> Structure:
    """One NHS England region of the real 2016/17 England (``scenario=london``, ...): its CCGs, trusts, upper-tier
    LAs and STPs from the same data, wired as England is (regulators, contracts, partnerships)."""
    orgs, stps, regions, la_pairs = england_tables()
    ix = regions.index(REGIONS[cfg.name])
    kept_stps = stps.index[stps.region == ix]
    renumber = {int(old): new for new, old in enumerate(kept_stps)}
    orgs = orgs[orgs.region == ix].assign(region=0).reset_index(drop=True)
    orgs["stp"] = orgs.stp.map(renumber)
    stps = stps.loc[kept_stps].assign(region=0).reset_index(drop=True)
    codes = set(orgs.code)
    la_pairs = [pair for pair in la_pairs if pair[0] in codes and pair[1] in codes]
    return _finish(orgs, stps, [REGIONS[cfg.name]], la_pairs)


def england_tables() -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[tuple]]:
    """The real 2016/17 England read from ``abm/data``: organisations (CCGs, trusts, upper-tier LAs), STPs, the
    regions' ODS codes and the CCG-LA overlaps; :func:`_finish` wires them."""
    ccg = read_table("ccg_stp_region_2016_17.csv")
    pop = read_table("ccg_population_2016.csv")
    trusts = read_table("trust_stp_type_2016_17.csv")
    stp = read_table("stp_2017.csv")
    la_ccg = read_table("la_ccg_2016.csv")
    _require(ccg, "ccg_stp_region_2016_17.csv", ["ccg16cd", "ccg16nm", "stp17cd", "nhse_region_ods"])
    _require(pop, "ccg_population_2016.csv", ["ccg16cd", "gp_registered_patients", "patients_65_plus"])
    _require(trusts, "trust_stp_type_2016_17.csv", ["trust_code", "trust_name", "trust_type", "eric_org_type",
                                                     "foundation_trust", "stp17cd", "nhse_region_ods"])
    _require(stp, "stp_2017.csv", ["stp17cd", "stp17nm", "nhse_region_ods"])
    _require(la_ccg, "la_ccg_2016.csv", ["utla_cd", "utla_nm", "ccg16cd", "share_of_la_lsoas", "share_of_ccg_lsoas"])

    regions = sorted(stp.nhse_region_ods.unique())
    region_ix = {r: i for i, r in enumerate(regions)}
    stp = stp.sort_values("stp17cd").reset_index(drop=True)
    stp_ix = {c: i for i, c in enumerate(stp.stp17cd)}

    ccg = ccg.merge(pop[["ccg16cd", "gp_registered_patients", "patients_65_plus"]], on="ccg16cd", how="left")
    if ccg.gp_registered_patients.isna().any() or ccg.patients_65_plus.isna().any():
        raise ConfigError("data file abm/data/ccg_population_2016.csv lacks a population for some CCGs")
    # The share of patients aged 65 and over, relative to England's (1 = England's share), a CCG's persistent need.
    england_older = ccg.patients_65_plus.sum() / ccg.gp_registered_patients.sum()
    rows = [dict(code=r.ccg16cd, name=r.ccg16nm, kind="ccg", stp=stp_ix[r.stp17cd], region=region_ix[r.nhse_region_ods],
                 population=float(r.gp_registered_patients),
                 older=float(r.patients_65_plus / r.gp_registered_patients / england_older), size=1.0,
                 foundation=False) for r in ccg.itertuples()]
    kind_of = {"acute": "acute", "mental_health": "mental_health", "community": "community",
               "ambulance": "ambulance", "care_trust": "community"}
    for r in trusts.itertuples():
        if r.trust_type not in kind_of:
            raise ConfigError(f"trust {r.trust_code} has trust_type={r.trust_type!r}; allowed: {', '.join(kind_of)}")
        rows.append(dict(code=r.trust_code, name=r.trust_name.title(), kind=kind_of[r.trust_type],
                         stp=stp_ix[r.stp17cd], region=region_ix[r.nhse_region_ods], population=0.0,
                         older=1.0, size=ERIC_SIZE.get(r.eric_org_type, 1.0),
                         foundation=bool(r.foundation_trust)))
    ccg_pop = dict(zip(ccg.ccg16cd, ccg.gp_registered_patients, strict=True))
    ccg_stp = dict(zip(ccg.ccg16cd, ccg.stp17cd, strict=True))
    la_pop = la_ccg.assign(pop=la_ccg.share_of_ccg_lsoas * la_ccg.ccg16cd.map(ccg_pop))
    la_total = la_pop.groupby("utla_cd")["pop"].sum()
    la_main = la_pop.sort_values("share_of_la_lsoas", ascending=False).drop_duplicates("utla_cd")
    for r in la_main.sort_values("utla_cd").itertuples():
        s = ccg_stp[r.ccg16cd]
        rows.append(dict(code=r.utla_cd, name=r.utla_nm, kind="la", stp=stp_ix[s],
                         region=region_ix[stp.loc[stp_ix[s], "nhse_region_ods"]],
                         population=float(la_total[r.utla_cd]), older=1.0, size=1.0, foundation=False))
    orgs = pd.DataFrame(rows)
    stps = pd.DataFrame({"code": stp.stp17cd, "name": stp.stp17nm,
                         "region": [region_ix[r] for r in stp.nhse_region_ods]})
    la_pairs = [(r.ccg16cd, r.utla_cd, r.share_of_ccg_lsoas, r.share_of_la_lsoas) for r in la_ccg.itertuples()]
    return orgs, stps, list(regions), la_pairs


def england_2013(cfg: ScenarioConfig) -> Structure:
    """England from April 2013: the 2016/17 structure with the 211 CCGs of 2013, i.e. Newcastle Gateshead CCG (13T,
    formed April 2015) split back into Gateshead (00F), Newcastle North and East (00G) and Newcastle West (00H)."""
    return england(cfg)


# 13T's 2016 registered population shared among its three predecessors (approximate shares, an assumption).
NEWCASTLE_GATESHEAD = [("00F", "NHS Gateshead CCG", 0.415, "Gateshead"),
                       ("00G", "NHS Newcastle North and East CCG", 0.29, "Newcastle upon Tyne"),
                       ("00H", "NHS Newcastle West CCG", 0.295, "Newcastle upon Tyne")]


def _split_newcastle_gateshead(orgs: pd.DataFrame, la_pairs: list[tuple]) -> tuple[pd.DataFrame, list[tuple]]:
    merged = orgs.index[orgs.name.str.contains("Newcastle Gateshead")]
    if len(merged) != 1:
        raise ConfigError("data: Newcastle Gateshead CCG not found; england_2013 cannot rebuild the 2013 CCGs")
    row = orgs.loc[merged[0]]
    parts = [row.to_dict() | {"code": f"{row.code}-{ods}", "name": name, "population": row.population * share}
             for ods, name, share, _ in NEWCASTLE_GATESHEAD]
    orgs = pd.concat([orgs.drop(index=merged), pd.DataFrame(parts)], ignore_index=True)
    la_names = dict(zip(orgs.code, orgs.name, strict=True))
    newcastle = sum(share for _, _, share, la in NEWCASTLE_GATESHEAD if la == "Newcastle upon Tyne")
    kept = [p for p in la_pairs if p[0] != row.code]
    for ods, _, share, la_name in NEWCASTLE_GATESHEAD:
        la_code = next(c for c, n in la_names.items() if n == la_name)
        kept.append((f"{row.code}-{ods}", la_code, 1.0, share / newcastle if la_name != "Gateshead" else 1.0))
    return orgs, kept


def small(cfg: ScenarioConfig) -> Structure:
    """A synthetic England in miniature: ``n_stps`` STPs, each with its CCGs, trusts and local authorities."""
    rows, la_pairs = [], []
    n_regions = min(cfg.n_stps, 4)
    regions = [f"R{i}" for i in range(n_regions)]
    for s in range(cfg.n_stps):
        region = s % n_regions
        ccgs = []
        for c in range(cfg.ccgs_per_stp):
            code = f"S{s}C{c}"
            ccgs.append(code)
            rows.append(dict(code=code, name=f"STP {s} CCG {c}", kind="ccg", stp=s, region=region,
                             population=200_000.0 + 50_000.0 * c, older=0.85 + 0.15 * (c % 3), size=1.0,
                             foundation=False))
        for a in range(cfg.acute_per_stp):
            rows.append(dict(code=f"S{s}A{a}", name=f"STP {s} acute {a}", kind="acute", stp=s, region=region,
                             population=0.0, size=1.0 + 0.3 * a, foundation=a == 0))
        rows.append(dict(code=f"S{s}M", name=f"STP {s} mental health", kind="mental_health", stp=s, region=region,
                         population=0.0, size=1.0, foundation=True))
        rows.append(dict(code=f"S{s}K", name=f"STP {s} community", kind="community", stp=s, region=region,
                         population=0.0, size=1.0, foundation=False))
        if s < n_regions:
            rows.append(dict(code=f"S{s}B", name=f"Region {region} ambulance", kind="ambulance", stp=s,
                             region=region, population=0.0, size=1.0, foundation=False))
        # One LA coterminous with the first CCG, one spanning the others (a two-tier-like county).
        rows.append(dict(code=f"S{s}L0", name=f"STP {s} unitary", kind="la", stp=s, region=region,
                         population=200_000.0, size=1.0, foundation=False))
        la_pairs.append((ccgs[0], f"S{s}L0", 1.0, 1.0))
        if len(ccgs) > 1:
            rows.append(dict(code=f"S{s}L1", name=f"STP {s} county", kind="la", stp=s, region=region,
                             population=0.0, size=1.0, foundation=False))
            for code in ccgs[1:]:
                la_pairs.append((code, f"S{s}L1", 1.0, 1.0 / (len(ccgs) - 1)))
    orgs = pd.DataFrame(rows)
    la_pop = orgs[orgs.kind == "ccg"].set_index("code").population
    county = orgs.kind.eq("la") & orgs.population.eq(0.0)
    for i in orgs.index[county]:
        members = [c for c, la, _, _ in la_pairs if la == orgs.at[i, "code"]]
        orgs.at[i, "population"] = float(la_pop[members].sum())
    stps = pd.DataFrame({"code": [f"S{s}" for s in range(cfg.n_stps)], "name": [f"STP {s}" for s in range(cfg.n_stps)],
                         "region": [s % n_regions for s in range(cfg.n_stps)]})
    return _finish(orgs, stps, regions, la_pairs)


BUILDERS = {"england": england, "small": small, "england_2013": england_2013,
            **{name: region for name in REGIONS}}                        # one per name in SCENARIOS


def _finish(orgs: pd.DataFrame, stps: pd.DataFrame, regions: list[str], la_pairs: list[tuple]) -> Structure:
    """Add the regulators and all relationship edges; compute each STP's coterminosity."""
    orgs = orgs.assign(older=orgs["older"].fillna(1.0) if "older" in orgs else 1.0)   # England's share where not given
    reg_rows = [dict(code="NHSE", name="NHS England", kind="nhse", stp=-1, region=-1)]
    reg_rows += [dict(code=f"NHSE-{r}", name=f"NHS England region {r}", kind="nhse_region", stp=-1, region=i)
                 for i, r in enumerate(regions)]
    reg_rows += [dict(code="NHSI", name="NHS Improvement", kind="nhsi", stp=-1, region=-1),
                 dict(code="CQC", name="Care Quality Commission", kind="cqc", stp=-1, region=-1)]
    for r in reg_rows:
        r.update(population=0.0, older=1.0, size=1.0, foundation=False)
    orgs = pd.concat([orgs, pd.DataFrame(reg_rows)], ignore_index=True)
    orgs["stp"] = orgs.stp.astype(int)
    orgs["region"] = orgs.region.astype(int)
    ix = {c: i for i, c in enumerate(orgs.code)}
    kind = orgs.kind.to_numpy()
    stp = orgs.stp.to_numpy()
    region = orgs.region.to_numpy()

    pairs: list[tuple] = []  # undirected; share seen from the first end (ccg_la adds the LA's share of its area)
    for s in range(len(stps)):
        members = np.flatnonzero(stp == s)
        ccgs = [i for i in members if kind[i] == "ccg"]
        provs = [i for i in members if kind[i] in ("acute", "mental_health", "community")]
        pairs += [(a, b, "ccg_ccg", 1.0) for k, a in enumerate(ccgs) for b in ccgs[k + 1:]]
        pairs += [(a, b, "provider_provider", 1.0) for k, a in enumerate(provs) for b in provs[k + 1:]]
        for ptype in ("acute", "mental_health", "community"):
            of_type = [i for i in provs if kind[i] == ptype]
            w = orgs.loc[of_type, "size"].to_numpy(float)
            for c in ccgs:
                pairs += [(c, t, "commissioner_provider", SPEND_MIX[ptype] * wt / w.sum())
                          for t, wt in zip(of_type, w, strict=True)]
    for ri, region_name in enumerate(regions):
        amb = [i for i in np.flatnonzero(region == ri) if kind[i] == "ambulance"]
        for c in np.flatnonzero((region == ri) & (kind == "ccg")):
            pairs += [(c, a, "commissioner_provider", SPEND_MIX["ambulance"] / len(amb)) for a in amb]
        pairs += [(c, ix[f"NHSE-{region_name}"], "ccg_regulator", 1.0)
                  for c in np.flatnonzero((region == ri) & (kind == "ccg"))]
        pairs.append((ix["NHSE"], ix[f"NHSE-{region_name}"], "regulator_regulator", 1.0))
    for p in np.flatnonzero(np.isin(kind, PROVIDER_KINDS)):
        pairs += [(p, ix["NHSI"], "provider_regulator", 1.0), (p, ix["CQC"], "provider_regulator", 1.0)]
    pairs.append((ix["NHSE"], ix["NHSI"], "regulator_regulator", 1.0))
    for c, la, share_ccg, share_la in la_pairs:
        pairs.append((ix[c], ix[la], "ccg_la", float(share_ccg), float(share_la)))

    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    k = np.array([p[2] for p in pairs])
    share = np.array([p[3] for p in pairs])
    share_back = np.array([p[4] if len(p) > 4 else p[3] for p in pairs])
    edges = pd.DataFrame({"src": np.r_[a, b], "dst": np.r_[b, a], "kind": np.r_[k, k],
                          "share": np.r_[share, share_back]})

    # Coterminosity of an STP: how far its CCGs each sit inside one local authority (mean largest LA share of the
    # CCG's area), scaled down by up to half for LAs that straddle the STP boundary. 1 = CCGs and LAs coterminous.
    la_share = pd.DataFrame(la_pairs, columns=["ccg", "la", "share_ccg", "share_la"])
    la_share["stp_ccg"] = la_share.ccg.map(lambda c: stp[ix[c]])
    la_share["stp_la"] = la_share.la.map(lambda c: stp[ix[c]])
    best = la_share.groupby("ccg").share_ccg.max()
    best_stp = best.groupby(best.index.map(lambda c: stp[ix[c]])).mean()
    la_inside = la_share.assign(inside=la_share.stp_ccg == la_share.stp_la).groupby("la").inside.all()
    inside_stp = la_inside.groupby(la_inside.index.map(lambda c: stp[ix[c]])).mean()
    stps = stps.copy()
    stps["coterminosity"] = [float(best_stp.get(s, 0.5) * (0.5 + 0.5 * inside_stp.get(s, 0.5))) for s in range(len(stps))]
    stps["n_orgs"] = [int(np.sum(stp == s)) for s in range(len(stps))]
    return Structure(orgs=orgs, stps=stps, edges=edges, regions=list(regions))
