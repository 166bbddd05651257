"""The one base class of every error mwprop_batch raises for bad input or a missing extra, and
the one base of every warning it gives.

Each concrete error also derives from the built-in exception a caller would expect
(``ValueError``, ``TypeError``, ``ImportError``), so ``except ValueError`` keeps working;
``except mwprop_batch.MwpropBatchError`` catches everything that is ours. :class:`CatalogueError`
(a file cannot be read or an output written) is here, below both the publish path
(:mod:`.publish`) and the catalogue readers, which share it; :func:`one_line` is how a message
is shown.
"""


class MwpropBatchError(Exception):
    """Base class of the errors mwprop_batch raises."""


class InvalidValueError(MwpropBatchError, ValueError):
    """An argument's value is out of range or inconsistent (a ``ValueError``)."""


class InvalidTypeError(MwpropBatchError, TypeError):
    """An argument is of a type that cannot be used (a ``TypeError``)."""


class ConversionError(MwpropBatchError, ValueError):
    """A conversion cannot run or produced nothing (no output is written)."""


class InputTypeError(ConversionError):
    """A model input column has a type that is not a number or numeric text."""


class MwpropBatchWarning(UserWarning):
    """Base class of the warnings mwprop_batch gives (``warnings.filterwarnings("ignore",
    category=MwpropBatchWarning)`` silences them all)."""


class CatalogueError(MwpropBatchError, ValueError):
    """A catalogue file cannot be read, or an output file cannot be written (a ``ValueError``;
    the message names the user's path, never a temporary file of ours)."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__
