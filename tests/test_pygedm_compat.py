"""mwprop_batch.compat.pygedm: pygedm's API (names, defaults, units, errors, warnings, scalar
and array forms) and YMW16's IGM mode (mwprop_batch.families.ymw16.igm). The agreement with pygedm
3.3.0 itself is in tests/test_pygedm_oracle.py."""


import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import Angle

from mwprop_batch.compat import pygedm
from mwprop_batch.core.errors import MwpropBatchError
from mwprop_batch.families.ymw16.igm import frb_dist_to_dm, frb_dm_to_dist

L = np.array([30.0, 204.0, 280.5, 123.4, 0.0])
B = np.array([1.0, -6.5, -32.9, 4.0, 60.0])
DM = np.array([300.0, 80.0, 120.0, 200.0, 20.0])


pytestmark = pytest.mark.usefixtures("quiet_pygedm")  # its notices are tested where asked


@pytest.mark.parametrize("method", ["ymw16", "ne2001", "ne2025"])
def test_scalars_give_scalar_quantities_and_arrays_equal_them(method):
    dist, tau = pygedm.dm_to_dist(L, B, DM, method=method)
    dm, tau_rev = pygedm.dist_to_dm(L, B, 2000.0, method=method)
    assert dist.unit == u.pc and tau.unit == u.s and dm.unit == u.pc / u.cm**3
    assert dist.shape == tau.shape == dm.shape == tau_rev.shape == L.shape
    for i in range(L.size):
        one_dist, one_tau = pygedm.dm_to_dist(float(L[i]), float(B[i]), float(DM[i]),
                                              method=method)
        assert one_dist.isscalar and one_tau.isscalar
        assert one_dist.value == dist[i].value and one_tau.value == tau[i].value
        one_dm = pygedm.dist_to_dm(float(L[i]), float(B[i]), 2000.0, method=method)[0]
        assert one_dm.isscalar and one_dm.value == dm[i].value


@pytest.mark.parametrize("method", ["ne2001", "ne2025"])
def test_ne_methods_are_the_models_own_numbers(method):
    """method='ne2001' is Model('ne2001') (NE2001p), 'ne2025' Model('ne2025'): same kernels,
    distances in pc, tau in s (the Model's TAU is ms)."""
    from mwprop_batch import Model

    model = Model(method)
    ref = model.dm_to_dist(L, B, DM, scattering=True, freq_ghz=0.8)
    limit = ref["limit"].to_numpy()
    assert limit[2] and not limit[:2].any()  # DM 120 toward the LMC: past the Galaxy's
    with pytest.warns(pygedm.BeyondModelWarning, match=f"^{limit.sum()} DM"):
        dist, tau = pygedm.dm_to_dist(L, B, DM, method=method, nu=0.8)
    # a limit row's distance is the Model's: where the DM stops growing (a lower limit)
    np.testing.assert_allclose(dist.to_value("kpc"), ref["DIST"], rtol=1e-12)
    np.testing.assert_allclose(tau.to_value("ms"), ref["TAU"], rtol=1e-12)
    dm, tau = pygedm.dist_to_dm(L, B, 3000.0, method=method)
    ref = model.dist_to_dm(L, B, 3.0, scattering=True)
    np.testing.assert_allclose(dm.value, ref["DM"], rtol=1e-12)
    np.testing.assert_allclose(tau.to_value("ms"), ref["TAU"], rtol=1e-12)


def test_ymw16_auto_mode_matches_the_model_outside_the_clouds_box():
    """Outside the Magellanic Cloud box 'gal' is what Model('ymw16') runs; inside it, mode
    'mc' is: the modes are parameter sets of the same kernels."""
    from mwprop_batch import Model

    ymw16 = Model("ymw16")
    ref = ymw16.dm_to_dist(L, B, DM, scattering=True)
    in_box = (L > 265) & (L < 315) & (B > -60) & (B < -20)
    for mode, rows in (("gal", ~in_box), ("mc", in_box)):
        dist, tau = pygedm.dm_to_dist(L[rows], B[rows], DM[rows], mode=mode)
        np.testing.assert_allclose(dist.to_value("kpc"), ref["DIST"][rows], rtol=1e-12)
        np.testing.assert_allclose(tau.to_value("ms"), ref["TAU"][rows], rtol=1e-12)


def test_gal_mode_toward_the_clouds_ignores_them():
    """pygedm's default mode is 'gal' everywhere: toward the LMC a DM past the Galaxy's runs
    out at 25 kpc (a warned limit), and 'mc' finds the LMC."""
    with pytest.warns(pygedm.BeyondModelWarning):
        gal = pygedm.dm_to_dist(280.5, -32.9, 150.0, mode="gal")[0]
    assert gal.to_value("kpc") == 25.0
    mc = pygedm.dm_to_dist(280.5, -32.9, 150.0, mode="mc")[0]
    assert 45.0 < mc.to_value("kpc") < 60.0


