"""pygedm's ``yt2020`` submodule: Yamasaki & Totani (2020)'s Galactic halo DM.

``calculate_halo_dm(l, b, component='both')`` as pygedm's, over ``Model("yt2020")`` (its
parts: ``yt2020_sphere``, ``yt2020_disk``; docs/halos.md): the DM (Quantity, pc cm^-3) from
the Sun to the halo's edge (r_vir = 260 kpc), scalars for scalar inputs and arrays for arrays.
pygedm integrates from 0.01 kpc, so its values are smaller by the 10 pc it leaves out
(1e-4 to 2e-3 of the halo's DM); ours start at the Sun.

``calculate_halo_dm_analytic(l, b)``: pygedm's is the paper's polynomial fit to that
integral, a shortcut for all-sky maps; here the integral itself is as fast (its edge tables),
so the analytic form gives the same numbers as ``calculate_halo_dm``.
"""

from __future__ import annotations

import functools

import numpy as np

from mwprop_batch.core import units
from mwprop_batch.core.errors import MwpropBatchError
from mwprop_batch.model import Model

__all__ = ["ComponentError", "calculate_halo_dm", "calculate_halo_dm_analytic"]

COMPONENTS = {"both": "yt2020", "spherical": "yt2020_sphere", "disk": "yt2020_disk"}


class ComponentError(MwpropBatchError, RuntimeError):
    """A component other than 'both', 'spherical' or 'disk' (pygedm raises RuntimeError)."""


@functools.cache
def _halo(name: str) -> Model:
    return Model(name)


def _degrees(name: str, value) -> np.ndarray:
    if units.has_unit(value):
        value = units.plain(name, value, "angle")
    return np.asarray(value, dtype=np.float64)


def calculate_halo_dm(l, b, component: str = "both"):  # noqa: E741  (pygedm's names)
    """DM of the Galactic halo (Quantity, pc cm^-3) toward Galactic (l, b) in degrees.

    Args:
        l, b (float or array in deg, or astropy Angle/Quantity): Galactic longitude (any range),
            latitude
        component (str): 'both', 'spherical' (the hot gas sphere) or 'disk' (the disk-like part)
    """
    if component not in COMPONENTS:
        raise ComponentError("Component must be 'both', 'spherical', or 'disk' ")
    import astropy.units as u

    l_deg, b_deg = _degrees("l", l), _degrees("b", b)
    # one sightline on one thread: numba's parallel launch costs milliseconds on a busy machine
    threads = 1 if l_deg.size == 1 and b_deg.size == 1 else None
    dm = _halo(COMPONENTS[component]).dm_max(l_deg, b_deg, threads=threads)
    return u.Quantity(float(dm) if dm.ndim == 0 else dm, u.pc / u.cm**3)


def calculate_halo_dm_analytic(l, b):  # noqa: E741  (pygedm's names)
    """The halo's DM, both components (Quantity, pc cm^-3): :func:`calculate_halo_dm` (the
    integral itself, where pygedm evaluates the paper's fit to it)."""
    return calculate_halo_dm(l, b, "both")
