"""Catalogues on object storage: read and write ``s3://`` (or any fsspec URL) like local paths.

Requires the optional extra ``pip install "mwprop_batch[cloud]"`` (fsspec, s3fs); it is
imported only when a URL is given. Credentials come from the usual places of each store (for
S3: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``,
instance roles); an S3-compatible endpoint (MinIO, Ceph, moto) from ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL``, or ``storage_options={"endpoint_url": ...}`` from Python. The endpoint is
resolved once, where the conversion starts, and travels with the tasks to Dask workers.

Object stores have no atomic rename, so an output is published in an order that never lets a
half-written one read as finished:

* **One file** (``convert_file``): the row groups are uploaded to a temporary object beside the
  output, ``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``; only when it is complete is it
  copied to the output's name (on S3 one server-side copy: the object appears whole or not at
  all) and the temporary object removed. A Parquet file's footer is written last, so even a
  store whose copy could be seen half-done never shows a readable partial file.
* **A dataset** (``mwprop_batch.dask.convert_dataset``): the parts are written under a
  temporary prefix beside the output, copied to ``<output>/part.<n>.parquet`` when all are
  written (under fresh names, ``part.<n>.<random>.parquet``, where those are taken by the
  output being replaced), and then the manifest :data:`MANIFEST` (every part's name, size and
  rows) is written last, as one object: the commit point. A dataset is complete only with its
  manifest: our reader (:func:`dataset_files`) reads exactly the files it lists, checks their
  sizes, and refuses a prefix holding parts this tool wrote but no manifest
  (:class:`IncompleteOutputError`). Replacing a dataset (``overwrite``) leaves the old one
  whole and readable (its manifest and parts untouched) until the new manifest is written;
  only then are the old parts removed. A failure before that removes the new parts only.
* An error or an interrupt (KeyboardInterrupt, SIGTERM, SIGHUP) removes the temporary objects
  and any new parts already copied. A process killed outright leaves its temporary objects under
  their recognisable names (and on S3 possibly an unfinished multipart upload, invisible and
  removed by the bucket's ``AbortIncompleteMultipartUpload`` lifecycle rule); the next writer
  to the same output from the same host removes those of processes that no longer exist.

An existing output is replaced only with ``overwrite`` (a dataset only if it holds nothing but
our parts and manifest). The check is repeated just before publishing, but object stores have
no "create if absent" for a copy: two runs writing the same output at once are not detected.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from secrets import token_hex
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mwprop_batch.core.extras import MissingExtraError, missing_extra

from ..formats.catalogue_files import (
    FILE_METADATA_KEY,
    Catalogue,
    CatalogueError,
    DatasetEntry,
    check_dialect,
    dataset_parts,
    detect_format,
    one_line,
    open_local,
    open_parquet_files,
    spool,
)
from ..formats.csv_files import CsvDialect
from ..formats.output_formats import open_table_writer
from .safe_writes import AllOrNothingWriter, is_dead_temp, temp_name

MANIFEST = "_mwprop_batch_manifest.json"  # a dataset's completion marker, written last
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_S3 = ("s3", "s3a")
# the package each common store needs beside fsspec (s3fs is in the extra 'cloud')
_STORE_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs",
                   "abfs": "adlfs", "abfss": "adlfs"}


class IncompleteOutputError(CatalogueError):
    """A dataset prefix holds parts this tool wrote but no (or a mismatching) manifest: an
    interrupted or unfinished write."""


@dataclass(frozen=True)
class Location:
    """An object or prefix: a file system (fsspec) and a path in it (no protocol)."""

    fs: Any
    path: str

    @property
    def url(self) -> str:
        return self.fs.unstrip_protocol(self.path)

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def parent(self) -> Location:
        return Location(self.fs, self.fs._parent(self.path))

    def child(self, name: str) -> Location:
        return Location(self.fs, f"{self.path}/{name}")


def resolve(url: str, storage_options: Mapping[str, Any] | None = None) -> Location:
    """The :class:`Location` of ``url``; ``storage_options`` go to its fsspec file system.

    For S3 an endpoint in :data:`ENDPOINT_VARIABLES` becomes an explicit ``endpoint_url``
    (unless given), so that the file system carries it when pickled to a worker.

    Raises :class:`~mwprop_batch.core.extras.MissingExtraError` if fsspec (or the store's own
    package, e.g. s3fs) is missing.
    """
    try:
        import fsspec
    except ImportError as exc:
        raise missing_extra("object-storage URLs", "fsspec>=2024.1", "cloud") from exc
    try:
        fs, path = fsspec.core.url_to_fs(url, **resolved_options(url, storage_options))
    except ImportError as exc:
        scheme = url.split("://")[0]
        package = _STORE_PACKAGES.get(scheme)
        if package == "s3fs":
            raise missing_extra(f"{scheme}:// URLs", "s3fs>=2024.1", "cloud") from exc
        if package is not None:
            raise MissingExtraError(
                f"{scheme}:// URLs need {package}, which is not installed: pip install {package}"
            ) from exc
        raise CatalogueError(f"cannot use {url}: {one_line(exc)}") from exc
    except ValueError as exc:
        raise CatalogueError(f"cannot use {url}: {one_line(exc)}") from exc
    return Location(fs, path.rstrip("/"))


def resolved_options(
    url: str, storage_options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``storage_options`` for ``url`` with, for S3, the endpoint of :data:`ENDPOINT_VARIABLES`
    made explicit (unless given): what a Dask worker needs to reach the same store."""
    options = dict(storage_options or {})
    if url.split("://", 1)[0] in _S3 and "endpoint_url" not in options:
        endpoint = next((os.environ[v] for v in ENDPOINT_VARIABLES if os.environ.get(v)), None)
        if endpoint:
            options["endpoint_url"] = endpoint
    return options


