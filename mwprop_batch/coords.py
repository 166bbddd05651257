"""Sky coordinates: parse RA/Dec, convert equatorial (J2000), ecliptic and Cartesian (x, y, z)
positions to Galactic.

Pure numpy. Parsers never raise for a bad element: it becomes NaN. Converters broadcast their
inputs and propagate NaN.
"""

from __future__ import annotations

import math
import re

import numpy as np
from numpy.typing import ArrayLike

from .core.errors import InvalidValueError

# IAU 1958 Galactic system in FK5 J2000 (Murray 1989; Hipparcos vol. 1 sec. 1.5.3), as in astropy
GALACTIC_POLE_RA_DEG = 192.85948
GALACTIC_POLE_DEC_DEG = 27.12825
GALACTIC_L_OF_CELESTIAL_POLE_DEG = 122.93192
# the Sun in the NE2001/NE2025 galactocentric frame (kpc): x toward l = 90, y centre -> Sun
NE2001_SUN_KPC = (0.0, 8.5, 0.0)
XYZ_FRAMES = ("galactocentric", "heliocentric")
# obliquity of the ecliptic at J2000, IAU 2006 (Hilton et al. 2006)
OBLIQUITY_J2000_ARCSEC = 84381.406

# 'a', 'a:b' or 'a:b:c' (colon or whitespace separated), a decimal fraction on the last field
_FIELD_SEP = r"(?:\s*:\s*|\s+)"
_SEXAGESIMAL = re.compile(
    rf"\s*(?P<sign>[+-]?)(?P<a>\d+)(?:{_FIELD_SEP}(?P<b>\d+)(?:{_FIELD_SEP}(?P<c>\d+))?)?"
    r"(?P<frac>\.\d*)?\s*"
)
# a plain decimal number: what a numeric column holds when it is written as text
_BARE_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
# fields marked by letters: '12h30m00.5s', '12h30m', '12h'; '-05d30m00s' (d or h first)
_LETTERS = {
    first: re.compile(
        rf"\s*([+-]?\d+(?:\.\d*)?){first}(?:\s*(\d+(?:\.\d*)?)m(?:\s*(\d+(?:\.\d*)?)s)?)?\s*"
    )
    for first in "hd"
}


def _rotation(axis: int, angle_deg: float) -> np.ndarray:
    """Matrix that rotates the coordinate frame by ``angle_deg`` about ``axis`` (0=x, 1=y, 2=z)."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    i, j = (axis + 1) % 3, (axis + 2) % 3
    matrix = np.eye(3)
    matrix[i, i], matrix[i, j], matrix[j, i], matrix[j, j] = c, s, -s, c
    return matrix


# equatorial -> Galactic: put the Galactic pole on +z, then l of the celestial pole at the meridian
_EQ_TO_GAL = (
    _rotation(2, 90.0 - GALACTIC_L_OF_CELESTIAL_POLE_DEG)
    @ _rotation(0, 90.0 - GALACTIC_POLE_DEC_DEG)
    @ _rotation(2, 90.0 + GALACTIC_POLE_RA_DEG)
)
# mean ecliptic of J2000 -> mean equator of J2000
_ECL_TO_EQ = _rotation(0, -OBLIQUITY_J2000_ARCSEC / 3600.0)
_ECL_TO_GAL = _EQ_TO_GAL @ _ECL_TO_EQ


def _sexagesimal(text: str) -> float:
    """Signed value of 'a[:b[:c]]' in units of its leading field (hours or degrees), or NaN."""
    match = _SEXAGESIMAL.fullmatch(text)
    if match is None:
        return math.nan
    fields = [float(f) for f in match.group("a", "b", "c") if f is not None]
    fields[-1] += float("0" + (match["frac"] or ""))
    if any(f >= 60.0 for f in fields[1:]):
        return math.nan
    value = sum(f / 60.0**i for i, f in enumerate(fields))
    return -value if match["sign"] == "-" else value


def is_bare_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number ('12.5', '005.0', '-3', '1e2'): no unit
    marks, no ':' and no space between fields (surrounding spaces allowed)."""
    return _BARE_NUMBER.fullmatch(text) is not None


