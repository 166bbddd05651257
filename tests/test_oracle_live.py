"""Live comparison with mwprop on sightlines that no fixture holds.

Each model runs in its own mwprop process (``tools/mwprop_oracle.py``), both at once; a dozen
sightlines per model keep this to about 15 s. The fixture tests (test_oracle.py) cover many
more sightlines; this one guards against the fixtures and the code drifting together.
"""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from helpers import relative

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(importlib.util.find_spec("mwprop") is None, reason="mwprop not installed"),
]

N = 6  # sightlines per direction
SEED = 20261125  # not a fixture's seed


def sightlines() -> dict:
    rng = np.random.default_rng(SEED)
    l_deg = rng.uniform(0, 360, 2 * N)
    b_deg = np.degrees(np.arcsin(rng.uniform(-0.4, 0.4, 2 * N)))
    dm = 10 ** rng.uniform(1, 2.2, N)  # pc cm^-3
    dist = 10 ** rng.uniform(np.log10(0.2), np.log10(15), N)  # kpc
    return {"l": l_deg.tolist(), "b": b_deg.tolist(), "value": [*dm, *dist],
            "ndir": [1] * N + [-1] * N, "scattering": True}


@pytest.fixture(scope="module")
def mwprop_results() -> dict[str, list[dict]]:
    rows = json.dumps(sightlines())
    runner = [sys.executable, str(REPO / "tools" / "mwprop_oracle.py")]
    processes = {
        model: subprocess.Popen([*runner, model], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        for model in ("ne2001", "ne2025")
    }
    results = {}
    for model, process in processes.items():
        out, err = process.communicate(rows, timeout=600)
        assert process.returncode == 0, err
        results[model] = json.loads(out)
    return results


@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_fresh_sightlines_agree_with_mwprop(name, mwprop_results, request):
    model = request.getfixturevalue(name)
    rows = sightlines()
    l_deg, b_deg, value = (np.array(rows[k]) for k in ("l", "b", "value"))
    to_dist = np.array(rows["ndir"]) > 0
    a = model.dm_to_dist(l_deg[to_dist], b_deg[to_dist], value[to_dist], scattering=True)
    b = model.dist_to_dm(l_deg[~to_dist], b_deg[~to_dist], value[~to_dist], scattering=True)
    ref = pd.DataFrame(mwprop_results[name])
    ref_a, ref_b = ref[to_dist].reset_index(drop=True), ref[~to_dist].reset_index(drop=True)

    assert (a["limit"] == ref_a["limit"]).all()
    free = ~ref_a["limit"]
    dist = relative(a["DIST"][free], ref_a["DIST"][free])
    dm = relative(b["DM"], ref_b["DM"])
    sm = np.concatenate([relative(a["SM"][free], ref_a["SM"][free]),
                         relative(b["SM"], ref_b["SM"])])
    print(f"{name}: DIST {np.round(dist, 5)}, DM {np.round(dm, 5)}, SM median {np.median(sm):.1e}")
    assert free.sum() >= N // 2
    assert np.median(dist) < 2e-3 and dist.max() < 0.05
    assert np.median(dm) < 2e-3 and dm.max() < 0.05
    assert np.median(sm) < 2e-2
