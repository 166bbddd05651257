"""Panels much shorter than the density allows are integrated with lower Gauss-Legendre
orders, and lose nothing: per kpc, each order errs less on them than the full order does on a
full-length panel over the narrowest arm (a Gaussian) or one vertical scale height (sech^2)."""

import numpy as np
import pytest
from kernel_calls import from_python
from scipy.special import erf

from mwprop_batch.families.ne.kernels import panel_quadrature
from mwprop_batch.families.ne.kernels.layout import ARM_W
from mwprop_batch.families.ne.kernels.panel_quadrature import PANEL_MAX
from mwprop_batch.kernels.quadrature import GL_ORDER, SHORTER_ORDER_FRACTION

# a kernel only kernels call (no Python entry point), through a compiled caller
_panel_order = from_python(panel_quadrature._panel_order)


def worst_error(order: int, length: float, shape: str, width: float) -> float:
    """Largest Gauss-Legendre error on a panel of ``length``, over where the panel lies
    against a Gaussian exp(-(s/width)^2) or a sech^2(s/width), relative to its whole
    integral."""
    nodes, weights = np.polynomial.legendre.leggauss(order)
    starts = np.linspace(-3.0 * width, 3.0 * width, 601)[:, None]
    s = starts + 0.5 * length * (nodes + 1.0)
    if shape == "gaussian":
        values = np.exp(-((s / width) ** 2))
        exact = 0.5 * width * np.sqrt(np.pi) * (
            erf((starts + length) / width) - erf(starts / width))
        whole = width * np.sqrt(np.pi)
    else:
        values = 1.0 / np.cosh(s / width) ** 2
        exact = width * (np.tanh((starts + length) / width) - np.tanh(starts / width))
        whole = 2.0 * width
    quadrature = 0.5 * length * (values * weights).sum(axis=1, keepdims=True)
    return float(np.max(np.abs(quadrature - exact)) / whole)


@pytest.mark.parametrize("model", ["ne2001", "ne2025"])
def test_lower_orders_err_less_per_kpc_than_the_full_order(model, request):
    narrowest_arm = request.getfixturevalue(model).tables.arm_par[:, ARM_W].min()
    # a full-length panel meets an arm (PANEL_MAX long) or one vertical scale height
    cases = [("gaussian", PANEL_MAX, narrowest_arm), ("sech2", 1.0, 1.0)]
    for shape, limit, width in cases:
        full = worst_error(GL_ORDER, limit, shape, width) / limit
        assert full > 0.0
        for order, fraction in enumerate(SHORTER_ORDER_FRACTION, start=2):
            length = fraction * limit
            assert worst_error(order, length, shape, width) / length < full, (shape, order)


def test_a_panel_gets_the_lowest_order_its_length_allows():
    limit = 0.6
    assert _panel_order(limit, limit) == GL_ORDER
    for order, fraction in enumerate(SHORTER_ORDER_FRACTION, start=2):
        assert _panel_order(fraction * limit, limit) == order
        assert _panel_order(1.01 * fraction * limit, limit) == order + 1
