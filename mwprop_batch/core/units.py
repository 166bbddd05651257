"""The one place where values with units become plain numbers in the units the kernels use.

Every public entry point that takes a position, distance, DM, frequency or speed passes it
through :func:`plain`: an astropy ``Quantity`` (or ``Angle``) is converted by its unit, a
value without a unit is taken as already in the documented unit, and a unit that does not
convert raises ``astropy.units.UnitConversionError`` naming the argument. A ``SkyCoord`` (or
coordinate frame) in any frame stands in for (l, b) through :func:`galactic`.

astropy stays optional: it is imported only when an input carries a unit, and an input can
only carry one if astropy is already loaded.
"""

from __future__ import annotations

import sys
from typing import Any

from .errors import InvalidTypeError, InvalidValueError

# kind -> unit the kernels use (astropy unit strings)
UNITS = {
    "angle": "deg",
    "length": "kpc",
    "dm": "pc / cm3",
    "frequency": "GHz",
    "velocity": "km / s",
}


def has_unit(value: Any) -> bool:
    """True for an astropy Quantity (or a list/tuple holding one)."""
    if "astropy.units" not in sys.modules:
        return False
    units = sys.modules["astropy.units"]
    if isinstance(value, units.Quantity):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_unit(item) for item in value)
    return False


def is_coordinate(value: Any) -> bool:
    """True for an astropy SkyCoord or coordinate frame instance."""
    coords = sys.modules.get("astropy.coordinates")
    return coords is not None and isinstance(value, (coords.SkyCoord,
                                                     coords.BaseCoordinateFrame))


def plain(name: str, value: Any, kind: str) -> Any:
    """``value`` in the kernels' unit for ``kind`` (see UNITS); unchanged when it has no unit.

    Raises astropy's UnitConversionError (naming ``name``) when the unit does not convert,
    and TypeError for a pint quantity (whose unit ``np.asarray`` would silently drop).
    """
    if kind not in UNITS:
        raise InvalidValueError(f"unknown kind {kind!r}; choose one of {', '.join(UNITS)}")
    if is_coordinate(value):
        raise InvalidTypeError(f"{name}: a sky coordinate stands in for (l, b) only")
    if hasattr(value, "magnitude") and hasattr(value, "units"):  # pint
        raise InvalidTypeError(f"{name}: pint quantities are not supported; pass an astropy "
                        f"Quantity or a plain number in {UNITS[kind]}")
    if not has_unit(value):
        return value
    import astropy.units as u

    target = u.Unit(UNITS[kind])
    try:
        return u.Quantity(value).to_value(target)
    except u.UnitConversionError as exc:
        raise u.UnitConversionError(f"{name}: {exc}") from exc


def galactic(coord: Any) -> tuple[Any, Any, Any]:
    """(l, b) in deg and the distance in kpc (None when the coordinate has none) of a
    SkyCoord or frame instance, in any frame."""
    from astropy.coordinates import Galactic, UnitSphericalRepresentation

    gal = coord.transform_to(Galactic())
    l_deg, b_deg = gal.spherical.lon.to_value("deg"), gal.spherical.lat.to_value("deg")
    if isinstance(gal.data, UnitSphericalRepresentation):
        return l_deg, b_deg, None
    distance = gal.spherical.distance
    if distance.unit.physical_type != "length":
        return l_deg, b_deg, None
    return l_deg, b_deg, distance.to_value("kpc")
