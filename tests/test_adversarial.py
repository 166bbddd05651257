"""Adversarial accuracy: sightlines grazing every sharp feature of the model, against a
certified reference integral of the same point density (tools/adversarial_accuracy.py).

Both samples are marked ``slow`` and run only with ``MWPROP_BATCH_SLOW=1``: the certified
reference is still too slow for the default run (40 sightlines take more than 400 s on two
cores; even its exactness test on a 50 pc slab ran for over 15 minutes), and none of these
has yet run to completion.
"""

import os
import sys

import numpy as np
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
from adversarial_accuracy import compare, reference  # noqa: E402

MAX_RELATIVE = 1e-5


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MWPROP_BATCH_SLOW"), reason="set MWPROP_BATCH_SLOW=1")
def test_reference_is_exact_on_a_uniform_slab(ne2025):
    """The reference integrates a constant density exactly: inside the bubble only."""
    ref, evals = reference(ne2025, [0.0], [90.0], [0.05])
    lhb = ne2025.parameters.lhb
    assert ref[0] == pytest.approx(1000.0 * lhb.ne * 0.05, rel=1e-12)
    assert evals[0] > 50  # it did sample


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MWPROP_BATCH_SLOW"), reason="set MWPROP_BATCH_SLOW=1")
@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_small_adversarial_sample(request, name):
    rel = compare(request.getfixturevalue(name), 300, seed=7)
    worst = {k: float(v.max()) for k, v in rel.items()}
    assert max(worst.values()) <= MAX_RELATIVE, worst


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MWPROP_BATCH_SLOW"), reason="set MWPROP_BATCH_SLOW=1")
@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_full_adversarial_set(request, name):
    rel = compare(request.getfixturevalue(name), 10_000, seed=1)
    everything = np.concatenate(list(rel.values()))
    assert everything.max() <= MAX_RELATIVE, {k: float(v.max()) for k, v in rel.items()}
