"""Writing outputs: never clobbered, published whole through one path, named by their format,
an old dataset kept until its successor is complete, a table cache that is never fatal, and
errors that name the user's path (never our temporary file)."""

import ast
import errno
import importlib
import importlib.util
import os
import pwd
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import serial_dask_run

from mwprop_batch.catalogue.storage.catalogue_readers import read_file_metadata
from mwprop_batch.cli import main
from mwprop_batch.core import publish, tablecache
from mwprop_batch.core.errors import CatalogueError
from mwprop_batch.families.ne import tables as ne_tables
from mwprop_batch.families.ne.params import load_parameters
from mwprop_batch.families.ne.tables import KernelTables, build_tables

needs_plot = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                reason="matplotlib not installed")
needs_healpix = pytest.mark.skipif(
    importlib.util.find_spec("astropy_healpix") is None
    or importlib.util.find_spec("astropy") is None, reason="astropy-healpix not installed")
needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="dask[distributed] not installed")
ENOSPC_FROM_ARROW = OSError(  # what pyarrow raises when the disk is full (seen on /dev/full)
    errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def source(tmp_path) -> Path:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"name": [f"P{k}" for k in range(40)], "GL": rng.uniform(0, 360, 40),
                          "GB": rng.uniform(-10, 10, 40), "DM": rng.uniform(5, 500, 40)})
    path = tmp_path / "in" / "cat.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=20)
    return path


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- 29: convert writes what the output's name says ----------------------------------------------

def test_convert_to_csv_writes_csv(capsys, source, tmp_path):
    code, _, err = run(capsys, "convert", source, tmp_path / "out.csv", "--quiet")
    assert code == 0, err
    assert run(capsys, "convert", source, tmp_path / "out.parquet", "--quiet")[0] == 0
    text = (tmp_path / "out.csv").read_text()
    assert text.startswith('"name","GL","GB","DM","NE2025_DIST"')
    expected = pd.read_parquet(tmp_path / "out.parquet")
    got = pd.read_csv(tmp_path / "out.csv")
    assert list(got.columns) == list(expected.columns)
    for name in expected.columns:  # floats written to round-trip: bit for bit
        if expected[name].dtype.kind == "f":
            assert np.array_equal(got[name].to_numpy(), expected[name].to_numpy(), equal_nan=True)
        else:
            assert got[name].astype(str).tolist() == expected[name].astype(str).tolist()
    assert temporaries(tmp_path) == []


def test_convert_refuses_a_directory_name_or_an_unknown_suffix(capsys, source, tmp_path):
    code, _, err = run(capsys, "convert", source, f"{tmp_path / 'newdir'}/", "--quiet")
    assert code == 2 and f"output {tmp_path / 'newdir'}/ ends in '/', a directory" in err
    code, _, err = run(capsys, "convert", source, tmp_path / "out.txt", "--quiet")
    assert code == 2 and "end it in .parquet (or .pq) for Parquet or .csv for CSV" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # nothing written
    assert run(capsys, "convert", source, tmp_path / "out.PQ", "--quiet")[0] == 0
    assert pq.read_table(tmp_path / "out.PQ").num_rows == 40


@needs_dask
def test_a_dataset_is_never_named_as_csv(capsys, source, tmp_path):
    code, _, err = run(capsys, "convert", source, tmp_path / "out.csv", "--scheduler", "local")
    assert code == 2 and "a directory of Parquet parts" in err and "out.csv" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_no_writer_bypasses_the_one_publish_path():
    """Renames, fsyncs and temporary files belong to core/publish.py: any other writer must go
    through it (AtomicFile, swap_in_directory)."""
    package = Path(__file__).resolve().parents[1] / "mwprop_batch"
    allowed = {"core/publish.py"}
    pattern = re.compile(r"os\.replace\(|os\.rename\(|\.rename\(|mkstemp\(|\.partial|"
                         r"os\.fsync\(|shutil\.move\(|os\.link\(|\.replace\(temp")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py")) if str(path.relative_to(package)) not in allowed
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line.split("#")[0])
    ]
    assert offenders == []


# calls that write a local file; each must be inside a ``with AtomicFile(...)`` block
WRITE_CALLS = {"write_text", "write_bytes", "savefig", "writeto", "to_parquet", "to_csv",
               "write_table", "write_dataset", "savez", "savez_compressed", "ParquetWriter",
               "CSVWriter", "touch"}
WRITE_FUNCTIONS = {("shutil", "copyfile"), ("shutil", "copy"), ("shutil", "copy2"),
                   ("shutil", "copyfileobj"), ("np", "save"), ("numpy", "save")}
