"""Model.density_along: the (sightline x distance) gufunc equals Model.density point by point."""

import numpy as np
import pytest
from kernel_calls import from_python

from mwprop_batch import Model
from mwprop_batch.core.frames import sky_to_galactocentric
from mwprop_batch.families.ne.columns import DENSITY_COLUMNS
from mwprop_batch.families.ne.kernels import arms
from mwprop_batch.families.ne.kernels.arms import reach_cells
from mwprop_batch.families.ne.kernels.density_grid import (
    MIN_DISTANCES_TO_CULL,
    sightline_points,
)
from mwprop_batch.families.ne.kernels.layout import (
    CL_REACH,
    CL_X,
    CL_Y,
    CL_Z,
    P_ARMCUT,
    P_LOOP_ROUT,
    P_LOOP_X,
    P_LOOP_Y,
    P_LOOP_Z,
    P_RSUN,
    VO_AXES,
    VO_QMAX,
    VO_ROT,
    VO_X,
    VO_Y,
    VO_Z,
)
from mwprop_batch.grid import GridShapeError

# kernels only kernels call (no Python entry point), through compiled callers
arm_distance = from_python(arms.arm_distance)
start_grid_cell = from_python(arms.start_grid_cell)


def sightlines_through_everything(model: Model, n_random: int = 300) -> tuple[np.ndarray, ...]:
    """Random all-sky sightlines, plus the plane, the GC and one toward every clump."""
    rng = np.random.default_rng(16)
    l_deg = rng.uniform(0.0, 360.0, n_random)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n_random)))
    c = model.tables.clump_par
    r_sun = model.tables.P[P_RSUN]
    dx, dy, dz = c[:, CL_X], c[:, CL_Y] - r_sun, c[:, CL_Z]
    l_clump = np.degrees(np.arctan2(dx, -dy)) % 360.0
    b_clump = np.degrees(np.arctan2(dz, np.hypot(dx, dy)))
    l_all = np.concatenate([l_deg, np.linspace(0, 359, 60), [0.0, 0.0], l_clump])
    b_all = np.concatenate([b_deg, np.zeros(60), [0.0, -0.05], b_clump])
    return l_all, b_all


def test_equals_density_at_the_same_points_bit_for_bit(model):
    l_deg, b_deg = sightlines_through_everything(model)
    # fine near the Sun (local ISM), then out to beyond the model's edge
    dist = np.concatenate([np.linspace(0.0, 0.6, 121), np.linspace(0.6, 60.0, 700)[1:]])
    grid = model.density_along(l_deg[:, None], b_deg[:, None], dist, components=True)
    n, m = l_deg.size, dist.size
    ll = np.broadcast_to(l_deg[:, None], (n, m)).ravel().copy()
    bb = np.broadcast_to(b_deg[:, None], (n, m)).ravel().copy()
    dd = np.broadcast_to(dist, (n, m)).ravel().copy()
    x, y, z = sightline_points(ll, bb, dd, model.tables.P[P_RSUN])
    ref = model.density(x, y, z)
    assert set(grid) == set(ref.columns) == set(DENSITY_COLUMNS)
    for name in ref.columns:
        got = grid[name].reshape(n, 1, m).reshape(-1)
        want = ref[name].to_numpy(dtype=got.dtype, na_value=np.nan if got.dtype != bool else 0)
        assert np.array_equal(got, want, equal_nan=True), name
    # the comparison reached every kind of place
    assert (ref["clump"] > 0).sum() > 100 and (ref["void"] > 0).sum() > 100
    assert ref["in_lism"].sum() > 100 and (ref["ne_gc"] > 0).any() and (ref["arm"] > 0).any()
    # the ne-only form is the same numbers
    ne = model.density_along(l_deg[:, None], b_deg[:, None], dist)
    assert np.array_equal(ne, grid["ne"], equal_nan=True)


