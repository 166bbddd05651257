"""The Family protocol: what a family of models gives :class:`~mwprop_batch.Model`, written down.

A *family* is one way of computing the electron density and integrating it along sightlines
(NE2001/NE2025, YMW16, the Galactic halos); its *models* are parameter sets of it. The registry
(:mod:`mwprop_batch.registry`) maps each model name to its family; :class:`~mwprop_batch.Model`
checks the inputs (units, masks, broadcasting, sky coordinates, pandas indexes) and calls the
family with flat float64 arrays, so a family never sees a Quantity, a Series or a masked array.

Conventions of every method below:

* ``l_deg``, ``b_deg``: Galactic longitude and latitude (deg) as given (``l`` not yet reduced
  modulo 360; non-finite or ``|b| > 90`` rows are the family's to mark); ``dist``: kpc from the
  Sun; ``dm``, ``dm_err``: pc cm^-3; ``x``, ``y``, ``z``: kpc in the family's own Galactocentric
  frame (:meth:`Family.sun_kpc`); ``freq_ghz`` (GHz) and ``velocity_kms`` (km/s): a float or one
  value per row.
* ``run``: the :class:`~mwprop_batch.core.runner.KernelRunner` of the calling Model: a family
  runs its batch kernels through it (interpreted for a few rows, compiled and threaded for
  more), never by calling a kernel directly.
* ``errors``: ``"nan"`` (a bad row gets NaN and its reason in ``status``) or ``"raise"``
  (:class:`~mwprop_batch.core.rows.InvalidRowError`). Row checks and result frames are shared:
  :mod:`mwprop_batch.core.rows`.

Adding a family: docs/adding-a-model.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .core.runner import KernelRunner


class Family(Protocol):
    """What a model family provides (see the module docstring for units and conventions)."""

    name: str
    """The family's name (its folder under ``families/``)."""

    models: tuple[str, ...]
    """The model names (lower case) it serves: the registry's line for it lists the same."""

    scattering_columns: tuple[str, ...]
    """The columns ``scattering=True`` adds (names of
    :data:`mwprop_batch.core.scattering.SCATTERING_COLUMNS`); empty when the family has no
    turbulence, and then ``scattering=True`` is refused."""

    places_sources: bool
    """Whether :meth:`dm_to_dist` works with this family alone (a halo does not place a
    source: it only adds DM to an ISM model's)."""

    def parameters(self, model: str) -> Any:
        """The published parameters of ``model``: an immutable record with ``name`` and
        ``provenance`` (a dict of where each group of numbers comes from; its ``reference``,
        or ``paper``, names the publication: a sky map's FITS header carries it). A model
        whose DM to its edge has a stated uncertainty gives it as ``sigma_dm`` (pc cm^-3;
        ``convert --to dm_mw`` writes it as ``<MODEL>_DM_MW_SIGMA``)."""

    def tables(self, parameters: Any) -> Any:
        """The kernels' inputs built from ``parameters`` (or loaded from the table cache):
        immutable, shared by every thread of the Model that holds them."""

    def density_columns(self, parameters: Any) -> Mapping[str, tuple[str, str]]:
        """Each column of :meth:`density`: (unit, description)."""

    def sun_kpc(self, parameters: Any) -> tuple[float, float, float]:
        """The Sun's position (x, y, z in kpc) in the frame of :meth:`density`."""

    def horizon_kpc(self, parameters: Any) -> float:
        """The distance (kpc) the model integrates to in most directions: the default end of
        a sky map's TAU and SM."""

    def edge_kpc(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
        """Per sightline, the distance (kpc) beyond which the model adds no DM (a sum of
        models searches its distances up to its parts' largest)."""

    def arm_curves(self, parameters: Any, samples: int) -> list[tuple[int, np.ndarray]]:
        """Spiral-arm centrelines for face-on pictures: (TC93 number of the arm, (2, samples)
        array of x, y in kpc in the frame of :meth:`density`) per arm; empty for a family
        without arms."""

    def density(self, tables: Any, x: np.ndarray, y: np.ndarray, z: np.ndarray,
                run: KernelRunner) -> pd.DataFrame:
        """n_e (cm^-3, column ``ne``) and the family's other :meth:`density_columns` at each
        point (flat arrays of one length); a row of NaN where a coordinate is not finite."""

    def density_along(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray,
                      dist: np.ndarray, shape: tuple[int, ...], components: bool,
                      run: KernelRunner) -> np.ndarray | dict[str, np.ndarray]:
        """n_e (cm^-3) on a grid of sightlines x distances: ``l_deg`` (in [0, 360)),
        ``b_deg`` and ``dist.shape[:-1]`` broadcast, ``dist``'s last axis holds the distances,
        and ``shape`` is the result's shape (the broadcast shape plus that axis). With
        ``components`` a dict of arrays of ``shape``, one per :meth:`density_columns` entry
        (integers as float, NaN at invalid points). Values equal :meth:`density` at the same
        points; NaN where the sightline or the distance (not finite, < 0) is invalid."""

    def dm_to_dist(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray, dm: np.ndarray,
                   dm_err: np.ndarray | None, scattering: bool, freq_ghz, velocity_kms,
                   errors: str, run: KernelRunner) -> pd.DataFrame:
        """DM -> distance per row: the columns of :meth:`mwprop_batch.Model.dm_to_dist`
        (``DIST``, ``DM``, ``DMz``, ``limit``, with ``dm_err`` ``DIST_LO``, ``DIST_HI``,
        ``limit_hi``, with ``scattering`` the :attr:`scattering_columns`) and ``status``."""

    def dist_to_dm(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
                   scattering: bool, freq_ghz, velocity_kms, errors: str,
                   run: KernelRunner) -> pd.DataFrame:
        """Distance -> DM per row: ``DIST``, ``DM``, ``DMz``, ``limit`` (never), the
        :attr:`scattering_columns` with ``scattering``, and ``status``."""

    def dm_max(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray,
               run: KernelRunner) -> np.ndarray:
        """DM (pc cm^-3) to the model's edge per sightline; NaN where the sightline is
        invalid or an iteration did not converge."""

    def dm_profile(self, tables: Any, l_deg: np.ndarray, b_deg: np.ndarray, dist: np.ndarray,
                   run: KernelRunner) -> np.ndarray:
        """DM (pc cm^-3) at each distance of the (n, m) array ``dist`` along each of the n
        sightlines: (n, m); 0 at distance 0, NaN where a distance is not finite or negative,
        the sightline is invalid, or an iteration did not converge."""
