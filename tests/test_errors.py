"""Every error class mwprop_batch defines derives from the one exported base, and every
warning class from the one warning base.

(Signals turned into exceptions, like core.publish.Interrupted, are KeyboardInterrupts, not
errors, and stay outside it.)
"""

import importlib
import inspect
import pkgutil

import pytest

import mwprop_batch
from mwprop_batch import Model, MwpropBatchError
from mwprop_batch.core.errors import MwpropBatchWarning

OPTIONAL = {"mwprop_batch.dask"}  # needs the [dask] extra; its errors come from convert


def test_every_exception_class_derives_from_the_base():
    found = []
    for info in pkgutil.walk_packages(mwprop_batch.__path__, "mwprop_batch."):
        if info.name in OPTIONAL:
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Exception) and cls.__module__ == info.name:
                found.append(cls)
                base = MwpropBatchWarning if issubclass(cls, Warning) else MwpropBatchError
                assert issubclass(cls, base), cls
    assert len(found) >= 12  # the walk did reach the package's modules


def test_bad_input_raises_the_base_and_the_builtin_kind():
    with pytest.raises(MwpropBatchError, match="unknown model"):
        Model("ne2099")
    with pytest.raises(ValueError):
        Model("ne2099")
    with pytest.raises(MwpropBatchError):
        Model("ne2025").dm_to_dist(30.0, 1.0, 100.0, errors="loudly")
