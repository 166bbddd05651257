"""Where YMW16's governing component switches along a sightline (numba kernels, pc inside).

YMW16's n_e is not a sum: the Local Bubble, the Gum Nebula and Loop I replace the disks where
they are denser (:func:`mwprop_batch.families.ymw16.kernels.density.galaxy`), so n_e jumps
where one of them takes over or hands back. :mod:`~mwprop_batch.families.ymw16.kernels.los`
cuts its panels there (through :mod:`.sightline_march`), with the helpers here:

* :func:`state`: which disk components are within their cut-offs, and which component governs;
  :func:`state_switch` finds where it changes;
* :func:`panel_regions`: a panel's DM, and its first node where another component governs.

The certified search for a take-over between nodes is :mod:`.take_over`'s.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER, GL_WEIGHTS

from . import density as K
from .combination import galaxy
from .cuts import along
from .kinks import secant_point, slow_steps
from .panels import SWITCHING

SWITCH_TOL = 1e-4  # pc: how closely a switch between governing components is located
REGION_SHIFT = 3  # state bits: 0-2 the disks' cut-offs, then the governing region
DISK_MASK = (1 << REGION_SHIFT) - 1
# pc: how closely a disk cut-off is located (there n_e steps by < 1e-4 cm^-3: the arms at
# |z| = 3 kpc, sech^2(4.1) of their value; elsewhere ~3e-5 of a component's peak)
DISK_TOL = 1e-2
LOG_FLOOR = 700.0  # |log ratio| beyond which features and disks are not compared finer
SECANT_STEPS = 16  # secant steps to locate a take-over, before bisection
# bisection steps to locate a switch: a panel (<= 1500 pc) halves to SWITCH_TOL in 24; more
# happen only where doubles are too coarse to close the bracket (then the row is flagged)
BISECTION_STEPS = 100


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _disk_bits(x: float, y: float, z: float, P) -> int:
    """Bits 0-2 of :func:`state` at (x, y, z) pc: thick disk, thin disk and the arms' height
    range within their cut-offs."""
    r = math.sqrt(x * x + y * y)
    theta = math.atan2(y, x) if r >= P[K.R_WARP] else 0.0  # the warp's azimuth
    zw = abs(K.warped_z(z, r, theta, P))
    cut = P[K.CUT]
    bits = 0
    if zw <= cut * P[K.H1] and r - P[K.BD] <= cut * P[K.AD]:
        bits |= 1
    hg = K.scale_height(r, P)
    if r - P[K.B2] <= cut * P[K.A2] and zw <= cut * P[K.K2] * hg:
        bits |= 2
    if zw < P[K.ARM_Z_MAX] and zw <= cut * P[K.KA] * hg:
        bits |= 4
    return bits


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _disk_bits_at(s: float, u, P) -> int:
    """:func:`_disk_bits` s pc along the sightline."""
    x, y, z = along(s, u, P)
    return _disk_bits(x, y, z, P)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def state(s: float, u, l_deg: float, local: int, P, arms, against: int = -1) -> int:
    """Which disk components are within their cut-offs at distance s (bits 0-2, see
    :func:`_disk_bits`) and, where local features may take over (``local`` has SWITCHING
    bits), which component governs n_e (bits REGION_SHIFT on). n_e jumps only where this
    changes (and, by less than 1e-5 cm^-3, where an arm ends at 6 widths: not cut). Where
    bits 0-2 already differ from those of ``against``, the (costly) governing component is
    not looked for: the result then only differs from ``against``."""
    x, y, z = along(s, u, P)
    bits = _disk_bits(x, y, z, P)
    if local & SWITCHING and (against < 0 or bits == against & DISK_MASK):
        bits |= galaxy(x, y, z, l_deg, local, P, arms)[8] << REGION_SHIFT
    return bits


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _state_margin(s: float, u, l_deg: float, local: int, P, arms) -> tuple[int, float]:
    """:func:`state` at s, and the log of the largest ratio of a feature to the disks it must
    beat (see :func:`_disks`): the disks govern exactly where it is <= 0. (In log, a feature's
    sech^2 or Gaussian flank is near a line, so the secant on it converges fast.)"""
    x, y, z = along(s, u, P)
    found = galaxy(x, y, z, l_deg, local, P, arms)
    disk, dimmed, excess = _disks(found, P)
    lb, other = found[6], max(found[5], found[7])
    ratio = 0.0
    if lb > 0.0:
        ratio = lb / disk if disk > 0.0 else np.inf
    if other > 0.0:
        ratio = max(ratio, other / dimmed if dimmed > 0.0 else np.inf)
    margin = min(max(math.log(ratio) if ratio > 0.0 else -LOG_FLOOR, -LOG_FLOOR), LOG_FLOOR)
    if (excess > 0.0) != (margin > 0.0):  # (rounding: the state decides, see state_switch)
        margin = 0.0
    return _disk_bits(x, y, z, P) | found[8] << REGION_SHIFT, margin


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def state_switch(a: float, b: float, state_a: int, u, l_deg: float, local: int, P,
                 arms) -> tuple[float, bool]:
    """Where, between a and b, the state (see :func:`state`) first differs from ``state_a``
    (to within SWITCH_TOL; DISK_TOL for a disk cut-off). A change of the disk bits is bisected
    on them alone (n_e is not evaluated), then the governing component just before it is
    checked. A feature taking over from the disks or handing back to them is located by the
    secant method on the log of its ratio to the disks, kept inside the bracket the state
    gives (:func:`~mwprop_batch.families.ymw16.kernels.kinks.secant_point`); any other change, and
    what the secant leaves after SECANT_STEPS, by bisection. Returns the place and whether
    it was located (False when BISECTION_STEPS halvings left the bracket wider than its
    tolerance)."""
    lo, hi = a, b
    disks_a = state_a & DISK_MASK
    if _disk_bits_at(hi, u, P) != disks_a:  # first where the disk bits change (no n_e needed)
        for _ in range(BISECTION_STEPS):
            if not hi - lo > DISK_TOL:
                break
            mid = 0.5 * (lo + hi)
            if _disk_bits_at(mid, u, P) == disks_a:
                lo = mid
            else:
                hi = mid
        if hi - lo > DISK_TOL:
            return hi, False
        if not local & SWITCHING or state(lo, u, l_deg, local, P, arms, np.int64(-1)) == state_a:
            return hi, True
        lo, hi = a, lo  # the governing component changed first
    if local & SWITCHING and hi - lo > SWITCH_TOL:
        state_b, g_hi = _state_margin(hi, u, l_deg, local, P, arms)
        region_a, region_b = state_a >> REGION_SHIFT, state_b >> REGION_SHIFT
        take_over = region_a != region_b and (region_a == K.DISKS or region_b == K.DISKS)
        if state_b & DISK_MASK == state_a & DISK_MASK and take_over:
            sign = 1.0 if region_a == K.DISKS else -1.0  # g <= 0 at lo, >= 0 at hi
            g_lo = sign * _state_margin(lo, u, l_deg, local, P, arms)[1]
            # the secant through the last two points (xb the latest), kept inside [lo, hi]
            xa, ga, xb, gb = lo, g_lo, hi, sign * g_hi
            slow = np.int64(0)  # steps in a row that did not halve [lo, hi] (not a literal)
            for _ in range(SECANT_STEPS):
                width = hi - lo
                if width <= SWITCH_TOL:
                    return hi, True
                mid, slow = secant_point(lo, hi, xa, ga, xb, gb, slow, SWITCH_TOL)
                now, margin = _state_margin(mid, u, l_deg, local, P, arms)
                if now == state_a:
                    lo = mid
                else:
                    hi = mid
                xa, ga, xb, gb = xb, gb, mid, sign * margin
                slow = slow_steps(slow, width, lo, hi)
    for _ in range(BISECTION_STEPS):
        if not hi - lo > SWITCH_TOL:
            break
        mid = 0.5 * (lo + hi)
        if state(mid, u, l_deg, local, P, arms, state_a) == state_a:
            lo = mid
        else:
            hi = mid
    return hi, not hi - lo > SWITCH_TOL


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def _disks(found, P) -> tuple[float, float, float]:
    """From :func:`ymw16.galaxy`'s output: the disks' n_e that the Local Bubble must beat,
    the (possibly dimmed) one the Gum Nebula and Loop I must beat, and the largest excess of
    a feature over the disks (cm^-3); the disks govern exactly where the excess is <= 0."""
    thick, thin, spiral, gum, lb, li, fermi, axis_dist = (
        found[1], found[2], found[3], found[5], found[6], found[7], found[9], found[10])
    n1 = thick * P[K.J_FB] if fermi else thick
    disk = n1 + max(thin, spiral)
    dimmed = disk if axis_dist > P[K.R_LB] else n1 * P[K.J_LB] + max(thin, spiral)
    return disk, dimmed, max(lb - disk, max(gum, li) - dimmed)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def disks_at(s: float, u, l_deg: float, local: int, P, arms) -> tuple[float, float, float]:
    """:func:`_disks` at distance s (pc) along the sightline."""
    x, y, z = along(s, u, P)
    return _disks(galaxy(x, y, z, l_deg, local, P, arms), P)


@nb.njit(cache=True, **ONLY_FROM_KERNELS)
def panel_regions(a: float, b: float, u, l_deg: float, local: int, P, arms, values, disks,
                  gaps, region: int) -> tuple[float, int]:
    """Gauss-Legendre DM (pc cm^-3) over [a, b] inside the Galaxy, and the index of the first
    node where a component other than ``region`` governs n_e (GL_ORDER if none): a local
    feature that takes over and hands back inside one panel leaves both ends alike, but not
    every node. n_e at the nodes goes to ``values``, thin disk minus arms to ``gaps`` and,
    where ``region`` is the disks, their two values (see :func:`_disks`) to the rows of
    ``disks``."""
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    dm = 0.0
    other = GL_ORDER
    for k in range(GL_ORDER):
        node = mid + half * GL_NODES[k]
        x, y, z = along(node, u, P)
        found = galaxy(x, y, z, l_deg, local, P, arms)
        values[k] = found[0]
        gaps[k] = found[2] - found[3]
        if region == K.DISKS:  # (only a search from the disks reads them)
            disks[k, 0], disks[k, 1], _ = _disks(found, P)
        if found[8] != region and other == GL_ORDER:
            other = k
        dm += GL_WEIGHTS[k] * values[k]
    return dm * half, other
