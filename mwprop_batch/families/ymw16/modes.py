"""YMW16's three modes as parameter sets: Galactic, Magellanic Cloud, and the ATNF box rule.

The authors' C code (``ymw16 Gal|MC|IGM``) takes the mode from its caller: Galactic mode ends a
sightline at 25 kpc and has no Clouds; MC mode adds the LMC, 30 Doradus and the SMC beyond
R_g = 35 kpc and ends at 100 kpc, in every direction; IGM mode integrates as MC mode and adds
the intergalactic and host terms (:mod:`mwprop_batch.families.ymw16.igm`).
:class:`~mwprop_batch.Model`
picks the mode per sightline as the ATNF catalogue does: MC inside the box
265 < l < 315 deg, -60 < b < -20 deg, Galactic elsewhere ("auto" here).

The kernels read that box from the parameter vector (``P[MC_L_MIN]`` ...), so a mode is a copy
of the tables with the box emptied (Galactic everywhere) or opened to the whole sky (MC
everywhere): the same kernels, no second code path.
"""

from __future__ import annotations

import math

from mwprop_batch.core.errors import InvalidValueError

from .kernels import density as K
from .tables import Ymw16Tables

AUTO, GALACTIC, MAGELLANIC = "auto", "gal", "mc"
MODES = (AUTO, GALACTIC, MAGELLANIC)


def tables_for_mode(tables: Ymw16Tables, mode: str) -> Ymw16Tables:
    """``tables`` whose MC box makes every sightline run in ``mode`` (a copy; "auto": as is).

    Raises InvalidValueError for a mode not in :data:`MODES`.
    """
    if mode == AUTO:
        return tables
    if mode not in MODES:
        raise InvalidValueError(f"unknown YMW16 mode {mode!r}; choose one of {', '.join(MODES)}")
    P = tables.P.copy()
    if mode == GALACTIC:  # an empty box: no direction is in it
        P[K.MC_L_MIN] = P[K.MC_L_MAX] = 0.0
    else:  # the whole sky
        P[K.MC_L_MIN], P[K.MC_L_MAX] = -math.inf, math.inf
        P[K.MC_B_MIN], P[K.MC_B_MAX] = -math.inf, math.inf
    return Ymw16Tables(P, tables.arms)
