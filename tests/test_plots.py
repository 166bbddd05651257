"""Pictures: sightline plot, sky maps and face-on slices render headless; their data is right."""

import importlib.util
import math
import struct
from pathlib import Path

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


MIN_INK = 0.01  # share of a picture's pixels away from white: a blank figure has none
MIN_COLOUR = 0.005  # share in colour (not grey): empty axes, ticks and text have none

def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk; fails if the file is not a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def picture(path, size: tuple[int, int]) -> None:
    """``path`` is a PNG of ``size`` (width, height) with something drawn in colour on it."""
    from matplotlib.image import imread

    assert png_size(path) == size
    rgb = imread(path)[..., :3]
    ink = (np.abs(rgb - 1.0).max(axis=-1) > 0.05).mean()
    colour = (rgb.max(axis=-1) - rgb.min(axis=-1) > 0.2).mean()
    assert ink > MIN_INK, f"{path} is blank ({ink:.4f} of its pixels drawn)"
    assert colour > MIN_COLOUR, f"{path} has nothing in colour ({colour:.5f} of its pixels)"


@pytest.fixture
def figures(monkeypatch) -> dict:
    """Each Figure a picture function saves, by the PNG's file name (seen as it is saved)."""
    from mwprop_batch.pictures import canvas, face_on, los_profile, sky_map

    saved, write = {}, canvas.save_png

    def keep(fig, out_png, overwrite=False):
        saved[Path(out_png).name] = fig
        return write(fig, out_png, overwrite)

    for module in (los_profile, face_on, sky_map):
        monkeypatch.setattr(module, "save_png", keep)
    return saved


def axes_with_label(fig, start: str):
    (ax,) = [a for a in fig.axes if a.get_ylabel().startswith(start)]
    return ax


def check_los(fig, models, l_deg: float, b_deg: float, dm: float | None = None) -> None:
    """The sightline picture's curves are the models' own: cumulative DM equal to
    ``dist_to_dm`` and the total n_e to ``density_along`` along the drawn distances; with a
    DM (DM -> D) each model's end marker is at ``dm_to_dist``'s distance."""
    ax_dm, ax_ne = axes_with_label(fig, "DM"), axes_with_label(fig, "n$_e$")
    for model in as_models(models):
        (line,) = [ln for ln in ax_dm.get_lines() if ln.get_label() == model.name.upper()]
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        some = np.unique(np.linspace(1, x.size - 1, 7).astype(int))
        assert x.size > 100 and y[-1] > 0 and (np.diff(y) >= 0).all()
        np.testing.assert_allclose(y[some], model.dist_to_dm(l_deg, b_deg, x[some])["DM"],
                                   rtol=1e-6)
        total = model.density_along(l_deg, b_deg, x)
        assert any(np.array_equal(ln.get_ydata(), total) for ln in ax_ne.get_lines())
        if dm is not None:  # one marker per model, where its DM is reached
            ends = [ln.get_xdata()[0] for ln in ax_dm.get_lines() if len(ln.get_xdata()) == 1]
            dist = model.dm_to_dist(l_deg, b_deg, dm)["DIST"][0]
            assert min(abs(end - dist) for end in ends) <= 1e-9 * dist


def check_face_on(fig, model, z_kpc: float, resolution: int) -> None:
    """The face-on picture's image is log10 n_e of the model's slice."""
    (image,) = fig.axes[0].get_images()
    _, _, ne = face_on_slice(as_models(model)[0], z_kpc, 20.0, resolution)
    with np.errstate(divide="ignore"):
        expected = np.where(ne > 0, np.log10(ne), np.nan)
    np.testing.assert_array_equal(np.ma.filled(image.get_array(), np.nan), expected)
    assert np.isfinite(expected).mean() > 0.5


