"""Independent reference computations shared by the tests (no engine code involved)."""

import signal

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.optimize import minimize_scalar

from mwprop_batch.core.constants import SM_FACTOR


def distance_is_unique(model, l_deg, b_deg, dist, dm) -> bool:
    """Whether the DM at ``dist`` is reached nowhere before ``dist * (1 - 1e-7)``: then DM -> D
    must return ``dist`` to 1e-7 (a DM that is flat further in, as where a model's density
    is zero between the Galaxy and the Magellanic Clouds, has many distances)."""
    before = model.dist_to_dm(l_deg, b_deg, dist * (1.0 - 1e-7))["DM"].iloc[0]
    return dm - before > 1e-9 * dm


def true_arm_distance(theta, radius, x, y):
    """Brute-force distance to a spline centreline: dense sampling, then a bounded refine."""
    spline = CubicSpline(theta, radius)
    t = np.linspace(theta[0], theta[-1], 200_001)
    r = spline(t)
    d2 = (-r * np.sin(t) - x) ** 2 + (r * np.cos(t) - y) ** 2
    k = int(d2.argmin())

    def squared(tt):
        rr = spline(tt)
        return (-rr * np.sin(tt) - x) ** 2 + (rr * np.cos(tt) - y) ** 2

    lo, hi = t[max(k - 1, 0)], t[min(k + 1, t.size - 1)]
    res = minimize_scalar(squared, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    return float(np.sqrt(min(res.fun, d2[k])))


def true_arm_distances(theta, radius, x, y):
    """:func:`true_arm_distance` for many points at once: the centreline sampled 200,001
    times, then 2,001 times between each point's nearest sample's neighbours."""
    spline = CubicSpline(theta, radius)
    t = np.linspace(theta[0], theta[-1], 200_001)
    cx, cy = -spline(t) * np.sin(t), spline(t) * np.cos(t)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    out = np.empty(x.shape)
    for i in range(x.size):
        k = int(np.argmin((cx - x[i]) ** 2 + (cy - y[i]) ** 2))
        tt = np.linspace(t[max(k - 1, 0)], t[min(k + 1, t.size - 1)], 2001)
        rr = spline(tt)
        out[i] = np.sqrt(((-rr * np.sin(tt) - x[i]) ** 2 + (rr * np.cos(tt) - y[i]) ** 2).min())
    return out


def brute_force(model, l_deg, b_deg, dist, n=200_001):
    """DM and SM by the trapezoid rule on a very fine uniform grid, independent of the engine.

    Returns ((DM, its error bound), (SM, its error bound)): where the integrand jumps, the
    trapezoid rule errs by up to half a step times the jump, so the bounds are
    step x total variation of the integrand, plus 1e-6 relative for the smooth parts.
    """
    s = np.linspace(0.0, dist, n)
    lr, br = np.radians(l_deg), np.radians(b_deg)
    x, y, z = s * np.cos(br) * np.sin(lr), 8.5 - s * np.cos(br) * np.cos(lr), s * np.sin(br)
    f = model.density(x, y, z)
    ne = 1000.0 * f["ne"].to_numpy()
    sm = SM_FACTOR * (f["F"] * f["ne"] ** 2).to_numpy()
    step = s[1] - s[0]
    results = []
    for values in (ne, sm):
        total = np.trapezoid(values, s)
        bound = step * np.abs(np.diff(values)).sum() + 1e-6 * total
        results.append((total, bound))
    return results


def relative(ours, ref) -> np.ndarray:
    """|ours - ref| / |ref|, and 0 where both are 0."""
    ours, ref = np.asarray(ours, float), np.asarray(ref, float)
    both_zero = (ours == 0) & (ref == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(ours - ref) / np.abs(ref)
    return np.where(both_zero, 0.0, rel)


def run_command(*argv: str) -> int:
    """Parse ``argv`` with the ``mwprop-batch`` parser and run the command's handler directly:
    unlike ``main``, errors propagate as exceptions instead of becoming exit code 2."""
    from mwprop_batch.cli import build_parser

    args = build_parser().parse_args(argv)
    return args.run(args, "")


def default_interrupt_signals() -> None:
    """In a child before exec: SIGINT and SIGHUP back to their defaults, as a command typed in
    a terminal has them. An ignored signal is inherited across exec, and this process may
    ignore them: a shell without job control starts background jobs with SIGINT ignored
    (POSIX), nohup ignores SIGHUP. With SIGINT ignored Python installs no KeyboardInterrupt
    handler, and a run keeps a signal it was started to ignore ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def serial_dask_run(work, part_names, plan, names, options, *rest):
    """``mwprop_batch.dask._run`` without a cluster: every piece converted in this process, in
    order, by the function the workers run (for tests of publishing, not of Dask)."""
    import importlib

    dask_module = importlib.import_module("mwprop_batch.dask")
    _scheduler, _workers, _progress, filesystem, storage_options = rest
    return [dask_module._convert_piece(piece, part, plan.schema, plan.catalogue.schema, names,
                                       plan.columns, options, filesystem, storage_options)[0]
            for piece, part in zip(work, part_names, strict=True)]
