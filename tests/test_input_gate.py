"""The Python API takes only what the gate lets in: masks are missing values, non-numeric kinds
are refused by name, a sky coordinate's positional followers cannot shift, extreme but valid
frequencies flag rows, duplicate column names are named."""

import numpy as np
import pandas as pd
import pytest

from mwprop_batch.convert import convert
from mwprop_batch.core.errors import ConversionError, InvalidTypeError, MwpropBatchError
from mwprop_batch.core.rows import InvalidRowError


def test_a_masked_element_is_a_bad_row_with_its_reason(any_model):
    dm = np.ma.masked_array([300.0, 40.0], mask=[0, 1])
    out = any_model.dm_to_dist([30.0, 200.0], [2.0, -5.0], dm)
    assert out["status"].tolist() == ["ok", "DM masked"]
    assert np.isnan(out["DIST"].iloc[1]) and np.isfinite(out["DIST"].iloc[0])
    assert out["DIST"].iloc[0] == any_model.dm_to_dist(30.0, 2.0, 300.0)["DIST"].iloc[0]
    b_deg = np.ma.masked_array([2.0, -5.0], mask=[1, 0])
    far = any_model.dist_to_dm([30.0, 200.0], b_deg, 1.0)
    assert far["status"].tolist() == ["b masked", "ok"] and np.isnan(far["DM"].iloc[0])
    with pytest.raises(InvalidRowError, match="row 1: DM masked"):
        any_model.dm_to_dist([30.0, 200.0], [2.0, -5.0], dm, errors="raise")


def test_a_masked_dm_error_is_no_error_given(ne2025):
    err = np.ma.masked_array([1.0, 1.0], mask=[0, 1])
    out = ne2025.dm_to_dist([30.0, 30.0], 2.0, 100.0, err)
    assert out["status"].tolist() == ["ok", "ok"]
    assert np.isfinite(out["DIST_LO"].iloc[0]) and np.isnan(out["DIST_LO"].iloc[1])


def test_masked_elements_are_nan_in_the_methods_without_status(ymw16):
    l_deg = np.ma.masked_array([30.0, 40.0], mask=[0, 1])
    dm_max = ymw16.dm_max(l_deg, 2.0)
    assert np.isfinite(dm_max[0]) and np.isnan(dm_max[1])
    along = ymw16.density_along(30.0, 1.0, np.ma.masked_array([1.0, 2.0], mask=[0, 1]))
    assert np.isfinite(along[0]) and np.isnan(along[1])


@pytest.mark.parametrize("value, what", [
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    (np.array([5], dtype="timedelta64[s]"), "durations"),
    (np.array([True]), "booleans"),
    (np.array([True, 2.0], dtype=object), "bool"),
])
def test_dates_durations_and_booleans_are_refused_by_name(ne2025, value, what):
    with pytest.raises(InvalidTypeError, match=f"dm must be real numbers, got .*{what}"):
        ne2025.dm_to_dist(30.0, 2.0, value)
    with pytest.raises(InvalidTypeError, match="dist_kpc must be real numbers"):
        ne2025.density_along(30.0, 2.0, value)
    with pytest.raises(InvalidTypeError, match="x must be real numbers"):
        ne2025.density(value, 8.0, 0.0)


def test_a_sky_coordinate_does_not_shift_two_positional_values(ne2025):
    coordinates = pytest.importorskip("astropy.coordinates")
    u = pytest.importorskip("astropy.units")
    coord = coordinates.SkyCoord(l=30 * u.deg, b=2 * u.deg, frame="galactic")
    with pytest.raises(InvalidTypeError, match=r"by keyword: dm_to_dist\(coord, dm=\.\.\."):
        ne2025.dm_to_dist(coord, 2.0, 300.0)
    with pytest.raises(InvalidTypeError, match="by keyword"):
        ne2025.dm_to_dist(coord, 2.0, dm=300.0)
    with pytest.raises(InvalidTypeError, match="pass no b_deg"):
        ne2025.dm_max(coord, 2.0)
    plain = ne2025.dm_to_dist(30.0, 2.0, 300.0, 2.0)
    assert ne2025.dm_to_dist(coord, 300.0, dm_err=2.0).equals(plain)
    assert ne2025.dm_to_dist(coord, dm=300.0, dm_err=2.0).equals(plain)


@pytest.mark.parametrize("freq_ghz", [1e-300, 1e-100, 1e300])
def test_an_extreme_frequency_flags_the_row(any_model, freq_ghz):
    out = any_model.dm_to_dist([30.0, 40.0], [1.0, 2.0], [100.0, 50.0], scattering=True,
                               freq_ghz=freq_ghz)
    scattering = out.drop(columns=["DIST", "DM", "DMz", "limit", "status"])
    finite = np.isfinite(scattering.to_numpy(dtype=float)).all(axis=1)
    assert ((out["status"] == "ok") == finite).all()
    assert out["status"].str.startswith(("ok", "scattering not finite")).all()
    frame = pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": [100.0]})
    converted = convert(frame, any_model, scattering=True, freq_ghz=freq_ghz)
    assert converted["status"].iloc[0] == out["status"].iloc[0]


def test_the_cli_flags_an_extreme_frequency(tmp_path, capsys):
    from mwprop_batch.cli import main

    source = tmp_path / "in.csv"
    source.write_text("GL,GB,DM\n30,1,100\n")
    assert main(["convert", str(source), str(tmp_path / "o.parquet"), "--scattering",
                 "--freq-ghz", "1e-300", "--model", "ne2025,ymw16", "--quiet"]) == 0
    status = pd.read_parquet(tmp_path / "o.parquet")["status"].iloc[0]
    assert status.startswith("NE2025: scattering not finite: TAU")
    assert "YMW16: scattering not finite: TAU" in status


def test_duplicate_column_names_are_named():
    frame = pd.DataFrame([[30.0, 1.0, 100.0, 5.0]], columns=["GL", "GB", "DM", "DM"])
    for run in (lambda: convert(frame, "ne2025"), lambda: frame.mwprop.dm_to_dist("ne2025")):
        with pytest.raises(ConversionError, match=r"several columns named 'DM' \(2x\)") as raised:
            run()
        assert isinstance(raised.value, MwpropBatchError)
    other = pd.DataFrame([[30.0, 1.0, 100.0, 5.0, 6.0]], columns=["GL", "GB", "DM", "x", "x"])
    assert convert(other, "ne2025")["status"].tolist() == ["ok"]  # not read: kept as it is


def test_integers_and_numeric_text_still_pass(ymw16):
    floats = ymw16.dm_to_dist([30.0, 40.0], [1.0, 2.0], [100.0, 50.0])
    assert ymw16.dm_to_dist(np.array([30, 40]), np.array([1, 2]), [100, 50]).equals(floats)
    assert ymw16.dm_to_dist(["30", "40"], [1, 2], [100, 50]).equals(floats)
