"""Scale-out on Dask: the same conversion, partition by partition, on any Dask cluster.

Requires the optional extra ``pip install "mwprop_batch[dask]"``; the rest of the package
never imports Dask. Each partition goes through exactly the function the single-process
conversion uses (:func:`mwprop_batch.convert.convert` for DataFrames; for files, the
functions of :func:`mwprop_batch.convert.convert_file`, so that a dataset written on Dask has
the single-process schema, metadata and values), so results are bit-identical whatever the
partitioning and the number of workers. A task carries only the model names; each worker
process builds each model once and reuses it for all its partitions. Input and output may be
URLs on object storage (``s3://...``; extra ``cloud``), published as
:mod:`mwprop_batch.catalogue.storage.remote_writes` describes, so a cluster needs no shared
POSIX file system.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numba
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .catalogue.formats.output_formats import check_dataset_name
from .catalogue.storage.local_datasets import (
    check_dataset_output,
    publish_directory,
    recover_set_aside,
)
from .catalogue.storage.locations import local_path, remote_url
from .column_choice import ColumnOverrides, Columns
from .conversion_settings import Settings, load_model
from .convert import convert as convert_frame
from .core.parallel import kernel_threads
from .core.publish import new_temp_directory
from .core.status import OK
from .core.version import VERSION
from .file_conversion import Plan, plan_conversion, table_writer, with_results
from .registry import DEFAULT_MODEL
from .result_columns import STATUS, compute, converted_before, earlier_status


def worker_threads() -> int | None:
    """Inside a task on a Dask worker, the worker's thread count (at most
    ``NUMBA_NUM_THREADS``): the task's kernels use that many threads, so a worker of one
    thread per core runs one kernel thread per core, not every core's worth per task.
    None elsewhere (a local scheduler, or no ``distributed``)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # ValueError: not inside a worker's task
        return None
    return min(worker.state.nthreads, numba.config.NUMBA_NUM_THREADS)


def _convert_partition(partition: pd.DataFrame, names: tuple[str, ...], options: dict):
    models = [load_model(name) for name in names]  # built once per worker process
    with kernel_threads(worker_threads()):  # a ``threads`` in options wins, inside
        return convert_frame(partition, models=models, **options)


def convert(
    ddf: dd.DataFrame, models: str | tuple[str, ...] = (DEFAULT_MODEL,), **options
) -> dd.DataFrame:
    """A lazy ``dask.dataframe`` with each model's results added to every partition.

    Same arguments as :func:`mwprop_batch.convert.convert` (``to``, ``scattering``,
    ``freq_ghz``, ``velocity_kms``, ``columns``, ``strict``); the output columns and their
    order are those of the single-process conversion.
    """
    names = tuple(m.strip().lower() for m in (models.split(",") if isinstance(models, str)
                                               else models) if m.strip())
    meta = _convert_partition(ddf._meta, names, options)
    return ddf.map_partitions(_convert_partition, names, options, meta=meta)


@dataclass(frozen=True)
class Piece:
    """One task: row group ``row_group`` of file ``path``, rows from ``first_row`` on."""

    path: str
    row_group: int
    first_row: int
    rows: int


def pieces(files: list[str], filesystem: Any = None) -> list[Piece]:
    """One piece per row group of each file (paths in ``filesystem``, None: local), in the
    files' order (their rows' order)."""
    out, first = [], 0
    for path in files:
        metadata = pq.ParquetFile(path, filesystem=filesystem).metadata
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            if rows:
                out.append(Piece(path, group, first, rows))
                first += rows
    return out


def _convert_piece(
    piece: Piece, part: Path | str, schema: pa.Schema, input_schema: pa.Schema,
    names: tuple[str, ...], columns: Columns, options: dict, filesystem: Any = None,
    storage_options: Mapping[str, Any] | None = None,
    partition: Mapping[str, Any] | None = None,
) -> tuple[int, dict[str, int]]:
    """Convert one piece (of a file in ``filesystem``) into the Parquet file or object ``part``
    (exactly as the single process does); return its rows and its bad rows by reason.
    ``partition``: the file's Hive partition values (``{key: value}``), its columns."""
    settings = Settings.create([load_model(name) for name in names], **options)
    table = pq.ParquetFile(piece.path, filesystem=filesystem).read_row_group(piece.row_group)
    partition = partition or {}
    arrays = [
        table.column(f.name).cast(f.type) if f.name in table.column_names
        else pa.array([partition[f.name]] * table.num_rows, f.type) if f.name in partition
        else pa.nulls(table.num_rows, f.type) for f in input_schema
    ]  # as the single-process reader gives it: the dataset's union schema, partition keys
    batch = pa.table(arrays, schema=input_schema).combine_chunks().to_batches()[0]
    earlier = earlier_status(batch) if converted_before(input_schema.names) else None
    with kernel_threads(worker_threads()):
        computed = compute(batch.select(columns.names).to_pandas(), columns, settings,
                           piece.first_row, earlier=earlier)
    with table_writer(part, schema, storage_options=storage_options, staged=False) as writer:
        writer.write(with_results(batch, computed, schema))
    bad = computed[STATUS][computed[STATUS] != OK].value_counts()
    return batch.num_rows, {str(k): int(v) for k, v in bad.items()}