def test_inputs_with_units_are_converted_by_their_unit():
    plain = pygedm.dm_to_dist(30.0, 1.0, 300.0, nu=1.4)
    quant = pygedm.dm_to_dist(Angle(np.deg2rad(30.0), "rad"), 1.0 * u.deg,
                              300.0 * u.pc / u.cm**3, nu=1400 * u.MHz)
    np.testing.assert_allclose([q.value for q in quant], [q.value for q in plain], rtol=1e-12)
    np.testing.assert_allclose(pygedm.dist_to_dm(30.0, 1.0, 2.5 * u.kpc)[0].value,
                               pygedm.dist_to_dm(30.0, 1.0, 2500.0)[0].value, rtol=1e-12)
    np.testing.assert_allclose(
        pygedm.calculate_electron_density_xyz(1 * u.kpc, 2 * u.kpc, 0.1 * u.kpc).value,
        pygedm.calculate_electron_density_xyz(1000.0, 2000.0, 100.0).value, rtol=1e-12)
    with pytest.raises(u.UnitConversionError):
        pygedm.dm_to_dist(30.0, 1.0, 300.0 * u.s)


def test_unknown_methods_and_modes_raise_as_pygedm():
    with pytest.raises(RuntimeError):
        pygedm.dm_to_dist(30.0, 1.0, 300.0, method="tc93")
    with pytest.raises(RuntimeError, match="Galactic"):
        pygedm.dist_to_dm(30.0, 1.0, 300.0, method="ne2001", mode="mc")
    with pytest.raises(TypeError):  # pygedm's C binding: a TypeError
        pygedm.dm_to_dist(30.0, 1.0, 300.0, mode="halo")
    with pytest.raises(MwpropBatchError):
        pygedm.convert_lbr_to_xyz(30.0, 1.0, 300.0, method="galpy")


def test_distance_past_the_range_warns_and_is_set_to_50_kpc():
    with pytest.warns(UserWarning, match="Distance too large, setting to 50 kpc."):
        far = pygedm.dist_to_dm(10.0, 40.0, 150000.0, method="ne2025")[0]
    assert far.value == pygedm.dist_to_dm(10.0, 40.0, 50000.0, method="ne2025")[0].value


def test_dm_zero_is_distance_zero_and_bad_rows_nan():
    assert pygedm.dm_to_dist(30.0, 1.0, 0.0)[0].value == 0.0
    dist = pygedm.dm_to_dist([30.0, 30.0], [95.0, 1.0], [100.0, -5.0], method="ne2025")[0]
    assert np.isnan(dist.value).all()


def test_lbr_density_is_xyz_density_in_the_methods_frame():
    for method, sun in (("ymw16", (0.0, 8300.0, 6.0)), ("ne2001", (0.0, 8500.0, 0.0))):
        x, y, z = pygedm.convert_lbr_to_xyz(0.0, 0.0, 0.0, method=method)
        assert (x.value, y.value, z.value) == sun
        x, y, z = pygedm.convert_lbr_to_xyz(204.0, -6.5, 3000.0, method=method)
        assert pygedm.calculate_electron_density_lbr(204.0, -6.5, 3000.0, method=method) == \
            pygedm.calculate_electron_density_xyz(x, y, z, method=method)


def test_healpix_map_is_dist_to_dm_per_pixel():
    pytest.importorskip("astropy_healpix")
    from mwprop_batch.pictures.sky_map import healpix_centres

    hmap = pygedm.generate_healpix_dm_map(dist=3000.0, nside=4, method="ne2025")
    assert hmap.dtype == np.float32 and hmap.shape == (192,)
    l_deg, b_deg = healpix_centres(4)
    ref = pygedm.dist_to_dm(l_deg, b_deg, 3000.0, method="ne2025")[0].value
    np.testing.assert_allclose(hmap, ref.astype(np.float32))


