"""Validation against measured distances and pulse broadening: statistics, data, report, CLI."""

import fnmatch
import gzip
import math
import struct
import tomllib
from pathlib import Path

import numpy as np
import pytest
from helpers import run_command as cli

from mwprop_batch.coords import equatorial_to_galactic
from mwprop_batch.validation import comparison as vc
from mwprop_batch.validation import data as vd
from mwprop_batch.validation import report as vr
from mwprop_batch.validation import statistics as vs

REAL_DATA = Path(__file__).resolve().parents[1] / "data"
CALIBRATION = REAL_DATA / "ne2025-calibration"
PSRCAT = REAL_DATA / "psrcat-1.59.db"


# --- statistics on tiny tables with known answers -----------------------------------------

def test_log_ratio():
    out = vs.log_ratio([10.0, 1.0, 0.0, -1.0, np.nan, 2.0], [1.0, 100.0, 1.0, 1.0, 1.0, np.inf])
    np.testing.assert_allclose(out[:2], [1.0, -2.0])
    assert np.isnan(out[2:]).all()


def test_fractions():
    ratios = np.log10([1.0, 1.4, 1.6, 0.55, 0.7, 2.1, np.nan])
    assert vs.fraction_within_factor(ratios, 1.5) == pytest.approx(3 / 6)  # 1, 1.4, 0.7
    assert vs.fraction_within_factor(ratios, 2.0) == pytest.approx(5 / 6)  # all but 2.1
    assert math.isnan(vs.fraction_within_factor([np.nan], 2.0))
    value = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    low = np.array([0.5, 2.5, 3.0, 0.0, np.nan])
    high = np.array([1.5, 3.0, np.inf, 9.0, 9.0])
    assert vs.fraction_within_interval(value, low, high) == pytest.approx(2 / 4)  # 1 and 3


def test_distance_stats_known_answers():
    measured = np.array([1.0, 2.0, 4.0, 1.0, 10.0])
    model = np.array([1.1, 3.5, 2.2, 1.0, np.nan])  # ratios 1.1, 1.75, 0.55, 1
    low, high = measured * 0.8, measured * 1.2
    limit = np.array([False, True, False, False, True])
    s = vs.distance_stats(model, measured, low, high, limit)
    assert s["n"] == 4 and s["n_limit"] == 1  # the NaN row is left out with its limit
    assert s["within_error"] == pytest.approx(2 / 4)
    assert s["within_1.5x"] == pytest.approx(2 / 4)
    assert s["within_2x"] == pytest.approx(4 / 4)
    logs = np.log10([1.1, 1.75, 0.55, 1.0])
    assert s["median_log"] == pytest.approx(np.median(logs))
    assert s["median_abs_log"] == pytest.approx(np.median(np.abs(logs)))


def test_tau_stats_known_answers():
    exponents = np.array([0.5, -0.5, 1.5, 0.0, 0.2])
    measured = np.array([1e-3, 2.0, 0.5, 7.0, 1e2])
    s = vs.tau_stats(np.append(measured * 10**exponents, 0.0), np.append(measured, 1.0))
    assert s["n"] == 5
    assert s["median_log"] == pytest.approx(0.2)
    mean = exponents.mean()
    assert s["scatter_dex"] == pytest.approx(math.sqrt(((exponents - mean) ** 2).sum() / 4))
    assert s["within_10x"] == pytest.approx(4 / 5)


def test_markdown_table():
    text = vr.markdown_table(["a", "b"], [["x", "1"], ["y", "2"]])
    assert text.splitlines() == ["| a | b |", "|:---|---:|", "| x | 1 |", "| y | 2 |"]


# --- the ATNF reader on a small catalogue ---------------------------------------------------

ATNF = """\
PSRJ J0001+0001
RAJ 01:00:00
DECJ +10:00:00
DM 30
DIST_A 2.0 0.5
@----
PSRJ J0002+0002
RAJ 02:00:00
DECJ +20:00:00
DM 40
DIST_A 3.0
DIST_AMN 2.0
DIST_AMX 4.5
@----
PSRJ J0003+0003
RAJ 03:00:00
DECJ +30:00:00
DM 50
DIST_A 3.0
DIST_AMN 2.5
@----
PSRJ J0004+0004
RAJ 04:00:00
DECJ +40:00:00
DM 20
PX 2.0 0.2
@----
PSRJ J0005+0005
RAJ 05:00:00
DECJ +50:00:00
DM 20
PX 0.5 0.3
@----
PSRJ J0006+0006
RAJ 06:00:00
DECJ +60:00:00
DM 20
DIST_A 5.0 0.5
ASSOC GC:NGC104
@----
PSRJ J0007+0007
RAJ 07:00:00
DECJ -70:00:00
DM 120
DIST_A 50.0 1.0
ASSOC EXGAL:LMC
@----
PSRJ J0008+0008
RAJ 08:00:00
DECJ +80:00:00
DIST_A 1.0 0.1
@----
PSRJ J0009+0009
RAJ 09:00:00
DECJ +85:00:00
DM 10
DIST_A 1.0
@----
"""


def test_load_atnf_small_catalogue(tmp_path):
    path = tmp_path / "psrcat.db"
    path.write_text(ATNF)
    table = vd.load_atnf(path)
    assert list(table["name"]) == ["J0001+0001", "J0002+0002", "J0003+0003", "J0004+0004"]
    np.testing.assert_allclose(table["dist"], [2.0, 3.0, 3.0, 0.5])
    np.testing.assert_allclose(table["dist_lo"], [1.5, 2.0, 2.5, 1 / 2.2])
    np.testing.assert_allclose(table["dist_hi"], [2.5, 4.5, np.inf, 1 / 1.8])
    gl, gb = equatorial_to_galactic([15.0, 30.0, 45.0, 60.0], [10.0, 20.0, 30.0, 40.0])
    np.testing.assert_allclose(table["gl"], gl)
    np.testing.assert_allclose(table["gb"], gb)
    assert list(table.columns) == vd.DISTANCE_COLUMNS


