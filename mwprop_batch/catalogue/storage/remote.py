"""Catalogues on object storage, read: a file or a dataset prefix at a URL, like a local path.

Parquet is read in place; a dataset prefix is complete only with its manifest
(:data:`MANIFEST`, written last by :mod:`.remote_writes`), and exactly the files it lists are
read. The store is reached through :mod:`.object_store`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mwprop_batch.core.errors import CatalogueError, one_line

from ..formats.catalogue_files import check_dialect, detect_format, open_local, spool
from ..formats.csv_files import CsvDialect
from ..formats.opened_catalogue import Catalogue
from ..formats.output_metadata import FILE_METADATA_KEY
from ..formats.parquet_datasets import DatasetEntry, dataset_parts, open_parquet_files
from .object_store import Location, resolve

MANIFEST = "_mwprop_batch_manifest.json"  # a dataset's completion marker, written last


class IncompleteOutputError(CatalogueError):
    """A dataset prefix holds parts this tool wrote but no (or a mismatching) manifest: an
    interrupted or unfinished write."""


def open_remote_catalogue(
    url: str, format: str | None = None, storage_options: Mapping[str, Any] | None = None,
    csv: CsvDialect | None = None,
) -> Catalogue:
    """Open the catalogue at ``url`` (see :func:`~.catalogue_readers.open_catalogue`).

    Parquet is read in place, row group by row group; a prefix is a dataset, read as
    :func:`dataset_files` says, with Hive partition keys as columns as locally. A CSV or
    psrcat file is first copied to a local temporary file (deleted with the catalogue): the
    CSV reader reads the file twice (types, then rows), in the dialect ``csv``.

    Raises :class:`CatalogueError` (:class:`IncompleteOutputError` for an unfinished output of
    ours), naming the URL.
    """
    location = resolve(url, storage_options)
    fs = location.fs
    try:
        fs.invalidate_cache()
        is_dir = fs.isdir(location.path)
        if not is_dir and not fs.exists(location.path):
            raise CatalogueError(f"{url}: no such file or directory")
        kind = detect_format(url, format, is_dir=is_dir)
        check_dialect(kind, csv, url)
        if kind == "parquet":
            files = dataset_files(location) if is_dir else [location.path]
            catalogue = open_parquet_files(url, files, fs,
                                           base_dir=location.path if is_dir else None)
        elif is_dir:
            raise CatalogueError(f"{url} is a prefix (directory); a {kind} catalogue is one file")
        else:
            with fs.open(location.path, "rb") as stream:
                copy = spool(stream, "".join(PurePosixPath(location.path).suffixes))
            catalogue = dataclasses.replace(open_local(Path(copy.name), kind, url, csv),
                                            _keep=copy)
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, CatalogueError):
            raise
        raise CatalogueError(f"cannot read {url}: {one_line(exc)}") from exc
    return dataclasses.replace(catalogue, path=url)


def dataset_files(location: Location) -> list[str]:
    """The Parquet files of the dataset at ``location``, in row order.

    With a manifest (:data:`MANIFEST`): exactly the files it lists, each checked to exist with
    its listed size. Without: every Parquet file under the prefix, chosen as in a local
    directory (:func:`~mwprop_batch.catalogue.formats.parquet_datasets.dataset_parts`: names
    starting with '.' or '_' left out, other objects that are not Parquet skipped with one
    warning), unless one of them was written by this tool, which means an unfinished output.

    Raises :class:`IncompleteOutputError` for an unfinished output of ours.
    """
    fs = location.fs
    manifest = location.child(MANIFEST)
    if fs.exists(manifest.path):
        listed = read_manifest(manifest)["files"]
        files = []
        for entry in listed:
            part = location.child(entry["name"])
            size = fs.size(part.path) if fs.exists(part.path) else None
            if size != entry["size"]:
                raise IncompleteOutputError(
                    f"{location.url} is incomplete: {entry['name']} is "
                    f"{'missing' if size is None else f'{size} bytes'}, its manifest says "
                    f"{entry['size']} bytes"
                )
            files.append(part.path)
        return files
    entries = (DatasetEntry(path[len(location.path) + 1:], path)
               for path in fs.find(location.path))
    files = dataset_parts(location.url, entries, fs.open)
    ours = [f for f in files if written_by_us(Location(fs, f))]
    if ours:
        raise IncompleteOutputError(
            f"{location.url} is an incomplete mwprop-batch output: it holds "
            f"{PurePosixPath(ours[0]).name} but no {MANIFEST} (interrupted or still being "
            "written); convert again to replace it"
        )
    return files


def written_by_us(location: Location) -> bool:
    """Whether the Parquet file at ``location`` has this tool's file metadata.

    Raises :class:`CatalogueError`, naming its URL, if it is not readable Parquet.
    """
    try:
        schema = pq.read_schema(location.path, filesystem=location.fs)
    except (pa.ArrowException, OSError) as exc:
        raise CatalogueError(f"cannot read {location.url} as Parquet: {one_line(exc)}") from exc
    return FILE_METADATA_KEY in (schema.metadata or {})


def read_manifest(manifest: Location) -> dict[str, Any]:
    """The parsed manifest (see :func:`~.remote_writes.manifest_bytes`)."""
    try:
        content = json.loads(manifest.fs.cat_file(manifest.path))
        if content.get("package") != "mwprop_batch" or not isinstance(content["files"], list):
            raise ValueError("not a manifest of mwprop_batch")
    except (ValueError, KeyError, TypeError) as exc:
        raise IncompleteOutputError(f"{manifest.url}: unreadable manifest: {one_line(exc)}") \
            from exc
    return content