def convert_dataset(
    source: str | Path, target: str | Path, models: str | tuple[str, ...] = (DEFAULT_MODEL,),
    scheduler: str = "local", workers: int = 2, progress: bool = False,
    overwrite: bool = False, columns: ColumnOverrides | None = None, command: str | None = None,
    storage_options: Mapping[str, Any] | None = None, **options,
) -> int:
    """Convert a Parquet file or dataset on a Dask cluster into a Parquet dataset; return its
    rows.

    ``scheduler`` is "local" (a ``LocalCluster`` of ``workers`` single-threaded processes)
    or the address of an existing scheduler (``tcp://host:port``). Each row group of each
    input file is a task; ``target`` becomes a directory of ``part.<n>.parquet`` files in row
    order, each with exactly the schema and metadata of the single-process output
    (:func:`mwprop_batch.convert.convert_file`) and its values, byte for byte. It is written
    aside and renamed into place when complete; an existing ``target`` is replaced (with
    ``overwrite``) only if it is a dataset this tool wrote, checked again just before, and
    stays whole until the new one is in place
    (:mod:`mwprop_batch.catalogue.storage.local_datasets`). The
    workers must see the same file system. ``options`` are ``to``, ``scattering``,
    ``freq_ghz``, ``velocity_kms``, ``strict``.

    ``source`` and ``target`` may be URLs (``s3://bucket/prefix``; ``storage_options`` as in
    :func:`~mwprop_batch.convert.convert_file`): the workers read and write the store
    themselves, and a URL ``target`` is complete only once its manifest is written (see
    :mod:`mwprop_batch.catalogue.storage.remote_writes`).
    """
    target_url, target_options = remote_url(target), None
    check_dataset_name(target)
    if target_url is None:
        target = Path(local_path(target))
        recover_set_aside(target)  # what a run killed while replacing it left
        check_dataset_output(target, overwrite)
    else:
        from .catalogue.storage.object_store import resolve, resolved_options
        from .catalogue.storage.remote_writes import check_remote_output

        target_options = resolved_options(target_url, storage_options)  # sent to the workers
        target_location = resolve(target_url, target_options)
        check_remote_output(target_location, overwrite, dataset=True)
    names = tuple(m.strip().lower() for m in (models.split(",") if isinstance(models, str)
                                               else models) if m.strip())
    settings = Settings.create(names, **options)
    plan = plan_conversion(source, target_url or target, settings, columns, "parquet", command,
                           storage_options)
    filesystem = plan.catalogue.filesystem
    work = pieces(list(plan.catalogue.files), filesystem)
    if target_url is None:
        staging = new_temp_directory(target)
        part_names = [str(staging / f"part.{k:06d}.parquet") for k in range(len(work))]
    else:
        from .catalogue.storage.remote_writes import remove_dead_temps, temp_location

        remove_dead_temps(target_location)
        staging_location = temp_location(target_location)
        part_names = [staging_location.child(f"part.{k:06d}.parquet").url
                      for k in range(len(work))]
    try:
        rows_per_part = _run(work, part_names, plan, names, options, scheduler, workers,
                             progress, filesystem, target_options)
        if target_url is None:
            publish_directory(staging, target, overwrite)
        else:
            from .catalogue.storage.remote_writes import publish_dataset

            parts = [(Path(name).name, rows) for name, rows in zip(part_names, rows_per_part,
                                                                   strict=True)]
            publish_dataset(staging_location, target_location, parts, overwrite, VERSION)
    finally:
        if target_url is None:
            shutil.rmtree(staging, ignore_errors=True)
        else:
            _remove_quietly(staging_location)
    return sum(rows_per_part)


def _run(
    work: list[Piece], part_names: list[str], plan: Plan, names: tuple[str, ...], options: dict,
    scheduler: str, workers: int, progress: bool, filesystem: Any,
    storage_options: Mapping[str, Any] | None,
) -> list[int]:
    """Convert every piece into its part on the cluster; return the rows of each part."""
    from dask.distributed import Client, LocalCluster
    from dask.distributed import progress as show_progress

    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            with _sigint_ignored():  # Ctrl-C is for this process: it stops the workers
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=":0", silence_logs=logging.CRITICAL,
                ))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        futures = [
            client.submit(
                _convert_piece, piece, part, plan.schema, plan.catalogue.schema, names,
                plan.columns, options, filesystem, storage_options,
                plan.catalogue.partitions.get(piece.path), pure=False,
            )
            for piece, part in zip(work, part_names, strict=True)
        ]
        try:
            if progress:
                show_progress(futures)
            while not all(f.done() for f in futures):  # Ctrl-C lands here, not in Dask
                time.sleep(0.1)
            return [n for n, _ in client.gather(futures)]
        except BaseException:
            client.cancel(futures)
            raise


def _remove_quietly(location) -> None:
    """Remove a temporary prefix; if that fails it keeps its recognisable name."""
    try:
        location.fs.rm(location.path, recursive=True)
    except OSError:
        pass


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored meanwhile, so that processes started now inherit that (a terminal's
    Ctrl-C reaches the whole process group; only this process should act on it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
