"""Model names -> their family: one line per built-in family, and any a package adds.

A family module (``families/<name>/definition.py``) defines ``FAMILY``, an object with the
:class:`~mwprop_batch.family.Family` protocol. It is imported the first time one of its models
is built, so a process that uses NE2025 never loads YMW16's or the halos' kernels. Another
package adds a family through the entry-point group :data:`ENTRY_POINT_GROUP`, naming its
``FAMILY`` object (``[project.entry-points."mwprop_batch.families"]`` ``myfamily =
"mypackage.family:FAMILY"``); its model names are read from that object. A name served by two
families is an error.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.metadata import entry_points

from .core.errors import InvalidValueError, MwpropBatchError
from .family import Family

ENTRY_POINT_GROUP = "mwprop_batch.families"
DEFAULT_MODEL = "ne2025"  # the model of a call, command or conversion that names none
COMPARED_MODELS = ("ne2001", "ne2025")  # what the demo and the validation report compare

# family module -> the model names it serves (the module's FAMILY.models says the same)
BUILT_IN: dict[str, tuple[str, ...]] = {
    "mwprop_batch.families.ne.definition": ("ne2001", "ne2025"),
    "mwprop_batch.families.ymw16.definition": ("ymw16",),
    "mwprop_batch.families.halos.definition": (
        "yt2020", "yt2020_sphere", "yt2020_disk", "pz19", "halo50"),
    "mwprop_batch.families.wim_disk.definition": ("g08",),
}


class RegistryError(MwpropBatchError, RuntimeError):
    """Two families claim one model name, or a family's module does not define ``FAMILY``."""


@cache
def _added() -> dict[str, Family]:
    """Model name -> family of the families other packages add (loaded once per process)."""
    added: dict[str, Family] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        family = point.load()
        for name in family.models:
            if name in added or any(name in names for names in BUILT_IN.values()):
                raise RegistryError(f"model name {name!r} of family {family.name!r} "
                                    f"(entry point {point.value}) is taken")
            added[name] = family
    return added


def built_in_names() -> tuple[str, ...]:
    """The names of the models this package ships, in the order of :data:`BUILT_IN`."""
    return tuple(name for names in BUILT_IN.values() for name in names)


def model_names() -> tuple[str, ...]:
    """Every model name: the built-in ones, then those of added families."""
    return built_in_names() + tuple(_added())


@cache
def _load(module: str) -> Family:
    family = getattr(import_module(module), "FAMILY", None)
    if family is None or tuple(family.models) != BUILT_IN[module]:
        raise RegistryError(f"{module}.FAMILY is missing or serves other models than "
                            f"{BUILT_IN[module]}")
    return family


def family_of(name: str) -> Family:
    """The family of the model named ``name`` (lower case); InvalidValueError if none."""
    for module, names in BUILT_IN.items():
        if name in names:
            return _load(module)
    added = _added()
    if name in added:
        return added[name]
    raise InvalidValueError(f"unknown model {name!r}; choose one of {', '.join(model_names())}"
                            " or a sum such as 'ne2025+yt2020'")


def families() -> list[Family]:
    """Every family, built-in first (each imported)."""
    out = [_load(module) for module in BUILT_IN]
    for family in _added().values():
        if family not in out:
            out.append(family)
    return out


def is_model_name(name: str) -> bool:
    """Whether ``name`` (lower case) names a model or a sum of different models."""
    parts = name.split("+")
    return all(p in model_names() for p in parts) and len(set(parts)) == len(parts)
