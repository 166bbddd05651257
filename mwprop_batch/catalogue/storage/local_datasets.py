"""Publishing a directory of Parquet parts (a Dask run's local output) without losing the old.

The parts are written in a temporary directory beside the output
(:func:`~mwprop_batch.core.publish.new_temp_directory`). :func:`publish_directory` then
repeats the ownership check (:func:`check_dataset_output`) and swaps the new directory in
through the one publish path (:func:`~mwprop_batch.core.publish.swap_in_directory`: an existing
output set aside under a recognisable name, ``.<name>.<host>.<pid>.<random>.mwprop-batch.old``,
the new one renamed into place, the old one put back if that fails), and only then removes the
old parts: at every moment either the old output or the new one is whole at the output's path.
A file that is not ours found in the output before publishing stops the publication (the new
parts are thrown away, the output left as it was); one that lands in the instant between that
check and the rename is kept, with the old output set aside, and a warning names it. A process
killed between the two renames leaves the old output set aside: the next run to the same output
puts it back (:func:`recover_set_aside`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pyarrow.parquet as pq

from mwprop_batch.core.errors import CatalogueError
from mwprop_batch.core.publish import check_output, dead_set_asides, put_back, swap_in_directory

from ..formats.output_metadata import FILE_METADATA_KEY


def is_our_part(entry: Path) -> bool:
    """Whether ``entry`` is a Parquet part this tool wrote (a regular file with our metadata)."""
    if entry.is_symlink() or not entry.is_file() or entry.suffix != ".parquet":
        return False
    try:
        return FILE_METADATA_KEY in (pq.read_schema(entry).metadata or {})
    except (OSError, ValueError):
        return False


def check_dataset_output(target: Path, overwrite: bool) -> None:
    """Raise CatalogueError unless ``target`` is new or, with ``overwrite``, a real directory
    holding only Parquet parts this tool wrote (each with our file metadata)."""
    if not target.exists() and not target.is_symlink():
        check_output(target)
        return
    if target.is_symlink() or not target.is_dir():
        check_output(target, overwrite)  # names what is there
        raise CatalogueError(f"output {target} is a file; a Dask run writes a directory")
    if not overwrite:
        raise CatalogueError(f"output {target} exists; use --overwrite to replace it")
    for entry in sorted(target.iterdir()):
        if not is_our_part(entry):
            raise CatalogueError(
                f"output {target} holds {entry.name}, which mwprop-batch did not write; "
                "not replacing it"
            )


def publish_directory(staging: Path, target: Path, overwrite: bool) -> None:
    """Put the complete directory ``staging`` at ``target`` (see the module docstring).

    Raises CatalogueError if ``target`` may not be replaced (checked again here); any error or
    interrupt leaves ``target`` as it was.
    """
    check_dataset_output(target, overwrite)
    aside = swap_in_directory(staging, target)
    if aside is not None:
        remove_old_output(aside)


def remove_old_output(aside: Path) -> None:
    """Remove our parts from the set-aside directory ``aside``, then the directory; if
    anything else is in it, keep it and warn."""
    for entry in aside.iterdir():
        if is_our_part(entry):
            entry.unlink()
    try:
        aside.rmdir()
    except OSError:
        others = ", ".join(sorted(e.name for e in aside.iterdir()))
        warnings.warn(
            f"kept {aside}: it holds {others}, which appeared in the replaced output while "
            "it was being replaced", stacklevel=3,
        )


def recover_set_aside(target: Path) -> list[Path]:
    """Deal with what a process killed while replacing ``target`` (on this host) left: an old
    output set aside is put back where ``target`` is missing, removed (see
    :func:`remove_old_output`) where ``target`` is there. Returns the set-aside directories
    found."""
    found = dead_set_asides(target)
    for aside in found:
        if not put_back(aside, target):
            remove_old_output(aside)
    return found

