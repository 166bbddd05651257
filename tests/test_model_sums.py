"""Halo models as Models, sums of models, and the Milky Way DM budget (convert --to dm_mw)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from mwprop_batch import Model
from mwprop_batch.cli import main
from mwprop_batch.convert import convert
from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.model_sum import ModelSum

L = np.array([30.0, 200.0, 0.5, 45.0, 280.5, 350.0])
B = np.array([10.0, -40.0, 0.1, 60.0, -32.9, 2.0])


@pytest.fixture(scope="module")
def parts():
    return Model("ne2025"), Model("yt2020")


@pytest.fixture(scope="module")
def total():
    return Model("ne2025+yt2020")


def test_halo_model_methods():
    halo = Model("pz19")
    assert halo.dm_max(L, B).shape == L.shape
    frame = halo.dist_to_dm(L, B, 20.0)
    assert list(frame.columns) == ["DIST", "DM", "DMz", "limit", "status"]
    assert (frame["status"] == "ok").all()
    profile = halo.dm_profile(L, B, [0.0, 10.0, 1000.0])
    np.testing.assert_allclose(profile[:, 1], frame["DM"].to_numpy() * 0 + profile[:, 1])
    np.testing.assert_allclose(profile[:, 2], halo.dm_max(L, B), rtol=1e-6)
    assert halo.density_along(L, B, [1.0, 2.0]).shape == (L.size, 2)
    assert list(Model("yt2020").density([0.0], [8.5], [0.0]).columns) == \
        ["ne", "ne_sphere", "ne_disk"]


def test_halo_alone_does_not_place_a_source():
    with pytest.raises(InvalidValueError, match="halo model: DM -> distance needs an ISM"):
        Model("yt2020").dm_to_dist(30.0, 10.0, 100.0)
    with pytest.raises(InvalidValueError, match="no scattering"):
        Model("halo50").dist_to_dm(30.0, 10.0, 1.0, scattering=True)


def test_halo_bad_rows_have_a_status():
    frame = Model("yt2020").dist_to_dm([30.0, np.nan, 30.0], [10.0, 0.0, 95.0], [1.0, 1.0, 1.0])
    assert frame["status"].tolist() == ["ok", "l or b not finite", "|b| > 90 deg"]
    assert np.isnan(frame["DM"][1:]).all()


def test_names():
    assert isinstance(Model("NE2025+YT2020"), ModelSum)
    assert Model("ne2025+yt2020") == pickle.loads(pickle.dumps(Model("ne2025+yt2020")))
    for bad in ("ne2025+", "ne2025+ne2025", "ne2025+nothing", "+yt2020"):
        with pytest.raises(InvalidValueError):
            Model(bad)


def test_sum_is_its_parts(parts, total):
    """Every method of the sum equals the sum of its parts' to rounding."""
    ism, halo = parts
    np.testing.assert_allclose(total.dm_max(L, B), ism.dm_max(L, B) + halo.dm_max(L, B),
                               rtol=1e-14)
    both = total.dist_to_dm(L, B, 30.0, components=True)
    alone = ism.dist_to_dm(L, B, 30.0)["DM"] + halo.dist_to_dm(L, B, 30.0)["DM"]
    np.testing.assert_allclose(both["DM"], alone, rtol=1e-14)
    np.testing.assert_array_equal(both["DM_NE2025"], ism.dist_to_dm(L, B, 30.0)["DM"])
    dist = np.array([0.0, 1.0, 10.0, 100.0])
    np.testing.assert_allclose(total.dm_profile(L, B, dist),
                               ism.dm_profile(L, B, dist) + halo.dm_profile(L, B, dist),
                               rtol=1e-14)
    np.testing.assert_allclose(total.density_along(L, B, dist[1:]),
                               ism.density_along(L, B, dist[1:])
                               + halo.density_along(L, B, dist[1:]), rtol=1e-14)
    x, y, z = [0.0, 3.0], [8.5, -2.0], [0.0, 0.5]
    np.testing.assert_allclose(total.density(x, y, z)["ne"],
                               ism.density(x, y, z)["ne"] + halo.density(x, y, z)["ne"],
                               rtol=1e-14)


def test_sum_dm_to_dist_inverts_dist_to_dm(parts, total):
    """DM -> D on the sum returns the distance whose summed DM is the DM asked for."""
    ism, _ = parts
    dm = np.array([100.0, 60.0, 900.0, 30.0, 80.0, 400.0])
    found = total.dm_to_dist(L, B, dm, dm_err=5.0, scattering=True)
    assert (found["status"] == "ok").all()
    back = total.dist_to_dm(L, B, found["DIST"].to_numpy())
    np.testing.assert_allclose(back["DM"], dm, rtol=1e-9)
    # the halo adds DM, so the distance is nearer than the ISM's alone (where it reaches)
    alone = ism.dm_to_dist(L, B, dm)
    reached = ~alone["limit"].to_numpy()
    assert reached.sum() == 3
    assert (found["DIST"][reached] < alone["DIST"][reached]).all()
    assert not found["limit"].any()  # with the halo every one of these DMs is reached
    assert (found["DIST_LO"] < found["DIST"]).all() and (found["DIST"] < found["DIST_HI"]).all()
    # scattering from the ISM part at the distance found
    ism_there = ism.dist_to_dm(L, B, found["DIST"].to_numpy(), scattering=True)
    np.testing.assert_allclose(found["TAU"], ism_there["TAU"], rtol=1e-12)