def _through(target: np.ndarray, r_sun: float) -> tuple[float, float, float]:
    """l, b (deg) and distance (kpc) of a Galactocentric point seen from the Sun."""
    dx, dy, dz = target[0], target[1] - r_sun, target[2]
    return (float(np.degrees(np.arctan2(dx, -dy)) % 360.0),
            float(np.degrees(np.arctan2(dz, np.hypot(dx, dy)))),
            float(np.linalg.norm([dx, dy, dz])))


def edge_points(model: Model) -> list[tuple[float, float, float]]:
    """(l, b, distance) of points just inside the outermost edge of every clump and void and
    of Loop I, where the sightline grazes them: where the grid's per-sightline culling of
    local components is closest to dropping a point that lies in one."""
    t = model.tables
    r_sun = t.P[P_RSUN]
    sun = np.array([0.0, r_sun, 0.0])
    spheres = [(t.clump_par[c, [CL_X, CL_Y, CL_Z]], t.clump_par[c, CL_REACH])
               for c in range(len(t.clump_par))]
    spheres.append((t.P[[P_LOOP_X, P_LOOP_Y, P_LOOP_Z]], t.P[P_LOOP_ROUT]))
    out = []
    for centre, radius in spheres:  # grazing: the edge point seen perpendicular to the centre
        towards = centre - sun
        side = np.cross(towards, [0.0, 0.0, 1.0])
        for shrink in (1e-12, 1e-9):
            out.append(_through(centre + radius * (1 - shrink) * side / np.linalg.norm(side),
                                r_sun))
    for v in range(len(t.void_par)):  # the tip of the longest axis, just inside the void
        p = t.void_par[v]
        r = int(np.argmax(p[VO_AXES:VO_AXES + 3]))
        axis = p[VO_ROT + 3 * r:VO_ROT + 3 * r + 3]
        reach = np.sqrt(p[VO_QMAX]) * p[VO_AXES + r]
        for shrink in (1e-12, 1e-9):
            out.append(_through(p[[VO_X, VO_Y, VO_Z]] + reach * (1 - shrink) * axis, r_sun))
    return out


def test_culling_of_local_components_keeps_the_edges_bit_for_bit(model):
    """Distances packed around points just inside the edges of clumps, voids and Loop I."""
    l_deg, b_deg, dist = (np.array(v) for v in zip(*edge_points(model), strict=True))
    offsets = np.concatenate([np.linspace(-1e-3, 1e-3, 201), np.linspace(-1e-7, 1e-7, 201)])
    grid_dist = np.maximum(dist[:, None] + offsets, 0.0)
    assert grid_dist.shape[1] >= MIN_DISTANCES_TO_CULL
    grid = model.density_along(l_deg, b_deg, grid_dist, components=True)
    n, m = grid_dist.shape
    x, y, z = sightline_points(np.repeat(l_deg, m), np.repeat(b_deg, m), grid_dist.ravel(),
                               model.tables.P[P_RSUN])
    ref = model.density(x, y, z)
    for name in ref.columns:
        got = grid[name].reshape(-1)
        want = ref[name].to_numpy(dtype=got.dtype, na_value=np.nan if got.dtype != bool else 0)
        assert np.array_equal(got, want, equal_nan=True), name
    # the edges were met: points inside and outside clumps, voids and Loop I alike
    for name in ("clump", "void"):
        assert 0 < (ref[name] > 0).sum() < ref[name].size
    assert 0 < ref["in_loop_i"].sum() < ref["in_loop_i"].size


def test_reach_cells_leave_out_only_arms_out_of_reach(model):
    """An arm missing from a start-grid cell's mask is out of reach at every point of it."""
    t = model.tables
    cells = reach_cells(t.P, t.arm_par, t.arm_grid)
    n_grid = t.arm_grid.shape[0]
    assert cells.shape == (n_grid - 1, n_grid - 1) and cells.dtype == np.uint8
    rng = np.random.default_rng(7)
    cut = t.P[P_ARMCUT]
    left_out = 0
    for x, y in rng.uniform(-21.0, 21.0, (20_000, 2)):
        i, j, _, _ = start_grid_cell(x, y, t.P, n_grid)
        for a in range(t.arm_par.shape[0]):
            if i >= 0 and cells[i, j] >> a & 1:
                continue
            left_out += 1
            assert arm_distance(x, y, a, t.P, t.arm_par, t.arm_coef, t.arm_grid, cut) == np.inf
    assert left_out > 50_000  # most arms are out of reach of most of the plane
    # some cells hold more than one arm, some none
    assert (cells == 0).any() and (np.bitwise_count(cells) > 1).any()
    many = np.zeros((9, t.arm_par.shape[1]))
    assert (reach_cells(t.P, many, t.arm_grid[..., :1, :].repeat(9, axis=2)) == 255).all()


