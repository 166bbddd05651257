"""The ATNF catalogue as psrqpy gives it, straight into ``df.mwprop`` (no network).

psrqpy 1.3.3 reads the catalogue's own ``psrcat.db`` format (``loadfromdb``), the file kept in
``data/``, and adds Galactic ``GL``/``GB`` (deg) computed from the positions; the accessor finds
those, ``DM`` and ``DM_ERR`` by name.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_DATA

from mwprop_batch.catalogue.formats.psrcat import read_psrcat
from mwprop_batch.positions import find_columns

psrqpy = pytest.importorskip("psrqpy")
PSRCAT = REAL_DATA / "psrcat-1.59.db"
# psrcat 1.59 lists two DM lines for this pulsar (721.7 and 735): psrqpy keeps the last,
# our reader the first, so the two frames differ there.
TWO_DMS = "J1738-3107"


@pytest.fixture(scope="module")
def atnf() -> pd.DataFrame:
    return psrqpy.QueryATNF(loadfromdb=str(PSRCAT)).pandas


@pytest.fixture(scope="module")
def distances(atnf) -> pd.DataFrame:
    return atnf.mwprop.dm_to_dist("ne2001,ne2025")


def test_psrqpy_frame_goes_through_the_accessor(atnf, distances, ne2001, ne2025):
    assert len(atnf) == 2659
    columns = find_columns(atnf)
    assert (columns.positions[0].lon, columns.positions[0].lat) == ("GL", "GB")
    assert (columns.value, columns.dm_err) == ("DM", "DM_ERR")
    # every input column and row passes through, in order, then the results
    assert distances.columns[: atnf.shape[1]].tolist() == atnf.columns.tolist()
    assert distances.index.equals(atnf.index)
    assert distances["PSRJ"].tolist() == atnf["PSRJ"].tolist()
    ok = distances["status"] == "ok"
    assert ok.sum() == 2566 and (distances.loc[~ok, "status"] == "DM missing").all()
    gl, gb, dm = (atnf[c].to_numpy(float) for c in ("GL", "GB", "DM"))
    for model in (ne2001, ne2025):
        direct = model.dm_to_dist(gl, gb, dm)
        prefix = model.name.upper() + "_"
        assert np.array_equal(distances[prefix + "DIST"].to_numpy(), direct["DIST"].to_numpy(),
                              equal_nan=True)
    with_err = ok & atnf["DM_ERR"].notna()
    assert with_err.sum() > 2200
    lo = ne2025.dm_to_dist(gl[with_err], gb[with_err], dm[with_err] - atnf["DM_ERR"][with_err])
    np.testing.assert_allclose(distances.loc[with_err, "NE2025_DIST_LO"], lo["DIST"],
                               rtol=1e-12)


def test_same_distances_as_our_own_psrcat_reader(atnf, distances):
    ours = read_psrcat(PSRCAT).mwprop.dm_to_dist("ne2001,ne2025").set_index("PSRJ")
    theirs = distances.set_index("PSRJ")
    ours = ours.loc[theirs.index]
    differ = ~np.isclose(theirs["DM"], ours["DM"], rtol=0, atol=0, equal_nan=True)
    assert theirs.index[differ].tolist() == [TWO_DMS]
    same = theirs.index != TWO_DMS
    # psrqpy's GL/GB (astropy, from FK5) sit 0.02-0.03 arcsec from our RAJ/DECJ -> l, b (ICRS
    # rotation): measured, the distances then differ by at most 6.5e-5 (NE2001) and 2.0e-4
    # (NE2025, two pulsars beyond 9 kpc) relative
    for column in ("NE2001_DIST", "NE2025_DIST"):
        np.testing.assert_allclose(theirs.loc[same, column], ours.loc[same, column],
                                   rtol=3e-4)
