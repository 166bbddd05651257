"""Publishing on object storage: a file or a dataset at a URL, all or nothing without a rename.

The store is reached through :mod:`.object_store`. Object stores have no atomic rename, so the
one publish path's rename (:class:`~mwprop_batch.core.publish.AtomicFile`) cannot serve here;
what is shared with it is the temporary names and the rule for a dead writer's leftovers
(:func:`~mwprop_batch.core.publish.temp_name`, :func:`~mwprop_batch.core.publish.is_dead_temp`)
and the all-or-nothing writer (:class:`~.atomic_tables.AllOrNothingWriter`). The commit stays
all or nothing because an output is published in an order that never lets a half-written one
read as finished:

* **One file** (``convert_file``): the row groups are uploaded to a temporary object beside the
  output, ``.<name>.<host>.<pid>.<random>.mwprop-batch.tmp``; only when it is complete is it
  copied to the output's name (on S3 one server-side copy: the object appears whole or not at
  all) and the temporary object removed. A Parquet file's footer is written last, so even a
  store whose copy could be seen half-done never shows a readable partial file.
* **A dataset** (``mwprop_batch.dask.convert_dataset``): the parts are written under a temporary
  prefix beside the output, copied to ``<output>/part.<n>.parquet`` when all are written (under
  fresh names, ``part.<n>.<random>.parquet``, where those are taken by the output being
  replaced), and then the manifest :data:`~.remote.MANIFEST` (every part's name, size and rows)
  is written last, as one object (:func:`publish_dataset`): the commit point. A dataset is
  complete only with its manifest: our reader (:func:`~.remote.dataset_files`) reads exactly the
  files it lists, checks their sizes, and refuses a prefix holding parts this tool wrote but no
  manifest (:class:`~.remote.IncompleteOutputError`). Replacing a dataset (``overwrite``) leaves
  the old one whole and readable (its manifest and parts untouched) until the new manifest is
  written; only then are the old parts removed. A failure before that removes the new parts
  only.
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

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from secrets import token_hex
from typing import Any

import pyarrow as pa

from mwprop_batch.core.errors import CatalogueError, one_line
from mwprop_batch.core.publish import is_dead_temp, temp_name

from ..formats.output_formats import open_table_writer
from .atomic_tables import AllOrNothingWriter
from .object_store import Location, resolve
from .remote import MANIFEST, written_by_us


def manifest_bytes(parts: Iterable[tuple[str, int, int]], version: str) -> bytes:
    """A manifest: ``parts`` as (name, size in bytes, rows), in row order, their total, and the
    ``version`` of mwprop_batch that wrote them."""
    files = [{"name": name, "size": size, "rows": rows} for name, size, rows in parts]
    return json.dumps({
        "package": "mwprop_batch", "version": version,
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
    :func:`~mwprop_batch.core.publish.temp_name`)."""
    return location.parent.child(temp_name(location.name))


class RemoteTableWriter(AllOrNothingWriter):
    """Write a Parquet (or CSV, ``format``) object all or nothing (the design in this module's
    docstring).

    Same use as :class:`~.atomic_tables.AtomicTableWriter`. With ``staged`` False the
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
    staging: Location, target: Location, parts: list[tuple[str, int]], overwrite: bool,
    version: str,
) -> None:
    """Publish the complete parts ``(name, rows)`` from ``staging`` as the dataset ``target``
    (its manifest naming mwprop_batch's ``version``).

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
        fs.pipe_file(manifest.path, manifest_bytes(listed, version))
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
