"""Sky-coordinate parsing and conversion, checked against astropy."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mwprop_batch.catalogue.formats.psrcat import read_psrcat
from mwprop_batch.coords import (
    ecliptic_to_galactic,
    equatorial_to_galactic,
    parse_dec,
    parse_ra,
)

PSRCAT = Path(__file__).resolve().parents[1] / "data" / "psrcat-1.59.db"
# measured maxima vs astropy are 0.025 arcsec (ICRS) and 0.030 arcsec (ecliptic): frame bias
MAX_SEPARATION_ARCSEC = 0.05


def separation_arcsec(l1, b1, l2, b2) -> np.ndarray:
    """Great-circle separation (arcsec) of positions in degrees (Vincenty formula)."""
    l1, b1, l2, b2 = map(np.radians, (l1, b1, l2, b2))
    dl = l2 - l1
    num = np.hypot(
        np.cos(b2) * np.sin(dl), np.cos(b1) * np.sin(b2) - np.sin(b1) * np.cos(b2) * np.cos(dl)
    )
    den = np.sin(b1) * np.sin(b2) + np.cos(b1) * np.cos(b2) * np.cos(dl)
    return np.degrees(np.arctan2(num, den)) * 3600.0


def astropy_galactic(lon_deg, lat_deg, frame: str) -> tuple[np.ndarray, np.ndarray]:
    """astropy's Galactic l, b (deg) of ICRS or J2000 mean-ecliptic positions."""
    coordinates = pytest.importorskip("astropy.coordinates")
    units = pytest.importorskip("astropy.units")
    frames = {"icrs": "icrs", "ecliptic": coordinates.BarycentricMeanEcliptic(equinox="J2000")}
    galactic = coordinates.SkyCoord(
        lon_deg * units.deg, lat_deg * units.deg, frame=frames[frame]
    ).galactic
    return galactic.l.deg, galactic.b.deg


@pytest.fixture(scope="module")
def sky() -> tuple[np.ndarray, np.ndarray]:
    """Seeded points uniform over the sphere, plus the poles and the RA = 0/360 seam (deg)."""
    rng = np.random.default_rng(20250601)
    lon = np.concatenate([rng.uniform(0.0, 360.0, 5000), [0.0, 0.0, 359.9999999, 0.0]])
    lat = np.concatenate([np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, 5000))), [90, -90, 0, 0]])
    return lon, lat


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return read_psrcat(PSRCAT)


@pytest.mark.parametrize("frame", ["icrs", "ecliptic"])
def test_matches_astropy_over_the_sky(sky, frame):
    convert = equatorial_to_galactic if frame == "icrs" else ecliptic_to_galactic
    l_deg, b_deg = convert(*sky)
    sep = separation_arcsec(l_deg, b_deg, *astropy_galactic(*sky, frame))
    assert sep.max() < MAX_SEPARATION_ARCSEC
    assert ((l_deg >= 0.0) & (l_deg < 360.0)).all()
    assert (np.abs(b_deg) <= 90.0).all()


def test_catalogue_positions_match_astropy(catalogue):
    coordinates = pytest.importorskip("astropy.coordinates")
    units = pytest.importorskip("astropy.units")
    has_radec = catalogue["RAJ"].notna().to_numpy()
    assert has_radec.sum() == 2401
    ra, dec = parse_ra(catalogue["RAJ"]), parse_dec(catalogue["DECJ"])
    assert np.isfinite(ra[has_radec]).all() and np.isfinite(dec[has_radec]).all()
    assert np.isnan(ra[~has_radec]).all()
    reference = coordinates.SkyCoord(
        catalogue["RAJ"][has_radec].to_list(),
        catalogue["DECJ"][has_radec].to_list(),
        unit=(units.hourangle, units.deg),
    )
    parse_sep = separation_arcsec(
        ra[has_radec], dec[has_radec], reference.ra.deg, reference.dec.deg
    )
    assert parse_sep.max() < 1e-6
    sep = separation_arcsec(
        *equatorial_to_galactic(ra[has_radec], dec[has_radec]),
        *astropy_galactic(ra[has_radec], dec[has_radec], "icrs"),
    )
    assert sep.max() < MAX_SEPARATION_ARCSEC


def test_ecliptic_only_pulsars_match_astropy(catalogue):
    ecliptic_only = catalogue["RAJ"].isna() & catalogue["ELONG"].notna()
    assert ecliptic_only.sum() == 258
    elon = catalogue.loc[ecliptic_only, "ELONG"].to_numpy()
    elat = catalogue.loc[ecliptic_only, "ELAT"].to_numpy()
    sep = separation_arcsec(
        *ecliptic_to_galactic(elon, elat), *astropy_galactic(elon, elat, "ecliptic")
    )
    assert sep.max() < MAX_SEPARATION_ARCSEC


