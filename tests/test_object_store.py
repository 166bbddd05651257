"""Catalogues on object storage: a real S3 API (moto's server) on 127.0.0.1, started here.

Every request goes to the loopback address; the credentials are fake. What is shown: a file
and a dataset converted on S3 (one process and Dask) equal the local conversion; an existing
output is refused without --overwrite; a write that fails or is killed part-way leaves nothing
that reads as complete, and an output being replaced stays whole until its successor is.
"""

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import s3fs
from helpers import serial_dask_run
from moto.server import ThreadedMotoServer

from mwprop_batch.catalogue.formats.csv_files import CsvDialect
from mwprop_batch.catalogue.formats.parquet_datasets import SkippedFilesWarning
from mwprop_batch.catalogue.storage import remote
from mwprop_batch.catalogue.storage.catalogue_readers import open_catalogue, read_file_metadata
from mwprop_batch.catalogue.storage.remote import MANIFEST, IncompleteOutputError
from mwprop_batch.cli import main
from mwprop_batch.convert import convert_file
from mwprop_batch.core.errors import CatalogueError

convert_module = importlib.import_module("mwprop_batch.convert")
file_conversion = importlib.import_module("mwprop_batch.file_conversion")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    """moto's S3 server on a free port of 127.0.0.1, for this module's tests."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(endpoint, monkeypatch, tmp_path):
    """A new bucket; the environment points S3 clients (ours, Dask workers') at the server."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    fs = s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True,
                           use_listings_cache=False)
    bucket = f"cat-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    fs.bucket = bucket
    return fs