# modules that write without AtomicFile, each for its reason
NOT_LOCAL_OUTPUTS = {
    "catalogue/formats/output_formats.py",  # opens a writer on a sink given to it: the
    # temporary file of AtomicFile.open (atomic_tables) or an object-store stream
    "catalogue/formats/catalogue_files.py",  # copies an input pipe to a temporary input file
    "catalogue/storage/remote_writes.py",  # the object store: no rename, its own commit order
    "core/publish.py",  # the publish path itself
}


def _writes_outside_atomic_file(tree: ast.AST) -> list[int]:
    """Lines of file-writing calls that are not inside a ``with AtomicFile(...)`` block."""
    def is_atomic(item: ast.withitem) -> bool:
        call = item.context_expr
        return isinstance(call, ast.Call) and getattr(call.func, "id", getattr(
            call.func, "attr", None)) == "AtomicFile"

    def writes(call: ast.Call) -> bool:
        name = getattr(call.func, "attr", getattr(call.func, "id", None))
        if name == "open" and isinstance(call.func, ast.Name):
            modes = [a for a in call.args[1:2] + [k.value for k in call.keywords
                                                   if k.arg == "mode"]]
            return any(isinstance(m, ast.Constant) and set(str(m.value)) & set("wax+")
                       for m in modes)
        module = getattr(getattr(call.func, "value", None), "id", None)
        return name in WRITE_CALLS or (module, name) in WRITE_FUNCTIONS

    found: list[int] = []

    def visit(node: ast.AST, inside: bool) -> None:
        if isinstance(node, ast.With | ast.AsyncWith):
            inside = inside or any(is_atomic(item) for item in node.items)
        if isinstance(node, ast.Call) and writes(node) and not inside:
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def test_every_local_file_is_written_inside_the_one_publish_path():
    package = Path(__file__).resolve().parents[1] / "mwprop_batch"
    offenders = [
        f"{path.relative_to(package)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if str(path.relative_to(package)) not in NOT_LOCAL_OUTPUTS
        for line in _writes_outside_atomic_file(ast.parse(path.read_text()))
    ]
    assert offenders == []


def test_the_write_scan_sees_a_write_that_bypasses_atomic_file():
    bypass = ast.parse("def f(p, t):\n    p.write_text(t)\n    open(p, 'wb')\n"
                       "    shutil.copyfile(t, p)\n    open(p).read()\n    t = t.copy()\n"
                       "    with AtomicFile(p) as temp:\n        temp.write_text(t)\n")
    assert _writes_outside_atomic_file(bypass) == [2, 3, 4]


# --- 29: messages name the user's path -----------------------------------------------------------

