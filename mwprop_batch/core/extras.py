"""The optional extras (matplotlib, astropy-healpix, dask): a clear error when one is missing."""

from __future__ import annotations

from .errors import MwpropBatchError


class MissingExtraError(MwpropBatchError, ImportError):
    """An optional dependency a command needs is not installed."""


def missing_extra(what: str, requirement: str, extra: str) -> MissingExtraError:
    """The error for ``what`` needing ``requirement`` (a pip requirement), part of ``extra``.

    The install command it gives works from PyPI and from a checkout alike.
    """
    name = requirement.split(">")[0].split("[")[0]
    return MissingExtraError(
        f"{what} need {name}, which is not installed: pip install '{requirement}' "
        f"(the extra '{extra}' of mwprop_batch)"
    )

