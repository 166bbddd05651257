"""The Gauss-Legendre rule every line-of-sight kernel integrates its panels with."""

import numpy as np

GL_ORDER = 6
# Lower orders for panels much shorter than the longest one the density allows (``limit``,
# sized for GL_ORDER): order n + 2 where the panel is at most SHORTER_ORDER_FRACTION[n] of
# it. Each keeps the error per kpc below GL_ORDER's at full length; the fractions are those
# for the narrowest Gaussian a full-length panel meets (an arm: 0.75 kpc for 0.62 kpc), where
# orders 2-5 reach 0.020, 0.133, 0.352 and 0.651 (sech^2 allows more), rounded down.
SHORTER_ORDER_FRACTION = (0.015, 0.12, 0.33, 0.62)
GL_TABLE_NODES = np.zeros((GL_ORDER + 1, GL_ORDER))  # row n: the n nodes of order n
GL_TABLE_WEIGHTS = np.zeros((GL_ORDER + 1, GL_ORDER))
for _n in range(1, GL_ORDER + 1):
    GL_TABLE_NODES[_n, :_n], GL_TABLE_WEIGHTS[_n, :_n] = np.polynomial.legendre.leggauss(_n)
GL_NODES, GL_WEIGHTS = GL_TABLE_NODES[GL_ORDER], GL_TABLE_WEIGHTS[GL_ORDER]
