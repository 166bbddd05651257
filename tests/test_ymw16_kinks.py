"""YMW16's search for thin-disk/arm crossings between a panel's nodes
(mwprop_batch.families.ymw16.kernels.kinks): the polynomial through the nodes that decides where to
look every 20 pc, and how often thin - arms is evaluated."""

import numpy as np

from mwprop_batch.core.interpreted import interpreted
from mwprop_batch.families.ymw16 import engine as sightlines
from mwprop_batch.families.ymw16.kernels import kinks as ymw16_kinks
from mwprop_batch.kernels.quadrature import GL_NODES, GL_ORDER


def test_fit_and_tail_of_a_quintic():
    """Through the nodes of a quintic: the fit is the quintic (it nears zero where the quintic
    does, between the nodes), the tail its last two Legendre coefficients."""
    legendre = np.array([0.3, -1.2, 0.7, 0.05, -0.4, 0.9])
    gaps = np.polynomial.legendre.legval(GL_NODES, legendre)
    np.testing.assert_allclose(ymw16_kinks._MONOMIAL @ gaps,
                               np.polynomial.legendre.leg2poly(legendre), atol=1e-12)
    np.testing.assert_allclose(ymw16_kinks._TAIL @ gaps, legendre[GL_ORDER - 2:], atol=1e-13)
    # t^2 - 0.01 on a panel of 1000 pc about 0: below zero within 50 pc of its middle (between
    # its middle nodes), not between the next two
    dip = np.polynomial.legendre.poly2leg([-0.01, 0.0, 1.0])
    gaps = np.polynomial.legendre.legval(GL_NODES, dip)
    fit = tuple(ymw16_kinks._MONOMIAL @ gaps)
    near = ymw16_kinks._fit_pair.py_func
    assert near(500.0 * GL_NODES[2], 500.0 * GL_NODES[3], 0.0, 500.0, fit, 1e-3)
    assert not near(500.0 * GL_NODES[3], 500.0 * GL_NODES[4], 0.0, 500.0, fit, 1e-3)


def test_disk_sightlines_look_between_nodes_only_where_the_fit_nears_zero(ymw16, monkeypatch):
    """Two inner-disk DM -> D rows evaluate thin - arms 18 times in all (crossings and panel
    ends; the fit shows no pair there); looking every 20 pc next to every node within 25% of
    n_e took 146, for the same distances."""
    calls = []
    kernel = interpreted(ymw16_kinks.first_kink)
    inner = kernel.__globals__["thin_over_arms"]

    def counted(*args):
        calls.append(args[0])
        return inner(*args)

    monkeypatch.setitem(kernel.__globals__, "thin_over_arms", counted)
    frame = sightlines.dm_to_dist(ymw16.tables, np.array([20.0, 330.0]), np.array([0.5, -0.3]),
                                  np.array([900.0, 700.0]), None, False, 1.0, 100.0, "nan",
                                  lambda k, *args: interpreted(k)(*args))
    np.testing.assert_allclose(frame["DIST"], [7.07863916518357, 5.672931451606217],
                               rtol=1e-13)
    assert len(calls) <= 24
