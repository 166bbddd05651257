"""NE2001 against the Fortran NE2001 distances stored in the ATNF catalogue (DIST_DM1).

mwprop's NE2001p results for the same pulsars come from tests/data/oracle_atnf.csv (made by
tools/make_oracle_fixtures.py); the catalogue itself is read from data/.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, REAL_DATA

from mwprop_batch.catalogue.formats.psrcat import read_psrcat
from mwprop_batch.coords import (
    ecliptic_to_galactic,
    equatorial_to_galactic,
    parse_dec,
    parse_ra,
)

CATALOGUE = REAL_DATA / "psrcat-1.59.db"


@pytest.fixture(scope="module")
def atnf(ne2001) -> pd.DataFrame:
    cat = read_psrcat(CATALOGUE)
    cat = cat[cat["DM"].notna()].reset_index(drop=True)
    l_deg, b_deg = equatorial_to_galactic(parse_ra(cat["RAJ"]), parse_dec(cat["DECJ"]))
    ecl = ~np.isfinite(l_deg)
    l_deg[ecl], b_deg[ecl] = ecliptic_to_galactic(cat["ELONG"][ecl], cat["ELAT"][ecl])
    ours = ne2001.dm_to_dist(l_deg, b_deg, cat["DM"])
    oracle = pd.read_csv(DATA / "oracle_atnf.csv")
    table = cat[["PSRJ", "DM", "DIST_DM1"]].assign(
        NE2001_DIST=ours["DIST"].to_numpy(), NE2001_limit=ours["limit"].to_numpy()
    )
    return table.merge(oracle, on="PSRJ", how="left", validate="one_to_one")


def closeness(distance: pd.Series, fortran: pd.Series) -> dict[str, float]:
    ratio = np.abs(np.log(distance / fortran))
    return {"median": float(np.median(ratio)), "p90": float(np.percentile(ratio, 90)),
            "within_1pc": float(np.mean(ratio < 0.01)), "within_5pc": float(np.mean(ratio < 0.05))}


def test_every_pulsar_with_a_dm_gets_a_distance(atnf):
    assert len(atnf) == 2566
    assert atnf["NE2001_DIST"].notna().all()
    assert atnf["NE2001P_DIST"].notna().all()


def test_at_least_as_close_to_the_fortran_code_as_mwprop(atnf):
    both = atnf[atnf["DIST_DM1"].notna()]
    ours = closeness(both["NE2001_DIST"], both["DIST_DM1"])
    theirs = closeness(both["NE2001P_DIST"], both["DIST_DM1"])
    print(f"|ln(D/DIST_DM1)| over {len(both)} pulsars: ours {ours}, mwprop {theirs}")
    assert ours["median"] <= theirs["median"] + 1e-4
    assert ours["p90"] <= theirs["p90"] + 1e-4
    assert ours["within_1pc"] >= theirs["within_1pc"]
    assert ours["within_5pc"] >= theirs["within_5pc"]
    assert ours["median"] < 0.005 and ours["within_5pc"] > 0.97


def test_limit_flags_agree_with_mwprop(atnf):
    assert (atnf["NE2001_limit"] == atnf["NE2001P_limit"]).mean() > 0.995
