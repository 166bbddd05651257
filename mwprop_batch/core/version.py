"""The installed package's version, in one place (the package and every writer of metadata)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mwprop_batch")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
