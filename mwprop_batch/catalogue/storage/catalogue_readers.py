"""Open a catalogue, or read our metadata, wherever it is: a local path, standard input or a URL.

A local path (``file://`` URLs included) goes to the readers of
:mod:`mwprop_batch.catalogue.formats`; a URL (``s3://``, ``memory://`` ...) to
:mod:`.remote`, imported only then, so that local paths never load the object-storage
libraries (the optional extra ``cloud``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..formats.catalogue_files import open_local_catalogue
from ..formats.csv_files import CsvDialect
from ..formats.opened_catalogue import Catalogue
from ..formats.output_metadata import read_file_metadata_in
from .locations import local_path, remote_url


def open_catalogue(
    path: str | os.PathLike[str], format: str | None = None, *,
    storage_options: Mapping[str, Any] | None = None, csv: CsvDialect | None = None,
) -> Catalogue:
    """Open a catalogue for streaming (see
    :class:`~mwprop_batch.catalogue.formats.opened_catalogue.Catalogue`).

    Parameters
    ----------
    path : str or path-like
        A Parquet file; a directory of Parquet files, read as one dataset (files in the
        order of their paths, names starting with '.' or '_' skipped, columns the union of
        the files' columns, null where a file lacks one, then Hive partition keys such as
        ``survey=A/`` as columns; other files and links to directories are skipped with a
        warning, see
        :func:`~mwprop_batch.catalogue.formats.parquet_datasets.dataset_directory_files`); a
        CSV file (see :mod:`mwprop_batch.catalogue.formats.csv_files`); a psrcat database; or
        ``-`` for standard input. A pipe or standard input is first copied to a temporary
        file. A URL (``s3://...``) is read from object storage: see
        :func:`mwprop_batch.catalogue.storage.remote.open_remote_catalogue`.
    format : {"parquet", "csv", "psrcat"}, optional
        Overrides the format guessed by
        :func:`~mwprop_batch.catalogue.formats.catalogue_files.detect_format`.
    storage_options : mapping, optional
        For a URL: options of its fsspec file system (e.g. ``endpoint_url``).
    csv : CsvDialect, optional
        A CSV file's delimiter and encoding (default: delimiter detected, UTF-8); refused for
        any other format (:func:`~mwprop_batch.catalogue.formats.catalogue_files.check_dialect`).

    Raises
    ------
    CatalogueError
        If the path does not exist or is not a readable catalogue of that format, if two
        files of a dataset give a column different types, or if ``csv`` is given for a
        catalogue that is not CSV.
    """
    url = remote_url(path)
    if url is not None:
        from .remote import open_remote_catalogue

        return open_remote_catalogue(url, format, storage_options, csv)
    return open_local_catalogue(local_path(path), format, csv)


def read_file_metadata(
    path: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The metadata a conversion stored in a Parquet file
    (:func:`~mwprop_batch.catalogue.formats.output_metadata.schema_with_file_metadata`): a
    local path or a URL (``storage_options`` as in :func:`open_catalogue`)."""
    url = remote_url(path)
    if url is None:
        return read_file_metadata_in(local_path(path), label=path)
    from .object_store import resolve

    location = resolve(url, storage_options)
    return read_file_metadata_in(location.path, location.fs, label=path)
