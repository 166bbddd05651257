"""Values with astropy units are converted by their unit or refused, never stripped."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

u = pytest.importorskip("astropy.units")
coordinates = pytest.importorskip("astropy.coordinates")

from mwprop_batch.core.arguments import IndexAlignmentError  # noqa: E402


def test_distance_quantity_is_converted_by_its_unit(ne2025):
    plain = ne2025.dist_to_dm(30.0, 2.0, 3.0)
    in_pc = ne2025.dist_to_dm(30.0, 2.0, 3000 * u.pc)
    assert in_pc["DM"].iloc[0] == plain["DM"].iloc[0]
    assert in_pc["DIST"].iloc[0] == 3.0


def test_angles_dm_and_error_quantities(ne2025):
    plain = ne2025.dm_to_dist(30.0, 2.0, 100.0, 5.0)
    with_units = ne2025.dm_to_dist(
        coordinates.Angle(np.radians(30.0), u.rad), 120 * u.arcmin, 100 * u.pc / u.cm**3,
        5e-6 * u.Mpc / u.cm**3,
    )
    pd.testing.assert_frame_equal(with_units, plain, rtol=1e-12)
    assert ne2025.dm_max(30 * u.deg, 2 * u.deg) == ne2025.dm_max(30.0, 2.0)
    np.testing.assert_array_equal(ne2025.dm_profile(30 * u.deg, 2 * u.deg, [1, 2] * u.kpc),
                                  ne2025.dm_profile(30.0, 2.0, [1.0, 2.0]))


def test_frequency_and_speed_quantities(ne2001):
    plain = ne2001.dist_to_dm(45.0, 2.0, 4.0, scattering=True, freq_ghz=0.4, velocity_kms=50.0)
    quantities = ne2001.dist_to_dm(45.0, 2.0, 4.0, scattering=True, freq_ghz=400 * u.MHz,
                                   velocity_kms=50_000 * u.m / u.s)
    pd.testing.assert_frame_equal(quantities, plain, rtol=1e-12)


def test_density_positions_with_units(ne2025):
    plain = ne2025.density(0.5, 8.0, 0.01)
    quantities = ne2025.density(500 * u.pc, 8 * u.kpc, 10 * u.pc)
    pd.testing.assert_frame_equal(quantities, plain, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.dist_to_dm(30.0, 2.0, 3 * u.deg), "dist_kpc"),
        (lambda m: m.dm_to_dist(30 * u.kpc, 2.0, 100.0), "l_deg"),
        (lambda m: m.dm_to_dist(30.0, 2.0, 100 * u.pc), "dm"),
        (lambda m: m.dist_to_dm(30.0, 2.0, 3.0, freq_ghz=1 * u.km), "freq_ghz"),
        (lambda m: m.dist_to_dm(30.0, 2.0, 3.0, velocity_kms=1 * u.s), "velocity_kms"),
    ],
)
def test_units_that_do_not_convert_are_refused(ne2025, call, message):
    with pytest.raises(u.UnitConversionError, match=message):
        call(ne2025)


def test_skycoord_in_any_frame_stands_in_for_l_b(ne2025):
    gal = coordinates.SkyCoord(l=[30.0, 200.0] * u.deg, b=[2.0, -4.0] * u.deg, frame="galactic")
    icrs = gal.icrs
    plain = ne2025.dm_to_dist([30.0, 200.0], [2.0, -4.0], 100.0, 5.0)
    for coord in (gal, icrs):
        pd.testing.assert_frame_equal(ne2025.dm_to_dist(coord, 100.0, dm_err=5.0), plain,
                                      rtol=1e-9)
        pd.testing.assert_frame_equal(ne2025.dm_to_dist(coord, dm=100.0, dm_err=5.0), plain,
                                      rtol=1e-9)
    np.testing.assert_allclose(ne2025.dm_max(icrs), ne2025.dm_max([30.0, 200.0], [2.0, -4.0]),
                               rtol=1e-9)


def test_skycoord_carries_its_distance(ne2025):
    coord = coordinates.SkyCoord(l=30 * u.deg, b=2 * u.deg, distance=3000 * u.pc,
                                 frame="galactic")
    out = ne2025.dist_to_dm(coord.icrs)
    plain = ne2025.dist_to_dm(30.0, 2.0, 3.0)
    assert out["DM"].iloc[0] == pytest.approx(plain["DM"].iloc[0], rel=1e-9)
    no_distance = coordinates.SkyCoord(l=30 * u.deg, b=2 * u.deg, frame="galactic")
    assert ne2025.dist_to_dm(no_distance, 3.0)["DM"].iloc[0] == pytest.approx(
        plain["DM"].iloc[0], rel=1e-9)
    with pytest.raises(TypeError, match="no distance"):
        ne2025.dist_to_dm(no_distance)


def test_astropy_is_not_imported_for_plain_numbers():
    code = (
        "import sys, mwprop_batch\n"
        "m = mwprop_batch.Model('ne2001')\n"
        "m.dist_to_dm(30.0, 2.0, 1.0); m.dm_to_dist([30.0], [2.0], [10.0])\n"
        "print('astropy' in ' '.join(sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_series_keep_their_index(ne2025):
    index = pd.Index([10, 20, 30], name="psr")
    l_deg = pd.Series([30.0, 40.0, 50.0], index=index)
    b_deg = pd.Series([1.0, 2.0, 3.0], index=index)
    out = ne2025.dm_to_dist(l_deg, b_deg, pd.Series([50.0, 60.0, 70.0], index=index))
    assert out.index.equals(index)
    plain = ne2025.dm_to_dist([30.0, 40.0, 50.0], [1.0, 2.0, 3.0], [50.0, 60.0, 70.0])
    np.testing.assert_array_equal(out["DIST"].to_numpy(), plain["DIST"].to_numpy())
    assert ne2025.dist_to_dm(l_deg, b_deg, 2.0).index.equals(index)
    assert ne2025.dm_max(l_deg, b_deg).index.equals(index)


def test_misaligned_series_are_an_error(ne2025):
    l_deg = pd.Series([30.0, 40.0], index=[0, 1])
    b_deg = pd.Series([1.0, 2.0], index=[1, 0])
    with pytest.raises(IndexAlignmentError, match="different indexes"):
        ne2025.dm_to_dist(l_deg, b_deg, 50.0)
    with pytest.raises(IndexAlignmentError):
        ne2025.dist_to_dm(l_deg, b_deg, 2.0)
