"""Pictures: sightline plot, sky maps and face-on slices render headless; their data is right."""

import importlib.util
import math
import struct

import numpy as np
import pandas as pd
import pytest
from helpers import run_command as cli

from mwprop_batch.pictures.face_on import face_on_slice, plot_face_on
from mwprop_batch.pictures.galaxy import ARMS, arm_curves, sun_position
from mwprop_batch.pictures.los_profile import as_models, plot_los
from mwprop_batch.pictures.sky_map import healpix_centres, sky_map, sky_values

pytest.importorskip("matplotlib")
needs_healpix = pytest.mark.skipif(
    importlib.util.find_spec("astropy_healpix") is None, reason="astropy-healpix not installed"
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk; fails if the file is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


# --- plot-los -----------------------------------------------------------------------------

def test_plot_los_one_model_dm_to_dist(tmp_path, ne2025):
    out = plot_los(ne2025, 30.0, 0.5, 300.0, 1, tmp_path / "los.png", samples=400)
    assert out == tmp_path / "los.png"
    assert png_size(out) == (1300, 800)


def test_plot_los_two_models_dist_to_dm_and_short_sightline(tmp_path):
    out = plot_los(["ne2025", "ne2001"], 45.0, -3.0, 6.0, -1, tmp_path / "two.png", samples=300)
    assert png_size(out) == (1300, 800)
    vela = plot_los(("ne2025", "ne2001"), 263.55, -2.79, 67.97, 0, tmp_path / "vela.png",
                    samples=300)  # 0.3 kpc: drawn with a zoom on the Sun
    assert png_size(vela) == (1300, 800)


def test_plot_los_rejects_bad_input(tmp_path, ne2025):
    with pytest.raises(ValueError, match="90"):
        plot_los(ne2025, 30.0, 95.0, 100.0, 1, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="one or two"):
        as_models(["ne2025", "ne2001", "ne2025"])
    assert not (tmp_path / "bad.png").exists()


def test_arm_curves_follow_the_centreline_samples(ne2001):
    from mwprop_batch.tables import arm_centrelines

    theta, radius = arm_centrelines(ne2001.parameters)
    curves = arm_curves(ne2001, samples=50)  # same end points as the 50 samples
    for (tc93, xy), th, r, expected_tc93 in zip(curves, theta, radius,
                                               ne2001.parameters.arm_tc93, strict=True):
        assert tc93 == expected_tc93
        for k in (0, -1):
            assert xy[:, k] == pytest.approx([-r[k] * math.sin(th[k]), r[k] * math.cos(th[k])])


@pytest.mark.parametrize("name", ["ne2001", "ne2025"])
def test_arm_names_match_where_the_arms_run(name):
    """The names in ARMS: out from the GC along the line through the Sun the arms come
    in the order Norma, Crux-Scutum, Carina-Sagittarius, (Sun), Local, Perseus."""
    crossing = {}
    for tc93, (x, y) in arm_curves(as_models(name)[0], samples=20_000):
        toward_sun = (y > 0) & (np.abs(x) < 0.02 * y)
        if toward_sun.any():
            crossing[tc93] = float(np.median(y[toward_sun]))
    order = sorted(crossing, key=crossing.get)
    names = [ARMS[tc93][0] for tc93 in order]
    assert names == ["Norma", "Crux-Scutum", "Carina-Sagittarius", "Local", "Perseus"]
    assert crossing[order[2]] < 8.5 < crossing[order[3]]


# --- sky maps -----------------------------------------------------------------------------

@needs_healpix
def test_healpix_centres_nside1():
    """Independent: HEALPix nside=1 has rings at z = +-2/3 (l = 45, 135, ...) and 0 (l = 0, ...)."""
    l_deg, b_deg = healpix_centres(1)
    polar = math.degrees(math.asin(2.0 / 3.0))
    assert b_deg == pytest.approx([polar] * 4 + [0.0] * 4 + [-polar] * 4)
    assert l_deg == pytest.approx([45, 135, 225, 315, 0, 90, 180, 270, 45, 135, 225, 315])
    with pytest.raises(ValueError, match="power of two"):
        healpix_centres(3)


@needs_healpix
def test_sky_map_dm_max_matches_the_model(ne2025):
    frame = sky_map(ne2025, "dm_max", 2)
    assert list(frame.columns) == ["pixel", "l", "b", "value"] and len(frame) == 48
    expected = ne2025.dm_max(frame["l"], frame["b"])
    np.testing.assert_allclose(frame["value"], expected, rtol=1e-12)
    plane = frame["b"].abs() < 20
    assert frame.loc[plane, "value"].min() > frame.loc[~plane, "value"].max() * 0.5
    assert frame.attrs["quantity"] == "dm_max" and frame.attrs["nside"] == 2


def test_sky_values_quantities_and_their_distances(ne2001):
    l_deg, b_deg = np.array([10.0, 200.0]), np.array([1.0, -40.0])
    edge = ne2001.parameters.max_distance
    full = ne2001.dist_to_dm(l_deg, b_deg, edge, scattering=True, freq_ghz=0.4)
    np.testing.assert_allclose(sky_values(ne2001, "tau", l_deg, b_deg, freq_ghz=0.4), full["TAU"])
    np.testing.assert_allclose(sky_values(ne2001, "sm", l_deg, b_deg), full["SM"])
    np.testing.assert_allclose(sky_values(ne2001, "dm_at", l_deg, b_deg, 3.0),
                               ne2001.dist_to_dm(l_deg, b_deg, 3.0)["DM"])
    with pytest.raises(ValueError, match="needs a distance"):
        sky_values(ne2001, "dm_at", l_deg, b_deg)
    with pytest.raises(ValueError, match="no distance"):
        sky_values(ne2001, "dm_max", l_deg, b_deg, 3.0)
    with pytest.raises(ValueError, match="unknown quantity"):
        sky_values(ne2001, "em", l_deg, b_deg)


@needs_healpix
def test_skymap_cli_writes_png_and_parquet(tmp_path, capsys):
    png, table = tmp_path / "tau.png", tmp_path / "tau.parquet"
    code = cli("skymap", "--model", "ne2025", "--quantity", "tau", str(png), "--nside", "2",
               "--dist", "8", "--parquet", str(table))
    assert code == 0 and png_size(png) == (1200, 700)
    frame = pd.read_parquet(table)
    assert len(frame) == 48 and frame.attrs["dist_kpc"] == 8.0
    assert "48 pixels (nside 2)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli("skymap", str(png), "--nside", "3")


# --- face-on ------------------------------------------------------------------------------

def test_face_on_slice_orientation(ne2025):
    x, y, ne = face_on_slice(ne2025, z_kpc=0.1, extent_kpc=10.0, resolution=40)
    assert ne.shape == (40, 40) and x[0] == pytest.approx(-9.75) and y[-1] == pytest.approx(9.75)
    for iy, ix in [(3, 30), (30, 3), (20, 17)]:  # rows follow y, columns x
        expected = ne2025.density(x[ix], y[iy], 0.1)["ne"].iloc[0]
        assert ne[iy, ix] == pytest.approx(expected, rel=1e-12)


def test_face_on_picture_and_cli(tmp_path):
    assert png_size(plot_face_on("ne2001", tmp_path / "a.png", resolution=60)) == (800, 700)
    assert cli("faceon", str(tmp_path / "b.png"), "--z", "0.5", "--resolution", "40") == 0
    assert png_size(tmp_path / "b.png") == (800, 700)


def test_plot_los_cli(tmp_path, capsys):
    out = tmp_path / "cli.png"
    assert cli("plot-los", "120", "5", "80", "1", str(out), "--model", "ne2025,ne2001") == 0
    assert png_size(out) == (1300, 800) and str(out) in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli("plot-los", "120", "5", "80", "1", str(out), "--model", "ne2025,ne2099")


def test_commands_run_through_the_project_cli(tmp_path, capsys):
    from mwprop_batch.cli import main

    out = tmp_path / "main.png"
    assert main(["faceon", str(out), "--model", "ne2001", "--resolution", "20"]) == 0
    assert png_size(out) == (800, 700)
    assert main(["plot-los", "30", "95", "100", "1", str(tmp_path / "bad.png")]) == 2
    assert "bad sightline" in capsys.readouterr().err


# --- YMW16 --------------------------------------------------------------------------------

def test_plot_los_ymw16_alone_beside_ne2025_and_on_the_cli(tmp_path, capsys):
    lmc = plot_los("ymw16", 280.0, -33.0, 100.0, 1, tmp_path / "lmc.png", samples=300)
    assert png_size(lmc) == (1300, 800)
    pair = plot_los(["ne2025", "ymw16"], 30.0, 0.5, 5.0, -1, tmp_path / "pair.png", samples=300)
    assert png_size(pair) == (1300, 800)
    out = tmp_path / "cli.png"
    assert cli("plot-los", "263.55", "-2.79", "67.97", "1", str(out), "--model", "ymw16") == 0
    assert png_size(out) == (1300, 800) and str(out) in capsys.readouterr().out


def test_ymw16_arm_curves_are_where_its_density_puts_the_arms(ymw16, ne2025):
    """Every drawn point lies on an arm centre as YMW16's own kernel measures it (its radial
    offset from the arm's nearest winding is zero), for all five arms."""
    from mwprop_batch.kernels import ymw16 as Y
    from mwprop_batch.pictures.galaxy import YMW16_TC93

    names = ymw16.parameters["spiral_arms"]["names"]
    curves = arm_curves(ymw16, samples=500)
    assert sorted(tc93 for tc93, _ in curves) == [1, 2, 3, 4, 5]
    for a, (tc93, (x, y)) in enumerate(curves):
        assert tc93 == YMW16_TC93[names[a]]
        r_pc = 1000.0 * np.hypot(x, y)
        theta = np.mod(np.arctan2(y, x), 2.0 * np.pi)
        start = ymw16.tables.arms[a, Y.ARM_THMIN]  # where the arm begins (a hair off: rounding)
        offsets = [Y.arm_radial_offset(r, t, a, ymw16.tables.arms)
                   for r, t in zip(r_pc, theta, strict=True) if t < 6.28 and abs(t - start) > 1e-9]
        assert len(offsets) > 400 and max(offsets) < 1e-6 * r_pc.max(), names[a]
    assert sun_position(ymw16) == (0.0, 8.3) and sun_position(ne2025) == (0.0, 8.5)


def test_face_on_ymw16(tmp_path, ymw16):
    x, y, ne = face_on_slice(ymw16, z_kpc=0.0, extent_kpc=10.0, resolution=20)
    expected = ymw16.density(x[4], y[15], 0.0)["ne"].iloc[0]
    assert ne[15, 4] == pytest.approx(expected, rel=1e-12) and expected > 0.0
    assert cli("faceon", str(tmp_path / "y.png"), "--model", "ymw16", "--resolution", "40") == 0
    assert png_size(tmp_path / "y.png") == (800, 700)


def test_sky_values_ymw16(ymw16):
    l_deg, b_deg = np.array([10.0, 280.0, 200.0]), np.array([1.0, -33.0, -40.0])
    np.testing.assert_allclose(sky_values(ymw16, "dm_max", l_deg, b_deg),
                               ymw16.dm_max(l_deg, b_deg), rtol=1e-12)
    tau = ymw16.dist_to_dm(l_deg, b_deg, 25.0, scattering=True, freq_ghz=0.4)["TAU"]
    np.testing.assert_allclose(sky_values(ymw16, "tau", l_deg, b_deg, freq_ghz=0.4), tau)
    assert np.all(tau > 0)
    with pytest.raises(ValueError, match="ymw16 has no SM"):
        sky_values(ymw16, "sm", l_deg, b_deg)


@needs_healpix
def test_skymap_ymw16_cli(tmp_path, capsys):
    png, table = tmp_path / "y.png", tmp_path / "y.parquet"
    assert cli("skymap", "--model", "ymw16", "--quantity", "tau,dm_max", str(png), "--nside", "2",
               "--parquet", str(table), "--fits", str(tmp_path / "y.fits")) == 0
    assert png_size(png) == (1200, 700)
    frame = pd.read_parquet(table)
    assert frame.attrs["model"] == "ymw16" and frame.attrs["dist_kpc"] == 25.0
    assert (frame["value"] > 0).all() and "ymw16 tau,dm_max: 48 pixels" in capsys.readouterr().out
    from mwprop_batch.cli import main

    assert main(["skymap", str(png), "--model", "ymw16", "--quantity", "sm", "--nside", "1",
                 "--overwrite"]) == 2
    assert "no SM" in capsys.readouterr().err