def _element_deg(value: object, marked_deg: float, bare_deg: float, first: str) -> float:
    """One element in degrees. A number or a bare decimal text ('12.5') counts units of
    ``bare_deg`` degrees and is read exactly as ``float`` reads it; other text is sexagesimal
    in units of ``marked_deg``: '12:30:00', '12 30 00', or with letters ('12h30m00s' where
    ``first`` is 'h', '-5d30m' where it is 'd')."""
    if isinstance(value, str):
        if is_bare_number(value):
            return float(value) * bare_deg
        letters = _LETTERS[first].fullmatch(value)
        if letters is not None:
            value = ":".join(f for f in letters.groups() if f is not None)
        return _sexagesimal(value) * marked_deg
    try:
        return float(value) * bare_deg  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _parse_deg(values: ArrayLike, marked_deg: float, bare_deg: float, first: str) -> np.ndarray:
    """Elementwise :func:`_element_deg`, keeping the input's shape (0-d for a scalar)."""
    numeric = np.asarray(values)
    if numeric.dtype.kind in "biuf":
        return numeric.astype(float) * bare_deg
    objects = np.asarray(values, dtype=object)  # keeps floats mixed with strings as floats
    flat = [_element_deg(v, marked_deg, bare_deg, first) for v in objects.ravel()]
    return np.array(flat, dtype=float).reshape(objects.shape)


def parse_ra(values: ArrayLike, hours: bool = False) -> np.ndarray:
    """Right ascension in degrees, [0, 360).

    The rule: a *bare* number (a number, or text that is a plain decimal: '12.5', '005.0',
    '1e2') is degrees, or hours with ``hours=True`` (a column whose name says hours, such as
    psrcat's RAJ). Text that marks its fields is sexagesimal *hours*: 'hh:mm:ss.sss',
    'hh:mm', 'hh mm ss' (space separated), '12h30m00.5s', '12h'; only the last field may have
    a fraction. A bare decimal is read exactly as ``float`` reads it, so '005.0' and 5.0 give
    the same bits.

    Parameters
    ----------
    values : scalar or array-like (list, ndarray, pandas Series)
    hours : bool
        Bare numbers are hours (x 15 deg) instead of degrees.

    Returns
    -------
    numpy.ndarray
        Degrees, same shape as ``values``. Unparseable or missing values, minutes or seconds
        >= 60 and values outside [0, 360] deg (0-24 h) give NaN; 360 deg (24 h) wraps to 0.
    """
    ra = _parse_deg(values, 15.0, 15.0 if hours else 1.0, "h")
    with np.errstate(invalid="ignore"):
        return np.where((ra >= 0.0) & (ra <= 360.0), np.mod(ra, 360.0), np.nan)


def parse_dec(values: ArrayLike) -> np.ndarray:
    """Declination in degrees, [-90, 90].

    Parameters
    ----------
    values : scalar or array-like (list, ndarray, pandas Series)
        Numbers and bare decimal text ('+57', '-05.5', read exactly as ``float`` reads them)
        are degrees. Other text is sexagesimal degrees '±dd:mm:ss.ss', '±dd:mm', '±dd mm ss'
        or '±12d30m00s'; the sign applies to the whole value, so '-00:30:00' is -0.5 deg.

    Returns
    -------
    numpy.ndarray
        Degrees, same shape as ``values``. Unparseable or missing values, minutes or seconds
        >= 60 and abs(dec) > 90 deg give NaN.
    """
    dec = _parse_deg(values, 1.0, 1.0, "d")
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(dec) <= 90.0, dec, np.nan)


def _unit_vectors(lon_deg: ArrayLike, lat_deg: ArrayLike) -> np.ndarray:
    """Cartesian unit vectors, shape (..., 3), for broadcast longitudes and latitudes (deg)."""
    lon, lat = np.broadcast_arrays(np.radians(lon_deg), np.radians(lat_deg))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


