"""The Gauss-Legendre rule every line-of-sight kernel integrates its panels with."""

import numpy as np

GL_ORDER = 6
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(GL_ORDER)