def test_a_full_disk_names_the_output(capsys, source, tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise ENOSPC_FROM_ARROW

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", full)
    target = tmp_path / "out.parquet"
    code, _, err = run(capsys, "convert", source, target, "--quiet")
    assert code == 2
    assert err.startswith(f"mwprop-batch convert: error: cannot write {target}: ")
    assert "No space left on device" in err
    assert not target.exists() and temporaries(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux /proc")
def test_an_unwritable_place_names_the_output_not_our_temporary(capsys, source):
    for target in ("/proc/version", "/proc/new.parquet"):
        code, _, err = run(capsys, "convert", source, target, "--overwrite", "--quiet")
        assert code == 2 and (f"output {target}" in err or f"cannot write {target}:" in err)
        for words in ("mwprop-batch.tmp", ".partial", "/proc/.version", "/proc/.new"):
            assert words not in err, err


@needs_healpix
@pytest.mark.skipif(not Path("/proc/version").is_file(), reason="needs Linux /proc")
def test_skymap_overwrite_of_proc_names_the_target(capsys):
    code, _, err = run(capsys, "skymap", "--nside", "1", "--fits", "/proc/version",
                       "--overwrite")
    assert code == 2 and "cannot write /proc/version" in err
    assert ".partial" not in err and "mwprop-batch.tmp" not in err


def test_atomic_file_errors_never_show_the_temporary_name(tmp_path, monkeypatch):
    real = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".mwprop-batch.tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(publish.os, "open", refuse)
    with pytest.raises(CatalogueError) as caught, publish.AtomicFile(tmp_path / "a.png"):
        pass
    assert str(caught.value) == (f"cannot write {tmp_path / 'a.png'}: cannot create a file in "
                                 f"{tmp_path}: [Errno 13] Permission denied")


# --- 29: never clobber: every command that writes refuses an existing file -----------------------

def refuses_then_replaces(capsys, argv, existing: Path, *, replaced: bool = True):
    """``argv`` exits 2 naming ``existing`` (untouched), then with --overwrite replaces it."""
    existing.write_bytes(b"precious")
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert f"output {existing} exists; use --overwrite to replace it" in err
    assert existing.read_bytes() == b"precious"
    code, _, err = run(capsys, *argv, "--overwrite")
    assert code == 0, err
    assert (existing.read_bytes() != b"precious") == replaced
    assert temporaries(existing.parent) == []


@needs_healpix
@needs_plot
@pytest.mark.parametrize("option", ["png", "--parquet", "--fits"])
def test_skymap_never_clobbers(capsys, tmp_path, option):
    target = tmp_path / {"png": "s.png", "--parquet": "s.parquet", "--fits": "s.fits"}[option]
    argv = ["skymap", "--nside", "1"] + ([target] if option == "png" else [option, target])
    refuses_then_replaces(capsys, argv, target)


@needs_plot
def test_plot_los_and_faceon_never_clobber(capsys, tmp_path):
    target = tmp_path / "los.png"
    refuses_then_replaces(capsys, ["plot-los", "30", "2", "100", "1", target], target)
    target = tmp_path / "face.png"
    refuses_then_replaces(capsys, ["faceon", target, "--resolution", "10"], target)


@needs_plot
def test_validate_never_clobbers(capsys, tmp_path):
    from mwprop_batch.validation.report import FIGURE_NAME, REPORT_NAME

    (tmp_path / FIGURE_NAME).write_bytes(b"precious figure")
    argv = ["validate", "--out", tmp_path, "--no-atnf", "--model", "ne2001"]
    refuses_then_replaces(capsys, argv, tmp_path / REPORT_NAME)
    assert (tmp_path / FIGURE_NAME).read_bytes()[:4] == b"\x89PNG"


def test_demo_never_clobbers(capsys, tmp_path):
    from mwprop_batch.demo import CATALOGUE_NAME, CONVERTED_NAME

    argv = ["demo", "--rows", "30", "--out", tmp_path, "--quiet"]
    refuses_then_replaces(capsys, argv, tmp_path / CONVERTED_NAME)
    assert pq.read_table(tmp_path / CATALOGUE_NAME).num_rows == 30


@needs_healpix
@needs_plot
def test_every_command_publishes_through_the_one_atomic_path(capsys, tmp_path, monkeypatch):
    """Each file a command writes is committed by AtomicFile (temp, fsync, check, rename)."""
    committed, real_commit = [], publish.AtomicFile.commit

    def spy(self):
        committed.append(self.path)
        real_commit(self)

    monkeypatch.setattr(publish.AtomicFile, "commit", spy)
    commands = [
        (["skymap", "--nside", "1", tmp_path / "s.png", "--parquet", tmp_path / "s.parquet",
          "--fits", tmp_path / "s.fits"], ["s.png", "s.parquet", "s.fits"]),
        (["plot-los", "30", "2", "100", "1", tmp_path / "l.png"], ["l.png"]),
        (["faceon", tmp_path / "f.png", "--resolution", "10"], ["f.png"]),
        (["convert", tmp_path / "s.parquet", tmp_path / "c.csv", "--quiet", "--dm-col", "value",
          "--l-col", "l", "--b-col", "b"], ["c.csv"]),
        (["validate", "--out", tmp_path / "v", "--no-atnf", "--model", "ne2001"],
         ["v/validation.md", "v/validation.png"]),
        (["demo", "--rows", "20", "--out", tmp_path / "d", "--quiet"],
         ["d/synthetic_catalogue.parquet", "d/synthetic_catalogue_distances.parquet"]),
    ]
    for argv, written in commands:
        committed.clear()
        code, _, err = run(capsys, *argv)
        assert code == 0, err
        assert sorted(committed) == sorted(tmp_path / name for name in written), argv


# --- 28.9: a dataset replaced with --overwrite stays whole until the new one is complete ---------

def dataset_rows(folder: Path) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in sorted(folder.iterdir())])


@needs_dask
def test_a_file_put_in_the_dataset_during_the_run_is_never_deleted(source, tmp_path,
                                                                   monkeypatch):
    dask_module = importlib.import_module("mwprop_batch.dask")
    target = tmp_path / "out"
    monkeypatch.setattr(dask_module, "_run", serial_dask_run)
    dask_module.convert_dataset(source, target, models="ne2001")
    old = dataset_rows(target)

    def run_while_someone_writes(*args):
        rows = serial_dask_run(*args)
        (target / "notes.txt").write_text("mine")  # put there while the new parts were made
        return rows

    monkeypatch.setattr(dask_module, "_run", run_while_someone_writes)
    with pytest.raises(CatalogueError, match="holds notes.txt, which mwprop-batch did not"):
        dask_module.convert_dataset(source, target, models="ne2025", overwrite=True)
    assert (target / "notes.txt").read_text() == "mine"
    (target / "notes.txt").unlink()
    assert dataset_rows(target).equals(old)  # the old output, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # no staging left