def test_igm_round_trip_and_parts():
    """DM -> (z, D) -> DM gives the DM back; the parts add up; the core API and the drop-in
    agree (the drop-in's dist_to_dm returns the IGM's part, as pygedm)."""
    fwd = frb_dm_to_dist(L, B, 5000.0, dm_host=50.0)
    assert (fwd["status"] == "ok").all()
    back = frb_dist_to_dm(L, B, fwd["DIST_MPC"], dm_host=50.0)
    np.testing.assert_allclose(back["DM"], 5000.0, rtol=1e-12)
    np.testing.assert_allclose(fwd[["DM_IGM", "DM_GAL", "DM_MC", "DM_HOST"]].sum(axis=1), 5000.0,
                               rtol=1e-12)
    assert fwd["DM_MC"][2] > 50.0 and fwd["DM_MC"][0] == 0.0  # the LMC, only toward it
    dist, tau = pygedm.dm_to_dist(L, B, 5000.0, dm_host=50.0, mode="igm")
    assert dist.unit == u.Mpc
    np.testing.assert_allclose(dist.value, fwd["DIST_MPC"], rtol=1e-12)
    np.testing.assert_allclose(tau.value, fwd["TAU"], rtol=1e-12)
    dm = pygedm.dist_to_dm(L, B, fwd["DIST_MPC"].to_numpy() * u.Mpc, mode="igm")[0]
    np.testing.assert_allclose(dm.value, fwd["DM_IGM"], rtol=1e-12)


def test_igm_dm_below_the_galaxy_says_so():
    fwd = frb_dm_to_dist(30.0, 0.5, 100.0)
    assert fwd["status"][0] == "DM below DM_Gal + DM_MC + DM_host"
    assert fwd["DIST_MPC"][0] == 0.0 and fwd["z"][0] == 0.0
    with pytest.warns(pygedm.BeyondModelWarning, match="DM_Host"):
        assert pygedm.dm_to_dist(30.0, 0.5, 100.0, mode="igm")[0].value == 0.0


