"""The halo models (mwprop_batch.families.halos): parameters, quadrature and edge tables.

The DMs are checked against scipy's adaptive quadrature (``scipy.integrate.quad``) of the
published densities, written out again here from the papers' formulae, and against the
numbers the papers and the authors' code quote.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from mwprop_batch.families.halos import HaloModel
from mwprop_batch.families.halos.kernels import profiles as P
from mwprop_batch.families.halos.params import load_halo, r200_kpc

TABLE_RTOL = 1e-6  # the edge tables against the adaptive quadrature
QUAD_RTOL = 1e-12  # the kernels' composite quadrature against it

# sightlines where the tables are hardest: the Galactic centre and the z axis (l = 0), the
# anticentre, the poles, the plane, and l just either side of 0 / 360
HARD = np.array([[0.0, 0.0], [1e-4, 0.0], [0.01, 0.0], [0.5, 0.2], [359.9, -0.3], [2.0, 1.0],
                 [180.0, 0.0], [0.0, 90.0], [123.0, -90.0], [90.0, 0.0], [0.0, 5.0],
                 [10.0, 0.0], [0.0, 30.0], [270.0, 0.01]])


def reference_density(name: str):
    """n_e(l, b, s) in cm^-3 (deg, deg, kpc), written from the papers' formulae."""
    comp = {c.name: c.packed for c in load_halo(name).components}
    sun = 8.5

    def geometry(l_deg, b_deg, s):
        lr, br = math.radians(l_deg), math.radians(b_deg)
        # R^2 = sun^2 + (s cos b)^2 - 2 sun s cos b cos l, written without the cancellation
        big_r = math.hypot(s * math.cos(br) - sun * math.cos(lr), sun * math.sin(lr))
        z = s * math.sin(br)
        return big_r, z, math.hypot(big_r, z)

    def yt_sphere(l_deg, b_deg, s):
        p = comp["sphere"]
        _, _, r = geometry(l_deg, b_deg, s)
        x = max(r / p[P.SPH_RS], 1e-12)
        return 0.0 if r > 260.0 else p[P.SPH_N0] * math.exp(
            -p[P.SPH_UPSILON] * (1 - math.log(1 + x) / x))

    def yt_disk(l_deg, b_deg, s):
        big_r, z, r = geometry(l_deg, b_deg, s)
        return 0.0 if r > 260.0 else 7.4e-3 / 0.3 * math.exp(-big_r / 4.9 - abs(z) / 2.4)

    def nfw(l_deg, b_deg, s):
        p = comp["nfw"]
        _, _, r = geometry(l_deg, b_deg, s)
        y = p[P.NFW_SCALE] * r
        return 0.0 if r > p[P.EDGE] else p[P.NFW_AMP] * y / (2.0 + y) ** 4  # alpha = y0 = 2

    return {"yt2020_sphere": yt_sphere, "yt2020_disk": yt_disk, "pz19": nfw}[name]


def reference_dm(name: str, l_deg: float, b_deg: float, dist_kpc: float = math.inf) -> float:
    """DM (pc cm^-3) from 0 to dist_kpc (or the edge) by scipy's adaptive quadrature."""
    density = reference_density(name)
    lr, br = math.radians(l_deg), math.radians(b_deg)
    edge = 260.0 if name.startswith("yt2020") else load_halo(name).components[0].packed[P.EDGE]
    mu = math.cos(br) * math.cos(lr)
    s_edge = 8.5 * mu + math.sqrt(edge**2 - 8.5**2 * (1 - mu * mu))
    top = min(dist_kpc, s_edge)
    # break at where the sightline passes the Galactic centre and the z axis, and at 1 pc to
    # 10 kpc either side (a near miss is a kink smoothed over the miss distance)
    kinks = (8.5 * mu, 8.5 * math.cos(lr) / max(math.cos(br), 1e-300))
    points = sorted({0.0, top} | {k + d for k in kinks for d in (0.0, *np.geomspace(1e-6, 10, 8),
                                                                  *-np.geomspace(1e-6, 10, 8))
                                  if 0.0 < k + d < top})
    value = sum(integrate.quad(lambda s: density(l_deg, b_deg, s), a, c, epsabs=1e-15,
                               epsrel=1e-12, limit=200)[0]
                for a, c in zip(points[:-1], points[1:], strict=True))
    return 1000.0 * value


def sky(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))


