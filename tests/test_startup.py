"""Start-up machinery: threads over row chunks, one kernel type per call, the table cache."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mwprop_batch import Model, precompile
from mwprop_batch.core import parallel, tablecache
from mwprop_batch.families.ne import tables as ne_tables
from mwprop_batch.families.ne.kernels import cuts, los
from mwprop_batch.families.ne.params import load_parameters
from mwprop_batch.families.ne.tables import build_tables


@given(st.integers(1, 100_000), st.integers(1, 64))
def test_chunks_cover_every_row_once_in_order(rows, threads):
    bounds = parallel.chunk_bounds(rows, threads)
    assert bounds[0][0] == 0 and bounds[-1][1] == rows
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert all(start < stop for start, stop in bounds)


@given(st.integers(1, 100_000), st.integers(1, 64))
def test_chunks_shrink_so_threads_finish_together(rows, threads):
    """The last chunk each thread takes is small: with 20,000 rows on 2 threads, equal
    chunks of 1,250 rows left one thread idle for 2-3% of a call. No chunk is so large that
    the calling thread, which takes chunks too, would not see Ctrl-C for minutes."""
    sizes = [stop - start for start, stop in parallel.chunk_bounds(rows, threads)]
    assert sizes == sorted(sizes, reverse=True)
    assert max(sizes[-threads:]) <= parallel.MIN_CHUNK_ROWS
    assert max(sizes) <= parallel.MAX_CHUNK_ROWS


def test_map_on_threads_keeps_order():
    def task(k):
        return k * k

    assert parallel.map_on_threads(task, 200, 4) == [k * k for k in range(200)]
    assert parallel.map_on_threads(task, 3, 1) == [0, 1, 4]


def test_map_on_threads_raises_and_stops_the_others():
    done = []

    def task(k):
        if k == 5:
            raise ZeroDivisionError("task 5")
        done.append(k)
        return k

    with pytest.raises(ZeroDivisionError, match="task 5"):
        parallel.map_on_threads(task, 10_000, 2)
    assert len(done) < 9_999  # the other thread stopped soon after the failure


def test_read_only_and_pandas_inputs_compile_no_second_kernel(ne2025):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"l": rng.uniform(0, 360, 300), "b": rng.uniform(-10, 10, 300),
                          "dm": rng.uniform(10, 500, 300)})
    writable = ne2025.dm_to_dist(frame["l"].to_numpy().copy(), frame["b"].to_numpy().copy(),
                                 frame["dm"].to_numpy().copy())
    read_only = frame["b"].to_numpy()
    read_only.flags.writeable = False
    from_pandas = ne2025.dm_to_dist(frame["l"], read_only, frame["dm"])
    pd.testing.assert_frame_equal(from_pandas, writable)
    assert len(los.los_batch.signatures) == 1


def test_row_arguments_are_those_before_the_tables():
    assert parallel.row_arguments(los.los_batch) == 6
    with pytest.raises(TypeError, match="not a batch kernel"):
        parallel.row_arguments(cuts._add_chord)


def _same_tables(a, b):
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


def test_table_cache_round_trip_is_exact(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    parameters = load_parameters("ne2001")
    built = build_tables(parameters)
    first = ne_tables.load_tables(parameters)
    files = list(tmp_path.glob("ne2001-*.npz"))
    assert len(files) == 1
    second = ne_tables.load_tables(parameters)  # from the file
    _same_tables(first, built)
    _same_tables(second, built)
    assert all(a.flags.writeable and a.flags.c_contiguous for a in second)


def test_table_cache_key_follows_the_parameters():
    parameters = load_parameters("ne2025")
    moved = dataclasses.replace(parameters, r_sun=parameters.r_sun + 0.1)
    assert ne_tables.table_key(parameters) == ne_tables.table_key(load_parameters("ne2025"))
    assert ne_tables.table_key(moved) != ne_tables.table_key(parameters)


def test_table_cache_unwritable_or_off_still_gives_tables(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    parameters = load_parameters("ne2001")
    monkeypatch.setenv(tablecache.ENV_DIR, str(blocker / "cache"))
    _same_tables(ne_tables.load_tables(parameters), build_tables(parameters))
    monkeypatch.setenv(tablecache.ENV_DIR, "off")
    assert tablecache.cache_dir() is None
    _same_tables(ne_tables.load_tables(parameters), build_tables(parameters))


def test_table_cache_rebuilds_a_damaged_file(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    parameters = load_parameters("ne2001")
    ne_tables.load_tables(parameters)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"truncated")
    _same_tables(ne_tables.load_tables(parameters), build_tables(parameters))


def test_compile_kernels_runs_every_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv(tablecache.ENV_DIR, str(tmp_path))
    assert precompile.compile_kernels(("ne2001",)) > 0.0
    assert len(los.los_batch.signatures) == 1
    assert len(list(tmp_path.glob("ne2001-*.npz"))) == 1
    assert Model("ne2001").dm_max(30.0, 0.0) > 0.0


def test_compile_deals_the_families_into_its_processes():
    """Two processes get NE (with the halos) and YMW16 (with the disk): the two largest
    families never wait for one another; one process gets every model."""
    from mwprop_batch import registry

    work = precompile.families_of(registry.model_names())
    two = precompile.deal(work, 2)
    assert len(two) == 2 and set(two[0]) >= {"ne2001", "ne2025", "yt2020"}
    assert set(two[1]) >= {"ymw16", "g08"} and not set(two[0]) & set(two[1])
    assert precompile.deal(work, 1) == [tuple(registry.model_names())]
    assert precompile.deal(work, 16) == work
