"""A small in-place sort for the kernels (numba's ``np.sort`` costs seconds to compile)."""

from __future__ import annotations

import numba as nb
import numpy as np

from mwprop_batch.kernels.internal import ONLY_FROM_KERNELS


@nb.njit(cache=True, _nrt=False, **ONLY_FROM_KERNELS)
def sort_prefix(values: np.ndarray, n: int) -> None:
    """Sort ``values[:n]`` ascending in place (insertion sort).

    Meant for the few tens of cut points of a sightline; NaN must not occur. Equal values
    are indistinguishable, so the result equals ``np.sort(values[:n])``.
    """
    for i in range(1, n):
        v = values[i]
        j = i - 1
        while j >= 0 and values[j] > v:
            values[j + 1] = values[j]
            j -= 1
        values[j + 1] = v