def test_points_are_the_sky_positions(ne2025):
    rng = np.random.default_rng(3)
    l_deg, b_deg = rng.uniform(0, 360, 1000), rng.uniform(-90, 90, 1000)
    dist = rng.uniform(0, 50, 1000)
    got = np.column_stack(sightline_points(l_deg, b_deg, dist, ne2025.parameters.r_sun))
    want = sky_to_galactocentric(l_deg, b_deg, dist, ne2025.parameters.r_sun)
    assert np.max(np.abs(got - want)) < 1e-12


def test_broadcasts_like_a_gufunc(ne2025):
    l_deg = np.array([10.0, 100.0, 250.0])[:, None]
    b_deg = np.array([-3.0, 0.0, 2.0, 40.0])
    dist = np.linspace(0.1, 12.0, 5)
    out = ne2025.density_along(l_deg, b_deg, dist)
    assert out.shape == (3, 4, 5)
    for i in range(3):
        for j in range(4):
            single = ne2025.density_along(l_deg[i, 0], b_deg[j], dist)
            assert single.shape == (5,)
            assert np.array_equal(out[i, j], single)
    # leading dimensions of the distances are loop dimensions too: one grid per sightline
    per_row = np.stack([dist, 2 * dist, 3 * dist])[:, None, :]  # (3, 1, 5)
    out = ne2025.density_along(l_deg, b_deg, per_row)
    assert out.shape == (3, 4, 5)
    assert np.array_equal(out[2, 1], ne2025.density_along(250.0, 0.0, 3 * dist))
    with pytest.raises(GridShapeError):
        ne2025.density_along([1.0, 2.0], [1.0, 2.0, 3.0], dist)
    with pytest.raises(GridShapeError):
        ne2025.density_along(1.0, 2.0, 3.0)
    with pytest.raises(TypeError):
        ne2025.density_along("a", 2.0, dist)


def test_invalid_points_are_nan(ne2025):
    dist = np.array([-1.0, 0.0, 1.0, np.inf, np.nan])
    out = ne2025.density_along([30.0, np.nan, 30.0], [1.0, 1.0, 95.0], dist, components=True)
    assert np.isnan(out["ne"][0, [0, 3, 4]]).all() and np.isfinite(out["ne"][0, [1, 2]]).all()
    assert np.isnan(out["ne"][1:]).all() and np.isnan(out["arm"][1:]).all()
    assert not out["in_lism"][1:].any()
    # l is taken modulo 360
    assert np.array_equal(ne2025.density_along(-30.0, 1.0, dist[1:3]),
                          ne2025.density_along(330.0, 1.0, dist[1:3]))


def test_inside_dask_apply_gufunc_and_xarray_apply_ufunc(ne2025):
    da = pytest.importorskip("dask.array")
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(5)
    l_deg, b_deg = rng.uniform(0, 360, 40), rng.uniform(-10, 10, 40)
    dist = np.linspace(0.0, 20.0, 64)
    eager = ne2025.density_along(l_deg, b_deg, dist)
    lazy = da.apply_gufunc(ne2025.density_along, "(),(),(n)->(n)",
                           da.from_array(l_deg, chunks=7), da.from_array(b_deg, chunks=7), dist,
                           output_dtypes=float)
    assert lazy.chunks[0] == (7,) * 5 + (5,)
    assert np.array_equal(lazy.compute(scheduler="threads"), eager)
    result = xr.apply_ufunc(
        ne2025.density_along, xr.DataArray(l_deg, dims="psr").chunk({"psr": 9}),
        xr.DataArray(b_deg, dims="psr"), xr.DataArray(dist, dims="d"),
        input_core_dims=[[], [], ["d"]], output_core_dims=[["d"]], dask="parallelized",
        output_dtypes=[float],
    )
    assert result.chunks is not None
    assert np.array_equal(result.values, eager)


