"""Scale-out on Dask: the same conversion, partition by partition, on any Dask cluster.

Requires the optional extra ``pip install "mwprop_batch[dask]"``; the rest of the package
never imports Dask. Each partition goes through exactly the function the single-process
conversion uses (:func:`mwprop_batch.convert.convert`), so results are bit-identical whatever
the partitioning and the number of workers. A task carries only the model names; each worker
process builds each model once and reuses it for all its partitions.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import dask.dataframe as dd
import pandas as pd
import pyarrow.parquet as pq

from .convert import convert as convert_frame
from .convert import load_model


def _convert_partition(partition: pd.DataFrame, names: tuple[str, ...], options: dict):
    models = [load_model(name) for name in names]  # built once per worker process
    return convert_frame(partition, models=models, **options)


def convert(
    ddf: dd.DataFrame, models: str | tuple[str, ...] = ("ne2025",), **options
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


def convert_dataset(
    source: str | Path, target: str | Path, models: str | tuple[str, ...] = ("ne2025",),
    scheduler: str = "local", workers: int = 2, progress: bool = False,
    overwrite: bool = False, **options,
) -> int:
    """Convert a Parquet dataset on a Dask cluster into a Parquet dataset; return its rows.

    ``scheduler`` is "local" (a ``LocalCluster`` of ``workers`` single-threaded processes)
    or the address of an existing scheduler (``tcp://host:port``). Each input file or row
    group is a partition; ``target`` becomes a directory of ``part.*.parquet`` files in
    order. It is written aside and renamed into place when complete (the workers must see
    the same file system, as for any Dask Parquet output).
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise FileExistsError(f"output {target} exists; use --overwrite to replace it")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    from dask.distributed import Client, LocalCluster
    from dask.distributed import progress as show_progress

    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        out = convert(dd.read_parquet(str(source)), models, **options)
        try:
            job = out.to_parquet(str(staging), write_index=False, compute=False)
            future = client.compute(job)
            if progress:
                show_progress(future)
            future.result()
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return int(pq.ParquetDataset(str(target)).read(columns=[]).num_rows)