def catalogue(n: int, seed: int) -> pd.DataFrame:
    """Positions, DMs (some bad), and columns of other types that must pass through."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "name": [f"PSR {seed}-{k}" for k in range(n)],
        "GL": rng.uniform(0, 360, n), "GB": rng.uniform(-10, 10, n),
        "DM": rng.uniform(5, 900, n),
        "when": pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC"),
        "flag": pd.array([None if k % 5 else k for k in range(n)], dtype="Int64"),
    })
    frame.loc[::97, "DM"] = -1.0
    return frame


def write_parquet(frame: pd.DataFrame, where, fs=None, row_group_size: int = 150) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**table.schema.metadata, b"survey": b"test"})
    pq.write_table(table, where, filesystem=fs, row_group_size=row_group_size)


def assert_same_output(got: pa.Table, expected: pa.Table) -> None:
    """Same columns, types, field and file metadata (but for when, how and from where the run
    was started) and values, floats bit for bit."""
    assert got.schema.names == expected.schema.names
    assert got.schema.types == expected.schema.types
    assert [f.metadata for f in got.schema] == [f.metadata for f in expected.schema]
    ours, theirs = dict(got.schema.metadata), dict(expected.schema.metadata)
    a, b = json.loads(ours.pop(b"mwprop_batch")), json.loads(theirs.pop(b"mwprop_batch"))
    for key in ("created", "command", "input"):
        a.pop(key), b.pop(key)
    assert ours == theirs and a == b
    assert got.num_rows == expected.num_rows
    for name in expected.column_names:
        x, y = got.column(name).combine_chunks(), expected.column(name).combine_chunks()
        assert x.is_null().equals(y.is_null()), name
        if pa.types.is_floating(x.type):
            bits = [c.fill_null(0.0).to_numpy().view(np.uint64) for c in (x, y)]
            assert np.array_equal(*bits), name
        else:
            assert x.equals(y), name


def read_s3(fs, key: str) -> pa.Table:
    return pq.read_table(f"{fs.bucket}/{key}", filesystem=fs)


def keys(fs) -> list[str]:
    fs.invalidate_cache()
    return sorted(p[len(fs.bucket) + 1:] for p in fs.find(fs.bucket))


def test_file_round_trip_equals_local(s3, tmp_path):
    frame = catalogue(1000, 1)
    local_in, local_out = tmp_path / "cat.parquet", tmp_path / "out.parquet"
    write_parquet(frame, local_in)
    s3.put(str(local_in), f"{s3.bucket}/in/cat.parquet")
    options = dict(models="ne2001,ne2025", scattering=True, batch_rows=300)
    convert_file(local_in, local_out, **options)
    summary = convert_file(f"s3://{s3.bucket}/in/cat.parquet",
                           f"s3://{s3.bucket}/out/cat.parquet", **options)
    assert summary.rows == 1000 and summary.output == f"s3://{s3.bucket}/out/cat.parquet"
    got = read_s3(s3, "out/cat.parquet")
    assert_same_output(got, pq.read_table(local_out))
    assert got.schema.metadata[b"survey"] == b"test"  # the input's file metadata passed through
    assert pq.ParquetFile(s3.open(f"{s3.bucket}/out/cat.parquet")).num_row_groups == 4
    assert keys(s3) == ["in/cat.parquet", "out/cat.parquet"]  # no temporary object left
    metadata = read_file_metadata(f"s3://{s3.bucket}/out/cat.parquet")
    assert metadata["input"] == f"s3://{s3.bucket}/in/cat.parquet"


def test_csv_and_local_to_s3_and_back(s3, tmp_path):
    frame = catalogue(500, 2)[["name", "GL", "GB", "DM"]]
    frame.to_csv(tmp_path / "cat.csv.gz", index=False)
    s3.put(str(tmp_path / "cat.csv.gz"), f"{s3.bucket}/cat.csv.gz")
    convert_file(tmp_path / "cat.csv.gz", tmp_path / "local.parquet")
    convert_file(f"s3://{s3.bucket}/cat.csv.gz", tmp_path / "from_s3.parquet")
    convert_file(tmp_path / "cat.csv.gz", f"s3://{s3.bucket}/to_s3.parquet")
    expected = pq.read_table(tmp_path / "local.parquet")
    assert_same_output(pq.read_table(tmp_path / "from_s3.parquet"), expected)
    assert_same_output(read_s3(s3, "to_s3.parquet"), expected)


def test_any_fsspec_url_memory(tmp_path):
    frame = catalogue(300, 3)
    write_parquet(frame, tmp_path / "cat.parquet")
    convert_file(tmp_path / "cat.parquet", tmp_path / "local.parquet")
    target = f"memory://mwprop-test-{uuid.uuid4().hex}/out.parquet"
    convert_file(tmp_path / "cat.parquet", target)
    import fsspec

    fs, path = fsspec.core.url_to_fs(target)
    expected = pq.read_table(tmp_path / "local.parquet")
    assert_same_output(pq.read_table(path, filesystem=fs), expected)
    assert fs.ls(fs._parent(path), detail=False) == [path]
    fs.rm(fs._parent(path), recursive=True)


def test_dataset_round_trip_single_process(s3, tmp_path):
    parts = [catalogue(400, seed) for seed in range(3)]
    (tmp_path / "in").mkdir()
    for k, part in enumerate(parts):
        write_parquet(part, tmp_path / "in" / f"p{k}.parquet")
        write_parquet(part, f"{s3.bucket}/in/p{k}.parquet", s3)
    s3.pipe_file(f"{s3.bucket}/in/_ignored.json", b"{}")  # skipped, as locally
    convert_file(tmp_path / "in", tmp_path / "out.parquet", models="ne2025")
    convert_file(f"s3://{s3.bucket}/in/", f"s3://{s3.bucket}/out.parquet", models="ne2025")
    assert_same_output(read_s3(s3, "out.parquet"), pq.read_table(tmp_path / "out.parquet"))


def test_dask_dataset_round_trip_through_the_cli(s3, tmp_path):
    parts = [catalogue(400, seed) for seed in range(3)]
    (tmp_path / "in").mkdir()
    for k, part in enumerate(parts):
        write_parquet(part, tmp_path / "in" / f"p{k}.parquet")
        write_parquet(part, f"{s3.bucket}/in/p{k}.parquet", s3)
    single = tmp_path / "single.parquet"
    assert main(["convert", str(tmp_path / "in"), str(single), "--model", "ne2001,ne2025",
                 "--quiet"]) == 0
    target = f"s3://{s3.bucket}/dask"
    assert main(["convert", f"s3://{s3.bucket}/in", target, "--model", "ne2001,ne2025",
                 "--scheduler", "local", "--workers", "2", "--quiet"]) == 0
    names = [f"part.{k:06d}.parquet" for k in range(9)]  # one per row group
    assert [k for k in keys(s3) if k.startswith("dask/")] == [f"dask/{MANIFEST}"] + [
        f"dask/{n}" for n in names]
    assert not [k for k in keys(s3) if "tmp" in k]
    manifest = json.loads(s3.cat_file(f"{s3.bucket}/dask/{MANIFEST}"))
    assert [f["name"] for f in manifest["files"]] == names and manifest["rows"] == 1200
    assert [f["size"] for f in manifest["files"]] == [
        s3.size(f"{s3.bucket}/dask/{n}") for n in names]
    expected = pq.read_table(single)
    got = pa.concat_tables([read_s3(s3, f"dask/{n}") for n in names])
    assert_same_output(got, expected)
    # our reader takes the dataset back, as listed by its manifest
    back = open_catalogue(target)
    assert back.num_rows == 1200 and back.files == tuple(f"{s3.bucket}/dask/{n}" for n in names)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's Parquet reader
def test_dask_dataframe_from_s3_equals_one_process(s3):
    import dask.dataframe as dd

    from mwprop_batch.convert import convert
    from mwprop_batch.dask import convert as dask_convert

    frame = catalogue(600, 4)[["GL", "GB", "DM"]]
    for k in range(3):
        frame.iloc[200 * k: 200 * (k + 1)].to_parquet(
            f"s3://{s3.bucket}/frame/p{k}.parquet", index=False,
            storage_options={"endpoint_url": os.environ["AWS_ENDPOINT_URL_S3"]})
    ddf = dd.read_parquet(f"s3://{s3.bucket}/frame/",
                          storage_options={"endpoint_url": os.environ["AWS_ENDPOINT_URL_S3"]})
    out = dask_convert(ddf, models="ne2025").compute(scheduler="threads")
    pd.testing.assert_frame_equal(out.reset_index(drop=True), convert(frame, models="ne2025"))


def test_refuses_to_overwrite_without_the_flag(s3, tmp_path, capsys):
    write_parquet(catalogue(200, 5), f"{s3.bucket}/cat.parquet", s3)
    source, target = f"s3://{s3.bucket}/cat.parquet", f"s3://{s3.bucket}/out.parquet"
    assert main(["convert", source, target, "--quiet"]) == 0
    before = s3.info(f"{s3.bucket}/out.parquet")["ETag"]
    capsys.readouterr()
    assert main(["convert", source, target, "--quiet", "--model", "ne2001"]) == 2
    err = capsys.readouterr().err
    assert err == f"mwprop-batch convert: error: output {target} exists; use --overwrite to " \
                  "replace it\n"
    assert s3.info(f"{s3.bucket}/out.parquet")["ETag"] == before
    assert main(["convert", source, target, "--quiet", "--model", "ne2001", "--overwrite"]) == 0
    assert read_file_metadata(target)["models"] == ["ne2001"]
    # a dataset output: refused without --overwrite, and a prefix with foreign objects always
    from mwprop_batch.dask import convert_dataset

    s3.pipe_file(f"{s3.bucket}/mine/notes.txt", b"mine")
    with pytest.raises(CatalogueError, match="exists; use --overwrite"):
        convert_dataset(source, f"s3://{s3.bucket}/mine")
    with pytest.raises(CatalogueError, match="notes.txt, which mwprop-batch did not write"):
        convert_dataset(source, f"s3://{s3.bucket}/mine", overwrite=True)
    with pytest.raises(CatalogueError, match="is a file; a Dask run writes a prefix"):
        convert_dataset(source, target, overwrite=True)
    assert s3.cat_file(f"{s3.bucket}/mine/notes.txt") == b"mine"
    with pytest.raises(CatalogueError, match="not a bucket"):
        convert_dataset(source, f"s3://{s3.bucket}", overwrite=True)
    capsys.readouterr()
    assert main(["convert", source, f"s3://{s3.bucket}/", "--quiet", "--overwrite"]) == 2
    assert capsys.readouterr().err.endswith("(s3://bucket/key), not a bucket\n")
    assert s3.exists(f"{s3.bucket}/mine/notes.txt")


def test_a_failure_mid_upload_leaves_nothing(s3, monkeypatch):
    frame = catalogue(1000, 6)
    rng = np.random.default_rng(6)
    frame["blob"] = [rng.bytes(10_000).hex() for _ in range(1000)]  # 20 kB a row, incompressible
    write_parquet(frame, f"{s3.bucket}/cat.parquet", s3)
    real_compute, uploads = file_conversion.compute, []

    def failing(batch, *args, **kwargs):
        if len(uploads) == 2:  # 400 rows (8 MB) written: a multipart upload under way
            uploads.append(s3.list_multipart_uploads(s3.bucket))
            raise KeyboardInterrupt
        uploads.append(None)
        return real_compute(batch, *args, **kwargs)

    monkeypatch.setattr(file_conversion, "compute", failing)
    with pytest.raises(KeyboardInterrupt):
        convert_file(f"s3://{s3.bucket}/cat.parquet", f"s3://{s3.bucket}/out.parquet",
                     batch_rows=200, storage_options={"default_block_size": 5 * 2**20})
    pending = uploads[-1]
    assert len(pending) == 1 and pending[0]["Key"].startswith(".out.parquet.")
    assert pending[0]["Key"].endswith(".mwprop-batch.tmp")
    assert s3.list_multipart_uploads(s3.bucket) == []  # aborted, not completed
    assert keys(s3) == ["cat.parquet"]  # no output, no temporary object
    with pytest.raises(CatalogueError, match="no such file"):
        open_catalogue(f"s3://{s3.bucket}/out.parquet")


def read_dataset(url: str) -> pa.Table:
    """The rows of the dataset at ``url``, read as our reader reads them (its manifest)."""
    location = remote.resolve(url)
    return pa.concat_tables([pq.read_table(f, filesystem=location.fs)
                             for f in remote.dataset_files(location)])


def dataset_models(url: str) -> list[str]:
    """The models in the file metadata of the dataset's first part."""
    location = remote.resolve(url)
    first = remote.dataset_files(location)[0]
    return read_file_metadata(location.fs.unstrip_protocol(first))["models"]


