"""Every iteration cap of the YMW16 engine flags its row: a cap lowered in the interpreted tier
(the kernels' own Python source, mwprop_batch.core.interpreted) must turn the row into NaN results
with status 'not converged: <where>', never a last iterate marked ok."""

import numpy as np
import pytest
from kernel_calls import from_python

from mwprop_batch.core.interpreted import interpreted
from mwprop_batch.core.rows import NotConvergedError
from mwprop_batch.families.ymw16 import engine as sightlines
from mwprop_batch.families.ymw16.kernels import (
    cuts as ymw16_cuts,
)
from mwprop_batch.families.ymw16.kernels import (
    kinks as ymw16_kinks,
)
from mwprop_batch.families.ymw16.kernels import (
    panel_integrals as ymw16_panel_integrals,
)
from mwprop_batch.families.ymw16.kernels import (
    row_scratch as ymw16_row_scratch,
)
from mwprop_batch.families.ymw16.kernels import (
    sightline_march as ymw16_sightline_march,
)
from mwprop_batch.families.ymw16.kernels import (
    switch as ymw16_switch,
)


def _run(kernel, *args):
    """The runner of a Model, always interpreted (so the lowered caps take effect)."""
    return interpreted(kernel)(*args)


def _dist_to_dm(ymw16, l_deg, b_deg, dist):
    return sightlines.dist_to_dm(ymw16.tables, np.array([l_deg]), np.array([b_deg]),
                                 np.array([dist]), False, 1.0, 100.0, "nan", _run)


def _dm_to_dist(ymw16, l_deg, b_deg, dm):
    return sightlines.dm_to_dist(ymw16.tables, np.array([l_deg]), np.array([b_deg]),
                                 np.array([dm]), None, False, 1.0, 100.0, "nan", _run)


def _cap(monkeypatch, kernel, name, value):
    """Lower constant ``name`` as ``kernel``'s module reads it in the interpreted tier."""
    monkeypatch.setitem(interpreted(kernel).__globals__, name, value)


def _flagged(frame, where, column):
    assert frame["status"].iloc[0] == f"not converged: {where}"
    assert np.isnan(frame[column].iloc[0])


def test_uncapped_rows_are_ok(ymw16):
    """The sightlines below converge with the caps as shipped (so a flag is the cap's)."""
    assert (_dist_to_dm(ymw16, 351.731, 0.536, 3.005)["status"] == "ok").all()
    assert (_dm_to_dist(ymw16, 30.0, 1.0, 300.0)["status"] == "ok").all()
    assert (_dist_to_dm(ymw16, 206.912, 54.360, 0.5)["status"] == "ok").all()
    assert (_dist_to_dm(ymw16, 120.0, 40.0, 5.0)["status"] == "ok").all()
    limit = _dm_to_dist(ymw16, 120.0, 40.0, 1e4)
    assert limit["status"].iloc[0] == "ok" and limit["limit"].iloc[0]


def test_solve_cap_flags_a_target(ymw16, monkeypatch):
    _cap(monkeypatch, ymw16_panel_integrals._solve, "SOLVE_STEPS", 0)
    _flagged(_dm_to_dist(ymw16, 30.0, 1.0, 300.0), "ymw16_los._solve", "DIST")


def test_solve_cap_flags_a_limit_rows_distance(ymw16, monkeypatch):
    """A DM beyond the sightline's total: its DIST (a lower limit) is placed by _solve too."""
    _cap(monkeypatch, ymw16_panel_integrals._solve, "SOLVE_STEPS", 0)
    _flagged(_dm_to_dist(ymw16, 120.0, 40.0, 1e4), "ymw16_los._solve", "DIST")


def test_kink_cap_flags(ymw16, monkeypatch):
    """Toward (351.731, 0.536) the thin disk and the arms cross inside a panel."""
    _cap(monkeypatch, ymw16_kinks.first_kink, "KINK_STEPS", 1)
    _flagged(_dist_to_dm(ymw16, 351.731, 0.536, 3.005), "ymw16_kinks._crossing", "DM")


def test_switch_cap_flags(ymw16, monkeypatch):
    """Toward b = 40 deg the thin disk and the arms reach their cut-off heights."""
    _cap(monkeypatch, ymw16_switch.state_switch, "BISECTION_STEPS", 1)
    _flagged(_dist_to_dm(ymw16, 120.0, 40.0, 5.0), "ymw16_switch.state_switch", "DM")


def test_panel_cap_flags(ymw16, monkeypatch):
    _cap(monkeypatch, ymw16_sightline_march.march, "MAX_PANELS", 3)
    _flagged(_dist_to_dm(ymw16, 30.0, 1.0, 10.0), "ymw16_los.march", "DM")


def test_a_capped_row_raises_when_asked(ymw16, monkeypatch):
    _cap(monkeypatch, ymw16_sightline_march.march, "MAX_PANELS", 3)
    with pytest.raises(NotConvergedError, match="row 0: not converged: ymw16_los.march"):
        sightlines.dist_to_dm(ymw16.tables, np.array([30.0]), np.array([1.0]),
                              np.array([10.0]), False, 1.0, 100.0, "raise", _run)


def test_a_full_cut_buffer_flags(ymw16, monkeypatch):
    """A buffer too small for the sightline's cuts is never written past its end."""
    monkeypatch.setattr(interpreted(ymw16_row_scratch.march_work).__globals__["C"], "MAX_CUTS", 4)
    _flagged(_dist_to_dm(ymw16, 30.0, 1.0, 10.0), "ymw16_cuts.cuts_of", "DM")


def test_an_unlocated_lobe_1_flip_flags(ymw16, monkeypatch):
    """Toward (206.912, 54.360) lobe 1's viewing-angle test flips 302 pc out."""
    _cap(monkeypatch, ymw16_cuts.cuts_of, "BISECTION_STEPS", 1)
    _flagged(_dist_to_dm(ymw16, 206.912, 54.360, 0.5), "ymw16_cuts.cuts_of", "DM")


@pytest.mark.parametrize("room", [0, 3, 40])
def test_cuts_fill_a_buffer_only_to_its_end(ymw16, room):
    """The compiled cut finder with a buffer of ``room`` entries inside a larger array: the
    entries past it stay untouched, and a buffer that is too small says so."""
    P, arms = ymw16.tables
    # (compiled without a CPython wrapper: called through compiled callers)
    sightline, zones_of = from_python(ymw16_cuts.sightline), from_python(ymw16_cuts.zones_of)
    cuts_of = from_python(ymw16_cuts.cuts_of)
    u, mc, frame = sightline(30.0, 1.0, P)
    zones = zones_of(u, mc, frame, 30.0, P, np.empty((ymw16_cuts.N_ZONES, 3)))
    full, complete = cuts_of(u, 25_000.0, zones, arms, P,
                                        np.empty(ymw16_cuts.MAX_CUTS))
    assert complete and 3 < full.shape[0] < 40
    buffer = np.full(room + 8, -1.0)
    kept, complete = cuts_of(u, 25_000.0, zones, arms, P, buffer[:room])
    assert complete == (room >= full.shape[0])
    assert (buffer[room:] == -1.0).all()
    assert kept.shape[0] == min(room, full.shape[0])
