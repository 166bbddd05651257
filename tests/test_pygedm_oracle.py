"""mwprop_batch.compat.pygedm against pygedm 3.3.0 itself (tests/data/oracle_pygedm.npz, made by
tools/make_pygedm_fixtures.py): 2,000 seeded calls per function x method x mode.

Bounds are per quantity: the median, and the largest difference of any row, each larger one
listed by its cause (docs/pygedm.md has the measured figures):

* YMW16 (C code, Galactic and MC modes): a distance off by more than 1% is a flat DM(d): the
  DM asked for is within 1% of all the sightline reaches. tau follows the DM through
  YMW16's tau ~ DM^2.2 (1 + 0.00194 DM^2), so a DM difference of 5e-3 is a tau one of 2e-2.
* IGM mode: the IGM's DM is the total less the Galaxy's and the Clouds', so the distance
  inherits the Galactic DM's difference times DM_Gal / DM_IGM; bounded on the DM scale.
* NE2001: pygedm's is the Fortran code, ours NE2001p integrated to convergence: DM and
  distance agree to a few 1e-3 (median), tau to 1e-2 (median), with single rows up to a factor
  21 apart: short paths (< 0.5 kpc) in the local ISM and void 11, whose boundaries the
  Fortran's steps cross coarsely; its density is the plain sum of the components in pygedm 3.
"""

import numpy as np
import pytest
from conftest import DATA
from helpers import relative

from mwprop_batch import Model
from mwprop_batch.compat import pygedm
from mwprop_batch.families.halos import HaloModel
from mwprop_batch.families.ymw16.igm import frb_dm_to_dist, redshift_to_dm

HORIZON_PC = {"gal": 25000.0, "mc": 100000.0}


@pytest.fixture(scope="module")
def oracle() -> dict[str, np.ndarray]:
    with np.load(DATA / "oracle_pygedm.npz") as f:
        assert str(f["pygedm"]) == "3.3.0"
        return {k: f[k] for k in f.files}


pytestmark = pytest.mark.usefixtures("quiet_pygedm")  # its notices are tested where asked


def case(oracle, name: str) -> dict[str, np.ndarray]:
    prefix = f"{name}_"
    return {k[len(prefix):]: v for k, v in oracle.items() if k.startswith(prefix)}


def both_ways(data, method: str, mode: str):
    fwd = pygedm.dm_to_dist(data["l"], data["b"], data["dm"], mode=mode, method=method,
                            nu=data["nu"])
    rev = pygedm.dist_to_dm(data["l"], data["b"], data["dist"], mode=mode, method=method,
                            nu=data["nu"])
    return [q.value for q in fwd], [q.value for q in rev]


@pytest.mark.parametrize("mode", ["gal", "mc"])
def test_ymw16_sightlines_agree_with_the_c_code(oracle, mode):
    data = case(oracle, f"ymw16_{mode}")
    assert data["l"].size >= 2000
    (dist, tau), (dm, tau_rev) = both_ways(data, "ymw16", mode)
    horizon = HORIZON_PC[mode]
    limit = data["dist_out"] >= horizon * (1 - 1e-6)
    assert limit.sum() >= 500 and ((dist == horizon) == limit).all()  # same limit rows
    d_rel = relative(dist, data["dist_out"])
    assert np.median(d_rel) <= 1e-3 and np.percentile(d_rel, 95) <= 2e-3
    reach = pygedm.dist_to_dm(data["l"], data["b"], horizon * 0.99999, mode=mode)[0].value
    flat = data["dm"] / reach > 0.99
    assert (flat[d_rel > 1e-2]).all() and d_rel.max() <= 0.2  # listed: a flat DM(d)
    dm_rel = relative(dm, data["dm_out"])
    assert np.median(dm_rel) <= 1e-3 and dm_rel.max() <= 1e-2
    tau_rel = relative(tau, data["tau_fwd"])
    assert np.median(tau_rel) <= (1e-6 if mode == "gal" else 1e-3) and tau_rel.max() <= 1e-2
    tau_rev_rel = relative(tau_rev, data["tau_rev"])
    assert np.median(tau_rev_rel) <= 1e-3 and tau_rev_rel.max() <= 2e-2