def test_defining_points_of_the_galactic_frame():
    l_deg, b_deg = equatorial_to_galactic([192.85948, 0.0], [27.12825, 90.0])
    assert b_deg[0] == pytest.approx(90.0, abs=1e-9)
    assert l_deg[1] == pytest.approx(122.93192, abs=1e-9)
    assert b_deg[1] == pytest.approx(27.12825, abs=1e-9)
    # Sgr A* (ICRS) is 0.06 deg from the Galactic centre
    l_deg, b_deg = equatorial_to_galactic(266.41683708, -29.00781056)
    assert (float(l_deg), float(b_deg)) == pytest.approx((359.94426, -0.04617), abs=1e-5)
    # the ecliptic poles: north at RA 270, Dec 90 - obliquity
    l_ecl, b_ecl = ecliptic_to_galactic(0.0, 90.0)
    l_eq, b_eq = equatorial_to_galactic(270.0, 90.0 - 84381.406 / 3600.0)
    assert separation_arcsec(l_ecl, b_ecl, l_eq, b_eq) < 1e-6


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("00:00:00", 0.0),
        ("12:30", 187.5),
        ("12 30 00", 187.5),
        ("  05:34:31.973 ", 83.63322083333333),
        ("23:59:59.999", 359.99999583333333),
        ("24:00:00", 0.0),  # 24 h wraps to 0
        ("12", 12.0),  # a bare number is degrees (hours=True: hours)
        ("005.0", 5.0),
        ("12h30m", 187.5),
        ("12h", 180.0),
        ("12h30m00.5s", 187.50208333333333),
        ("12:30.5", 187.625),  # fractional minutes
        ("24:00:01", np.nan),
        ("25:00:00", np.nan),
        ("12:60:00", np.nan),
        ("12:30:60", np.nan),
        ("-01:00:00", np.nan),
        ("12.5:30", np.nan),
        ("12:30:00:00", np.nan),
        ("junk", np.nan),
        ("", np.nan),
        ("1e2", 100.0),
        ("1s", np.nan),
    ],
)
def test_parse_ra_strings(text, degrees):
    np.testing.assert_allclose(parse_ra(text), degrees, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("+62:16:09.4", 62.26927777777778),
        ("-00:30:00", -0.5),  # the sign applies to the whole value
        ("-00:00:36", -0.01),
        ("-00 12 00", -0.2),
        ("+08:10", 8.166666666666666),
        ("+57", 57.0),
        ("-90:00:00", -90.0),
        ("+90:00:00.1", np.nan),
        ("91", np.nan),
        ("-10:75", np.nan),
        ("- 10:00", np.nan),
        ("N/A", np.nan),
    ],
)
def test_parse_dec_strings(text, degrees):
    np.testing.assert_allclose(parse_dec(text), degrees, rtol=0, atol=1e-10)


def test_parse_mixed_values_and_missing():
    values = pd.Series([187.5, "12:30", None, np.nan, pd.NA, "bad", 360.0, -1.0, 400.0])
    np.testing.assert_array_equal(
        parse_ra(values), [187.5, 187.5, np.nan, np.nan, np.nan, np.nan, 0.0, np.nan, np.nan]
    )
    np.testing.assert_array_equal(
        parse_dec([45.0, "-45:00", None, 90.5, -90.0]), [45.0, -45.0, np.nan, np.nan, -90.0]
    )


def test_parse_keeps_shape():
    assert parse_ra("12:00").shape == ()
    assert float(parse_ra("12:00")) == 180.0
    assert parse_dec(np.array([["+10", "-10"], ["0", "x"]])).shape == (2, 2)
    np.testing.assert_array_equal(parse_ra(np.arange(3)), [0.0, 1.0, 2.0])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59_999), st.sampled_from([":", " "]))
def test_parse_ra_round_trip(hours, minutes, millisec, sep):
    text = sep.join([f"{hours:02d}", f"{minutes:02d}", f"{millisec / 1000:06.3f}"])
    expected = 15.0 * (hours + minutes / 60.0 + millisec / 3.6e6)
    assert float(parse_ra(text)) == pytest.approx(expected, abs=1e-10)


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.integers(0, 89), st.integers(0, 59), st.integers(0, 5999))
def test_parse_dec_round_trip(negative, degrees, minutes, centisec):
    sign = "-" if negative else "+"
    text = f"{sign}{degrees:02d}:{minutes:02d}:{centisec / 100:05.2f}"
    expected = degrees + minutes / 60.0 + centisec / 360_000.0
    assert float(parse_dec(text)) == pytest.approx(-expected if negative else expected, abs=1e-10)


def test_conversions_broadcast():
    ra = np.array([[0.0], [90.0], [180.0]])
    dec = np.array([-30.0, 0.0, 30.0, 60.0])
    l_deg, b_deg = equatorial_to_galactic(ra, dec)
    assert l_deg.shape == b_deg.shape == (3, 4)
    l_one, b_one = equatorial_to_galactic(90.0, 30.0)
    assert l_one.shape == b_one.shape == ()
    assert (float(l_one), float(b_one)) == (l_deg[1, 2], b_deg[1, 2])
    l_ecl, b_ecl = ecliptic_to_galactic(10.0, dec)
    assert l_ecl.shape == b_ecl.shape == (4,)


def test_nan_in_nan_out():
    for convert in (equatorial_to_galactic, ecliptic_to_galactic):
        l_deg, b_deg = convert([np.nan, 10.0, 10.0], [10.0, np.nan, 10.0])
        assert np.isnan(l_deg[:2]).all() and np.isnan(b_deg[:2]).all()
        assert np.isfinite(l_deg[2]) and np.isfinite(b_deg[2])
