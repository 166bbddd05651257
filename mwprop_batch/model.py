"""The public :class:`Model`: one model of any family, built once and reused.

It checks every input (units, masks, broadcasting, sky coordinates, pandas indexes) and asks
the model's family (:mod:`mwprop_batch.registry`, :class:`mwprop_batch.family.Family`) for the
numbers; nothing here knows a family by name.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from . import grid, registry
from . import labelled as xarray_forms
from .core import units
from .core.arguments import (
    common_index,
    expand_sky,
    observing,
    raise_if_masked,
    with_index,
    with_masked,
)
from .core.errors import InvalidTypeError, InvalidValueError
from .core.input_gate import as_float_array, as_float_arrays
from .core.parallel import takes_threads
from .core.runner import KernelRunner
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .family import Family


class Model:
    """A Galactic free-electron density model, a Galactic halo model, or a sum of models.

    Build it once (``Model("ne2025")``) and reuse it: it loads the published parameters and
    precomputes the spiral-arm and clump/void tables (built once, under a lock), so one
    instance can serve many threads; its calls of a few rows run interpreted, skipping numba's
    compile (:mod:`mwprop_batch.core.runner`); it pickles as its name (workers rebuild it).

    Every method also takes ``threads=`` (keyword): how many threads that call's kernels use,
    1 to ``NUMBA_NUM_THREADS``; by default numba's count for the calling thread (every core,
    unless that thread called ``numba.set_num_threads``: see :mod:`mwprop_batch.core.parallel`).

    Parameters
    ----------
    name : str
        A name of :func:`mwprop_batch.registry.model_names` (case-insensitive), e.g.
        "ne2025", or a sum such as "ne2025+yt2020" (:class:`mwprop_batch.model_sum.ModelSum`
        adds the parts' densities). Each family (:attr:`family`) has its own density columns,
        frame and scattering columns: NE2001/NE2025 (``families/ne``: the full NE2001 set),
        YMW16 (``families/ymw16``: its components in its frame, Sun at (0, 8.3, 0.006) kpc,
        ``TAU`` only, horizon 25 kpc, 100 kpc toward the Magellanic Clouds), the halos
        (``families/halos``, docs/halos.md: DM but no scattering, no DM -> distance alone).

    Every method's numeric inputs pass one gate (:mod:`mwprop_batch.core.input_gate`): astropy
    Quantities are converted by their unit (a wrong unit raises), booleans, dates and
    durations are refused naming the argument, and a NumPy masked array's masked elements
    are missing values: a bad row in ``dm_to_dist``/``dist_to_dm`` (status 'DM masked',
    'l masked', ...; a masked ``dm_err`` is no error given), NaN in the other methods.
    """

    _sum_class: type[Model] | None = None  # the class of a sum of models (see __init_subclass__)

    def __init_subclass__(cls, sums_models: bool = False, **kwargs) -> None:
        """A subclass declared with ``sums_models=True`` (:class:`~mwprop_batch.model_sum.ModelSum`)
        is what ``Model("a+b")`` builds; this module never imports it."""
        super().__init_subclass__(**kwargs)
        if sums_models:
            Model._sum_class = cls

    def __new__(cls, name: str = registry.DEFAULT_MODEL):
        if cls is Model and "+" in str(name):
            return super().__new__(Model._sum_class)
        return super().__new__(cls)

    def __init__(self, name: str = registry.DEFAULT_MODEL) -> None:
        key = str(name).lower()
        self._name = key
        self._family = registry.family_of(key)
        self._parameters = self._family.parameters(key)
        self._tables = None
        self._tables_lock = threading.Lock()
        self._run = KernelRunner()

    @property
    def name(self) -> str:
        """Model name, e.g. "ne2001", "ne2025", "ymw16", "yt2020" or "ne2025+yt2020"."""
        return self._name

    @property
    def family(self) -> Family:
        """The family this model belongs to (:mod:`mwprop_batch.registry`)."""
        return self._family

    @property
    def parameters(self):
        """The published parameters this model was built from (its family's record)."""
        return self._parameters

    @property
    def tables(self):
        """Kernel tables (built on first use, about 0.5 s, or loaded from the table cache;
        safe from many threads at once)."""
        tables = self._tables
        if tables is None:
            with self._tables_lock:
                if self._tables is None:
                    self._tables = self._family.tables(self._parameters)
                tables = self._tables
        return tables

    def __repr__(self) -> str:
        return f"Model({self._name!r})"

    def __reduce__(self):
        return (Model, (self._name,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and other._name == self._name

    def __hash__(self) -> int:
        return hash(("mwprop_batch.Model", self._name))

    @takes_threads
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
        pandas.DataFrame or xarray.Dataset
            (A Dataset over the inputs' dims for xarray DataArray inputs, as for every method here:
            :mod:`mwprop_batch.labelled`.) ``ne`` total n_e (cm^-3); ``F`` effective fluctuation
            parameter, such that ``F * ne**2`` is the local scattering integrand; ``Cn2`` (m^-20/3);
            the components ``ne_thick``, ``ne_thin``, ``ne_arms``, ``ne_gc``, ``ne_lism``,
            ``ne_clumps``, ``ne_voids`` (cm^-3) as each would be alone; ``arm`` (TC93 number of
            the nearest arm in reach, 0 none); ``in_lism``, ``in_ldr``, ``in_lsb``, ``in_lhb``,
            ``in_loop_i``; ``clump`` and ``void`` (1-based row numbers in the model's clump and
            void lists of the governing one, 0 none).
        """
        if xarray_forms.is_labelled(x, y, z):
            return xarray_forms.density(self, x, y, z)
        index = common_index(("x", "y", "z"), x, y, z)
        xf, yf, zf = as_float_arrays(("x", "y", "z"), x, y, z,
                                     kinds=("length", "length", "length")).arrays
        return with_index(self._family.density(self.tables, xf, yf, zf, self._run), index)

    @takes_threads
    def density_along(
        self, l_deg, b_deg, dist_kpc, components: bool = False, labelled: bool = False,
    ):
        """Electron density on a grid of sightlines x distances from the Sun, in one pass.

        A NumPy generalized ufunc with core layout ``(),(),(n)->(n)``: ``l_deg``, ``b_deg``
        (deg) and the leading dimensions of ``dist_kpc`` (its last axis holds the n distances
        from the Sun, kpc) broadcast, and the sightlines run in parallel. Values equal
        :meth:`density` at the same points bit for bit. NaN where the sightline is invalid
        (non-finite, |b| > 90) or a distance is not finite and >= 0.

        Returns
        -------
        numpy.ndarray, dict or xarray.Dataset
            n_e (cm^-3) of shape ``broadcast(l, b, dist[..., 0]).shape + (n,)``; with
            ``components=True`` a dict of such arrays, one per column of :meth:`density`
            (``arm``, ``clump`` and ``void`` as float, NaN at invalid points); with
            ``labelled=True`` (1-D l, b and dist; extra ``xarray``) an ``xarray.Dataset`` with
            dims ``sightline`` and ``distance``, coordinates l, b (deg) and distance (kpc), one
            variable per column and its unit in ``attrs["units"]``. xarray DataArray inputs
            (the distances along ``dist_kpc``'s last dim) give a Dataset over their dims, as
            for every method here (:mod:`mwprop_batch.labelled`).
        """
        if xarray_forms.is_labelled(l_deg, b_deg, dist_kpc):
            return xarray_forms.density_along(self, l_deg, b_deg, dist_kpc, components)
        return grid.density_along(self, l_deg, b_deg, dist_kpc, components, labelled)

    @takes_threads
    def dm_to_dist(
        self, l_deg, b_deg=None, dm=None, dm_err=None, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan",
    ) -> pd.DataFrame:
        """Distance from dispersion measure (DM -> D) along each sightline.

        Parameters
        ----------
        l_deg, b_deg : array_like
            Galactic longitude and latitude (deg); l is taken modulo 360. An astropy
            ``SkyCoord`` (any frame) in ``l_deg`` stands in for both; then one positional
            value may follow it (the DM: ``dm_to_dist(coord, 300.0)``) and the rest go by
            keyword (``dm_to_dist(coord, 300.0, dm_err=2.0)``): ``dm_to_dist(coord, 2.0,
            300.0)`` is refused rather than read as DM 2 with error 300. Values with astropy
            units (here and below) are converted by their unit or refused.
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
            its reason in ``status``, or raise :class:`~mwprop_batch.core.rows.InvalidRowError`.

        Returns
        -------
        pandas.DataFrame
            One row per element of the broadcast inputs (C order): ``DIST`` (kpc), ``DM``
            (pc cm^-3), ``DMz`` (pc cm^-3), ``limit`` (True when the DM exceeds what the model
            reaches by 50 kpc: then ``DIST`` is a lower limit, where the model's DM stops
            growing, and ``DM`` the largest reached), optional ``DIST_LO``/``DIST_HI`` and
            scattering columns, and ``status``.
        """
        if xarray_forms.is_labelled(l_deg, b_deg, dm, dm_err):
            return xarray_forms.dm_to_dist(
                self, l_deg, b_deg, dm, dm_err, scattering=scattering, freq_ghz=freq_ghz,
                velocity_kms=velocity_kms, errors=errors,
            )
        l_deg, b_deg, dm, dm_err = expand_sky(l_deg, b_deg, [dm, dm_err], "dm_to_dist",
                                        ("dm", "dm_err"))
        if dm is None:
            raise InvalidTypeError("dm_to_dist() needs dm")
        names = ("l_deg", "b_deg", "dm") + (() if dm_err is None else ("dm_err",))
        values = (l_deg, b_deg, dm) + (() if dm_err is None else (dm_err,))
        kinds = ("angle", "angle", "dm", "dm")[: len(names)]
        labels = ("l", "b", "DM", None)[: len(names)]  # a masked error: none given
        index = common_index(names, *values)
        inputs = as_float_arrays(names, *values, kinds=kinds, labels=labels)
        raise_if_masked(inputs, errors)
        flat = inputs.arrays
        err = flat[3] if dm_err is not None else None
        freq_ghz, velocity_kms = observing(freq_ghz, velocity_kms)
        frame = self._family.dm_to_dist(
            self.tables, flat[0], flat[1], flat[2], err, scattering, freq_ghz, velocity_kms,
            errors, self._run,
        )
        return with_index(with_masked(frame, inputs), index)

    @takes_threads
    def dist_to_dm(
        self, l_deg, b_deg=None, dist_kpc=None, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan",
    ) -> pd.DataFrame:
        """Dispersion measure out to a distance (D -> DM) along each sightline.

        Same conventions as :meth:`dm_to_dist`; ``dist_kpc`` is the distance from the Sun
        (kpc, > 0; beyond 50 kpc the model's density is integrated all the same). ``limit``
        is always False. A sky coordinate with a distance may stand in for all three; a sky
        coordinate without one takes the distance as its one positional follower or by
        keyword.
        """
        if xarray_forms.is_labelled(l_deg, b_deg, dist_kpc):
            return xarray_forms.dist_to_dm(
                self, l_deg, b_deg, dist_kpc, scattering=scattering, freq_ghz=freq_ghz,
                velocity_kms=velocity_kms, errors=errors,
            )
        if units.is_coordinate(l_deg) and b_deg is None and dist_kpc is None:
            l_deg, b_deg, dist_kpc = units.galactic(l_deg)
            if dist_kpc is None:
                raise InvalidTypeError(
                    "dist_to_dm() needs dist_kpc (the coordinate has no distance)")
        l_deg, b_deg, dist_kpc = expand_sky(l_deg, b_deg, [dist_kpc], "dist_to_dm", ("dist_kpc",))
        if dist_kpc is None:
            raise InvalidTypeError("dist_to_dm() needs dist_kpc")
        names = ("l_deg", "b_deg", "dist_kpc")
        index = common_index(names, l_deg, b_deg, dist_kpc)
        inputs = as_float_arrays(names, l_deg, b_deg, dist_kpc,
                                 kinds=("angle", "angle", "length"),
                                 labels=("l", "b", "distance"))
        raise_if_masked(inputs, errors)
        l_f, b_f, d_f = inputs.arrays
        freq_ghz, velocity_kms = observing(freq_ghz, velocity_kms)
        frame = self._family.dist_to_dm(
            self.tables, l_f, b_f, d_f, scattering, freq_ghz, velocity_kms, errors,
            self._run,
        )
        return with_index(with_masked(frame, inputs), index)

    @takes_threads
    def dm_max(self, l_deg, b_deg=None) -> np.ndarray | pd.Series:
        """DM (pc cm^-3) integrated to the model's 50 kpc edge: the Galaxy's DM (DM_MW).

        Broadcasts l_deg and b_deg (deg, or a sky coordinate in place of both) and returns an
        array of their broadcast shape (a Series with their index for Series inputs); NaN for
        invalid sightlines and where an iteration did not converge.
        """
        if xarray_forms.is_labelled(l_deg, b_deg):
            return xarray_forms.dm_max(self, l_deg, b_deg)
        l_deg, b_deg = expand_sky(l_deg, b_deg, [], "dm_max", ())
        index = common_index(("l_deg", "b_deg"), l_deg, b_deg)
        inputs = as_float_arrays(("l_deg", "b_deg"), l_deg, b_deg, kinds=("angle", "angle"))
        shape, (l_f, b_f) = inputs.shape, inputs.arrays
        out = self._family.dm_max(self.tables, l_f, b_f, self._run).reshape(shape)
        if index is not None and out.shape == (len(index),):
            return pd.Series(out, index=index, name="DM_MAX")
        return out

    @takes_threads
    def dm_profile(self, l_deg, b_deg=None, dist_kpc=None) -> np.ndarray:
        """DM (pc cm^-3) at many distances along each sightline.

        ``l_deg`` and ``b_deg`` broadcast to n sightlines; ``dist_kpc`` is either one grid of
        m distances for all of them (1-D) or one row per sightline (n, m). Returns (n, m):
        0 at distance 0, NaN where a distance is not finite or negative, the sightline is
        invalid, or an iteration along it did not converge. A sky coordinate may stand in
        for (l, b).
        """
        if xarray_forms.is_labelled(l_deg, b_deg, dist_kpc):
            return xarray_forms.dm_profile(self, l_deg, b_deg, dist_kpc)
        l_deg, b_deg, dist_kpc = expand_sky(l_deg, b_deg, [dist_kpc], "dm_profile", ("dist_kpc",))
        if dist_kpc is None:
            raise InvalidTypeError("dm_profile() needs dist_kpc")
        l_f, b_f = as_float_arrays(("l_deg", "b_deg"), l_deg, b_deg,
                                   kinds=("angle", "angle")).arrays
        dist = as_float_array("dist_kpc", dist_kpc, "length")[0]
        if dist.ndim == 1:
            dist = np.broadcast_to(dist, (l_f.size, dist.size))
        if dist.ndim != 2 or dist.shape[0] != l_f.size:
            raise InvalidValueError(
                f"dist_kpc must be 1-D or have one row per sightline ({l_f.size}), "
                f"got shape {dist.shape}"
            )
        return self._family.dm_profile(
            self.tables, l_f, b_f, np.ascontiguousarray(dist), self._run
        )


def as_model(model: Model | str) -> Model:
    """``model`` itself if it is a :class:`Model`, else a Model of that name."""
    return model if isinstance(model, Model) else Model(str(model))