@needs_dask
def test_an_interrupt_between_the_renames_keeps_the_old_dataset(source, tmp_path, monkeypatch):
    dask_module = importlib.import_module("mwprop_batch.dask")
    target = tmp_path / "out"
    monkeypatch.setattr(dask_module, "_run", serial_dask_run)
    dask_module.convert_dataset(source, target, models="ne2001")
    old = dataset_rows(target)
    real_rename, renames = os.rename, []

    def interrupted(src, dst, *args, **kwargs):
        renames.append((Path(src).name, Path(dst).name))
        if Path(src).name.endswith(".mwprop-batch.tmp"):  # the new directory moving in
            raise KeyboardInterrupt
        return real_rename(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr(os, "rename", interrupted)
        dask_module.convert_dataset(source, target, models="ne2025", overwrite=True)
    assert any(src.endswith(".mwprop-batch.tmp") for src, _ in renames)
    assert dataset_rows(target).equals(old)
    assert read_file_metadata(next(target.iterdir()))["models"] == ["ne2001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    # and an overwrite that completes replaces it, leaving nothing aside
    dask_module.convert_dataset(source, target, models="ne2025", overwrite=True)
    assert read_file_metadata(next(target.iterdir()))["models"] == ["ne2025"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


@needs_dask
def test_an_old_dataset_set_aside_by_a_killed_run_is_put_back(source, tmp_path, monkeypatch):
    from mwprop_batch.catalogue.storage.local_datasets import recover_set_aside

    dask_module = importlib.import_module("mwprop_batch.dask")
    target = tmp_path / "out"
    monkeypatch.setattr(dask_module, "_run", serial_dask_run)
    dask_module.convert_dataset(source, target, models="ne2001")
    old = dataset_rows(target)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    host = socket.gethostname().replace(".", "_")
    aside = tmp_path / f".out.{host}.{int(dead.stdout)}.abcd1234.mwprop-batch.old"
    target.rename(aside)  # killed between setting the old aside and moving the new in
    with pytest.raises(CatalogueError, match="exists; use --overwrite"):
        dask_module.convert_dataset(source, target, models="ne2025")
    assert dataset_rows(target).equals(old) and not aside.exists()
    target.rename(aside)  # killed after the new one moved in: the old one is removed
    target.mkdir()
    assert recover_set_aside(target) == [aside] and not aside.exists()


# --- 28.10: the table cache is never fatal -------------------------------------------------------

def same_tables(a, b) -> None:
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b, strict=True))


def test_an_empty_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    parameters = load_parameters("ne2001")
    path = tmp_path / f"ne2001-{ne_tables.table_key(parameters)}.npz"
    path.write_bytes(b"")  # what a crash after rename without fsync leaves
    same_tables(ne_tables.load_tables(parameters), build_tables(parameters))
    assert path.stat().st_size > 1_000_000  # replaced by a whole file
    with np.load(path) as stored:
        assert sorted(stored.files) == sorted(KernelTables._fields)


def test_stale_cache_temporaries_are_removed_and_fresh_ones_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    stale, fresh = tmp_path / "tmpk2x9_a1.tmp", tmp_path / "tmpq7w3_b2.tmp"
    stale.write_bytes(b"an interrupted save")
    fresh.write_bytes(b"another process is writing this")
    hours_ago = time.time() - 2 * tablecache.STALE_TEMP_SECONDS
    os.utime(stale, (hours_ago, hours_ago))
    ne_tables.load_tables(load_parameters("ne2001"))
    assert not stale.exists() and fresh.exists()


def test_cache_writes_are_fsynced_through_the_one_publish_path(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    synced, real = [], publish.fsync_path

    def spy(path):
        synced.append(Path(path))
        real(path)

    monkeypatch.setattr(publish, "fsync_path", spy)
    ne_tables.load_tables(load_parameters("ne2001"))
    (path,) = tmp_path.glob("ne2001-*.npz")
    assert synced[-1] == tmp_path and synced[0].name.endswith(".mwprop-batch.tmp")
    assert synced[0].name.startswith(f".{path.name}.")


def test_no_home_directory_means_no_cache_not_an_error(monkeypatch):
    for name in (tablecache.ENV_DIR, "NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)  # a uid without a passwd entry
    assert tablecache.cache_dir() is None
    parameters = load_parameters("ne2001")
    same_tables(ne_tables.load_tables(parameters), build_tables(parameters))