def test_labelled_form(ne2001):
    pytest.importorskip("xarray")
    dist = np.linspace(0.5, 5.0, 10)
    ds = ne2001.density_along([30.0, 200.0], [1.0, -5.0], dist, components=True, labelled=True)
    assert dict(ds.sizes) == {"sightline": 2, "distance": 10}
    assert set(ds.data_vars) == set(DENSITY_COLUMNS)
    assert ds["ne"].attrs["units"] == "cm^-3" and ds["Cn2"].attrs["units"] == "m^-20/3"
    assert ds["distance"].attrs["units"] == "kpc" and list(ds["l"].values) == [30.0, 200.0]
    assert ds.attrs["model"] == "ne2001"
    plain = ne2001.density_along([30.0, 200.0], [1.0, -5.0], dist)
    assert np.array_equal(ds["ne"].values, plain)
    one = ne2001.density_along(30.0, 1.0, dist, labelled=True)
    assert list(one.data_vars) == ["ne"] and dict(one.sizes) == {"sightline": 1, "distance": 10}
    with pytest.raises(GridShapeError):
        ne2001.density_along(np.zeros((2, 2)), 1.0, dist, labelled=True)


def test_the_gufunc_is_loaded_from_numba_cache_in_a_fresh_process(ne2025):
    import os
    import subprocess
    import sys

    ne2025.density_along(1.0, 1.0, [0.5])  # compiled, or loaded, and cached by now
    code = "from mwprop_batch.families.ne.kernels import density_grid"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "NUMBA_DEBUG_CACHE": "1"},
                         capture_output=True, text=True, check=True).stdout
    ours = [line for line in out.splitlines() if "guf-density_grid.density_grid" in line]
    assert any("data loaded from" in line for line in ours), out
    assert not any("data saved to" in line for line in ours), out


def test_ymw16_equals_its_density_at_the_points_in_its_frame(ymw16):
    """YMW16's grid is its point density in its own frame: Sun at (0, 8.3, 0.006) kpc."""
    l_deg = np.array([0.0, 30.0, 180.0, 280.0, 263.55, 45.0])
    b_deg = np.array([0.0, 0.5, -10.0, -33.0, -2.79, 95.0])  # LMC, Gum; the last is invalid
    dist = np.array([0.0, 0.05, 0.3, 1.0, 4.0, 8.0, 20.0, 49.0, -1.0, np.nan])
    along = ymw16.density_along(l_deg, b_deg, dist, components=True)
    lr, br = np.deg2rad(l_deg)[:, None], np.deg2rad(b_deg)[:, None]
    x = dist * np.cos(br) * np.sin(lr)
    y = 8.3 - dist * np.cos(br) * np.cos(lr)
    z = 0.006 + dist * np.sin(br)
    points = ymw16.density(x, y, z)
    good = np.isfinite(dist) & (dist >= 0.0) & (np.abs(b_deg)[:, None] <= 90.0)
    assert set(along) == set(points.columns)
    for name in points.columns:
        expected = points[name].to_numpy().reshape(good.shape)
        np.testing.assert_array_equal(along[name][good], expected[good], err_msg=name)
    assert np.isnan(along["ne"][~good]).all() and not along["in_gum"][~good].any()
    assert along["ne_mc"][3, 7] > 0.01  # 49 kpc toward the LMC: inside it
    assert np.array_equal(ymw16.density_along(l_deg, b_deg, dist), along["ne"], equal_nan=True)
    labelled = ymw16.density_along(l_deg[:5], b_deg[:5], dist[:8], components=True,
                                   labelled=True)
    assert labelled["ne_gum"].attrs["units"] == "cm^-3" and labelled.sizes["distance"] == 8