def test_sum_limit_and_bad_rows(total):
    out = total.dm_to_dist([30.0, 30.0, 30.0], [60.0, 60.0, np.nan], [5000.0, -1.0, 10.0])
    assert out["limit"].tolist() == [True, False, False]
    assert out["DM"][0] == pytest.approx(float(total.dm_max(30.0, 60.0)), rel=1e-5)
    assert out["status"].tolist()[1:] == ["DM <= 0", "l or b not finite"]


def test_convert_dm_mw_budget(total):
    """<MODEL>_DM_MW is the model's dm_max, the excess DM - it, the spread max - min."""
    frame = pd.DataFrame({"ra": [93.42, 197.7, 20.0], "dec": [67.07, 26.42, np.nan],
                          "DM": [715.98, 642.07, 300.0]})
    out = convert(frame, "ne2001,ymw16,ne2025+yt2020,halo50", "dm_mw")
    names = ["NE2001", "YMW16", "NE2025+YT2020", "HALO50"]
    assert [c for c in out.columns if c.endswith("_DM_MW")] == [f"{n}_DM_MW" for n in names]
    np.testing.assert_allclose(out["NE2001_DM_EXCESS"], out["DM"] - out["NE2001_DM_MW"])
    mw = out[[f"{n}_DM_MW" for n in names]].to_numpy()
    np.testing.assert_allclose(out["DM_MW_SPREAD"][:2], (mw.max(1) - mw.min(1))[:2])
    assert out["HALO50_DM_MW_SIGMA"].tolist()[:2] == [15.0, 15.0]
    assert out["status"].tolist() == ["ok", "ok", "no position"]
    # CHIME/FRB Catalog 1's dm_exc_ne2001 of FRB 20180725A is 644.3
    assert out["NE2001_DM_EXCESS"][0] == pytest.approx(644.3, abs=0.1)
    # without a DM column: no excess
    alone = convert(frame.drop(columns="DM"), "yt2020", "dm_mw")
    assert [c for c in alone.columns if c.startswith("YT2020")] == ["YT2020_DM_MW"]


def test_accessor_and_cli_dm_mw(tmp_path):
    frame = pd.DataFrame({"GL": [30.0, 200.0], "GB": [10.0, -40.0], "DM": [300.0, 200.0]})
    out = frame.mwprop.dm_mw("ne2001,ymw16")
    assert {"NE2001_DM_MW", "YMW16_DM_MW", "DM_MW_SPREAD"} <= set(out.columns)
    source = tmp_path / "frb.csv"
    frame.to_csv(source, index=False)
    assert main(["convert", str(source), str(tmp_path / "out.parquet"), "--model",
                 "ne2001+yt2020,pz19", "--to", "dm_mw"]) == 0
    written = pd.read_parquet(tmp_path / "out.parquet")
    assert {"NE2001+YT2020_DM_MW", "PZ19_DM_EXCESS", "DM_MW_SPREAD"} <= set(written.columns)


def test_skymap_of_a_sum(tmp_path, total):
    """skymap takes a sum: its dm_max map is the sum's DM_MW at the pixel centres."""
    pytest.importorskip("astropy_healpix")
    from mwprop_batch.pictures.sky_map import sky_map

    frame = sky_map(total, "dm_max", nside=2)
    np.testing.assert_allclose(frame["value"], total.dm_max(frame["l"], frame["b"]), rtol=1e-14)
    assert main(["skymap", "--model", "ne2025+yt2020", "--quantity", "dm_max",
                 str(tmp_path / "sky.png"), "--nside", "2"]) == 0


def test_sum_masked_dm_is_a_bad_row(total):
    dm = np.ma.masked_array([100.0, 200.0], [False, True])
    out = total.dm_to_dist([30.0, 30.0], [10.0, 10.0], dm)
    assert out["status"].tolist() == ["ok", "DM masked"]
    assert np.isnan(out["DIST"][1])


def test_dm_mw_rows_without_a_number_say_why():
    """--to dm_mw: a row whose DM is missing or <= 0 gets no DM_EXCESS and its reason, a bad
    sightline no DM_MW and its reason; never a NaN or a negative excess marked ok."""
    frame = pd.DataFrame({"GL": [30.0, 30.0, 30.0, 30.0], "GB": [5.0, 5.0, 5.0, 95.0],
                          "DM": [500.0, np.nan, -3.0, 500.0]})
    out = convert(frame, "ne2025+yt2020", "dm_mw")
    assert out["status"].tolist() == ["ok", "DM missing", "DM <= 0", "|b| > 90 deg"]
    assert np.isfinite(out["NE2025+YT2020_DM_EXCESS"][0])
    assert out["NE2025+YT2020_DM_EXCESS"][1:].isna().all()
    assert np.isfinite(out["NE2025+YT2020_DM_MW"][:3]).all()
    no_dm = convert(frame[["GL", "GB"]], "yt2020", "dm_mw")
    assert no_dm["status"].tolist() == ["ok", "ok", "ok", "|b| > 90 deg"]


def test_a_sum_searches_as_far_as_its_farthest_part_reaches():
    """Toward the LMC YMW16 integrates to 100 kpc (its Magellanic Cloud mode): a DM that the
    sum with NE2001 reaches at 55 kpc is found there, not called a limit at NE2001's 50 kpc."""
    total = Model("ne2001+ymw16")
    dm_55 = total.dist_to_dm(280.5, -32.9, 55.0)["DM"].iloc[0]
    assert dm_55 > total.dist_to_dm(280.5, -32.9, 50.0)["DM"].iloc[0]
    row = total.dm_to_dist(280.5, -32.9, dm_55).iloc[0]
    assert row["status"] == "ok" and not row["limit"]
    assert row["DIST"] == pytest.approx(55.0, rel=1e-6)
