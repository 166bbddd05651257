"""Catalogue tables written all or nothing, batch by batch: the local table writer and what it
shares with the object-store writer.

:class:`AtomicTableWriter` streams Parquet or CSV row groups into one local file through the
package's one publish path (:class:`~mwprop_batch.core.publish.AtomicFile`);
:class:`AllOrNothingWriter` is what it and the object-store writer
(:class:`~mwprop_batch.catalogue.storage.remote_writes.RemoteTableWriter`) share: batches go to
a temporary place, a clean exit publishes them, an exception, SIGTERM or SIGHUP throws them
away and leaves the output as it was; errors name the user's output.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any, Self

import pyarrow as pa

from mwprop_batch.core.errors import MwpropBatchError
from mwprop_batch.core.publish import AtomicFile, catch_abort_signals, restore_signals, write_error

from ..formats.output_formats import open_table_writer


class AllOrNothingWriter(ABC):
    """What every all-or-nothing table writer shares: batches go to a temporary place
    (opened by ``__enter__``); a clean exit publishes them (``_commit``), an exception or a
    failed publication throws them away (``_abort``) and leaves the output as it was."""

    target: str  # the output, as the user named it (for messages)
    rows_written: int
    _writer: Any  # the format's Arrow writer (output_formats.open_table_writer), None if closed
    _previous_handlers: dict[int, Any]  # signal handlers replaced while open

    def __enter__(self) -> Self:
        self._previous_handlers = catch_abort_signals()
        self._all_or_nothing(self._open)
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        """Append ``batch`` (one Parquet row group); an error names the output."""
        assert self._writer is not None, f"use {type(self).__name__} in a with block"
        try:
            self._writer.write_batch(batch)
        except (OSError, pa.ArrowException) as error:  # a full disk, a lost connection
            raise write_error(self.target, error) from error
        self.rows_written += batch.num_rows

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            self._abort()
            return
        self._all_or_nothing(self._commit)

    def _all_or_nothing(self, step) -> None:
        """Run ``step``; if it fails, throw the output away and say why in one line."""
        try:
            step()
        except BaseException as error:
            self._abort()
            if isinstance(error, OSError | pa.ArrowException) and \
                    not isinstance(error, MwpropBatchError):
                raise write_error(self.target, error) from error
            raise

    @abstractmethod
    def _open(self) -> None:
        """Create the temporary place and ``self._writer`` (called by ``__enter__``)."""

    @abstractmethod
    def _commit(self) -> None:
        """Publish the output (called on a clean exit)."""

    @abstractmethod
    def _abort(self) -> None:
        """Throw the temporary output away (never raises)."""

    def _restore_signals(self) -> None:
        restore_signals(self._previous_handlers)
        self._previous_handlers = {}


class AtomicTableWriter(AllOrNothingWriter):
    """Write a Parquet or CSV file all or nothing, batch by batch, through
    :class:`~mwprop_batch.core.publish.AtomicFile`.

    Each batch is a row group (Parquet) or a block of lines (CSV) of the temporary file; a
    clean exit from the ``with`` block publishes it at ``path``; any exception, SIGTERM or
    SIGHUP (:class:`~mwprop_batch.core.publish.Interrupted`) included, removes it and leaves
    ``path`` as it was.

    Parameters
    ----------
    path : str or path-like
        The output file (see :func:`~mwprop_batch.core.publish.check_output`).
    schema : pyarrow.Schema
        Schema of every batch written, with its metadata (kept in Parquet only).
    overwrite : bool
        Replace an existing regular file (otherwise
        :class:`~mwprop_batch.core.publish.OutputExistsError`).
    format : {"parquet", "csv"}
        What to write (:mod:`mwprop_batch.catalogue.formats.output_formats`).

    Examples
    --------
    >>> with AtomicTableWriter(out, schema) as writer:  # doctest: +SKIP
    ...     for batch in batches:
    ...         writer.write(batch)
    """

    def __init__(
        self, path: str | os.PathLike[str], schema: pa.Schema, *, overwrite: bool = False,
        format: str = "parquet",
    ) -> None:
        self._file = AtomicFile(path, overwrite=overwrite, signals=False)  # ours catch them
        self.path = self._file.path
        self.target = self._file.target
        self.schema = schema
        self.format = format
        self.rows_written = 0
        self._writer: Any = None
        self._previous_handlers: dict[int, Any] = {}

    def _open(self) -> None:
        self._writer = open_table_writer(self._file.open(), self.schema, self.format)

    def _commit(self) -> None:
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        self._file.commit()
        self._restore_signals()

    def _abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except (pa.ArrowException, OSError):
                pass  # the file is being thrown away
            self._writer = None
        self._file.abort()
        self._restore_signals()
