"""The package's version, in one place that imports nothing of the package (the package's
``__version__``, the metadata of the files it writes)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("mwprop_batch")
except PackageNotFoundError:  # running from a source tree that is not installed
    VERSION = "0+unknown"