def open_remote_catalogue(
    url: str, format: str | None = None, storage_options: Mapping[str, Any] | None = None,
    csv: CsvDialect | None = None,
) -> Catalogue:
    """Open the catalogue at ``url`` (see :func:`~.catalogue_files.open_catalogue`).

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
    directory (:func:`~.catalogue_files.dataset_parts`: names starting with '.' or '_' left
    out, other objects that are not Parquet skipped with one warning), unless one of them was
    written by this tool, which means an unfinished output.

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
    """The parsed manifest (see :func:`manifest_bytes`)."""
    try:
        content = json.loads(manifest.fs.cat_file(manifest.path))
        if content.get("package") != "mwprop_batch" or not isinstance(content["files"], list):
            raise ValueError("not a manifest of mwprop_batch")
    except (ValueError, KeyError, TypeError) as exc:
        raise IncompleteOutputError(f"{manifest.url}: unreadable manifest: {one_line(exc)}") \
            from exc
    return content


def manifest_bytes(parts: Iterable[tuple[str, int, int]]) -> bytes:
    """A manifest: ``parts`` as (name, size in bytes, rows), in row order, and their total."""
    from mwprop_batch import __version__

    files = [{"name": name, "size": size, "rows": rows} for name, size, rows in parts]
    return json.dumps({
        "package": "mwprop_batch", "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": sum(f["rows"] for f in files), "files": files,
    }, indent=1).encode()


def check_remote_output(location: Location, overwrite: bool, dataset: bool = False) -> None:
    """Raise :class:`CatalogueError` unless ``location`` may be written: nothing there, or
    (``overwrite``) an object (``dataset`` False) or a prefix holding only our parts and
    manifest (``dataset`` True)."""
    fs, url = location.fs, location.url
    if "/" not in location.path.strip("/"):  # a bucket: nothing beside it, not ours to replace
        raise CatalogueError(
            f"output {url}: give an object or a prefix inside a bucket (s3://bucket/key), "
            "not a bucket"
        )
    try:
        fs.invalidate_cache()
        is_dir = fs.isdir(location.path)
        exists = is_dir or fs.exists(location.path)
        if not exists:
            return
        if is_dir != dataset:
            what = "a prefix (directory)" if is_dir else "a file"
            wanted = "a Dask run writes a prefix" if dataset else "give the URL of a new file"
            raise CatalogueError(f"output {url} is {what}; {wanted}")
        if not overwrite:
            raise CatalogueError(f"output {url} exists; use --overwrite to replace it")
        if dataset:
            for entry in fs.find(location.path):
                name = entry[len(location.path) + 1:]
                ours = name == MANIFEST or (
                    "/" not in name and name.endswith(".parquet")
                    and written_by_us(Location(fs, entry))
                )
                if not ours:
                    raise CatalogueError(
                        f"output {url} holds {name}, which mwprop-batch did not write; "
                        "not replacing it"
                    )
    except (pa.ArrowException, OSError) as exc:
        raise CatalogueError(f"cannot check output {url}: {one_line(exc)}") from exc


def check_not_inside_remote(target: str, source: str) -> None:
    """Raise :class:`CatalogueError` if the URL ``target`` is the URL ``source`` or lies in its
    prefix (a later run would read its own output back)."""
    target_, source_ = target.rstrip("/"), source.rstrip("/")
    if target_ == source_:
        raise CatalogueError(f"output {target} is the input")
    if target_.startswith(source_ + "/"):
        raise CatalogueError(f"output {target} is inside the input dataset {source}")


def remove_dead_temps(location: Location) -> list[str]:
    """Remove the temporary objects (or prefixes) of earlier writers to ``location`` from this
    host whose process no longer exists; return their paths."""
    fs = location.fs
    removed = []
    try:
        entries = fs.ls(location.parent.path, detail=False)
    except FileNotFoundError:
        return removed
    for entry in entries:
        if is_dead_temp(location.name, PurePosixPath(entry).name):
            fs.rm(entry, recursive=True)
            removed.append(entry)
    return removed


def temp_location(location: Location) -> Location:
    """A new temporary object or prefix beside ``location`` (see
    :func:`~.safe_writes.temp_name`)."""
    return location.parent.child(temp_name(location.name))


class RemoteTableWriter(AllOrNothingWriter):
    """Write a Parquet (or CSV, ``format``) object all or nothing (the design in this module's
    docstring).

    Same use as :class:`~.safe_writes.AtomicTableWriter`. With ``staged`` False the
    object is uploaded straight to its name (for the parts of a dataset, already under a
    temporary prefix); an error still removes it.
    """

    def __init__(
        self, url: str, schema: pa.Schema, *, overwrite: bool = False,
        storage_options: Mapping[str, Any] | None = None, staged: bool = True,
        format: str = "parquet",
    ) -> None:
        self.location = resolve(url, storage_options)
        self.url = self.target = url
        self.schema = schema
        self.format = format
        self.overwrite = overwrite
        self.staged = staged
        self.rows_written = 0
        check_remote_output(self.location, overwrite)
        self._temp: Location | None = None
        self._stream: Any = None
        self._writer: Any = None
        self._previous_handlers: dict[int, Any] = {}

    def _open(self) -> None:
        if self.staged:
            remove_dead_temps(self.location)
            self._temp = temp_location(self.location)
        else:
            self._temp = self.location
        fs = self._temp.fs
        fs.touch(self._temp.path)  # fails now, not after the work, if it cannot be written
        self._stream = fs.open(self._temp.path, "wb")
        self._writer = open_table_writer(self._stream, self.schema, self.format)

    def _commit(self) -> None:
        assert self._writer is not None and self._temp is not None
        self._writer.close()
        self._writer = None
        self._stream.close()
        self._stream = None
        if self.staged:
            fs, temp, target = self.location.fs, self._temp.path, self.location.path
            check_remote_output(self.location, self.overwrite)  # nothing appeared meanwhile
            fs.copy(temp, target)
            fs.invalidate_cache()
            if fs.size(target) != fs.size(temp):
                raise CatalogueError(f"cannot write {self.url}: the copy has the wrong size")
            fs.rm(temp)
        self._temp = None
        self._restore_signals()

    def _abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except (pa.ArrowException, OSError, ValueError):
                pass  # the object is being thrown away
            self._writer = None
        if self._stream is not None:
            _abandon(self._stream)
            self._stream = None
        if self._temp is not None:
            try:
                if self._temp.fs.exists(self._temp.path):
                    self._temp.fs.rm(self._temp.path)
            except OSError:
                pass  # left under its temporary name, removed by a later writer
            self._temp = None
        self._restore_signals()


def _abandon(stream: Any) -> None:
    """Stop an fsspec upload without publishing it where the store allows (S3: the multipart
    upload is aborted); elsewhere close it (its object is removed next)."""
    from fsspec.spec import AbstractBufferedFile

    try:
        if isinstance(stream, AbstractBufferedFile):
            stream.discard()
            stream.closed = True  # closing would upload what was buffered
        else:
            stream.close()
    except (OSError, ValueError):
        pass


def publish_dataset(
    staging: Location, target: Location, parts: list[tuple[str, int]], overwrite: bool
) -> None:
    """Publish the complete parts ``(name, rows)`` from ``staging`` as the dataset ``target``.

    The ownership check (:func:`check_remote_output`) is repeated first. The parts are copied
    under names no object of an existing ``target`` has; then the manifest is written, the
    commit point; then the old output's other objects are removed. Until the manifest is
    written an existing ``target`` stays whole and readable; on any error before that the new
    parts already copied are removed (best effort) and the error re-raised. An object that
    appears in ``target`` meanwhile (not ours) stops the publication before the manifest.
    """
    fs = target.fs
    check_remote_output(target, overwrite, dataset=True)
    old = set(_entries(target))
    names = [name for name, _ in parts]
    if old.intersection(names):
        generation = token_hex(4)
        names = [f"{PurePosixPath(n).stem}.{generation}.parquet" for n in names]
    manifest = target.child(MANIFEST)
    copied: list[str] = []
    try:
        listed = []
        for (name, rows), new_name in zip(parts, names, strict=True):
            source, destination = staging.child(name).path, target.child(new_name).path
            fs.copy(source, destination)
            copied.append(destination)
            size = fs.size(source)
            if fs.size(destination) != size:
                raise CatalogueError(f"cannot write {target.url}: {name} copied incompletely")
            listed.append((new_name, size, rows))
        appeared = set(_entries(target)) - old - set(names)
        if appeared:
            raise CatalogueError(
                f"output {target.url}: {sorted(appeared)[0]} appeared there during the run; "
                "not replacing it (the old output is unchanged)"
            )
        fs.pipe_file(manifest.path, manifest_bytes(listed))
    except BaseException:
        for path in copied:
            try:
                fs.rm(path)
            except OSError:
                pass
        raise
    finally:
        fs.invalidate_cache()
    stale = [target.child(name).path for name in sorted(old - set(names) - {MANIFEST})]
    try:
        if stale:
            fs.rm(stale)
    except OSError:
        pass  # unlisted now, so unread; the next overwrite removes them
    fs.invalidate_cache()


def _entries(location: Location) -> list[str]:
    """The names of the objects under the prefix ``location`` (none if it does not exist)."""
    fs = location.fs
    fs.invalidate_cache()
    if not fs.isdir(location.path):
        return []
    return [entry[len(location.path) + 1:] for entry in fs.find(location.path)]