# --- real data ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results():
    return vc.validate(["ne2001", "ne2025"], CALIBRATION)


def test_loaders_read_the_calibration_sets():
    parallax = vd.load_parallax(CALIBRATION)
    clusters = vd.load_globular_clusters(CALIBRATION)
    scattering = vd.load_scattering(CALIBRATION)
    assert (len(parallax), len(clusters), len(scattering)) == (126, 45, 569)
    for table in (parallax, clusters):
        assert list(table.columns) == vd.DISTANCE_COLUMNS
        assert ((table["dist_lo"] < table["dist"]) & (table["dist"] < table["dist_hi"])).all()
    assert "none" not in set(clusters["name"]) and "47_Tuc" in set(clusters["name"])
    assert (scattering["tau"] > 0).all()


def test_statistics_agree_with_a_direct_computation(results, ne2025):
    """Independent: the model called directly and the fractions written out with numpy."""
    data = vd.load_parallax(CALIBRATION).iloc[::3]
    dist = ne2025.dm_to_dist(data["gl"].to_numpy(), data["gb"].to_numpy(),
                             data["dm"].to_numpy())["DIST"].to_numpy()
    measured = data["dist"].to_numpy()
    ratio = dist / measured
    stats = vc.compare_distances(ne2025, "parallax", data).stats
    assert stats["n"] == len(data)
    assert stats["within_error"] == pytest.approx(
        np.mean((dist >= data["dist_lo"].to_numpy()) & (dist <= data["dist_hi"].to_numpy())))
    assert stats["within_1.5x"] == pytest.approx(np.mean((ratio >= 1 / 1.5) & (ratio <= 1.5)))
    assert stats["within_2x"] == pytest.approx(np.mean((ratio >= 0.5) & (ratio <= 2.0)))
    assert stats["median_log"] == pytest.approx(np.median(np.log10(ratio)))

    tau_result = next(r for r in results if r.sample == "scattering" and r.model == "ne2025")
    scat = tau_result.data
    tau = ne2025.dm_to_dist(scat["gl"].to_numpy(), scat["gb"].to_numpy(), scat["dm"].to_numpy(),
                            scattering=True)["TAU"].to_numpy()
    logs = np.log10(tau / scat["tau"].to_numpy())
    assert tau_result.stats["median_log"] == pytest.approx(np.median(logs))
    assert tau_result.stats["scatter_dex"] == pytest.approx(np.std(logs, ddof=1))
    assert tau_result.stats["within_10x"] == pytest.approx(np.mean(np.abs(logs) <= 1.0))


def test_ne2025_does_better_than_ne2001_on_its_calibration_data(results):
    stats = {(r.model, r.sample): r.stats for r in results}
    for sample in ("parallax", "gc"):
        new, old = stats["ne2025", sample], stats["ne2001", sample]
        assert new["within_2x"] > old["within_2x"]
        assert new["median_abs_log"] < old["median_abs_log"]
    new, old = stats["ne2025", "scattering"], stats["ne2001", "scattering"]
    assert abs(new["median_log"]) < abs(old["median_log"])
    assert new["scatter_dex"] < old["scatter_dex"]


def test_report_lists_every_comparison(results):
    text = vr.report_markdown(results, ["data"])
    for r in results:
        row = next(line for line in text.splitlines()
                   if line.startswith(f"| {vd.SAMPLES[r.sample]} | {r.model.upper()} |"))
        assert f"| {r.stats['n']} |" in row
        assert f"{r.stats['median_log']:+.2f}" in row


def test_packaged_data_equals_the_repository_data():
    """The copies shipped in the package (what an installed `validate` reads) cannot drift."""
    packaged = sorted(p.name for p in vd.DEFAULT_DATA_DIR.iterdir())
    assert packaged == sorted(p.name for p in CALIBRATION.iterdir())
    for name in packaged:
        assert (vd.DEFAULT_DATA_DIR / name).read_bytes() == (CALIBRATION / name).read_bytes()
    assert gzip.decompress(vd.DEFAULT_PSRCAT.read_bytes()) == PSRCAT.read_bytes()


def test_packaged_data_is_declared_as_package_data():
    """Every data file the package reads is in pyproject's package-data, so a wheel has it."""
    config = tomllib.loads((REAL_DATA.parent / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["mwprop_batch"]
    package = vd.PACKAGE_DATA.parent
    files = [p.relative_to(package).as_posix() for p in vd.PACKAGE_DATA.rglob("*") if p.is_file()]
    assert vd.DEFAULT_PSRCAT.relative_to(package).as_posix() in files
    undeclared = [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert undeclared == []


def test_validate_cli_needs_no_arguments(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing beside the working directory helps it
    assert cli("validate") == 0
    report = (tmp_path / vr.REPORT_NAME).read_text()
    assert "ATNF DIST_A / PX" in report and "NE2025" in report and "NE2001" in report
    assert "| ATNF DIST_A / PX | NE2025 | 166 |" in report
    head = (tmp_path / vr.FIGURE_NAME).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (1500, 950)
    assert "validation.md" in capsys.readouterr().out


def test_validate_cli_without_data(tmp_path):
    with pytest.raises(FileNotFoundError, match="psr_dist_data.npz"):
        cli("validate", "--data", str(tmp_path), "--out", str(tmp_path / "out"), "--no-atnf")


def test_validate_through_the_project_cli(tmp_path, capsys):
    from mwprop_batch.cli import main

    assert main(["validate", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "psr_dist_data.npz" in capsys.readouterr().err