def test_igm_mode_agrees_with_the_c_code(oracle):
    data = case(oracle, "igm")
    (dist, tau), (dm_igm, tau_rev) = both_ways(data, "ymw16", "igm")
    # D -> DM_IGM is closed-form: float precision; tau is the largest of the four terms
    assert relative(dm_igm, data["dm_out"]).max() <= 1e-6
    tau_rev_rel = relative(tau_rev, data["tau_rev"])
    assert np.median(tau_rev_rel) <= 1e-6 and tau_rev_rel.max() <= 3e-2
    # DM -> D: the C code gives no distance where the DM is below DM_Gal + DM_MC; we give 0
    none = ~np.isfinite(data["dist_out"])
    assert none.sum() >= 100 and (dist[none] == 0.0).all() and (dist[~none] > 0).all()
    d_rel = relative(dist[~none], data["dist_out"][~none])
    assert np.median(d_rel) <= 1e-3 and np.median(relative(tau, data["tau_fwd"])[~none]) <= 1e-3
    # the distance difference is the Galactic DM's, bounded on the DM scale: the C code's
    # loop adds ~1e-4 cm^-3 per step to 100 kpc beyond where its own point density is zero
    # (docs/pygedm.md), up to 10% of DM_Gal at |b| ~ 15-20 deg
    parts = frb_dm_to_dist(data["l"], data["b"], data["dm"])[~none]
    c_igm = redshift_to_dm(data["dist_out"][~none])[1]
    galactic = (parts["DM_GAL"] + parts["DM_MC"]).to_numpy()
    off = np.abs(parts["DM_IGM"].to_numpy() - c_igm) / galactic
    assert np.median(off) <= 1e-3 and np.percentile(off, 95) <= 1e-2 and off.max() <= 0.12


def test_ne2001_is_ne2001p_within_the_documented_differences(oracle):
    data = case(oracle, "ne2001_gal")
    (dist, tau), (dm, tau_rev) = both_ways(data, "ne2001", "gal")
    limit = Model("ne2001").dm_to_dist(data["l"], data["b"], data["dm"])["limit"].to_numpy()
    reached = ~limit & (data["dist_out"] < 49000.0)  # the Fortran's limit rows end >= 26 kpc
    assert reached.sum() >= 1000
    d_rel = relative(dist[reached], data["dist_out"][reached])
    assert np.median(d_rel) <= 5e-3 and np.percentile(d_rel, 95) <= 2e-2 and d_rel.max() <= 0.3
    dm_rel = relative(dm, data["dm_out"])
    assert np.median(dm_rel) <= 5e-3 and np.percentile(dm_rel, 95) <= 5e-2 and dm_rel.max() <= 0.2
    real = ~data["tau_fwd_complex"] & reached
    tau_rel = relative(tau[real], data["tau_fwd"][real])
    assert np.median(tau_rel) <= 1e-2 and np.percentile(tau_rel, 95) <= 0.1
    tau_rev_rel = relative(tau_rev, data["tau_rev"])
    assert np.median(tau_rev_rel) <= 1e-2 and np.percentile(tau_rev_rel, 95) <= 0.2
    assert max(tau_rel.max(), tau_rev_rel.max()) <= 25.0  # the factor-21 rows: docs/pygedm.md