def _rotate_to_lonlat(matrix: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotate unit vectors (..., 3) and return longitude in [0, 360) and latitude (deg)."""
    x, y, z = np.moveaxis(vectors @ matrix.T, -1, 0)
    lon = np.mod(np.degrees(np.arctan2(y, x)), 360.0)
    lat = np.asarray(np.degrees(np.arctan2(z, np.hypot(x, y))))
    return np.where(lon == 360.0, 0.0, lon), lat  # mod can round -tiny up to 360


def equatorial_to_galactic(ra_deg: ArrayLike, dec_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Galactic longitude and latitude of J2000 equatorial positions.

    Uses the IAU Galactic pole in FK5 J2000 (RA 192.85948 deg, Dec 27.12825 deg, l of the north
    celestial pole 122.93192 deg), as astropy does. ICRS input (e.g. pulsar timing positions)
    is treated as FK5 J2000: the frame bias between them, ignored, moves positions by < 0.03
    arcsec relative to astropy's ICRS -> Galactic.

    Parameters
    ----------
    ra_deg, dec_deg : array-like
        Right ascension and declination (deg); broadcast against each other.

    Returns
    -------
    l_deg, b_deg : numpy.ndarray
        Galactic longitude in [0, 360) and latitude in [-90, 90] (deg); NaN where an input is NaN.
    """
    return _rotate_to_lonlat(_EQ_TO_GAL, _unit_vectors(ra_deg, dec_deg))


def ecliptic_to_galactic(elon_deg: ArrayLike, elat_deg: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Galactic longitude and latitude of positions in mean ecliptic coordinates of J2000.

    The ecliptic is rotated to the J2000 equator by the IAU 2006 obliquity, 84381.406 arcsec
    (TEMPO2's default IERS 2003 value, 84381.4059, differs by 0.1 mas), then to Galactic with
    :func:`equatorial_to_galactic`'s matrix. Of the conventions tried this matches astropy's
    ``BarycentricMeanEcliptic(equinox='J2000')`` best, within 0.03 arcsec over the whole sky (the
    rest is frame bias); the IAU 1976 obliquity, 84381.448 arcsec, is off by up to 0.06 arcsec
    and ``GeocentricMeanEcliptic`` (which includes aberration) by ~21 arcsec.

    Parameters
    ----------
    elon_deg, elat_deg : array-like
        Ecliptic longitude and latitude (deg), e.g. the ATNF catalogue's ELONG/ELAT; broadcast.

    Returns
    -------
    l_deg, b_deg : numpy.ndarray
        Galactic longitude in [0, 360) and latitude in [-90, 90] (deg); NaN where an input is NaN.
    """
    return _rotate_to_lonlat(_ECL_TO_GAL, _unit_vectors(elon_deg, elat_deg))


def cartesian_to_galactic(
    x: ArrayLike, y: ArrayLike, z: ArrayLike, frame: str,
    sun_kpc: tuple[float, float, float] = NE2001_SUN_KPC,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Galactic l, b (deg) and distance from the Sun (kpc) of Cartesian positions (kpc).

    Parameters
    ----------
    x, y, z : array-like
        Positions in kpc; broadcast.
    frame : {"heliocentric", "galactocentric"}
        heliocentric: the Sun at the origin, x toward the Galactic centre (l = 0, b = 0), y
        toward l = 90 deg, z toward the north Galactic pole (astropy's ``Galactic`` frame in
        Cartesian form). galactocentric: the NE2001/NE2025/YMW16 frame, the Galactic centre at
        the origin, x toward l = 90 deg (parallel to heliocentric y), y from the centre toward
        the Sun, z toward the north Galactic pole, the Sun at ``sun_kpc`` (not astropy's
        ``Galactocentric``, whose x points from the Sun's side through the centre).
    sun_kpc : (x, y, z)
        The Sun in the galactocentric frame, kpc: NE2001/NE2025's (0, 8.5, 0) by default;
        YMW16's own is (0, 8.3, 0.006).

    Returns
    -------
    l_deg, b_deg, dist_kpc : numpy.ndarray
        l in [0, 360), b in [-90, 90]; NaN where an input is NaN; l and b are NaN at the
        Sun (distance 0: no direction).
    """
    x, y, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, y, z))
    if frame == "heliocentric":
        toward_centre, toward_l90, up = x, y, z
    elif frame == "galactocentric":
        toward_centre, toward_l90, up = sun_kpc[1] - y, x - sun_kpc[0], z - sun_kpc[2]
    else:
        raise InvalidValueError(
            f"frame must be 'heliocentric' or 'galactocentric', got {frame!r}")
    in_plane = np.hypot(toward_centre, toward_l90)
    dist = np.hypot(in_plane, up)
    with np.errstate(invalid="ignore"):
        here = dist == 0.0
        l_deg = np.mod(np.degrees(np.arctan2(toward_l90, toward_centre)), 360.0)
        l_deg = np.where(l_deg == 360.0, 0.0, l_deg)
        b_deg = np.degrees(np.arctan2(up, in_plane))
    return np.where(here, np.nan, l_deg), np.where(here, np.nan, b_deg), dist