@pytest.fixture(scope="module")
def models() -> dict[str, HaloModel]:
    return {name: HaloModel(name) for name in ("yt2020", "yt2020_sphere", "yt2020_disk",
                                               "pz19", "halo50")}


def test_yt2020_constants_are_the_authors():
    """n_0 and Upsilon as the authors' code (pygedm 3.3.0's yt2020.py) derives them."""
    sphere = load_halo("yt2020_sphere").components[0].packed
    assert sphere[P.SPH_UPSILON] == pytest.approx(2.6046887889201367, rel=1e-12)
    assert sphere[P.SPH_RS] == pytest.approx(260.0 / 12.0, rel=1e-15)
    # the code's Simpson sum starts at r_s / 100; ours integrates from 0 (eq. 4)
    assert sphere[P.SPH_N0] == pytest.approx(0.000371526511376889, rel=1e-7)


def test_yt2020_reproduces_the_papers_numbers(models):
    """Full range 30-245 pc cm^-3 over the whole sky (abstract of YT2020).

    Their "mean halo DM of 43" is not pinned: the area-weighted mean is 48.0, the mean of
    log DM gives 43.6 and the mean over |b| > 10 deg 42.2 (docs/halos.md).
    """
    l_deg, b_deg = np.meshgrid(np.linspace(-180, 180, 721), np.linspace(-90, 90, 361))
    dm = models["yt2020"].dm_max(l_deg, b_deg)
    weights = np.cos(np.radians(b_deg))
    assert round(float(np.exp(np.sum(np.log(dm) * weights) / np.sum(weights)))) in (43, 44)
    assert round(float(dm.min())) == 30
    assert round(float(dm.max())) == 245


def test_pz19_halo_matches_its_definition():
    """r200, the normalisation and the enclosed mass of the modified NFW (FRB package's MW)."""
    astropy_cosmology = pytest.importorskip("astropy.cosmology")
    from astropy import units as u
    from astropy.constants import M_sun

    halo = load_halo("pz19")
    doc = halo.source
    cosmo = astropy_cosmology.Planck18
    q = cosmo.Ode0 / (cosmo.Ode0 + cosmo.Om0)
    rho_vir = (18 * np.pi**2 - 82 * q - 39 * q**2) * cosmo.critical_density(0)
    r200 = ((3 * 10**12.18 * M_sun / (4 * np.pi * rho_vir)) ** (1 / 3)).to_value(u.kpc)
    assert r200_kpc(doc) == pytest.approx(r200, rel=1e-9)
    # f_b(c) against the closed form of the FRB package (hypergeometric)
    c, y0, a = 7.67, 2.0, 2.0
    closed = (c / (y0 + c)) ** (1 + a) * (
        y0 ** (-a) * (y0 + c) ** (1 + a) * special.hyp2f1(1 + a, 1 + a, 2 + a, -c / y0) - y0
    ) / (1 + a) / y0
    from mwprop_batch.families.halos.params import enclosed_baryon_shape
    assert enclosed_baryon_shape(c, y0, a) == pytest.approx(closed, rel=1e-10)
    # the hot gas inside r200 is f_hot Omega_b / Omega_m M_halo
    p = halo.components[0].packed
    kpc_cm, m_p = 3.0856775814913673e21, 1.67262192595e-24
    electrons, _ = integrate.quad(
        lambda r: 4 * np.pi * r * r * p[P.NFW_AMP] * (p[P.NFW_SCALE] * r)
        / (2 + p[P.NFW_SCALE] * r) ** 4, 0, r200, epsrel=1e-12)
    gas_g = electrons * kpc_cm**3 * 1.33 * m_p / 1.1667
    expected = 0.75 * cosmo.Ob0 / cosmo.Om0 * 10**12.18 * M_sun.cgs.value
    assert gas_g == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", ["yt2020_sphere", "yt2020_disk", "pz19"])
def test_edge_tables_match_adaptive_quadrature(models, name):
    """DM to the edge from the tables is within 1e-6 of scipy's quad of the density."""
    l_deg, b_deg = sky(120, seed=7)
    l_deg = np.concatenate([l_deg, HARD[:, 0]])
    b_deg = np.concatenate([b_deg, HARD[:, 1]])
    ours = models[name].dm_max(l_deg, b_deg)
    ref = np.array([reference_dm(name, lo, bo) for lo, bo in zip(l_deg, b_deg, strict=True)])
    rel = np.abs(ours / ref - 1)
    assert rel.max() <= TABLE_RTOL, (l_deg[rel.argmax()], b_deg[rel.argmax()], rel.max())


