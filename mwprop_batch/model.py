"""The public :class:`Model`: one NE2001 or NE2025 model, built once and reused."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from . import sightlines
from .constants import SM_FACTOR
from .kernels import density as density_kernels
from .parallel import run_parallel_kernel
from .params import MODEL_NAMES, ModelParameters, load_parameters
from .scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .tablecache import load_or_build
from .tables import KernelTables


def as_float_arrays(names: tuple[str, ...], *values) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast numeric inputs together; return their common shape and flat float64 copies.

    Raises TypeError for non-numeric input and ValueError for shapes that do not broadcast.
    """
    arrays = []
    for name, value in zip(names, values, strict=True):
        array = np.asarray(value)
        if array.dtype == object or not (
            np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
        ):
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{name} must be numeric, got dtype {array.dtype}") from exc
        if np.iscomplexobj(array):
            raise TypeError(f"{name} must be real, got dtype {array.dtype}")
        arrays.append(array.astype(np.float64, copy=False))
    try:
        broadcast = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in zip(names, arrays, strict=True))
        raise ValueError(f"input shapes do not broadcast together: {shapes}") from exc
    shape = broadcast[0].shape
    return shape, [np.ascontiguousarray(a.ravel(), dtype=np.float64) for a in broadcast]


class Model:
    """An NE2001 or NE2025 Galactic free-electron density model.

    Build it once (``Model("ne2025")``) and reuse it: it loads the published parameters and
    precomputes the spiral-arm and clump/void tables. It holds no mutable state, so one
    instance can serve many threads, and it pickles as its name (workers rebuild it).

    Parameters
    ----------
    name : {"ne2001", "ne2025"}
        Which model (case-insensitive).
    """

    def __init__(self, name: str = "ne2025") -> None:
        key = str(name).lower()
        if key not in MODEL_NAMES:
            raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
        self._name = key
        self._parameters = load_parameters(key)

    @property
    def name(self) -> str:
        """Model name, "ne2001" or "ne2025"."""
        return self._name

    @property
    def parameters(self) -> ModelParameters:
        """The published parameters this model was built from."""
        return self._parameters

    @cached_property
    def tables(self) -> KernelTables:
        """Kernel tables (built on first use, about 0.5 s, or loaded from the table cache)."""
        return load_or_build(self._parameters)

    def __repr__(self) -> str:
        return f"Model({self._name!r})"

    def __reduce__(self):
        return (Model, (self._name,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other._name == self._name

    def __hash__(self) -> int:
        return hash(("mwprop_batch.Model", self._name))

    def density(self, x, y, z) -> pd.DataFrame:
        """Electron density and its components at Galactocentric points.

        Parameters
        ----------
        x, y, z : array_like
            Galactocentric coordinates in kpc (NE2001 frame: x toward l = 90 deg, y from the
            Galactic centre toward the Sun, Sun at (0, 8.5, 0), z toward the north Galactic
            pole). Broadcast together like numpy; the result has one row per element of the
            broadcast shape, in C order. Non-finite coordinates give a row of NaN.

        Returns
        -------
        pandas.DataFrame
            ``ne`` total n_e (cm^-3); ``F`` effective fluctuation parameter, such that
            ``F * ne**2`` is the local scattering integrand; ``Cn2`` (m^-20/3);
            the components ``ne_thick``, ``ne_thin``, ``ne_arms``, ``ne_gc``, ``ne_lism``,
            ``ne_clumps``, ``ne_voids`` (cm^-3) as each would be alone; ``arm`` (TC93 number of
            the nearest arm in reach, 0 none); ``in_lism``, ``in_ldr``, ``in_lsb``, ``in_lhb``,
            ``in_loop_i``; ``clump`` and ``void`` (1-based row numbers in the model's clump and
            void lists of the governing one, 0 none).
        """
        _, (xf, yf, zf) = as_float_arrays(("x", "y", "z"), x, y, z)
        raw = run_parallel_kernel(density_kernels.density_batch, xf, yf, zf, *self.tables)
        return density_frame(raw)

    def dm_to_dist(
        self, l_deg, b_deg, dm, dm_err=None, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan",
    ) -> pd.DataFrame:
        """Distance from dispersion measure (DM -> D) along each sightline.

        Parameters
        ----------
        l_deg, b_deg : array_like
            Galactic longitude and latitude (deg); l is taken modulo 360.
        dm : array_like
            Dispersion measure (pc cm^-3).
        dm_err : array_like, optional
            DM uncertainty (pc cm^-3); adds ``DIST_LO`` and ``DIST_HI``, the distances for
            DM - dm_err and DM + dm_err (NaN where dm_err is NaN; negative is a bad row).
        scattering : bool
            Also return the scattering columns (SM, TAU, SBW, ... as in NE2001) at the
            distance found.
        freq_ghz, velocity_kms : float or array_like
            Observing frequency (GHz) and transverse speed (km/s) for the chromatic and
            scintillation columns (NE2001's 1 GHz and 100 km/s by default).
        errors : {"nan", "raise"}
            What a bad row (non-finite input, |b| > 90, DM <= 0) does: give NaN results and
            its reason in ``status``, or raise :class:`~mwprop_batch.sightlines.InvalidRowError`.

        Returns
        -------
        pandas.DataFrame
            One row per element of the broadcast inputs (C order): ``DIST`` (kpc), ``DM``
            (pc cm^-3), ``DMz`` (pc cm^-3), ``limit`` (True when the DM exceeds what the model
            reaches by 50 kpc: then ``DIST`` is a lower limit, where the model's DM stops
            growing, and ``DM`` the largest reached), optional ``DIST_LO``/``DIST_HI`` and
            scattering columns, and ``status``.
        """
        names = ("l_deg", "b_deg", "dm") + (() if dm_err is None else ("dm_err",))
        values = (l_deg, b_deg, dm) + (() if dm_err is None else (dm_err,))
        _, flat = as_float_arrays(names, *values)
        err = flat[3] if dm_err is not None else None
        return sightlines.dm_to_dist(
            self.tables, flat[0], flat[1], flat[2], err, scattering, freq_ghz, velocity_kms,
            errors, run_parallel_kernel,
        )

    def dist_to_dm(
        self, l_deg, b_deg, dist_kpc, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan",
    ) -> pd.DataFrame:
        """Dispersion measure out to a distance (D -> DM) along each sightline.

        Same conventions as :meth:`dm_to_dist`; ``dist_kpc`` is the distance from the Sun
        (kpc, > 0; beyond 50 kpc the model's density is integrated all the same). ``limit``
        is always False.
        """
        _, (l_f, b_f, d_f) = as_float_arrays(("l_deg", "b_deg", "dist_kpc"), l_deg, b_deg,
                                             dist_kpc)
        return sightlines.dist_to_dm(
            self.tables, l_f, b_f, d_f, scattering, freq_ghz, velocity_kms, errors,
            run_parallel_kernel,
        )

    def dm_max(self, l_deg, b_deg) -> np.ndarray:
        """DM (pc cm^-3) integrated to the model's 50 kpc edge: the Galaxy's DM (DM_MW).

        Broadcasts l_deg and b_deg (deg) and returns an array of their broadcast shape;
        NaN for invalid sightlines.
        """
        shape, (l_f, b_f) = as_float_arrays(("l_deg", "b_deg"), l_deg, b_deg)
        return sightlines.dm_max(self.tables, l_f, b_f, run_parallel_kernel).reshape(shape)

    def dm_profile(self, l_deg, b_deg, dist_kpc) -> np.ndarray:
        """DM (pc cm^-3) at many distances along each sightline.

        ``l_deg`` and ``b_deg`` broadcast to n sightlines; ``dist_kpc`` is either one grid of
        m distances for all of them (1-D) or one row per sightline (n, m). Returns (n, m);
        NaN where a distance is not finite or not > 0, or the sightline is invalid.
        """
        _, (l_f, b_f) = as_float_arrays(("l_deg", "b_deg"), l_deg, b_deg)
        dist = np.asarray(dist_kpc, dtype=np.float64)
        if dist.ndim == 1:
            dist = np.broadcast_to(dist, (l_f.size, dist.size))
        if dist.ndim != 2 or dist.shape[0] != l_f.size:
            raise ValueError(
                f"dist_kpc must be 1-D or have one row per sightline ({l_f.size}), "
                f"got shape {dist.shape}"
            )
        return sightlines.dm_profile(
            self.tables, l_f, b_f, np.ascontiguousarray(dist), run_parallel_kernel
        )


def density_frame(raw: np.ndarray) -> pd.DataFrame:
    """DataFrame of the per-point kernel output (see :func:`Model.density`)."""
    col = {name: raw[:, i] for i, name in enumerate(density_kernels.COLUMNS)}
    ne, dsm = col["ne"], col["dsm"]
    with np.errstate(invalid="ignore", divide="ignore"):
        effective_f = np.where(ne > 0, dsm / (ne * ne), 0.0)
    effective_f[~np.isfinite(ne)] = np.nan
    valid = np.isfinite(ne)
    lism = np.where(valid, col["lism"], 0).astype(np.int64)

    def flag(bit: int) -> np.ndarray:
        return (lism & bit) != 0

    def integer(values: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.where(valid, values, 0).astype(np.int64), ~valid)

    return pd.DataFrame(
        {
            "ne": ne,
            "F": effective_f,
            "Cn2": SM_FACTOR * dsm,
            "ne_thick": col["ne_thick"],
            "ne_thin": col["ne_thin"],
            "ne_arms": col["ne_arms"],
            "ne_gc": col["ne_gc"],
            "ne_lism": col["ne_lism"],
            "ne_clumps": col["ne_clumps"],
            "ne_voids": col["ne_voids"],
            "arm": integer(col["arm"]),
            "in_lism": lism != 0,
            "in_ldr": flag(density_kernels.LISM_LDR),
            "in_lsb": flag(density_kernels.LISM_LSB),
            "in_lhb": flag(density_kernels.LISM_LHB),
            "in_loop_i": flag(density_kernels.LISM_LOOP_I),
            "clump": integer(col["clump"]),
            "void": integer(col["void"]),
        }
    )
