"""Shared fixtures: models are built once per test session."""

import warnings
from pathlib import Path

import pytest

from mwprop_batch import Model

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
REAL_DATA = REPO / "data"  # the real data kept in the repository (data/README.md)


@pytest.fixture(scope="session", params=["ne2001", "ne2025"])
def model(request) -> Model:
    return Model(request.param)


@pytest.fixture(scope="session", params=["ne2001", "ne2025", "ymw16"])
def any_model(request) -> Model:
    """Every model, of both families: for what the API promises whatever the model."""
    return Model(request.param)


@pytest.fixture(scope="session")
def ne2001() -> Model:
    return Model("ne2001")


@pytest.fixture(scope="session")
def ne2025() -> Model:
    return Model("ne2025")


@pytest.fixture(scope="session")
def ymw16() -> Model:
    return Model("ymw16")


@pytest.fixture
def quiet_pygedm():
    """The pygedm drop-in's once-a-process NE2001p notice and its limit-row warning ignored
    (tests/test_pygedm_*.py test them where they ask for them)."""
    from mwprop_batch.compat import pygedm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pygedm.NE2001pWarning)
        warnings.simplefilter("ignore", pygedm.BeyondModelWarning)
        yield