def test_ne2001p_is_pygedm_4s_name_for_ne2001_and_ne2001_warns_once():
    import subprocess
    import sys

    code = (
        "import warnings; from mwprop_batch.compat import pygedm\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    a = pygedm.dm_to_dist(30.0, 1.0, 300.0, method='ne2001p')\n"
        "    assert not seen\n"
        "    for _ in range(3):\n"
        "        b = pygedm.dm_to_dist(30.0, 1.0, 300.0, method='NE2001')\n"
        "assert [w.category.__name__ for w in seen] == ['NE2001pWarning'], seen\n"
        "assert a == b\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_halo_dm_as_pygedm():
    from mwprop_batch.families.halos import HaloModel

    both = pygedm.calculate_halo_dm(L, B)
    assert both.unit == u.pc / u.cm**3 and both.shape == L.shape
    np.testing.assert_allclose(both.value, HaloModel("yt2020").dm_max(L, B), rtol=1e-12)
    parts = [pygedm.yt2020.calculate_halo_dm(L, B, component=c).value
             for c in ("spherical", "disk")]
    np.testing.assert_allclose(parts[0] + parts[1], both.value, rtol=1e-12)
    one = pygedm.calculate_halo_dm(Angle(30.0, "deg"), 10.0)
    assert one.isscalar and one.value == pygedm.calculate_halo_dm([30.0], [10.0])[0].value
    assert pygedm.calculate_halo_dm(-150.0, 10.0) == pygedm.calculate_halo_dm(210.0, 10.0)
    assert (pygedm.calculate_halo_dm(L, B, method="yt2020_analytic") == both).all()
    with pytest.raises(RuntimeError, match="component='both'"):
        pygedm.calculate_halo_dm(30.0, 10.0, method="yt2020_analytic", component="disk")
    with pytest.raises(RuntimeError, match="Only YT2020"):
        pygedm.calculate_halo_dm(30.0, 10.0, method="pz19")
    with pytest.raises(RuntimeError, match="Component must be"):
        pygedm.yt2020.calculate_halo_dm(30.0, 10.0, component="corona")


def test_healpix_halo_map():
    pytest.importorskip("astropy_healpix")
    hmap = pygedm.generate_healpix_dm_map(nside=4, method="yt2020")
    assert hmap.dtype == np.float32 and 29.0 < hmap.min() and hmap.max() < 246.0


def test_igm_core_api_converts_units_and_flags_bad_rows():
    plain = frb_dist_to_dm(204.0, -6.5, 1500.0)
    quant = frb_dist_to_dm(204.0 * u.deg, -6.5 * u.deg, 1.5 * u.Gpc)
    np.testing.assert_allclose(quant["DM"], plain["DM"], rtol=1e-12)
    bad = frb_dm_to_dist([30.0, 30.0], [95.0, 10.0], [800.0, np.nan])
    assert bad["status"][0] != "ok" and bad["status"][1] == "DM not finite"
    with pytest.raises(u.UnitConversionError):
        frb_dist_to_dm(204.0, -6.5, 1500.0 * u.s)


def test_the_drop_in_goes_through_the_house():
    """The drop-in imports no family's kernels nor a family's internals: it asks Model (its
    tables, parameters and family), YMW16's public modules modes and igm and the NE engine's
    plain-array calls; the IGM mode imports nothing above its family (issue 30's layers:
    never mwprop_batch.model)."""
    import grimp

    graph = grimp.build_graph("mwprop_batch")
    public = {"mwprop_batch.families.ymw16.modes", "mwprop_batch.families.ymw16.igm",
              "mwprop_batch.families.ne.engine"}
    for module in ("mwprop_batch.compat.pygedm", "mwprop_batch.compat.yt2020"):
        imported = graph.find_modules_directly_imported_by(module)
        assert not {m for m in imported if ".kernels" in m}, module
        assert {m for m in imported if m.startswith("mwprop_batch.families")} <= public, module
    igm = graph.find_modules_directly_imported_by("mwprop_batch.families.ymw16.igm")
    assert {m for m in igm if not m.startswith(("mwprop_batch.families.ymw16.",
                                                "mwprop_batch.core."))} == set(), igm


def test_igm_core_api_takes_ymw16s_tables_or_a_model_holding_them():
    from mwprop_batch import Model
    from mwprop_batch.families.ymw16.tables import build_ymw16_tables, load_ymw16

    ref = frb_dm_to_dist(L, B, 3000.0, dm_host=40.0)
    for given in (Model("ymw16"), build_ymw16_tables(load_ymw16())):
        again = frb_dm_to_dist(L, B, 3000.0, dm_host=40.0, model=given)
        assert again.equals(ref)
        back = frb_dist_to_dm(L, B, ref["DIST_MPC"], dm_host=40.0, model=given)
        assert back.equals(frb_dist_to_dm(L, B, ref["DIST_MPC"], dm_host=40.0))
    with pytest.raises(MwpropBatchError, match="YMW16's tables"):
        frb_dm_to_dist(L, B, 3000.0, model=Model("ne2025"))


@pytest.mark.parametrize("method, mode", [("ymw16", "gal"), ("ymw16", "igm"), ("ne2025", "gal")])
def test_a_frequency_not_finite_and_positive_is_refused_for_every_method(method, mode):
    """NE2001's scattering refuses nu <= 0 or NaN; every method and mode does the same (no
    infinite tau_sc for one method and an error for another)."""
    for nu in (0.0, -1.0, [1.0, np.nan]):
        with pytest.raises(ValueError, match="nu must be finite and > 0"):
            pygedm.dm_to_dist([30.0, 31.0], [1.0, 1.0], 800.0, mode=mode, method=method, nu=nu)
        with pytest.raises(MwpropBatchError, match="nu must be finite and > 0"):
            pygedm.dist_to_dm([30.0, 31.0], [1.0, 1.0], 800.0, mode=mode, method=method, nu=nu)


# pygedm 4.0.1's public functions (FRBs/pygedm at 87273d7, pygedm/pygedm.py and yt2020.py):
# name -> parameters and defaults, as a script calls them
PYGEDM_4_SIGNATURES = {
    "dm_to_dist": [("gl", None), ("gb", None), ("dm", None), ("dm_host", 0), ("mode", "gal"),
                   ("method", "ymw16"), ("nu", 1.0)],
    "dist_to_dm": [("gl", None), ("gb", None), ("dist", None), ("mode", "gal"),
                   ("method", "ymw16"), ("nu", 1.0)],
    "calculate_electron_density_xyz": [("x", None), ("y", None), ("z", None),
                                       ("method", "ymw16")],
    "calculate_electron_density_lbr": [("gl", None), ("gb", None), ("dist", None),
                                       ("method", "ymw16")],
    "convert_lbr_to_xyz": [("gl", None), ("gb", None), ("dist", None), ("method", "ymw16")],
    "generate_healpix_dm_map": [("dist", 1), ("nside", 64), ("method", "ymw16")],
    "calculate_halo_dm": [("gl", None), ("gb", None), ("method", "yt2020"),
                          ("component", "both")],
    "yt2020.calculate_halo_dm": [("l", None), ("b", None), ("component", "both")],
    "yt2020.calculate_halo_dm_analytic": [("l", None), ("b", None)],
}


@pytest.mark.parametrize("name", sorted(PYGEDM_4_SIGNATURES))
def test_every_pygedm_4_function_has_its_signature(name):
    """A script written against pygedm 4.0.1 calls the same names with the same parameters
    and defaults (methods ne2001, ne2001p, ne2025, ymw16; yt2020 for the halo)."""
    import inspect

    module = pygedm
    for part in name.split(".")[:-1]:
        module = getattr(module, part)
    function = getattr(module, name.split(".")[-1])
    ours = [(k, None if v.default is inspect.Parameter.empty else v.default)
            for k, v in inspect.signature(function).parameters.items()]
    assert ours == PYGEDM_4_SIGNATURES[name]
