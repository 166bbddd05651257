"""HEALPix sky maps as standard FITS files (the format healpy, astropy-healpix and HEALPix read).

One binary-table extension, one column per quantity, one row per pixel (implicit indexing,
full sky), with ``PIXTYPE='HEALPIX'``, ``ORDERING`` (RING or NESTED), ``COORDSYS='G'``
(Galactic), ``NSIDE``, ``FIRSTPIX``/``LASTPIX``, each column's unit in ``TUNITn`` and the
model's provenance (model, code version, parameters, distance, frequency) as header cards.
Needs astropy (installed with the extra ``healpix``), imported only when writing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from mwprop_batch.core.errors import MwpropBatchError
from mwprop_batch.core.extras import missing_extra
from mwprop_batch.core.publish import AtomicFile

ORDERINGS = ("RING", "NESTED")


class HealpixFitsError(MwpropBatchError, ValueError):
    """A map that cannot be written as a full-sky HEALPix FITS table."""


def _fits():
    try:
        from astropy.io import fits
    except ImportError as exc:
        raise missing_extra("FITS maps", "astropy>=6", "healpix") from exc
    return fits


def fits_unit(unit: str) -> str:
    """A unit written in FITS syntax ('pc cm^-3' -> 'pc cm-3'; 'kpc m^-20/3' -> 'kpc m(-20/3)')."""
    import astropy.units as u

    text = unit.replace("^-20/3", "^(-20/3)").replace("^5/3", "^(5/3)")
    try:
        return u.Unit(text).to_string("fits")
    except ValueError:
        return unit


def ring_to_nested(values: np.ndarray, nside: int) -> np.ndarray:
    """Reorder a RING-ordered full-sky map to NESTED order."""
    from astropy_healpix import healpy

    return values[healpy.nest2ring(nside, np.arange(values.size))]


def write_healpix_fits(
    path: str | os.PathLike[str], columns: Mapping[str, tuple[np.ndarray, str, str]], nside: int,
    ordering: str = "RING", provenance: Mapping[str, tuple[object, str]] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write full-sky maps given in RING order as one HEALPix FITS binary table.

    Parameters
    ----------
    columns : {name: (values, unit, description)}
        Each map: 12 nside^2 float values in RING order, its unit (e.g. "pc cm^-3") and what
        it is (the comment of its ``TTYPEn`` card).
    ordering : {"RING", "NESTED"}
        Pixel order in the file (maps are reordered for NESTED).
    provenance : {KEY: (value, comment)}
        Extra header cards (keys of at most 8 characters).
    overwrite : bool
        Replace an existing file (otherwise
        :class:`~mwprop_batch.core.publish.OutputExistsError`, a ``FileExistsError``).

    The file appears complete or not at all (:class:`~mwprop_batch.core.publish.AtomicFile`:
    written beside ``path``, fsynced and renamed); an error names ``path``.
    """
    fits = _fits()
    ordering = ordering.upper()
    if ordering not in ORDERINGS:
        raise HealpixFitsError(f"ordering must be RING or NESTED, got {ordering!r}")
    npix = 12 * nside * nside
    fits_columns, descriptions = [], []
    for name, (values, unit, description) in columns.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (npix,):
            raise HealpixFitsError(f"{name}: expected {npix} values for nside {nside}, "
                                   f"got shape {values.shape}")
        if ordering == "NESTED":
            values = ring_to_nested(values, nside)
        fits_columns.append(fits.Column(name=name.upper(), format="D", unit=fits_unit(unit),
                                        array=values))
        descriptions.append(description)
    table = fits.BinTableHDU.from_columns(fits_columns)
    header = table.header
    for i, description in enumerate(descriptions, start=1):
        header.comments[f"TTYPE{i}"] = description
    header["EXTNAME"] = ("xtension", "name of this binary table extension")
    header["PIXTYPE"] = ("HEALPIX", "HEALPIX pixelisation")
    header["ORDERING"] = (ordering, "pixel ordering scheme, either RING or NESTED")
    header["COORDSYS"] = ("G", "ecliptic, galactic or celestial (equatorial)")
    header["NSIDE"] = (nside, "resolution parameter of HEALPIX")
    header["FIRSTPIX"] = (0, "first pixel # (0 based)")
    header["LASTPIX"] = (npix - 1, "last pixel # (0 based)")
    header["INDXSCHM"] = ("IMPLICIT", "indexing: IMPLICIT or EXPLICIT")
    header["OBJECT"] = ("FULLSKY", "sky coverage")
    header["DATE"] = (datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "file creation (UTC)")
    for key, (value, comment) in (provenance or {}).items():
        header[key] = (value, comment)
    with AtomicFile(path, overwrite=overwrite) as temp:
        fits.HDUList([fits.PrimaryHDU(), table]).writeto(temp, overwrite=True)
    return Path(path)
