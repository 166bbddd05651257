"""The interpreted and the compiled tier give the same answers (issue 28, item 4).

Every model and public method runs the same seeded rows, plus edge rows (the poles, l = 0
and 360, DM at and just beyond the sightline's maximum, distances 1e-300 and 1e5 kpc,
YMW16's Magellanic Cloud box corners), once with every kernel interpreted and once compiled:
each row has the same status, every value agrees to RTOL (NaN and inf in the same places),
neither tier warns, and where one raises the other raises the same exception.

The interpreted tier takes 10-40 ms a sightline (0.15 ms a density point), so it runs a
seeded sample: SIGHTLINE_ROWS sightlines per method and DENSITY_ROWS points per model, and
the edge rows. The compiled tier also runs COMPILED_ROWS seeded rows per model and method
(COMPILED_ROWS_SLOW in the slow run), whose every valid row must be ``ok`` and finite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mwprop_batch import Model
from mwprop_batch.core.interpreted import interpreted
from mwprop_batch.core.parallel import run_parallel_kernel, split_rows
from mwprop_batch.core.runner import INTERPRETED_CALL_ROWS, KernelRunner
from mwprop_batch.families.ymw16.kernels import density as Y

MODELS = ("ne2001", "ne2025", "ymw16")
METHODS = ("dm_to_dist", "dist_to_dm", "dm_max", "dm_profile", "density")
RTOL = 1e-12
SIGHTLINE_ROWS = 120  # seeded sightlines per model and method, both tiers
DENSITY_ROWS = 20_000  # seeded density points per model, both tiers
COMPILED_ROWS = 20_000  # seeded rows per model and method, compiled tier only
COMPILED_ROWS_SLOW = 100_000  # the same, in the slow run
PROFILE = [0.0, 1e-300, 0.05, 1.0, 7.5, 30.0, 1e5]  # kpc
EPS = np.finfo(np.float64).eps


def run_interpreted(kernel, *args):
    """Every kernel call interpreted, whatever its size."""
    rows, tables = split_rows(kernel, args)
    return interpreted(kernel)(*rows, *tables)


def tier(name: str, compiled: bool) -> Model:
    model = Model(name)
    model._run = run_parallel_kernel if compiled else run_interpreted
    return model


def sky(n: int, seed: int) -> dict[str, np.ndarray]:
    """n seeded all-sky rows: l, b (uniform on the sphere), DM, dm_err (on every third
    row), distance (log-uniform, 0.01-50 kpc)."""
    rng = np.random.default_rng(seed)
    l_deg = rng.uniform(0.0, 360.0, n)
    b_deg = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    b_deg[: n // 4] = rng.uniform(-3.0, 3.0, n // 4)  # the plane, where every component counts
    dm = 10.0 ** rng.uniform(0.5, 3.0, n)
    dm_err = np.where(np.arange(n) % 3 == 0, 0.1 * dm, 0.0)
    dist = 10.0 ** rng.uniform(-2.0, np.log10(50.0), n)
    return {"l": l_deg, "b": b_deg, "dm": dm, "dm_err": dm_err, "dist": dist}


def points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n seeded Galactocentric points (kpc): the disk out to 20 kpc, |z| < 3 kpc, and a
    tenth within 1 kpc of the Sun."""
    rng = np.random.default_rng(seed)
    x, y, z = rng.uniform(-20, 20, n), rng.uniform(-20, 20, n), rng.uniform(-3, 3, n)
    near = slice(0, n // 10)
    x[near], y[near], z[near] = (rng.uniform(-1, 1, n // 10), 8.5 + rng.uniform(-1, 1, n // 10),
                                 rng.uniform(-1, 1, n // 10))
    return x, y, z


def edge_sky(name: str) -> dict[str, np.ndarray]:
    """Edge sightlines: the poles, l = 0 / 360 / just below 360, b = 0, and for YMW16 the
    corners of the Magellanic Cloud box with the doubles on either side of each edge;
    with DM at, just below and just beyond each sightline's maximum, and distances of
    1e-300 and 1e5 kpc."""
    l_deg = [0.0, 123.4, 0.0, 360.0, np.nextafter(360.0, 0.0), 180.0, 30.0, 90.0]
    b_deg = [90.0, -90.0, 0.0, 0.0, 0.0, np.nextafter(90.0, 0.0), 1e-300, -0.0]
    if name == "ymw16":
        P = Model(name).tables.P
        for lon in (P[Y.MC_L_MIN], P[Y.MC_L_MAX]):
            for lat in (P[Y.MC_B_MIN], P[Y.MC_B_MAX]):
                for dl in (-1.0, 0.0, 1.0):
                    for db in (-1.0, 1.0):
                        l_deg.append(lon if dl == 0.0 else np.nextafter(lon, lon + dl))
                        b_deg.append(np.nextafter(lat, lat + db))
    l_deg, b_deg = np.array(l_deg), np.array(b_deg)
    top = tier(name, compiled=True).dm_max(l_deg, b_deg)
    shares = np.array([1.0 - 1e-13, 1.0 - 4 * EPS, 1.0, 1.0 + EPS, 1.0 + 1e-13, 2.0])
    k = shares.size
    return {
        "l": np.repeat(l_deg, k), "b": np.repeat(b_deg, k),
        "dm": (top[:, None] * shares).ravel(),
        "dm_err": np.tile([0.0, 0.0, 1e-13, 0.0, 0.0, 1.0], l_deg.size) * np.repeat(top, k),
        "dist": np.tile([1e-300, 1e-12, 1.0, 50.0, 50.0 + 1e-9, 1e5], l_deg.size),
    }


def call(model: Model, method: str, rows: dict[str, np.ndarray]) -> pd.DataFrame:
    """``method`` of ``model`` on ``rows`` as one table (a method returning an array as
    columns)."""
    if method == "dm_to_dist":
        return model.dm_to_dist(rows["l"], rows["b"], rows["dm"], rows["dm_err"],
                                scattering=True)
    if method == "dist_to_dm":
        return model.dist_to_dm(rows["l"], rows["b"], rows["dist"], scattering=True)
    if method == "dm_max":
        return pd.DataFrame({"DM_MAX": model.dm_max(rows["l"], rows["b"])})
    if method == "dm_profile":
        return pd.DataFrame(model.dm_profile(rows["l"], rows["b"], PROFILE))
    return model.density(rows["x"], rows["y"], rows["z"])


def outcome(model: Model, method: str, rows: dict[str, np.ndarray]):
    """(table, warnings) of a call, or (exception type and message, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(model, method, rows)
        except Exception as error:  # the same exception is what the tiers must share
            result = (type(error), str(error))
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def assert_same(interp: pd.DataFrame, comp: pd.DataFrame, where: str) -> None:
    """Same columns, equal non-float columns, floats equal to RTOL, NaN/inf alike."""
    assert list(interp.columns) == list(comp.columns), where
    for name in comp.columns:
        a, c = interp[name], comp[name]
        if not pd.api.types.is_float_dtype(c.dtype):
            pd.testing.assert_series_equal(a, c, obj=f"{where} {name}")
            continue
        a, c = a.to_numpy(), c.to_numpy()
        assert a.dtype == c.dtype, (where, name)
        same_kind = (np.isnan(a) == np.isnan(c)) & (np.isinf(a) == np.isinf(c))
        both = np.isfinite(a) & np.isfinite(c)
        with np.errstate(invalid="ignore"):  # inf - inf: judged by same_kind and a != c
            close = np.abs(a - c) <= RTOL * np.abs(c)
        bad = ~same_kind | (both & ~close) | (np.isinf(c) & (a != c))
        assert not bad.any(), (
            f"{where} {name}: {bad.sum()} rows differ, first {np.flatnonzero(bad)[:5]}: "
            f"{a[bad][:5]} vs {c[bad][:5]}")


def compare(name: str, method: str, rows: dict[str, np.ndarray], where: str) -> int:
    """Run ``rows`` in both tiers; assert they agree; return the rows compared."""
    interp, interp_warnings = outcome(tier(name, compiled=False), method, rows)
    comp, comp_warnings = outcome(tier(name, compiled=True), method, rows)
    assert interp_warnings == comp_warnings == [], where
    if isinstance(comp, tuple) or isinstance(interp, tuple):
        assert interp == comp, where
        return 0
    assert_same(interp, comp, where)
    return len(comp)


def sightline_rows(name: str, rows: dict[str, np.ndarray], sel) -> dict[str, np.ndarray]:
    return {key: value[sel] for key, value in rows.items()}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", MODELS)
def test_the_tiers_agree_on_seeded_and_edge_rows(name, method):
    if method == "density":
        x, y, z = points(DENSITY_ROWS, seed=11)
        edge = np.array([0.0, 8.5, -20.0, 1e-300, 1e5, np.nextafter(8.5, 9.0)])
        ex, ey, ez = (v.ravel() for v in np.meshgrid(edge, edge, edge / 10.0))
        n = compare(name, method, {"x": x, "y": y, "z": z}, f"{name} density seeded")
        n += compare(name, method, {"x": ex, "y": ey, "z": ez}, f"{name} density edges")
        assert n == DENSITY_ROWS + edge.size ** 3
        return
    rows = sky(SIGHTLINE_ROWS, seed=12)
    assert compare(name, method, rows, f"{name} {method} seeded") == SIGHTLINE_ROWS
    edges = edge_sky(name)
    assert compare(name, method, edges, f"{name} {method} edges") == edges["l"].size


def test_the_tiers_raise_alike(any_model):
    """A bad row with errors="raise", and a wrong input, raise the same in both tiers."""
    bad = {"l": np.array([30.0, 40.0]), "b": np.array([1.0, 91.0]), "dm": np.array([50.0, 50.0]),
           "dm_err": np.array([0.0, 0.0]), "dist": np.array([1.0, 1.0])}
    outcomes = []
    for compiled in (False, True):
        model = tier(any_model.name, compiled)
        with pytest.raises(Exception) as raised:
            model.dm_to_dist(bad["l"], bad["b"], bad["dm"], errors="raise")
        with pytest.raises(Exception) as wrong:
            model.dm_profile(bad["l"], bad["b"], np.ones((3, 2)))
        outcomes.append([(type(e.value), str(e.value)) for e in (raised, wrong)])
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("n", [COMPILED_ROWS,
                               pytest.param(COMPILED_ROWS_SLOW, marks=pytest.mark.slow)])
@pytest.mark.parametrize("method", METHODS[:4])
@pytest.mark.parametrize("name", MODELS)
def test_compiled_rows_are_all_ok_and_finite(name, method, n):
    """n seeded valid rows, compiled: every status ``ok``, every value finite."""
    rows = sky(n, seed=13)
    out = call(tier(name, compiled=True), method, rows)
    if "status" in out:
        assert (out["status"] == "ok").all(), out["status"].value_counts()
        out = out[["DIST" if method == "dm_to_dist" else "DM"]]
    assert np.isfinite(out.to_numpy(float)).all()


def test_the_tier_of_a_call_depends_only_on_that_call(monkeypatch):
    """The same small call is interpreted, and the same large call compiled, whatever ran
    before in the process: a fresh model, after large calls, after other models' calls,
    after the kernels were compiled, and from another thread."""
    import threading

    from mwprop_batch.core import runner

    seen = []

    def spy(kernel):
        seen.append(kernel.py_func.__name__)
        return interpreted(kernel)

    monkeypatch.setattr(runner, "interpreted", spy)
    rows = sky(INTERPRETED_CALL_ROWS + 1, seed=14)
    small = sightline_rows("ne2025", rows, slice(0, INTERPRETED_CALL_ROWS))

    def small_call(model):
        seen.clear()
        first = call(model, "dm_to_dist", small)
        assert seen == ["los_batch"]
        return first

    reference = small_call(Model("ne2025"))
    model = Model("ne2025")
    seen.clear()
    for _ in range(6):  # more rows than any budget, and the kernel compiled in this process
        call(model, "dm_to_dist", rows)
        call(Model("ne2001"), "dm_to_dist", rows)
    assert "los_batch" not in seen
    pd.testing.assert_frame_equal(small_call(model), reference, check_exact=True)
    done = []
    worker = threading.Thread(target=lambda: done.append(small_call(model)))
    worker.start()
    worker.join()
    pd.testing.assert_frame_equal(done[0], reference, check_exact=True)
    assert KernelRunner()._interpret
