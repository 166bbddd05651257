"""The real ATNF Pulsar Catalogue (v1.59) end to end: psrcat.db -> mwprop-batch convert.

Measured on v1.59 (2,510 pulsars with a DM, a DIST_DM1 and an NE2001 distance that is not a
lower limit): NE2001_DIST / DIST_DM1 (the catalogue's Fortran NE2001 distance) has a median
|ratio - 1| of 0.26%; 82% agree within 1%, 99.6% within 5% and 99.8% within 10%. The few
larger differences are pulsars near clumps or voids (J0834-4159, J0840-5332) and rounded
catalogue positions (J2227+30). DIST_DM1 is quoted to 0.01 kpc.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mwprop_batch.catalogue.formats.psrcat import read_psrcat
from mwprop_batch.cli import main
from mwprop_batch.positions import find_columns, read_inputs

PSRCAT = Path(__file__).resolve().parents[1] / "data" / "psrcat-1.59.db"
ARCSEC = 1.0 / 3600.0



@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return read_psrcat(PSRCAT)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> pd.DataFrame:
    target = tmp_path_factory.mktemp("atnf") / "atnf.parquet"
    assert main(["convert", str(PSRCAT), str(target), "--model", "ne2001,ne2025",
                 "--quiet"]) == 0
    return pd.read_parquet(target)


def separation_deg(l1, b1, l2, b2) -> np.ndarray:
    """Great-circle separation (deg) by the haversine formula."""
    l1, b1, l2, b2 = map(np.radians, (l1, b1, l2, b2))
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin((l2 - l1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(h)))


def test_every_row_comes_through_in_order(raw, converted):
    assert len(converted) == 2659
    assert converted["PSRJ"].tolist() == raw["PSRJ"].tolist()
    pd.testing.assert_series_equal(converted["DM"], raw["DM"])
    assert converted.columns[-1] == "status"
    # the 93 pulsars without a DM are the only bad rows: no position is missing
    assert (converted["status"] == "ok").sum() == 2659 - 93
    assert (converted.loc[raw["DM"].isna(), "status"] == "DM missing").all()


def test_positions_agree_with_astropy(raw):
    coordinates = pytest.importorskip("astropy.coordinates")
    units = pytest.importorskip("astropy.units")
    inputs = read_inputs(raw, find_columns(list(raw.columns)))
    equatorial = raw["RAJ"].notna().to_numpy()
    assert equatorial.sum() == 2401 and (~equatorial).sum() == 258
    sky = coordinates.SkyCoord(raw["RAJ"][equatorial], raw["DECJ"][equatorial],
                               unit=(units.hourangle, units.deg), frame="icrs").galactic
    gap = separation_deg(inputs.l_deg[equatorial], inputs.b_deg[equatorial],
                         sky.l.deg, sky.b.deg)
    assert gap.max() < 1.0 * ARCSEC
    ecliptic = coordinates.SkyCoord(
        raw["ELONG"][~equatorial].to_numpy() * units.deg,
        raw["ELAT"][~equatorial].to_numpy() * units.deg,
        frame=coordinates.BarycentricMeanEcliptic(equinox="J2000"),
    ).galactic
    gap = separation_deg(inputs.l_deg[~equatorial], inputs.b_deg[~equatorial],
                         ecliptic.l.deg, ecliptic.b.deg)
    assert gap.max() < 1.0 * ARCSEC


def test_ne2001_distances_agree_with_the_catalogue(converted):
    usable = (
        (converted["status"] == "ok") & converted["DIST_DM1"].notna()
        & ~converted["NE2001_limit"]
    )
    deviation = (converted["NE2001_DIST"][usable] / converted["DIST_DM1"][usable] - 1).abs()
    median, within_5, within_10 = deviation.median(), (deviation < 0.05).mean(), \
        (deviation < 0.10).mean()
    print(f"\nNE2001_DIST vs DIST_DM1, {usable.sum()} pulsars: median |ratio-1| "
          f"{median:.2%}, within 5%: {within_5:.1%}, within 10%: {within_10:.1%}")
    assert usable.sum() > 2500
    assert median < 0.005
    assert within_5 > 0.99
    assert within_10 > 0.995