@pytest.mark.parametrize("name", ["yt2020_sphere", "yt2020_disk", "pz19"])
def test_dist_to_dm_matches_adaptive_quadrature(models, name):
    """DM to a distance by the kernels' quadrature agrees with scipy's quad to 1e-12."""
    l_deg, b_deg = sky(60, seed=11)
    dist = 10 ** np.random.default_rng(3).uniform(-2, 2.6, 60)
    l_deg = np.concatenate([l_deg, HARD[:, 0], [0.0, 0.0, 0.3]])
    b_deg = np.concatenate([b_deg, HARD[:, 1], [0.0, 0.0, 0.0]])
    dist = np.concatenate([dist, np.full(len(HARD), 9.0), [8.5, 8.4, 8.6]])
    ours = models[name].dist_to_dm(l_deg, b_deg, dist)
    ref = np.array([reference_dm(name, lo, bo, d)
                    for lo, bo, d in zip(l_deg, b_deg, dist, strict=True)])
    np.testing.assert_allclose(ours, ref, rtol=QUAD_RTOL, atol=0)


def test_yt2020_is_its_two_parts(models):
    """yt2020 = sphere + disk for the DM to the edge, the DM to a distance and the density."""
    l_deg, b_deg = sky(500, seed=5)
    both, sphere, disk = (models[n] for n in ("yt2020", "yt2020_sphere", "yt2020_disk"))
    np.testing.assert_allclose(both.dm_max(l_deg, b_deg),
                               sphere.dm_max(l_deg, b_deg) + disk.dm_max(l_deg, b_deg),
                               rtol=1e-14)
    np.testing.assert_allclose(both.dist_to_dm(l_deg, b_deg, 20.0),
                               sphere.dist_to_dm(l_deg, b_deg, 20.0)
                               + disk.dist_to_dm(l_deg, b_deg, 20.0), rtol=1e-14)
    parts = both.density_along(l_deg, b_deg, 3.0)
    assert parts.shape == (500, 2)
    np.testing.assert_array_equal(parts[:, 0], sphere.density_along(l_deg, b_deg, 3.0)[:, 0])
    np.testing.assert_array_equal(parts[:, 1], disk.density_along(l_deg, b_deg, 3.0)[:, 0])
    by_part = both.dm_max_by_component(l_deg, b_deg)
    np.testing.assert_allclose(by_part.sum(axis=-1), both.dm_max(l_deg, b_deg), rtol=1e-14)


def test_constant_halo(models):
    """50 pc cm^-3 to the edge everywhere, sigma 15, carried by a uniform 200 kpc sphere."""
    halo = models["halo50"]
    l_deg, b_deg = sky(50, seed=1)
    np.testing.assert_allclose(halo.dm_max(l_deg, b_deg), 50.0, rtol=1e-14)
    assert halo.sigma_dm == 15.0
    dist = np.linspace(0.0, 300.0, 50)
    expected = 50.0 * np.minimum(dist, 200.0) / 200.0
    np.testing.assert_allclose(halo.dist_to_dm(l_deg, b_deg, dist), expected, rtol=1e-12)


def test_profiles_are_monotone_and_end_at_the_edge(models):
    """DM(d) never decreases and reaches the DM to the edge there."""
    dist = np.linspace(0.0, 400.0, 200)
    for name in ("yt2020", "pz19"):
        for l_deg, b_deg in HARD[:6]:
            profile = models[name].dm_profile(l_deg, b_deg, dist)
            assert np.all(np.diff(profile) >= 0)
            assert profile[-1] == pytest.approx(float(models[name].dm_max(l_deg, b_deg)),
                                                rel=1e-6)


def test_nan_in_nan_out(models):
    out = models["yt2020"].dm_max([np.nan, 10.0], [0.0, np.inf])
    assert np.isnan(out).all()
    assert np.isnan(models["pz19"].dist_to_dm(0.0, 0.0, [np.nan, -1.0])).all()


def test_pickles_as_its_name(models):
    import pickle

    again = pickle.loads(pickle.dumps(models["pz19"]))
    assert again.name == "pz19"
    assert again.dm_max(30.0, 40.0) == models["pz19"].dm_max(30.0, 40.0)