@pytest.mark.parametrize("where", ["xyz", "lbr"])
def test_ymw16_density_equals_the_c_code(oracle, where):
    data = case(oracle, f"{where}_ymw16")
    if where == "xyz":
        ne = pygedm.calculate_electron_density_xyz(data["x"], data["y"], data["z"])
    else:
        ne = pygedm.calculate_electron_density_lbr(data["l"], data["b"], data["dist"])
    np.testing.assert_allclose(ne.value, data["ne"], rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("where", ["xyz", "lbr"])
def test_ne2001_density_differs_by_pygedms_plain_sum_and_the_arms(oracle, where):
    """pygedm 3's NE2001 density is the plain sum of the components; NE2001's (ours) lets the
    local ISM and the voids replace the smooth ones. The sum of our components is pygedm's
    value to float precision wherever the spiral arms do not reach; where they do, NE2001p's
    arms (mwprop's port, which we follow) differ from the Fortran's by 1e-4 (median)."""
    data = case(oracle, f"{where}_ne2001")
    if where == "xyz":
        x, y, z = data["x"], data["y"], data["z"]
        ne = pygedm.calculate_electron_density_xyz(x, y, z, method="ne2001").value
    else:
        x, y, z = (q.value for q in pygedm.convert_lbr_to_xyz(data["l"], data["b"],
                                                              data["dist"], method="ne2001"))
        ne = pygedm.calculate_electron_density_lbr(data["l"], data["b"], data["dist"],
                                                   method="ne2001").value
    parts = Model("ne2001").density(x / 1e3, y / 1e3, z / 1e3)
    summed = parts[["ne_thick", "ne_thin", "ne_arms", "ne_gc", "ne_lism", "ne_clumps",
                    "ne_voids"]].sum(axis=1).to_numpy()
    no_arm = parts["ne_arms"].to_numpy() == 0
    np.testing.assert_allclose(summed[no_arm], data["ne"][no_arm], rtol=2e-4, atol=1e-12)
    arm = relative(summed[~no_arm], data["ne"][~no_arm])
    assert np.median(arm) <= 1e-4 and np.percentile(arm, 99) <= 2e-2
    weighted = parts["in_lism"].to_numpy() | (parts["void"].to_numpy() > 0)
    plain = ~weighted & no_arm
    np.testing.assert_allclose(ne[plain], data["ne"][plain], rtol=2e-4, atol=1e-12)
    assert np.median(relative(ne[weighted], data["ne"][weighted])) > 0.1
    if where == "lbr":  # near the Sun the difference matters: it is exercised
        assert weighted.sum() >= 500


README_CALLS = {
    "dist_to_dm(204.0, -6.5, 200).dm": lambda m: pygedm.dist_to_dm(204.0, -6.5, 200, method=m)[0],
    "dist_to_dm(204.0, -6.5, 200).tau": lambda m: pygedm.dist_to_dm(204.0, -6.5, 200, method=m)[1],
    "dm_to_dist(123.4, 4.0, 200).dist": lambda m: pygedm.dm_to_dist(123.4, 4.0, 200, method=m)[0],
    "dm_to_dist(123.4, 4.0, 200).tau": lambda m: pygedm.dm_to_dist(123.4, 4.0, 200, method=m)[1],
    "calculate_electron_density_xyz(1.0, 2.0, 3.0)":
        lambda m: pygedm.calculate_electron_density_xyz(1.0, 2.0, 3.0, method=m),
    "calculate_electron_density_lbr(204.0, -6.5, 3000.0)":
        lambda m: pygedm.calculate_electron_density_lbr(204.0, -6.5, 3000.0, method=m),
}
# (call, method) -> how far ours is, where it is further than 2e-3, and why
README_FURTHER = {
    ("dist_to_dm(204.0, -6.5, 200).dm", "ne2001"): 0.02,  # 2.688 vs 2.65: Fortran steps, LISM
    ("dist_to_dm(204.0, -6.5, 200).tau", "ne2001"): 0.03,  # 2.1%: follows the DM above
    ("dm_to_dist(123.4, 4.0, 200).tau", "ne2001"): 3e-3,  # 2.2e-3: NE2001p's tau
}


def test_pygedm_readme_examples(oracle):
    examples = case(oracle, "examples")
    assert sorted(set(examples["call"])) == sorted(README_CALLS)
    for call, method, value in zip(examples["call"], examples["method"], examples["value"],
                                   strict=True):
        got = README_CALLS[str(call)](str(method)).value
        rtol = README_FURTHER.get((str(call), str(method)), 2e-3)
        np.testing.assert_allclose(got, value, rtol=rtol, err_msg=f"{call} {method}")


@pytest.mark.parametrize(("component", "keys"), [("both", ("sphere", "disk")),
                                                 ("spherical", ("sphere",)), ("disk", ("disk",))])
def test_halo_dm_against_pygedm(component, keys):
    """calculate_halo_dm against pygedm 3.3.0's (tests/data/oracle_yt2020_halo.npz, 3,000
    sightlines): pygedm integrates from 0.01 kpc, we from the Sun; the 10 pc it leaves out are
    the difference (tests/test_halo_oracle.py shows the two agree over its window)."""
    with np.load(DATA / "oracle_yt2020_halo.npz") as f:
        l_deg, b_deg = f["l"], f["b"]
        ref = sum(f[k] for k in keys)
    ours = pygedm.calculate_halo_dm(l_deg, b_deg, component=component).to_value("pc cm^-3")
    assert l_deg.size >= 2000 and (ours > ref).all()  # the missing 10 pc only ever add
    assert relative(ours, ref).max() <= 5e-3
    name = {"both": "yt2020", "spherical": "yt2020_sphere", "disk": "yt2020_disk"}[component]
    window = ours - HaloModel(name).dist_to_dm(l_deg, b_deg, 0.01)  # pygedm's [0.01 kpc, edge]
    rel = relative(window, ref)
    assert np.median(rel) <= 1e-8 and rel.max() <= 1e-5
