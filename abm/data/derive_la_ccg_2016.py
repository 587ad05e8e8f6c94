"""Rebuild ``la_ccg_2016.csv`` (upper-tier LA x 2016/17 CCG overlaps) from the ONS LSOA lookup.

The shipped ``la_ccg_2017.csv`` of the reference data uses 2017/18 CCGs; the model starts in April 2016 with the
209 CCGs of 2016/17, so the overlaps are recounted from ``lsoa_ccg_lad_stp_2017.csv`` (one row per 2011 LSOA with
its 2016/17 CCG and its upper-tier LA). Shares are LSOA counts, not population weights.

Usage: python -m abm.data.derive_la_ccg_2016 PATH/TO/lsoa_ccg_lad_stp_2017.csv PATH/TO/ltla_utla_2016.csv
"""

import sys
from pathlib import Path

import pandas as pd


def derive(lsoa_csv: str, ltla_csv: str) -> pd.DataFrame:
    lsoa = pd.read_csv(lsoa_csv)
    pairs = lsoa.groupby(["utla_cd", "ccg16cd"]).size().reset_index(name="n_lsoa")
    pairs["share_of_la_lsoas"] = (pairs.n_lsoa / pairs.groupby("utla_cd").n_lsoa.transform("sum")).round(4)
    pairs["share_of_ccg_lsoas"] = (pairs.n_lsoa / pairs.groupby("ccg16cd").n_lsoa.transform("sum")).round(4)
    names = pd.read_csv(ltla_csv)[["utla_cd", "utla_nm"]].drop_duplicates()
    pairs = pairs.merge(names, on="utla_cd", how="left")
    return pairs[["utla_cd", "utla_nm", "ccg16cd", "n_lsoa", "share_of_la_lsoas", "share_of_ccg_lsoas"]]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    derive(sys.argv[1], sys.argv[2]).to_csv(Path(__file__).with_name("la_ccg_2016.csv"), index=False)
