"""The packaged parameter files load, are complete, and hold the published values."""

import numpy as np
import pytest

from mwprop_batch.families.ne.params import load_parameters
from mwprop_batch.families.ne.tables import arm_centrelines


@pytest.mark.parametrize(
    ("name", "n_clumps", "n_voids", "n1h1", "h1", "A2", "hgc"),
    [("ne2001", 175, 17, 0.033, 0.97, 3.8, 0.026), ("ne2025", 214, 37, 0.0275, 1.589, 4.3, 0.05)],
)
def test_published_values(name, n_clumps, n_voids, n1h1, h1, A2, hgc):
    p = load_parameters(name)
    assert p.n_clumps == n_clumps
    assert p.n_voids == n_voids
    assert p.thick["n1h1"] == n1h1
    assert p.thick["h1"] == h1
    assert p.thin["A2"] == A2
    assert p.gc["hgc"] == hgc
    assert p.r_sun == 8.5
    assert p.provenance["model"] == name.upper()


def test_models_differ_only_where_published():
    a, b = load_parameters("ne2001"), load_parameters("ne2025")
    assert a.ldr == b.ldr and a.lsb == b.lsb and a.lhb == b.lhb and a.loop_i == b.loop_i
    np.testing.assert_array_equal(a.arm_rmin, b.arm_rmin)
    assert a.narm.tolist() == [0.5, 1.2, 1.3, 1.0, 0.25]
    assert b.narm.tolist() == [0.5, 1.5, 2.7, 3.7, 0.25]
    assert a.arms["Fa"] == 5.0 and b.arms["Fa"] == 3.7


def test_first_and_last_clumps_in_file_order():
    p = load_parameters("ne2025")
    assert p.clumps["name"][0] == "0540+23"
    assert p.clumps["ne_cm3"][0] == 0.23
    assert p.voids["name"][0] == "GumIedge"
    assert p.voids["edge"][0] == 1


def test_unknown_model_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown model 'ne2099'"):
        load_parameters("ne2099")


def test_arm_centrelines_are_sculpted():
    p = load_parameters("ne2001")
    theta, radius = arm_centrelines(p)
    plain = p.arm_rmin[:, None] * np.exp((theta - p.arm_thmin[:, None]) / p.arm_a[:, None])
    changed = ~np.isclose(radius, plain, rtol=1e-12)
    assert changed[1].any() and changed[3].any()
    assert not changed[[0, 2, 4]].any()
