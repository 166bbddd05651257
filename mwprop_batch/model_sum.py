"""A sum of models (``Model("ne2025+yt2020")``): the density is the sum of the parts' densities.

Every method works on the sum. Along a sightline each part integrates in its own frame from its
own Sun, and the DMs add; DM -> distance solves DM_1(d) + DM_2(d) + ... = DM for d by a
safeguarded secant (Illinois) iteration on the parts' D -> DM; scattering comes from the parts
that scatter (the ISM models; the halos have none). ``components=True`` adds each part's DM
(``DM_<PART>``) or density (``ne_<part>``). A sum pickles as its name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .core.arguments import common_index, expand_sky, raise_if_masked, with_index, with_masked
from .core.errors import InvalidValueError
from .core.input_gate import as_float_arrays
from .core.parallel import takes_threads
from .core.rows import InvalidRowError, dm_rows
from .core.scattering import REFERENCE_FREQ_GHZ, REFERENCE_VELOCITY_KMS
from .core.status import OK
from .model import Model

RTOL = 1e-10  # relative tolerance of the distance found (or of its DM)
MAX_STEPS = 100


def scatters(model: Model) -> bool:
    """Whether a model gives scattering (the ISM models; not the halos)."""
    return bool(model.family.scattering_columns)


def combine_status(parts: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """'ok' where every part's status is; else each failing part's reason, named."""
    out = np.full(len(parts[0][1]), OK, dtype=object)
    for row in range(out.size):
        bad = [(name, s[row]) for name, s in parts if s[row] != OK]
        if bad and all(s == bad[0][1] for _, s in bad) and len(bad) == len(parts):
            out[row] = bad[0][1]  # a problem of the input row: every part says it
        elif bad:
            out[row] = "; ".join(f"{name.upper()}: {s}" for name, s in bad)
    return out


@dataclass(frozen=True)
class SumParameters:
    """The parameters of a sum's parts, and their provenance together."""

    parts: tuple
    provenance: dict[str, str]


