"""Read a halo model's data file and derive the numbers its density needs, packed for the kernels.

Each halo model is one or more *components*; each component is a kind of profile (see
:mod:`mwprop_batch.families.halos.kernels.profiles`) and a packed float64 array whose slots have
the named offsets
below. Lengths are in kpc, densities in cm^-3. Nothing here integrates along a sightline.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import integrate

from mwprop_batch.core.errors import InvalidValueError

from .kernels import profiles
from .names import HALO_FILES


@dataclass(frozen=True)
class Component:
    """One density component: its profile kind (``profiles.KIND_*``) and packed parameters."""

    name: str
    kind: int
    packed: np.ndarray


@dataclass(frozen=True)
class HaloParameters:
    """A halo model's components and the facts the front end reports.

    ``sigma_dm`` is the stated 1-sigma uncertainty of its DM to the edge (pc cm^-3), or None.
    """

    name: str
    title: str
    reference: str
    components: tuple[Component, ...]
    sigma_dm: float | None
    source: dict


def data_path(stem: str) -> Path:
    """The data file ``data/<stem>.toml`` of the halo family."""
    return Path(str(resources.files(__package__) / "data" / f"{stem}.toml"))


def load_halo(name: str) -> HaloParameters:
    """The parameters of the halo model ``name`` (one of :data:`HALO_FILES`)."""
    if name not in HALO_FILES:
        raise InvalidValueError(f"unknown halo model {name!r}; known: {', '.join(HALO_FILES)}")
    with data_path(HALO_FILES[name]).open("rb") as handle:
        doc = tomllib.load(handle)
    if name.startswith("yt2020"):
        parts = {"yt2020": ("sphere", "disk"), "yt2020_sphere": ("sphere",),
                 "yt2020_disk": ("disk",)}[name]
        builders = {"sphere": yt2020_sphere, "disk": yt2020_disk}
        components = tuple(builders[part](doc) for part in parts)
        sigma = None
    elif name == "pz19":
        components, sigma = (modified_nfw(doc),), None
    else:
        components, sigma = (uniform_sphere(doc),), float(doc["sigma_pc_cm3"])
    return HaloParameters(name=name, title=doc["title"], reference=doc["reference"],
                          components=components, sigma_dm=sigma, source=doc)


def _packed(sun_kpc: float, edge_kpc: float, **slots: float) -> np.ndarray:
    out = np.zeros(profiles.N_SLOTS)
    out[profiles.SUN] = sun_kpc
    out[profiles.EDGE] = edge_kpc
    for key, value in slots.items():
        out[getattr(profiles, key)] = value
    return out


def yt2020_potential_depth(sphere: dict, r_vir_kpc: float) -> tuple[float, float]:
    """Upsilon (dimensionless depth of the NFW potential in units of kT / mu m_p) and r_s (kpc).

    Yamasaki & Totani eq. (3): Upsilon = 4 pi G rho_s r_s^2 mu m_p / kT, with the NFW scale
    density rho_s = M_vir / (4 pi r_s^3 f(c)), f(c) = ln(1 + c) - c / (1 + c), r_s = r_vir / c.
    """
    c = sphere["nfw_concentration"]
    r_s = r_vir_kpc / c
    f_c = math.log1p(c) - c / (1.0 + c)
    rho_s = sphere["virial_mass_1e12_msun"] / (4.0 * math.pi * r_s**3 * f_c)  # 1e12 M_sun/kpc^3
    # G [1e-8] * M_sun [1e33] * 1e12 / kpc [1e21 cm] * m_p [1e-24] / (keV = 1e3 eV [1e-12 erg])
    # leaves a factor 10
    units = 10.0 * sphere["G_mantissa"] * sphere["msun_mantissa"] / sphere["pc_mantissa"] \
        * sphere["mp_mantissa"] / sphere["ev_mantissa"]
    upsilon = 4.0 * math.pi * units * r_s**2 * rho_s * sphere["mu"] / sphere["temperature_kev"]
    return upsilon, r_s


def yt2020_sphere(doc: dict) -> Component:
    """The spherical component; n_0 from the gas mass inside r_vir (their eq. 4)."""
    sphere, r_vir = doc["sphere"], doc["edge_kpc"]
    upsilon, r_s = yt2020_potential_depth(sphere, r_vir)
    volume, _ = integrate.quad(
        lambda r: 4.0 * math.pi * r * r * profiles.sphere_shape(r / r_s, upsilon), 0.0, r_vir,
        epsabs=0.0, epsrel=1e-13, limit=200)  # kpc^3, times n_0
    # 1e12 M_sun / kpc^3 in g / cm^3, with the code's rounded constants
    to_cgs = sphere["msun_mantissa"] / sphere["pc_mantissa"] ** 3 * 1e-18
    gas_mass = sphere["gas_mass_1e12_msun"] / sphere["metallicity"]
    n0 = gas_mass / (volume * sphere["mu_e"] * sphere["proton_mass_g"] / to_cgs)
    return Component("sphere", profiles.KIND_YT_SPHERE,
                     _packed(doc["sun_kpc"], r_vir, SPH_N0=n0, SPH_UPSILON=upsilon, SPH_RS=r_s))


def yt2020_disk(doc: dict) -> Component:
    """The disk-like component n0 / Z exp(-R / R_0 - |z| / z_0), cut at r_vir."""
    disk = doc["disk"]
    n0 = disk["n0_per_metallicity"] / doc["sphere"]["metallicity"]
    return Component("disk", profiles.KIND_YT_DISK,
                     _packed(doc["sun_kpc"], doc["edge_kpc"], DISK_N0=n0,
                             DISK_Z0=disk["scale_height_kpc"], DISK_RD=disk["scale_length_kpc"]))


def enclosed_baryon_shape(c: float, y0: float, alpha: float) -> float:
    """f_b(c) = int_0^c y^(1+alpha) / (y0 + y)^(2+alpha) dy (the profile's mass integral)."""
    value, _ = integrate.quad(lambda y: y ** (1.0 + alpha) / (y0 + y) ** (2.0 + alpha), 0.0, c,
                              epsabs=0.0, epsrel=1e-13, limit=200)
    return value


def r200_kpc(doc: dict) -> float:
    """The halo radius: mean density (18 pi^2 - 82 q - 39 q^2) rho_crit (Bryan & Norman 1998)."""
    prof, cosmo, k = doc["profile"], doc["cosmology"], doc["constants"]
    z = prof["redshift"]
    hz = cosmo["H0_km_s_mpc"] / k["mpc_km"] * math.sqrt(
        cosmo["Om0"] * (1 + z) ** 3 + cosmo["Ode0"] + (1 - cosmo["Om0"] - cosmo["Ode0"])
        * (1 + z) ** 2)
    rho_crit = 3.0 * hz**2 / (8.0 * math.pi * k["G_cgs"])  # g cm^-3
    q = cosmo["Ode0"] / (cosmo["Ode0"] + cosmo["Om0"] * (1 + z) ** 3)
    rho_vir = (18.0 * math.pi**2 - 82.0 * q - 39.0 * q**2) * rho_crit
    mass = 10.0 ** prof["log10_halo_mass_msun"] * k["msun_g"]
    return (3.0 * mass / (4.0 * math.pi * rho_vir)) ** (1.0 / 3.0) / k["kpc_cm"]


def modified_nfw(doc: dict) -> Component:
    """n_e = A y^(alpha-1) / (y0 + y)^(2+alpha), y = c r / r200, with the halo's hot baryons.

    rho_b = rho0 f_hot / (y^(1-alpha) (y0 + y)^(2+alpha)), rho0 = M_b c^3 / (4 pi r200^3 f_b(c)),
    M_b = M_halo Omega_b / Omega_m; n_e = 1.1667 rho_b / (mu m_p).
    """
    prof, cosmo, k = doc["profile"], doc["cosmology"], doc["constants"]
    alpha, y0, c = prof["alpha"], prof["y0"], prof["concentration"]
    if alpha < 1.0:
        raise InvalidValueError(f"pz19: alpha = {alpha} < 1 gives an infinite central density")
    r200 = r200_kpc(doc)
    baryons = 10.0 ** prof["log10_halo_mass_msun"] * k["msun_g"] * cosmo["Ob0"] / cosmo["Om0"]
    rho0 = baryons * c**3 / (4.0 * math.pi * (r200 * k["kpc_cm"]) ** 3
                             * enclosed_baryon_shape(c, y0, alpha))
    amplitude = prof["electrons_per_hydrogen"] * rho0 * prof["hot_fraction"] / (
        prof["mu"] * k["proton_mass_g"])
    return Component("nfw", profiles.KIND_MODIFIED_NFW,
                     _packed(doc["sun_kpc"], doc["edge_r200"] * r200, NFW_AMP=amplitude,
                             NFW_SCALE=c / r200, NFW_Y0=y0, NFW_ALPHA=alpha))


def uniform_sphere(doc: dict) -> Component:
    """A uniform sphere about the Sun whose DM to its edge is ``dm_pc_cm3`` in every direction."""
    edge = doc["edge_kpc"]
    return Component("constant", profiles.KIND_UNIFORM,
                     _packed(doc["sun_kpc"], edge, UNI_N=doc["dm_pc_cm3"] / (1000.0 * edge)))
