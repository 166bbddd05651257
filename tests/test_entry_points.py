"""Every public entry point x every model x labelled or not: it runs, and values with units
pass the one unit gate (converted by their unit, or refused).

A method added to :class:`Model` without an entry here fails
``test_every_public_method_is_walked``.
"""

import inspect

import numpy as np
import pandas as pd
import pytest

from mwprop_batch import Model
from mwprop_batch.convert import convert

u = pytest.importorskip("astropy.units")
xr = pytest.importorskip("xarray")

L_DEG = np.array([30.0, 200.0])
B_DEG = np.array([1.0, -4.0])
DIST_KPC = np.array([0.5, 1.0, 2.5])
DM = np.array([100.0, 40.0])

# every public method of Model, called on the same inputs in three forms: plain numbers in the
# documented units, astropy Quantities in other units, and xarray DataArrays (labelled)
METHODS = ("density", "density_along", "density_along_components", "dm_to_dist", "dist_to_dm",
           "dm_max", "dm_profile")


def call(model: Model, method: str, form: str):
    """``method`` of ``model`` with its inputs as ``form``: 'plain', 'units' (pc, rad, MHz,
    m/s) or 'labelled' (DataArrays)."""
    units, labelled = form == "units", form == "labelled"

    def angle(deg, dim="psr"):
        value = np.deg2rad(deg) * u.rad if units else deg
        return xr.DataArray(value, dims=dim) if labelled else value

    def length(kpc, dim="d"):
        value = kpc * 1000.0 * u.pc if units else kpc
        return xr.DataArray(value, dims=dim) if labelled else value

    freq = 400.0 * u.MHz if units else 0.4
    speed = 50_000.0 * u.m / u.s if units else 50.0
    if method == "density":
        x, y, z = (length(np.array(v), "p") for v in ([0.1, 1.0], [8.0, 7.0], [0.0, 0.2]))
        return model.density(x, y, z)
    if method.startswith("density_along"):
        components = method.endswith("components")
        return model.density_along(angle(L_DEG), angle(B_DEG), length(DIST_KPC),
                                   components=components)
    if method == "dm_to_dist":
        dm = DM * 1e-3 * u.kpc / u.cm**3 if units else DM
        dm = xr.DataArray(dm, dims="psr") if labelled else dm
        return model.dm_to_dist(angle(L_DEG), angle(B_DEG), dm, scattering=True,
                                freq_ghz=freq, velocity_kms=speed)
    if method == "dist_to_dm":
        return model.dist_to_dm(angle(L_DEG), angle(B_DEG), length(DIST_KPC[:2], "psr"),
                                scattering=True, freq_ghz=freq, velocity_kms=speed)
    if method == "dm_max":
        return model.dm_max(angle(L_DEG), angle(B_DEG))
    return model.dm_profile(angle(L_DEG), angle(B_DEG), length(DIST_KPC))


def values(result) -> dict[str, np.ndarray]:
    """Every column of a result (DataFrame, Dataset, dict or array) as a flat float array."""
    if isinstance(result, xr.Dataset):
        return {n: result[n].values.astype(float).ravel() for n in result.data_vars
                if n != "status"}
    if isinstance(result, pd.DataFrame):
        return {n: result[n].to_numpy(dtype=float, na_value=np.nan) for n in result.columns
                if n != "status"}
    if isinstance(result, dict):
        return {n: np.asarray(v, dtype=float).ravel() for n, v in result.items()}
    return {"value": np.asarray(result, dtype=float).ravel()}


def assert_same_values(got, expected) -> None:
    got, expected = values(got), values(expected)
    if set(expected) == {"value"}:  # an array: the Dataset's one variable
        assert len(got) == 1
        got = {"value": next(iter(got.values()))}
    assert set(got) >= set(expected)
    for name, want in expected.items():
        np.testing.assert_allclose(got[name], want, rtol=1e-12, atol=0, err_msg=name)


def test_every_public_method_is_walked():
    public = {n for n, v in vars(Model).items() if inspect.isfunction(v) and not n.startswith("_")}
    walked = {m.removesuffix("_components") for m in METHODS}
    assert public == walked


