"""A drop-in for pygedm: ``from mwprop_batch.compat import pygedm`` and the calls stay.

The public functions of pygedm (3.3 and 4.x) with its names, arguments, defaults and return
types: astropy Quantities in pc, pc cm^-3, s and cm^-3; plain numbers read in pygedm's units
(degrees, pc cm^-3, pc, GHz; Mpc for a distance in YMW16's IGM mode); astropy Angles and
Quantities converted by their unit (through :func:`mwprop_batch.core.units.plain`). Scalars in give
scalars out; arrays in give arrays out, every row through the compiled batch kernels at once
(:class:`~mwprop_batch.core.runner.KernelRunner` with ``interpret_small_calls=False``, never the
interpreted tier's milliseconds). It asks only the house: each method's :class:`~mwprop_batch.Model`
(its ``tables``, ``parameters`` and ``family``: the Family protocol's methods) and YMW16's public
modules :mod:`~mwprop_batch.families.ymw16.modes` (sightlines in the C code's modes and units)
and :mod:`~mwprop_batch.families.ymw16.igm` (the IGM mode); no kernel directly.

What differs from pygedm, and why (docs/pygedm.md has the measured agreement):

* ``method="ne2001"`` is NE2001p, the Python port of NE2001 that pygedm 4 calls ``ne2001p``,
  integrated to convergence; pygedm's ``ne2001`` is the Fortran code with its own stepping.
  DMs and distances agree to a few 1e-3 (median), tau_sc to 1e-2, single short paths in the
  local ISM up to a factor 21 apart (the Fortran's steps across its boundaries). The first such
  call warns once (:class:`NE2001pWarning`). ``method="ne2025"`` is NE2025.
* A DM beyond what the model reaches: for YMW16 pygedm returns the sightline's end (25 kpc,
  or 100 kpc in MC mode; the ATNF catalogue's convention) and so does this module; for NE2001
  the Fortran returns wherever its stepping stopped (26-50 kpc), and this module the distance
  where the model's DM stops growing (the Model's limit-row DIST). Either is a lower limit,
  and this module says so with a :class:`BeyondModelWarning`.
* pygedm 3's NE2001 ``calculate_electron_density_*`` returns the plain sum of NE2001's
  components (its C binding adds ne1 + ne2 + nea + negc + nelism + necn + nevn); NE2001 itself
  (and this module) lets the local ISM and the voids replace the smooth components where they
  are (the w_lism and w_void weights). Near the Sun (inside the LISM) and in voids the two
  differ, by up to a factor 14; elsewhere they agree to float precision.
* ``dm_host`` is subtracted from the DM for every method in Galactic and MC modes and is the
  host's DM in IGM mode; pygedm 3.3 passes 0 to YMW16 whatever ``dm_host`` is (only its NE2001
  branch uses it).
* A bad row (|b| > 90, a negative DM, NaN) gives NaN in its place; pygedm passes it to its
  C or Fortran code unchecked.
* ``nu`` not finite and > 0 is refused (a ValueError) for every method; pygedm returns an
  infinite or NaN tau_sc.
* ``generate_healpix_dm_map`` computes all pixels in one batch (needs the ``healpix`` extra:
  astropy-healpix) and returns pygedm's float32 map.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from mwprop_batch.core import units
from mwprop_batch.core.errors import InvalidValueError, MwpropBatchError, MwpropBatchWarning
from mwprop_batch.core.rows import wrap_longitude
from mwprop_batch.core.runner import KernelRunner
from mwprop_batch.core.scattering import pulse_broadening_ms, scattering_measures
from mwprop_batch.families.ne import engine as ne_engine
from mwprop_batch.families.ymw16 import modes
from mwprop_batch.families.ymw16.igm import (
    dm_to_redshift,
    frb_tau_1ghz,
    galactic_parts,
    redshift_to_dm,
)
from mwprop_batch.model import Model

from . import yt2020

__all__ = [
    "BeyondModelWarning", "NE2001pWarning", "PygedmCompatError", "UnknownModeError",
    "calculate_electron_density_lbr", "calculate_electron_density_xyz", "calculate_halo_dm",
    "convert_lbr_to_xyz", "dist_to_dm", "dm_to_dist", "generate_healpix_dm_map", "yt2020",
]
HALO_METHODS = ("yt2020", "yt2020_analytic")

METHODS = ("ymw16", "ne2001", "ne2001p", "ne2025")
ALIASES = {"ne2001p": "ne2001"}  # pygedm 4's name for mwprop's NE2001p, which ours is
YMW16_MODES = {"gal": modes.GALACTIC, "mc": modes.MAGELLANIC, "igm": "igm"}
PC_PER_KPC = 1000.0
TOO_FAR_PC = 100000.0  # pygedm's dist_to_dm sets a distance from here on to 50 kpc ...
TOO_FAR_SET_PC = 50000.0  # ... to this, with its warning
TOO_FAR_MESSAGE = "Distance too large, setting to 50 kpc."
S_PER_MS = 1e-3

_RUN = KernelRunner(interpret_small_calls=False)  # compiled always, a scalar call too


class PygedmCompatError(MwpropBatchError, RuntimeError):
    """An unknown method, or a mode the method lacks (pygedm raises RuntimeError)."""


class UnknownModeError(PygedmCompatError, TypeError):
    """A YMW16 mode other than gal, mc or igm (pygedm's C binding raises TypeError)."""


class NE2001pWarning(MwpropBatchWarning):
    """``method="ne2001"`` runs NE2001p (the Python port), not pygedm's Fortran NE2001."""


class BeyondModelWarning(MwpropBatchWarning):
    """A DM the model cannot place: beyond its reach (the distance given is a lower limit, as
    pygedm's), or in IGM mode below the Galaxy's and Clouds' (distance 0, as the C code)."""


@functools.cache
def _model(name: str) -> Model:
    return Model(name)


@functools.cache
def _warn_ne2001p_once() -> None:
    warnings.warn(
        "method='ne2001' runs NE2001p (mwprop's Python port of NE2001, pygedm 4's 'ne2001p'), "
        "not the Fortran NE2001 of pygedm 3: DM and distance agree to a few 1e-3, tau_sc to "
        "~1e-2 (median) with larger differences on short local paths (see docs/pygedm.md)",
        NE2001pWarning, stacklevel=4)


def _method(method: str, mode: str) -> tuple[str, str]:
    """(method, mode) checked as pygedm does, lower-cased."""
    name = str(method).lower()
    if name not in METHODS:
        raise PygedmCompatError(f"Only {', '.join(METHODS)} models supported.")
    explicit = name in ALIASES
    name = ALIASES.get(name, name)
    key = str(mode).lower().strip()
    if name == "ymw16":
        if key not in YMW16_MODES:
            raise UnknownModeError(f"unknown YMW16 mode {mode!r}; choose gal, mc or igm")
        return name, YMW16_MODES[key]
    if key != "gal":
        raise PygedmCompatError(f"{name.upper()} only supports Galactic (gal) mode.")
    if name == "ne2001" and not explicit:
        _warn_ne2001p_once()
    return name, key


def _array(name: str, value, kind: str, scale: float = 1.0) -> np.ndarray:
    """``value`` as float64 in pygedm's unit: a Quantity converted by its unit (the unit
    gate's unit times ``scale``), a plain number taken as it is."""
    if units.has_unit(value):
        return np.asarray(units.plain(name, value, kind), dtype=np.float64) * scale
    return np.asarray(value, dtype=np.float64)


def _flat(*arrays: np.ndarray) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """The broadcast shape and each array flat over it (C order, contiguous)."""
    if all(a.ndim == 0 for a in arrays):  # the scalar call: no broadcasting machinery
        return (), [a.reshape(1) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return shape, [np.ascontiguousarray(a.ravel() if a.shape == shape
                                        else np.broadcast_to(a, shape).ravel()) for a in arrays]


def _quantity(values: np.ndarray, shape: tuple[int, ...], unit: str):
    """A Quantity of ``shape`` (a 0-d shape gives a scalar Quantity, as pygedm's)."""
    import astropy.units as u

    if shape == ():
        return u.Quantity(float(values[0]), _unit(unit))
    return u.Quantity(values.reshape(shape), _unit(unit), copy=False)


@functools.cache
def _unit(name: str):
    import astropy.units as u

    return u.Unit(name)


def _frequency(nu) -> np.ndarray:
    """The observing frequency in GHz, refused (InvalidValueError, a ValueError) unless every
    value is finite and > 0: the same for every method (NE2001's scattering refuses it)."""
    nu_ghz = _array("nu", nu, "frequency")
    if not (np.isfinite(nu_ghz).all() and (nu_ghz > 0.0).all()):
        raise InvalidValueError(f"nu must be finite and > 0 (GHz), got {nu!r}")
    return nu_ghz


def _sky(gl, gb) -> tuple[np.ndarray, np.ndarray]:
    return _array("gl", gl, "angle"), _array("gb", gb, "angle")


def _valid(l_deg: np.ndarray, b_deg: np.ndarray, value: np.ndarray) -> np.ndarray:
    return np.isfinite(l_deg) & np.isfinite(b_deg) & (np.abs(b_deg) <= 90.0) \
        & np.isfinite(value) & (value > 0.0)


def _warn_beyond(limit: np.ndarray) -> None:
    if limit.any():
        warnings.warn(
            f"{int(limit.sum())} DM(s) beyond what the model reaches: the distance given is the "
            "sightline's end (as pygedm), a lower limit", BeyondModelWarning, stacklevel=3)


def dm_to_dist(gl, gb, dm, dm_host=0, mode="gal", method="ymw16", nu=1.0):
    """Distance and scattering time from a DM, as ``pygedm.dm_to_dist``.

    Args:
        gl, gb (float or array in deg, or astropy Angle/Quantity): Galactic longitude, latitude
        dm (float or array in pc cm^-3, or Quantity): dispersion measure
        dm_host (float or array in pc cm^-3, or Quantity): host DM, subtracted (IGM: the host's)
        mode (str): gal, mc or igm (YMW16 only)
        method (str): ymw16, ne2001 (NE2001p; also by pygedm 4's name ne2001p) or ne2025
        nu (float or array in GHz, or Quantity): observing frequency

    Returns:
        (dist, tau_sc): astropy Quantities in pc (Mpc in IGM mode) and s, scalars for scalar
        inputs, arrays of the broadcast shape otherwise
    """
    method, mode = _method(method, mode)
    l_deg, b_deg = _sky(gl, gb)
    shape, (l_f, b_f, dm_f, host, nu_f) = _flat(
        l_deg, b_deg, _array("dm", dm, "dm"), _array("dm_host", dm_host, "dm"),
        _frequency(nu))
    if mode == "igm":
        dist, tau_1ghz = _igm_dm_to_dist(l_f, b_f, dm_f, host)
        return _quantity(dist, shape, "Mpc"), _quantity(tau_1ghz * nu_f**-4.0, shape, "s")
    dm_f = dm_f - host
    zero = dm_f == 0.0  # pygedm: DM 0 is distance 0
    if method == "ymw16":  # a DM beyond reach: the mode's horizon, as the C code
        dist, tau_1ghz, limit = modes.dm_to_dist_pc(_model("ymw16").tables, mode, l_f, b_f,
                                                    dm_f, _valid(l_f, b_f, dm_f), _RUN)
        tau = tau_1ghz * nu_f**-4.0
    else:  # the engine's columns (no frames: microseconds a call); a limit row: where the
        # DM stops growing; NaN where a row is invalid or its iteration did not converge
        l_f = wrap_longitude(l_f)
        col = ne_engine.dm_to_dist_columns(_model(method).tables, l_f, b_f, dm_f,
                                           np.zeros_like(dm_f), _valid(l_f, b_f, dm_f), _RUN)
        limit = col["limit"] == 1.0
        failed = col["flags"] != 0.0
        dist = np.where(failed, np.nan, col["DIST"] * PC_PER_KPC)
        tau = np.where(failed, np.nan, _ne_tau_s(col["DIST"], col["M0"], col["M1"], col["M2"],
                                                 col["MISO"], nu_f))
    _warn_beyond(limit)
    dist, tau = np.where(zero, 0.0, dist), np.where(zero, 0.0, tau)
    return _quantity(dist, shape, "pc"), _quantity(tau, shape, "s")


def _ne_tau_s(dist_kpc, m0, m1, m2, miso, nu_ghz) -> np.ndarray:
    """NE2001's pulse broadening (s) from the path moments, as pygedm's TAUISS."""
    sm_tau = scattering_measures(dist_kpc, m0, m1, m2, miso)["SMtau"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return S_PER_MS * pulse_broadening_ms(dist_kpc, sm_tau, nu_ghz)


def _igm_dm_to_dist(l_f, b_f, dm_f, host) -> tuple[np.ndarray, np.ndarray]:
    """(distance in Mpc, tau_FRB in s at 1 GHz) of YMW16's IGM mode."""
    tables = _model("ymw16").tables
    dm_gal, dm_mc = galactic_parts(tables, l_f, b_f, _RUN)
    z, dist, dm_igm = dm_to_redshift(dm_f, dm_gal, dm_mc, host)
    if (dm_f < dm_gal + dm_mc + host).any():
        warnings.warn("DM < (DM_Gal+DM_MC+DM_Host), Dist=0.0 (YMW16's IGM mode)",
                      BeyondModelWarning, stacklevel=3)
    return dist, frb_tau_1ghz(dm_gal, dm_mc, dm_igm, host, z, tables.P)


def dist_to_dm(gl, gb, dist, mode="gal", method="ymw16", nu=1.0):
    """DM and scattering time out to a distance, as ``pygedm.dist_to_dm``.

    Args:
        gl, gb (float or array in deg, or astropy Angle/Quantity): Galactic longitude, latitude
        dist (float or array in pc, or Quantity; in IGM mode Mpc): distance to the source;
            from 100,000 (pc, or Mpc in IGM mode) on it is set to 50,000 with pygedm's warning
        mode (str): gal, mc or igm (YMW16 only)
        method (str): ymw16, ne2001 (NE2001p) or ne2025
        nu (float or array in GHz, or Quantity): observing frequency

    Returns:
        (dm, tau_sc): astropy Quantities in pc cm^-3 (IGM mode: the IGM's part, as pygedm)
        and s; scalars for scalar inputs, arrays of the broadcast shape otherwise
    """
    method, mode = _method(method, mode)
    l_deg, b_deg = _sky(gl, gb)
    scale = 1.0 / PC_PER_KPC if mode == "igm" else PC_PER_KPC  # the gate's kpc to Mpc or pc
    shape, (l_f, b_f, dist_f, nu_f) = _flat(
        l_deg, b_deg, _array("dist", dist, "length", scale), _frequency(nu))
    too_far = dist_f >= TOO_FAR_PC
    if too_far.any():
        warnings.warn(TOO_FAR_MESSAGE, UserWarning, stacklevel=2)
        dist_f = np.where(too_far, TOO_FAR_SET_PC, dist_f)
    if mode == "igm":
        tables = _model("ymw16").tables
        dm_gal, dm_mc = galactic_parts(tables, l_f, b_f, _RUN)
        z, dm_igm = redshift_to_dm(dist_f)
        tau = frb_tau_1ghz(dm_gal, dm_mc, dm_igm, 0.0, z, tables.P)
        return _quantity(dm_igm, shape, "pc / cm3"), _quantity(tau * nu_f**-4.0, shape, "s")
    zero = dist_f == 0.0
    if method == "ymw16":  # the C code's sightline ends at the mode's horizon
        dm, tau_1ghz = modes.dist_to_dm_pc(_model("ymw16").tables, mode, l_f, b_f, dist_f,
                                           _valid(l_f, b_f, dist_f), _RUN)
        tau = tau_1ghz * nu_f**-4.0
    else:
        kpc = dist_f / PC_PER_KPC
        l_f = wrap_longitude(l_f)
        out, flags = ne_engine.dist_to_dm_columns(_model(method).tables, l_f, b_f, kpc,
                                                  _valid(l_f, b_f, dist_f), _RUN)
        dm = np.where(flags != 0.0, np.nan, out[:, 0])
        tau = np.where(flags != 0.0, np.nan, _ne_tau_s(kpc, *out[:, 1:5].T, nu_f))
    dm, tau = np.where(zero, 0.0, dm), np.where(zero, 0.0, tau)
    return _quantity(dm, shape, "pc / cm3"), _quantity(tau, shape, "s")


def calculate_electron_density_xyz(x, y, z, method="ymw16"):
    """n_e (Quantity, cm^-3) at Galactocentric x, y, z (pc, or Quantities), in the method's
    own frame (YMW16: Sun at (0, 8300, 6) pc; NE2001/NE2025: Sun at (0, 8500, 0) pc)."""
    method, _ = _method(method, "gal")
    shape, (xf, yf, zf) = _flat(*(_array(n, v, "length", PC_PER_KPC)
                                  for n, v in (("x", x), ("y", y), ("z", z))))
    model = _model(method)
    if method == "ymw16":  # the C code's pc
        ne = modes.density_pc(model.tables, xf, yf, zf, _RUN)
    else:
        ne = ne_engine.electron_density(model.tables, xf / PC_PER_KPC, yf / PC_PER_KPC,
                                        zf / PC_PER_KPC, _RUN)
    return _quantity(ne, shape, "cm^-3")


def calculate_electron_density_lbr(gl, gb, dist, method="ymw16"):
    """n_e (Quantity, cm^-3) at Galactic (l, b) in deg and distance from the Sun in pc."""
    x, y, z = convert_lbr_to_xyz(gl, gb, dist, method=method)
    return calculate_electron_density_xyz(x, y, z, method=method)


def convert_lbr_to_xyz(gl, gb, dist, method="ymw16"):
    """Galactocentric (x, y, z) Quantities in pc of Galactic (l, b) in deg and a distance in
    pc, in the frame of ``method``: ymw16 (Sun at y = 8300 pc, z = 6 pc), ne2001 or ne2025
    (Sun at y = 8500 pc, z = 0), or astropy (its Galactocentric frame: not the models')."""
    l_deg, b_deg = _sky(gl, gb)
    dist_pc = _array("dist", dist, "length", PC_PER_KPC)
    key = str(method).lower()
    if key == "astropy":
        from astropy.coordinates import Galactocentric, SkyCoord

        lbr = SkyCoord(l_deg, b_deg, distance=dist_pc, frame="galactic", unit=("deg", "deg", "pc"))
        xyz = lbr.transform_to(Galactocentric())
        return xyz.x, xyz.y, xyz.z
    if key not in ("ymw16", "ne2001", "ne2025"):
        raise PygedmCompatError("method must be astropy, ne2001, ne2025, or ymw16")
    model = _model(key)
    _, r_sun, z_sun = (PC_PER_KPC * c for c in model.family.sun_kpc(model.parameters))
    lr, br = np.deg2rad(l_deg), np.deg2rad(b_deg)
    x = dist_pc * np.sin(lr) * np.cos(br)
    y = r_sun - dist_pc * np.cos(lr) * np.cos(br)
    z = z_sun + dist_pc * np.sin(br)
    pc = _unit("pc")
    return x * pc, y * pc, z * pc


def generate_healpix_dm_map(dist=1, nside=64, method="ymw16"):
    """All-sky HEALPix map (RING order, float32 array) of the DM out to ``dist`` (pc, or a
    Quantity), or of the halo's DM for method 'yt2020' or 'yt2020_analytic', as
    ``pygedm.generate_healpix_dm_map``, every pixel in one batch."""
    from mwprop_batch.pictures.sky_map import healpix_centres

    l_deg, b_deg = healpix_centres(int(nside))
    if method in HALO_METHODS:
        dm = calculate_halo_dm(l_deg, b_deg, method=method)
    else:
        dm = dist_to_dm(l_deg, b_deg, dist, method=method)[0]
    return np.asarray(dm.value, dtype=np.float32)


def calculate_halo_dm(gl, gb, method="yt2020", component="both"):
    """The Galactic halo's DM (Quantity, pc cm^-3), as ``pygedm.calculate_halo_dm``.

    Args:
        gl, gb (float or array in deg, or astropy Angle/Quantity): Galactic longitude, latitude
        method (str): 'yt2020' or 'yt2020_analytic' (the same integral here: see
            :mod:`mwprop_batch.compat.yt2020`)
        component (str): 'both', 'spherical' or 'disk' ('both' only for 'yt2020_analytic')
    """
    if method not in HALO_METHODS:
        raise PygedmCompatError("Only YT2020 currently supported.")
    if method == "yt2020_analytic" and component != "both":
        raise PygedmCompatError("Analytic formula requires component='both'")
    return yt2020.calculate_halo_dm(gl, gb, component)