def check_sky(fig, table) -> None:
    """The sky map shows every pixel value of the table it was written with, and no other."""
    (mesh,) = [c for c in fig.axes[0].collections if c.get_array() is not None]
    shown = np.unique(np.ma.compressed(np.ma.masked_invalid(mesh.get_array())))
    values = pd.read_parquet(table)["value"].to_numpy()
    np.testing.assert_array_equal(shown, np.unique(values[values > 0]))


# --- plot-los -----------------------------------------------------------------------------

def test_plot_los_one_model_dm_to_dist(tmp_path, ne2025, figures):
    out = plot_los(ne2025, 30.0, 0.5, 300.0, 1, tmp_path / "los.png", samples=400)
    assert out == tmp_path / "los.png"
    picture(out, (1300, 800))
    check_los(figures["los.png"], ne2025, 30.0, 0.5, dm=300.0)


def test_plot_los_two_models_dist_to_dm_and_short_sightline(tmp_path, figures):
    out = plot_los(["ne2025", "ne2001"], 45.0, -3.0, 6.0, -1, tmp_path / "two.png", samples=300)
    picture(out, (1300, 800))
    check_los(figures["two.png"], ["ne2025", "ne2001"], 45.0, -3.0)
    vela = plot_los(("ne2025", "ne2001"), 263.55, -2.79, 67.97, 0, tmp_path / "vela.png",
                    samples=300)  # 0.3 kpc: drawn with a zoom on the Sun
    picture(vela, (1300, 800))
    check_los(figures["vela.png"], ["ne2025", "ne2001"], 263.55, -2.79, dm=67.97)


def test_plot_los_rejects_bad_input(tmp_path, ne2025):
    with pytest.raises(ValueError, match="90"):
        plot_los(ne2025, 30.0, 95.0, 100.0, 1, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="one or two"):
        as_models(["ne2025", "ne2001", "ne2025"])
    assert not (tmp_path / "bad.png").exists()


def test_arm_curves_follow_the_centreline_samples(ne2001):
    from mwprop_batch.families.ne.tables import arm_centrelines

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
def test_skymap_cli_writes_png_and_parquet(tmp_path, capsys, figures):
    png, table = tmp_path / "tau.png", tmp_path / "tau.parquet"
    code = cli("skymap", "--model", "ne2025", "--quantity", "tau", str(png), "--nside", "2",
               "--dist", "8", "--parquet", str(table))
    assert code == 0
    picture(png, (1200, 700))
    check_sky(figures["tau.png"], table)
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


def test_face_on_picture_and_cli(tmp_path, figures):
    picture(plot_face_on("ne2001", tmp_path / "a.png", resolution=60), (800, 700))
    check_face_on(figures["a.png"], "ne2001", 0.0, 60)
    assert cli("faceon", str(tmp_path / "b.png"), "--z", "0.5", "--resolution", "40") == 0
    picture(tmp_path / "b.png", (800, 700))
    check_face_on(figures["b.png"], "ne2025", 0.5, 40)


def test_plot_los_cli(tmp_path, capsys, figures):
    out = tmp_path / "cli.png"
    assert cli("plot-los", "120", "5", "80", "1", str(out), "--model", "ne2025,ne2001") == 0
    assert str(out) in capsys.readouterr().out
    picture(out, (1300, 800))
    check_los(figures["cli.png"], ["ne2025", "ne2001"], 120.0, 5.0, dm=80.0)
    with pytest.raises(SystemExit):
        cli("plot-los", "120", "5", "80", "1", str(out), "--model", "ne2025,ne2099")


def test_commands_run_through_the_project_cli(tmp_path, capsys, figures):
    from mwprop_batch.cli import main

    out = tmp_path / "main.png"
    assert main(["faceon", str(out), "--model", "ne2001", "--resolution", "20"]) == 0
    picture(out, (800, 700))
    check_face_on(figures["main.png"], "ne2001", 0.0, 20)
    assert main(["plot-los", "30", "95", "100", "1", str(tmp_path / "bad.png")]) == 2
    assert "bad sightline" in capsys.readouterr().err


# --- YMW16 --------------------------------------------------------------------------------

