"""mwprop_batch: Galactic free-electron and halo models (NE2001, NE2025, YMW16, ...) for whole
catalogues.

>>> from mwprop_batch import Model
>>> ne2025 = Model("ne2025")
>>> ne2025.density(0.0, 8.5, 0.0)["ne"].round(4).tolist()  # at the Sun, inside the LHB
[0.005]
"""

from . import kernels  # noqa: F401  (first: keys numba's cache, kernels.cache_key)

# isort: split
from . import (
    accessor,  # noqa: E402, F401  (registers the DataFrame.mwprop accessor)
    model_sum,  # noqa: E402, F401  (what Model("a+b") builds: Model.__init_subclass__)
)
from .convert import convert  # noqa: E402
from .core.errors import MwpropBatchError  # noqa: E402
from .core.version import VERSION as __version__  # noqa: E402
from .model import Model  # noqa: E402

__all__ = ["Model", "MwpropBatchError", "convert", "__version__"]