class ModelSum(Model, sums_models=True):
    """The sum of two or more models, e.g. ``Model("ne2025+yt2020")`` (see the module)."""

    def __init__(self, name: str) -> None:
        keys = [k.strip().lower() for k in str(name).split("+")]
        if len(keys) < 2 or "" in keys or len(set(keys)) != len(keys):
            raise InvalidValueError(f"a sum of models names two or more different models "
                                    f"joined by '+', e.g. 'ne2025+yt2020'; got {name!r}")
        self._parts = tuple(Model(k) for k in keys)
        self._name = "+".join(keys)

    @property
    def family(self):
        """A sum has no one family: each of its :attr:`parts` has its own."""
        raise AttributeError(f"{self._name} is a sum of models: see .parts for their families")

    @property
    def parts(self) -> tuple[Model, ...]:
        """The models summed, in the order named."""
        return self._parts

    @property
    def parameters(self) -> SumParameters:
        """The parts' parameters (``.parts``) and their provenance, keyed ``<part>: <key>``."""
        return SumParameters(tuple(p.parameters for p in self._parts), {
            f"{p.name}: {k}": v for p in self._parts for k, v in p.parameters.provenance.items()})

    @property
    def tables(self) -> tuple:
        """The parts' tables."""
        return tuple(p.tables for p in self._parts)

    @takes_threads
    def density(self, x, y, z) -> pd.DataFrame:
        """``ne`` (cm^-3), the sum, and ``ne_<part>`` for each part at x, y, z (kpc), each
        part in its own frame (docs of :meth:`Model.density`)."""
        frames = [p.density(x, y, z) for p in self._parts]
        out = pd.DataFrame({"ne": sum(f["ne"] for f in frames)})
        for part, frame in zip(self._parts, frames, strict=True):
            out[f"ne_{part.name}"] = frame["ne"]
        return out

    @takes_threads
    def density_along(self, l_deg, b_deg, dist_kpc, components: bool = False,
                      labelled: bool = False):
        """The sum of the parts' :meth:`Model.density_along`; with ``components`` a dict of
        ``ne`` and ``ne_<part>``."""
        if labelled:
            raise InvalidValueError("density_along(labelled=True) is not offered for a sum of "
                                    "models; pass xarray DataArrays for a labelled result")
        values = [p.density_along(l_deg, b_deg, dist_kpc) for p in self._parts]
        total = sum(values)
        if not components:
            return total
        return {"ne": total} | {f"ne_{p.name}": v for p, v in zip(self._parts, values,
                                                                   strict=True)}

    @takes_threads
    def dm_max(self, l_deg, b_deg=None):
        """The sum of the parts' DM to their edges (pc cm^-3), as :meth:`Model.dm_max`."""
        return sum(p.dm_max(l_deg, b_deg) for p in self._parts)

    @takes_threads
    def dm_profile(self, l_deg, b_deg=None, dist_kpc=None) -> np.ndarray:
        """The sum of the parts' :meth:`Model.dm_profile`."""
        return sum(p.dm_profile(l_deg, b_deg, dist_kpc) for p in self._parts)

    @takes_threads
    def dist_to_dm(
        self, l_deg, b_deg=None, dist_kpc=None, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan", components: bool = False,
    ) -> pd.DataFrame:
        """D -> DM of the sum: the parts' DM (and DMz) added, scattering from the parts that
        scatter; ``components`` adds ``DM_<PART>``. Otherwise as :meth:`Model.dist_to_dm`."""
        frames = [p.dist_to_dm(l_deg, b_deg, dist_kpc, scattering=scattering and scatters(p),
                               freq_ghz=freq_ghz, velocity_kms=velocity_kms, errors=errors)
                  for p in self._parts]
        return self._summed(frames, scattering, components)

    def _summed(self, frames: list[pd.DataFrame], scattering: bool,
                components: bool) -> pd.DataFrame:
        scatterers = [f for p, f in zip(self._parts, frames, strict=True) if scatters(p)]
        if scattering and not scatterers:
            raise InvalidValueError(f"no part of {self._name} gives scattering")
        out = (scatterers[0] if scattering else frames[0]).copy()
        out["DM"] = sum(f["DM"] for f in frames)
        out["DMz"] = sum(f["DMz"] for f in frames)
        if components:
            for part, frame in zip(self._parts, frames, strict=True):
                out[f"DM_{part.name.upper()}"] = frame["DM"]
        status = combine_status([(p.name, f["status"].to_numpy(object))
                                 for p, f in zip(self._parts, frames, strict=True)])
        out = out.drop(columns="status")
        out["status"] = status
        return out

    def _reach_kpc(self, l_deg: np.ndarray, b_deg: np.ndarray) -> np.ndarray:
        """Where the sum stops growing: the farthest part's edge along each sightline (kpc,
        :meth:`mwprop_batch.family.Family.edge_kpc`)."""
        return np.maximum.reduce([part.family.edge_kpc(part.tables, l_deg, b_deg)
                                  for part in self._parts])

    def _dm_at(self, l_deg, b_deg, dist) -> np.ndarray:
        return sum(p.dist_to_dm(l_deg, b_deg, dist)["DM"].to_numpy() for p in self._parts)

    def _solve(self, l_deg, b_deg, target, reach, top_dm) -> np.ndarray:
        """Distance (kpc) where the sum's DM is ``target`` (0 < target < top_dm) on [0, reach]."""
        lo, hi = np.zeros_like(target), reach.copy()
        f_lo, f_hi = -target, top_dm - target
        dist = np.full(target.shape, np.nan)
        active = np.flatnonzero(np.isfinite(target))
        side = np.zeros(target.shape, dtype=np.int64)  # Illinois: which end was kept
        for _ in range(MAX_STEPS):
            if not active.size:
                break
            a, b, fa, fb = lo[active], hi[active], f_lo[active], f_hi[active]
            guess = b - fb * (b - a) / (fb - fa)
            inside = (guess > a) & (guess < b)
            guess = np.where(inside, guess, 0.5 * (a + b))
            value = self._dm_at(l_deg[active], b_deg[active], guess) - target[active]
            done = (np.abs(value) <= RTOL * target[active]) | (b - a <= RTOL * guess)
            dist[active[done]] = guess[done]
            up = value < 0
            # Illinois: halve the kept end's value when the same end is kept twice
            keep_hi, keep_lo = up & (side[active] == 1), ~up & (side[active] == -1)
            f_hi[active[keep_hi]] *= 0.5
            f_lo[active[keep_lo]] *= 0.5
            lo[active[up]], f_lo[active[up]] = guess[up], value[up]
            hi[active[~up]], f_hi[active[~up]] = guess[~up], value[~up]
            side[active] = np.where(up, 1, -1)
            active = active[~done]
        if active.size:
            dist[active] = np.nan
        return dist

    @takes_threads
    def dm_to_dist(
        self, l_deg, b_deg=None, dm=None, dm_err=None, *, scattering: bool = False,
        freq_ghz: float = REFERENCE_FREQ_GHZ, velocity_kms: float = REFERENCE_VELOCITY_KMS,
        errors: str = "nan", components: bool = False,
    ) -> pd.DataFrame:
        """DM -> D on the sum of the parts' densities, as :meth:`Model.dm_to_dist`.

        ``limit`` is True where the DM exceeds what the sum reaches at its farthest edge along
        the sightline (its farthest part's :meth:`~mwprop_batch.family.Family.edge_kpc`: a halo's
        edge, or the ISM models' horizon): ``DIST`` is that edge and
        ``DM`` the sum's DM there. The scattering columns are the scattering parts' at
        ``DIST``; ``components`` adds each part's DM there (``DM_<PART>``).
        """
        l_deg, b_deg, dm, dm_err = expand_sky(l_deg, b_deg, [dm, dm_err], "dm_to_dist",
                                        ("dm", "dm_err"))
        if dm is None:
            raise InvalidValueError("dm_to_dist() needs dm")
        names = ("l_deg", "b_deg", "dm") + (() if dm_err is None else ("dm_err",))
        values = (l_deg, b_deg, dm) + (() if dm_err is None else (dm_err,))
        index = common_index(names, *values)
        inputs = as_float_arrays(names, *values, kinds=("angle", "angle", "dm", "dm")[:len(names)],
                                 labels=("l", "b", "DM", None)[:len(names)])
        raise_if_masked(inputs, errors)
        flat = inputs.arrays
        err_in = flat[3] if dm_err is not None else None
        l_f, valid, status, given, err = dm_rows(flat[0], flat[1], flat[2], err_in, errors)
        b_f = flat[1]
        l_ok, b_ok = np.where(valid, l_f, 0.0), np.where(valid, b_f, 0.0)
        reach = self._reach_kpc(l_ok, b_ok)
        top_dm = self._dm_at(l_ok, b_ok, reach)
        targets = [np.where(valid, flat[2], np.nan)]
        if err_in is not None:
            targets += [np.where(given, flat[2] - err, np.nan),
                        np.where(given, flat[2] + err, np.nan)]
        found = []
        for target in targets:
            inside = (target > 0) & (target < top_dm)
            dist = self._solve(l_ok, b_ok, np.where(inside, target, np.nan), reach, top_dm)
            dist = np.where(target >= top_dm, reach, dist)
            found.append(np.where(np.isfinite(target) & (target <= 0), 0.0, dist))
        dist = np.where(valid, found[0], np.nan)
        unsolved = valid & np.isnan(dist)
        status = status.copy()
        status[unsolved] = "not converged: the sum's DM -> D"
        if errors == "raise" and unsolved.any():
            raise InvalidRowError(f"row {int(np.flatnonzero(unsolved)[0])}: not converged")
        at = np.where(valid & ~unsolved, dist, 1.0)
        frames = [p.dist_to_dm(l_ok, b_ok, at, scattering=scattering and scatters(p),
                               freq_ghz=freq_ghz, velocity_kms=velocity_kms)
                  for p in self._parts]
        out = self._summed(frames, scattering, components)
        bad = ~valid | unsolved
        numeric = [c for c in out.columns if c != "status" and out[c].dtype != bool]
        out.loc[bad, numeric] = np.nan
        out["DIST"] = dist
        out["limit"] = valid & (flat[2] >= top_dm)
        if err_in is not None:
            out["DIST_LO"] = np.where(given, found[1], np.nan)
            out["DIST_HI"] = np.where(given, found[2], np.nan)
            out["limit_hi"] = given & (flat[2] + err >= top_dm)
        out["status"] = np.where(bad, status, out["status"].to_numpy(object))
        return with_index(with_masked(out, inputs), index)