@pytest.mark.parametrize("failing", ["copy", "manifest"])
def test_an_interrupted_dataset_overwrite_keeps_the_old_output(s3, monkeypatch, failing):
    """Until the new manifest is written the old dataset stays whole and readable; a failure
    before that removes only the new parts. Then the old parts go."""
    dask_module = importlib.import_module("mwprop_batch.dask")
    monkeypatch.setattr(dask_module, "_run", serial_dask_run)  # publishing is tested, not Dask
    for k in range(2):
        write_parquet(catalogue(300, k), f"{s3.bucket}/in/p{k}.parquet", s3)
    source, target = f"s3://{s3.bucket}/in", f"s3://{s3.bucket}/out"
    dask_module.convert_dataset(source, target, models="ne2001")
    complete, old = keys(s3), read_dataset(target)
    old_bytes = {k: s3.cat_file(f"{s3.bucket}/{k}") for k in complete if k.startswith("out/")}
    fs = remote.resolve(target).fs
    real_copy, real_pipe, copies = fs.copy, fs.pipe_file, []

    def failing_copy(path1, path2, *args, **kwargs):
        copies.append(path2)
        if failing == "copy" and len(copies) == 3:  # two new parts already copied
            raise ConnectionError("network gone")
        return real_copy(path1, path2, *args, **kwargs)

    def failing_pipe(path, *args, **kwargs):
        if path.endswith(MANIFEST):  # every new part copied, the commit fails
            raise ConnectionError("network gone")
        return real_pipe(path, *args, **kwargs)

    with monkeypatch.context() as patch, pytest.raises(ConnectionError):
        patch.setattr(fs, "copy", failing_copy)
        if failing == "manifest":
            patch.setattr(fs, "pipe_file", failing_pipe)
        dask_module.convert_dataset(source, target, models="ne2025", overwrite=True)
    assert len(copies) == (3 if failing == "copy" else 4)
    assert all(c.startswith(f"{s3.bucket}/out/part.") for c in copies)
    assert keys(s3) == complete  # the new parts removed, the old output untouched
    assert {k: s3.cat_file(f"{s3.bucket}/{k}") for k in old_bytes} == old_bytes
    assert read_dataset(target).num_rows == old.num_rows == 600
    assert dataset_models(target) == ["ne2001"]
    # the overwrite that completes: new parts under fresh names, then the old ones removed
    dask_module.convert_dataset(source, target, models="ne2025", overwrite=True)
    manifest = json.loads(s3.cat_file(f"{s3.bucket}/out/{MANIFEST}"))
    listed = [entry["name"] for entry in manifest["files"]]
    assert [k for k in keys(s3) if k.startswith("out/")] == sorted(
        [f"out/{MANIFEST}"] + [f"out/{n}" for n in listed])
    assert not set(listed) & {k[len("out/"):] for k in complete}
    assert dataset_models(target) == ["ne2025"]
    assert read_dataset(target).num_rows == old.num_rows
    # what an interruption before any manifest would leave: parts, no marker
    s3.rm(f"{s3.bucket}/out/{MANIFEST}")
    with pytest.raises(IncompleteOutputError, match=f"no {MANIFEST}"):
        open_catalogue(target)
    assert main(["convert", target, f"s3://{s3.bucket}/again.parquet", "--quiet"]) == 2
    # a part that does not match its manifest
    dask_module.convert_dataset(source, target, overwrite=True)
    listed = json.loads(s3.cat_file(f"{s3.bucket}/out/{MANIFEST}"))["files"]
    s3.pipe_file(f"{s3.bucket}/out/{listed[1]['name']}", b"truncated")
    with pytest.raises(IncompleteOutputError, match=f"{listed[1]['name']} is 9 bytes"):
        open_catalogue(target)


