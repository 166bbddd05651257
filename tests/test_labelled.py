"""xarray DataArrays into Model's methods: labelled Datasets out, lazy with dask, equal to eager."""

import sys

import numpy as np
import pytest

from mwprop_batch.labelled import COLUMN_DOCS, LabelledInputError, is_labelled

xr = pytest.importorskip("xarray")
pytest.importorskip("dask.array")

RNG = np.random.default_rng(22)
L_DEG = RNG.uniform(0.0, 360.0, 12)
B_DEG = RNG.uniform(-20.0, 20.0, 12)


def sky(chunks=None):
    """12 sightlines on a 'psr' dim with a name coordinate; DM trials on a 'trial' dim."""
    names = [f"P{i}" for i in range(12)]
    l_deg = xr.DataArray(L_DEG, dims="psr", coords={"psr": names}, attrs={"units": "deg"})
    b_deg = xr.DataArray(B_DEG, dims="psr", coords={"psr": names})
    if chunks:
        l_deg, b_deg = l_deg.chunk({"psr": chunks}), b_deg.chunk({"psr": chunks})
    return l_deg, b_deg


def assert_same(lazy, eager):
    assert set(lazy.data_vars) == set(eager.data_vars)
    for name in eager.data_vars:
        assert lazy[name].dims == eager[name].dims
        assert np.array_equal(lazy[name].values, eager[name].values,
                              equal_nan=lazy[name].dtype.kind == "f"), name
        assert lazy[name].attrs == eager[name].attrs


def test_dm_to_dist_broadcasts_by_name_with_units(ne2025):
    l_deg, b_deg = sky()
    dm = xr.DataArray([50.0, 200.0, 5000.0], dims="trial", coords={"trial": [1, 2, 3]})
    ds = ne2025.dm_to_dist(l_deg, b_deg, dm, scattering=True, freq_ghz=0.4)
    assert isinstance(ds, xr.Dataset)
    assert dict(ds.sizes) == {"psr": 12, "trial": 3}
    assert list(ds["psr"].values) == [f"P{i}" for i in range(12)]
    assert list(ds["trial"].values) == [1, 2, 3]
    assert ds["DIST"].attrs["units"] == "kpc" and ds["TAU"].attrs["units"] == "ms"
    assert ds.attrs == {"model": "ne2025", "freq_ghz": 0.4, "velocity_kms": 100.0}
    plain = ne2025.dm_to_dist(L_DEG[:, None], B_DEG[:, None], [50.0, 200.0, 5000.0],
                              scattering=True, freq_ghz=0.4)
    for column in plain.columns:
        assert np.array_equal(ds[column].values.ravel(), plain[column].to_numpy()), column
    assert ds["limit"].sel(trial=3).any()  # 5000 pc cm^-3 is beyond some sightlines' reach


def test_dims_in_any_order_and_dm_err(ne2001):
    l_deg, b_deg = sky()
    dm = xr.DataArray(RNG.uniform(10, 300, (2, 12)), dims=("epoch", "psr"))
    err = xr.DataArray([1.0, 5.0], dims="epoch")
    ds = ne2001.dm_to_dist(l_deg, b_deg, dm, err)
    assert set(ds.sizes.items()) == {("psr", 12), ("epoch", 2)}
    row = ne2001.dm_to_dist(L_DEG[3], B_DEG[3], float(dm[1, 3]), 5.0).iloc[0]
    for column in ("DIST", "DIST_LO", "DIST_HI"):
        assert float(ds[column].sel(psr="P3").isel(epoch=1)) == row[column]


@pytest.mark.parametrize("method", ["dm_to_dist", "dist_to_dm", "dm_max", "dm_profile",
                                    "density_along"])
def test_dask_inputs_give_lazy_results_equal_to_eager(ne2025, method):
    from dask.base import is_dask_collection

    def call(l_deg, b_deg):
        if method == "dm_to_dist":
            dm = xr.DataArray([30.0, 300.0], dims="trial")
            return ne2025.dm_to_dist(l_deg, b_deg, dm, scattering=True)
        if method == "dist_to_dm":
            return ne2025.dist_to_dm(l_deg, b_deg, xr.DataArray([0.5, 4.0], dims="trial"))
        if method == "dm_max":
            return ne2025.dm_max(l_deg, b_deg)
        dist = xr.DataArray(np.linspace(0.2, 15.0, 9), dims="distance")
        if method == "dm_profile":
            return ne2025.dm_profile(l_deg, b_deg, dist.chunk({"distance": 4}))
        return ne2025.density_along(l_deg, b_deg, dist, components=True)

    eager = call(*sky())
    lazy = call(*sky(chunks=5))
    assert all(is_dask_collection(lazy[v]) for v in lazy.data_vars)
    assert lazy[next(iter(lazy.data_vars))].chunks[0] == (5, 5, 2)
    assert_same(lazy.compute(scheduler="threads"), eager)


def test_lazy_until_computed(ne2025, monkeypatch):
    l_deg, b_deg = sky(chunks=4)
    seen = []
    original = type(ne2025).dm_max

    def spy(self, l_deg, b_deg):
        seen.append(np.shape(l_deg))
        return original(self, l_deg, b_deg)

    monkeypatch.setattr(type(ne2025), "dm_max", spy)
    lazy = ne2025.dm_max(l_deg, b_deg)
    assert seen == [(12,)]  # the dispatching call itself: no chunk computed yet
    seen.clear()
    values = lazy["DM_MAX"].compute(scheduler="sync").values
    assert sorted(seen) == [(4,), (4,), (4,)]
    assert np.array_equal(values, original(ne2025, L_DEG, B_DEG))


def test_profile_and_density_along_take_the_distances_from_the_last_dim(ne2025):
    l_deg, b_deg = sky()
    dist = xr.DataArray(np.linspace(0.5, 10.0, 6), dims="d", coords={"d": np.arange(6)})
    ds = ne2025.dm_profile(l_deg, b_deg, dist)
    assert ds["DM"].dims == ("psr", "d") and ds["DM"].attrs["units"] == "pc cm^-3"
    assert np.array_equal(ds["DM"].values, ne2025.dm_profile(L_DEG, B_DEG, dist.values))
    ne = ne2025.density_along(l_deg, b_deg, dist)
    assert np.array_equal(ne["ne"].values, ne2025.density_along(L_DEG, B_DEG, dist.values))
    with pytest.raises(LabelledInputError, match="last dim"):
        ne2025.dm_profile(l_deg, b_deg, xr.DataArray(np.ones(12), dims="psr"))


def test_unlabelled_arrays_beside_labelled_ones_are_refused(ne2025):
    l_deg, _ = sky()
    with pytest.raises(LabelledInputError, match="b_deg"):
        ne2025.dm_to_dist(l_deg, B_DEG, 100.0)
    ds = ne2025.dm_to_dist(l_deg, 3.0, 100.0)  # scalars broadcast
    assert ds["DIST"].dims == ("psr",)


def test_detection_does_not_import_xarray():
    assert not is_labelled(1.0, np.ones(3), [1.0], None)
    assert is_labelled(np.ones(2), xr.DataArray([1.0]))
    assert "xarray" in sys.modules  # imported by this test module, not by is_labelled
    assert set(COLUMN_DOCS) >= {"DIST", "DM", "TAU", "ne", "DM_MAX"}
