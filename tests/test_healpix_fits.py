"""skymap --fits: a standard HEALPix FITS map that HEALPix libraries read back correctly."""

import importlib.util

import numpy as np
import pytest
from helpers import run_command as cli

from mwprop_batch.core.errors import InvalidValueError
from mwprop_batch.pictures.healpix_fits import HealpixFitsError, write_healpix_fits

pytest.importorskip("astropy_healpix")
fits = pytest.importorskip("astropy.io.fits")
NSIDE = 8


@pytest.fixture(scope="module", params=["RING", "NESTED"])
def fits_map(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("fits") / f"{request.param}.fits"
    order = ["--nested"] if request.param == "NESTED" else []
    assert cli("skymap", "--model", "ne2001", "--quantity", "dm_max,dm_at", "--dist", "3",
               "--nside", str(NSIDE), "--fits", str(path), *order) == 0
    return request.param, path


def test_header_is_a_standard_healpix_map(fits_map):
    ordering, path = fits_map
    with fits.open(path) as hdus:
        header = hdus[1].header
        assert header["PIXTYPE"] == "HEALPIX" and header["ORDERING"] == ordering
        assert header["COORDSYS"] == "G" and header["NSIDE"] == NSIDE
        assert header["INDXSCHM"] == "IMPLICIT" and header["OBJECT"] == "FULLSKY"
        assert (header["FIRSTPIX"], header["LASTPIX"]) == (0, 12 * NSIDE**2 - 1)
        assert header["MODEL"] == "NE2001" and header["CREATOR"] == "mwprop_batch"
        assert header["DIST_KPC"] == 3.0 and "Cordes" in header["MODELREF"]
        assert hdus[1].columns.names == ["DM_MAX", "DM_AT"]
        assert hdus[1].columns.units == ["pc cm-3", "pc cm-3"]
        assert len(hdus[1].data) == 12 * NSIDE**2


def test_value_at_a_pixel_is_dm_max_at_its_centre(fits_map, ne2001):
    from astropy_healpix import HEALPix

    ordering, path = fits_map
    with fits.open(path) as hdus:
        header, data = hdus[1].header, hdus[1].data
        dm_max, dm_at = np.array(data["DM_MAX"]), np.array(data["DM_AT"])
    healpix = HEALPix(nside=header["NSIDE"], order=header["ORDERING"].lower())
    pixels = np.array([0, 5, 100, 300, 383, 384, 500, 767])
    lon, lat = healpix.healpix_to_lonlat(pixels)
    l_deg, b_deg = lon.to_value("deg"), lat.to_value("deg")
    np.testing.assert_allclose(dm_max[pixels], ne2001.dm_max(l_deg, b_deg), rtol=1e-12)
    np.testing.assert_allclose(dm_at[pixels], ne2001.dist_to_dm(l_deg, b_deg, 3.0)["DM"],
                               rtol=1e-12)
    assert np.all(dm_max > 0) and np.unique(dm_max).size > 700


@pytest.mark.skipif(importlib.util.find_spec("healpy") is None, reason="healpy not installed")
def test_healpy_reads_it(fits_map, ne2001):
    import healpy

    _, path = fits_map
    ring = healpy.read_map(str(path), field=0, nest=False)  # healpy reorders NESTED to RING
    pixels = np.arange(0, 12 * NSIDE**2, 37)
    l_deg, b_deg = healpy.pix2ang(NSIDE, pixels, lonlat=True)
    np.testing.assert_allclose(ring[pixels], ne2001.dm_max(l_deg, b_deg), rtol=1e-12)


def test_bad_maps_are_refused(tmp_path):
    with pytest.raises(HealpixFitsError, match="768"):
        write_healpix_fits(tmp_path / "a.fits", {"X": (np.ones(10), "", "")}, NSIDE)
    with pytest.raises(HealpixFitsError, match="RING or NESTED"):
        write_healpix_fits(tmp_path / "a.fits", {"X": (np.ones(768), "", "")}, NSIDE, "ZORDER")
    path = write_healpix_fits(tmp_path / "a.fits", {"X": (np.ones(768), "", "")}, NSIDE)
    with pytest.raises(FileExistsError):
        write_healpix_fits(path, {"X": (np.ones(768), "", "")}, NSIDE)
    assert [p.name for p in tmp_path.iterdir()] == ["a.fits"]  # no partial file left


def test_skymap_needs_an_output():
    with pytest.raises(InvalidValueError, match="nothing to write"):
        cli("skymap", "--nside", "1")