def test_plot_los_ymw16_alone_beside_ne2025_and_on_the_cli(tmp_path, capsys, figures):
    lmc = plot_los("ymw16", 280.0, -33.0, 100.0, 1, tmp_path / "lmc.png", samples=300)
    picture(lmc, (1300, 800))
    check_los(figures["lmc.png"], "ymw16", 280.0, -33.0, dm=100.0)
    pair = plot_los(["ne2025", "ymw16"], 30.0, 0.5, 5.0, -1, tmp_path / "pair.png", samples=300)
    picture(pair, (1300, 800))
    check_los(figures["pair.png"], ["ne2025", "ymw16"], 30.0, 0.5)
    out = tmp_path / "cli.png"
    assert cli("plot-los", "263.55", "-2.79", "67.97", "1", str(out), "--model", "ymw16") == 0
    assert str(out) in capsys.readouterr().out
    picture(out, (1300, 800))
    check_los(figures["cli.png"], "ymw16", 263.55, -2.79, dm=67.97)


def test_ymw16_arm_curves_are_where_its_density_puts_the_arms(ymw16, ne2025):
    """Every drawn point lies on an arm centre as YMW16's own kernel measures it (its radial
    offset from the arm's nearest winding is zero), for all five arms."""
    from mwprop_batch.families.ymw16.arm_curves import TC93_NUMBER
    from mwprop_batch.families.ymw16.kernels import density as Y

    names = ymw16.parameters["spiral_arms"]["names"]
    curves = arm_curves(ymw16, samples=500)
    assert sorted(tc93 for tc93, _ in curves) == [1, 2, 3, 4, 5]
    for a, (tc93, (x, y)) in enumerate(curves):
        assert tc93 == TC93_NUMBER[names[a]]
        r_pc = 1000.0 * np.hypot(x, y)
        theta = np.mod(np.arctan2(y, x), 2.0 * np.pi)
        start = ymw16.tables.arms[a, Y.ARM_THMIN]  # where the arm begins (a hair off: rounding)
        offsets = [Y.arm_radial_offset(r, t, a, ymw16.tables.arms)
                   for r, t in zip(r_pc, theta, strict=True) if t < 6.28 and abs(t - start) > 1e-9]
        assert len(offsets) > 400 and max(offsets) < 1e-6 * r_pc.max(), names[a]
    assert sun_position(ymw16) == (0.0, 8.3) and sun_position(ne2025) == (0.0, 8.5)


def test_face_on_ymw16(tmp_path, ymw16, figures):
    x, y, ne = face_on_slice(ymw16, z_kpc=0.0, extent_kpc=10.0, resolution=20)
    expected = ymw16.density(x[4], y[15], 0.0)["ne"].iloc[0]
    assert ne[15, 4] == pytest.approx(expected, rel=1e-12) and expected > 0.0
    assert cli("faceon", str(tmp_path / "y.png"), "--model", "ymw16", "--resolution", "40") == 0
    picture(tmp_path / "y.png", (800, 700))
    check_face_on(figures["y.png"], ymw16, 0.0, 40)


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
def test_skymap_ymw16_cli(tmp_path, capsys, figures):
    png, table = tmp_path / "y.png", tmp_path / "y.parquet"
    assert cli("skymap", "--model", "ymw16", "--quantity", "tau,dm_max", str(png), "--nside", "2",
               "--parquet", str(table), "--fits", str(tmp_path / "y.fits")) == 0
    picture(png, (1200, 700))
    frame = pd.read_parquet(table)
    assert frame.attrs["model"] == "ymw16" and frame.attrs["dist_kpc"] == 25.0
    assert (frame["value"] > 0).all() and "ymw16 tau,dm_max: 48 pixels" in capsys.readouterr().out
    from mwprop_batch.cli import main

    assert main(["skymap", str(png), "--model", "ymw16", "--quantity", "sm", "--nside", "1",
                 "--overwrite"]) == 2
    assert "no SM" in capsys.readouterr().err