@pytest.mark.parametrize("form", ["units", "labelled"])
@pytest.mark.parametrize("method", METHODS)
def test_every_method_every_model_plain_units_labelled(any_model, method, form):
    """The same numbers whatever the form: pc, rad, MHz, m/s converted by their units, xarray
    inputs (YMW16's labelled components included) giving the same values as arrays."""
    expected = call(any_model, method, "plain")
    got = call(any_model, method, form)
    if form == "labelled":
        assert isinstance(got, xr.Dataset)
        if method == "density_along_components":
            assert set(got.data_vars) == set(expected)
    assert_same_values(got, expected)
    if method in ("dm_to_dist", "dist_to_dm"):
        status = got["status"]
        assert list(np.ravel(status)) == expected["status"].tolist() == ["ok", "ok"]


def test_density_along_keeps_units_and_labelled_keeps_them_too(ymw16):
    """The reported case: 1000 pc is 1 kpc (was read as 1000 kpc), 1 rad is 57.3 deg."""
    near = ymw16.density_along(30, 1, [1000] * u.pc)
    assert near[0] == ymw16.density_along(30, 1, [1.0])[0] > 0.05
    along = ymw16.density_along(1 * u.rad, 0, [1.0])
    assert along[0] == ymw16.density_along(np.rad2deg(1.0), 0, [1.0])[0]
    labelled = ymw16.density_along(30, 1, [1000] * u.pc, labelled=True)
    assert labelled["distance"].values.tolist() == [1.0]
    assert labelled["ne"].values[0, 0] == near[0]


WRONG = {"angle": 1.0 * u.s, "length": 1.0 * u.s, "dm": 1.0 * u.kpc, "frequency": 1.0 * u.m,
         "velocity": 1.0 * u.kg}


@pytest.mark.parametrize("case", [
    ("density", "length"), ("density_along", "angle"), ("density_along", "length"),
    ("density_along_labelled", "length"), ("dm_to_dist", "dm"), ("dm_to_dist", "frequency"),
    ("dist_to_dm", "length"), ("dist_to_dm", "velocity"), ("dm_max", "angle"),
    ("dm_profile", "length"), ("convert", "frequency"), ("accessor", "frequency"),
    ("labelled_dm_to_dist", "angle"),
])
def test_a_wrong_unit_is_refused_everywhere(ymw16, case):
    entry, kind = case
    bad = WRONG[kind]
    frame = pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": [100.0]})
    calls = {
        "density": lambda: ymw16.density(bad, 8.0, 0.0),
        "density_along": lambda: (ymw16.density_along(bad, 1.0, [1.0]) if kind == "angle"
                                  else ymw16.density_along(30.0, 1.0, [1.0] * bad)),
        "density_along_labelled": lambda: ymw16.density_along(30.0, 1.0, [1.0] * bad,
                                                              labelled=True),
        "dm_to_dist": lambda: (ymw16.dm_to_dist(30.0, 1.0, bad) if kind == "dm"
                               else ymw16.dm_to_dist(30.0, 1.0, 100.0, scattering=True,
                                                     freq_ghz=bad)),
        "dist_to_dm": lambda: (ymw16.dist_to_dm(30.0, 1.0, bad) if kind == "length"
                               else ymw16.dist_to_dm(30.0, 1.0, 1.0, velocity_kms=bad)),
        "dm_max": lambda: ymw16.dm_max(30.0, bad),
        "dm_profile": lambda: ymw16.dm_profile(30.0, 1.0, [1.0] * bad),
        "convert": lambda: convert(frame, "ymw16", scattering=True, freq_ghz=bad),
        "accessor": lambda: frame.mwprop.dm_to_dist("ymw16", scattering=True, freq_ghz=bad),
        "labelled_dm_to_dist": lambda: ymw16.dm_to_dist(
            xr.DataArray([30.0] * bad, dims="psr"), xr.DataArray([1.0], dims="psr"),
            xr.DataArray([100.0], dims="psr")),
    }
    with pytest.raises(u.UnitConversionError):
        calls[entry]()


def test_convert_and_accessor_convert_frequency_and_speed_by_their_units():
    frame = pd.DataFrame({"GL": [30.0], "GB": [1.0], "DM": [100.0]})
    plain = convert(frame, "ne2025,ymw16", scattering=True, freq_ghz=0.4, velocity_kms=50.0)
    for out in (
        convert(frame, "ne2025,ymw16", scattering=True, freq_ghz=400 * u.MHz,
                velocity_kms=50_000 * u.m / u.s),
        frame.mwprop.dm_to_dist("ne2025,ymw16", scattering=True, freq_ghz=400 * u.MHz,
                                velocity_kms=50_000 * u.m / u.s),
    ):
        pd.testing.assert_frame_equal(out, plain, rtol=1e-12)