def test_csv_output_on_s3(s3, tmp_path):
    write_parquet(catalogue(50, 9)[["GL", "GB", "DM"]], tmp_path / "cat.parquet")
    convert_file(tmp_path / "cat.parquet", f"s3://{s3.bucket}/out.csv")
    convert_file(tmp_path / "cat.parquet", tmp_path / "out.csv")
    assert s3.cat_file(f"{s3.bucket}/out.csv") == (tmp_path / "out.csv").read_bytes()
    assert (tmp_path / "out.csv").read_text().startswith('"GL","GB","DM","NE2025_DIST"')
    assert keys(s3) == ["out.csv"]


@pytest.mark.reliability
def test_a_killed_conversion_leaves_only_a_recognisable_temporary(s3, tmp_path):
    write_parquet(catalogue(300_000, 7)[["GL", "GB", "DM"]], tmp_path / "big.parquet",
                  row_group_size=20_000)
    target = f"s3://{s3.bucket}/out.parquet"
    command = [sys.executable, "-c", "import sys; from mwprop_batch.cli import main; "
               "sys.exit(main())", "convert", str(tmp_path / "big.parquet"),
               target, "--quiet", "--model", "ne2001,ne2025", "--scattering",
               "--batch-rows", "5000"]
    process = subprocess.Popen(command, env=os.environ.copy(), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while not [k for k in keys(s3) if k.endswith(".mwprop-batch.tmp")]:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the write never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # mid-write: the temporary object is being filled
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    (temp,) = keys(s3)
    assert temp.startswith(".out.parquet.") and f".{process.pid}." in temp
    assert temp.endswith(".mwprop-batch.tmp")
    with pytest.raises(CatalogueError, match="no such file"):
        open_catalogue(target)
    # the next writer from this host removes the dead process's temporary object
    small = tmp_path / "small.parquet"
    write_parquet(catalogue(50, 8)[["GL", "GB", "DM"]], small)
    assert main(["convert", str(small), target, "--quiet"]) == 0
    assert keys(s3) == ["out.parquet"]


def test_urls_are_told_from_local_paths(tmp_path, monkeypatch):
    from pathlib import Path

    from mwprop_batch.catalogue.storage.locations import local_path, remote_url

    assert remote_url("s3://bucket/cat.parquet") == "s3://bucket/cat.parquet"
    assert remote_url(Path("s3://bucket/cat.parquet")) == "s3://bucket/cat.parquet"  # CLI
    assert remote_url("S3://bucket/prefix/") == "s3://bucket/prefix/"
    for local in ("cat.parquet", "/tmp/cat.parquet", "-", Path("dir/cat.csv"),
                  "file:///tmp/cat.parquet", Path("file:///tmp/cat.parquet")):
        assert remote_url(local) is None, local
    assert local_path("file:///tmp/cat.parquet") == Path("/tmp/cat.parquet")
    assert local_path(Path("file:///tmp/cat.parquet")) == Path("/tmp/cat.parquet")
    assert local_path("cat.parquet") == "cat.parquet"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s3:").mkdir()  # a local directory named 's3:' stays local
    assert remote_url(Path("s3:/bucket/cat.parquet")) is None


def test_local_paths_never_load_the_object_storage_libraries(tmp_path):
    write_parquet(catalogue(50, 9)[["GL", "GB", "DM"]], tmp_path / "cat.parquet")
    script = (
        "import sys\n"
        "from mwprop_batch.convert import convert_file\n"
        f"convert_file({str(tmp_path / 'cat.parquet')!r}, {str(tmp_path / 'out.parquet')!r})\n"
        f"convert_file('file://{tmp_path / 'cat.parquet'}', 'file://{tmp_path / 'out2.parquet'}')\n"
        "print(sorted(m for m in ('fsspec', 's3fs', 'botocore',"
        " 'mwprop_batch.catalogue.storage.remote',"
        " 'mwprop_batch.catalogue.storage.remote_writes',"
        " 'mwprop_batch.catalogue.storage.object_store') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out2.parquet"),
                                  pd.read_parquet(tmp_path / "out.parquet"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cat.parquet", "out.parquet", "out2.parquet"]


# --- a dataset or a CSV on S3 reads exactly like the local one (issues 28.8 and 29) ----------


def read_with_warnings(source) -> tuple[pa.Table, list[str]]:
    """The catalogue at ``source`` as a table, and the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opened = open_catalogue(source)
        table = pa.Table.from_batches(list(opened.batches()), opened.schema)
    return table, [f"{w.category.__name__}: {w.message}" for w in caught]


def test_a_dataset_on_s3_reads_like_the_local_one(s3, tmp_path):
    local = tmp_path / "ds"
    for survey, year, seed in (("A", "2020", 10), ("B", "2021", 11), ("B", "2022", 12)):
        write_parquet(catalogue(60, seed)[["GL", "GB", "DM"]],
                      mkdirs(local / f"survey={survey}" / f"year={year}") / "part.parquet")
    write_parquet(catalogue(60, 13)[["GL", "GB", "DM"]],  # Spark's name: no extension
                  mkdirs(local / "survey=C") / "part-00000")
    (local / "README.txt").write_text("the survey's parts\n")
    (local / "_SUCCESS").write_text("")
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        s3.put(str(path), f"{s3.bucket}/ds/{path.relative_to(local).as_posix()}")
    url = f"s3://{s3.bucket}/ds"
    here, here_said = read_with_warnings(local)
    there, there_said = read_with_warnings(url)
    assert there.schema.equals(here.schema, check_metadata=True) and there.equals(here)
    assert there.schema.names == ["GL", "GB", "DM", "survey", "year"]
    assert there.column("survey").to_pylist() == ["A"] * 60 + ["B"] * 120 + ["C"] * 60
    assert there.column("year").to_pylist() == [2020] * 60 + [2021] * 60 + [2022] * 60 + [
        None] * 60
    skipped = "read no rows from 1 entry that is not a Parquet file: README.txt"
    assert here_said == [f"SkippedFilesWarning: {local}: {skipped}"]
    assert there_said == [f"SkippedFilesWarning: {url}: {skipped}"]
    # converted, in one process and as Dask pieces (each with its file's partition values)
    with pytest.warns(SkippedFilesWarning):
        convert_file(local, tmp_path / "local.parquet")
    with pytest.warns(SkippedFilesWarning):
        convert_file(url, tmp_path / "s3.parquet")
    expected = pq.read_table(tmp_path / "local.parquet")
    assert_same_output(pq.read_table(tmp_path / "s3.parquet"), expected)
    dask = pytest.importorskip("mwprop_batch.dask")
    with pytest.warns(SkippedFilesWarning):
        plan = convert_module.plan_conversion(url, tmp_path / "dask.parquet",
                                              convert_module.Settings.create("ne2025"))
    parts = []
    for k, piece in enumerate(dask.pieces(list(plan.catalogue.files), plan.catalogue.filesystem)):
        parts.append(tmp_path / f"part-{k}.parquet")
        dask._convert_piece(piece, parts[-1], plan.schema, plan.catalogue.schema, ("ne2025",),
                            plan.columns, {}, plan.catalogue.filesystem,
                            partition=plan.catalogue.partitions[piece.path])
    inputs = ["GL", "GB", "DM", "survey", "year", "status"]
    assert pa.concat_tables(pq.read_table(p) for p in parts).select(inputs).equals(
        expected.select(inputs))


def mkdirs(folder):
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_unreadable_part_on_s3_is_named_by_its_url(s3):
    write_parquet(catalogue(50, 14), f"{s3.bucket}/ds/part-0.parquet", s3)
    s3.pipe_file(f"{s3.bucket}/ds/part-1.parquet", b"")
    with pytest.raises(CatalogueError, match=rf"cannot read s3://{s3.bucket}/ds/part-1\.parquet"
                                             r" as Parquet: .*0 bytes"):
        open_catalogue(f"s3://{s3.bucket}/ds")


def test_a_csv_on_s3_takes_the_dialect_options(s3, tmp_path, capsys):
    # a tie of ';' and ',' in the header: detection would take ','; the text is Windows-1252
    text = "GL;GB;DM;NOTE,A,B,C\n30;1;50;Café\n".encode("cp1252")
    (tmp_path / "in.csv").write_bytes(text)
    s3.pipe_file(f"{s3.bucket}/in.csv", text)
    dialect = CsvDialect(";", "cp1252")
    convert_file(tmp_path / "in.csv", tmp_path / "local.parquet", csv=dialect)
    convert_file(f"s3://{s3.bucket}/in.csv", tmp_path / "s3.parquet", csv=dialect)
    expected = pq.read_table(tmp_path / "local.parquet")
    assert expected.column("NOTE,A,B,C").to_pylist() == ["Café"]
    assert expected.column("status").to_pylist() == ["ok"]
    assert_same_output(pq.read_table(tmp_path / "s3.parquet"), expected)
    assert main(["convert", f"s3://{s3.bucket}/in.csv", str(tmp_path / "cli.parquet"),
                 "--delimiter", "semicolon", "--encoding", "cp1252", "--quiet"]) == 0
    assert_same_output(pq.read_table(tmp_path / "cli.parquet"), expected)
    # a dialect for an object that is not CSV is refused, as for a local file
    write_parquet(catalogue(20, 15), f"{s3.bucket}/cat.parquet", s3)
    with pytest.raises(CatalogueError, match="cat.parquet is read as parquet: a delimiter"):
        convert_file(f"s3://{s3.bucket}/cat.parquet", tmp_path / "x.parquet", csv=dialect)
    assert main(["convert", f"s3://{s3.bucket}/cat.parquet", str(tmp_path / "x.parquet"),
                 "--delimiter", ";", "--quiet"]) == 2
    assert "is for CSV input only" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()
