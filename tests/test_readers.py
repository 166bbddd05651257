"""Readers that neither lose nor invent data (issues 28 and 29): the RA rule, psrcat records,
dataset directories, empty inputs, CSV dialects and Cartesian positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mwprop_batch.convert import convert, convert_file
from mwprop_batch.io.catalogue_files import open_catalogue
from mwprop_batch.positions import ColumnOverrides, find_columns, read_inputs


def positions_of(path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """l, b (deg) and status of every row of the catalogue file ``path``."""
    catalogue = open_catalogue(path)
    frame = pa.Table.from_batches(list(catalogue.batches()), catalogue.schema).to_pandas()
    inputs = read_inputs(frame, find_columns(list(frame.columns)))
    return inputs.l_deg, inputs.b_deg, inputs.status


# --- issue 28.3: a bare RA number is degrees, however the column came to be text -------------


@pytest.mark.parametrize("spoiler", ["005.0", "junk"])
def test_a_text_ra_column_of_degrees_is_read_as_degrees(tmp_path, spoiler):
    clean, spoiled = tmp_path / "clean.csv", tmp_path / "spoiled.csv"
    clean.write_text("RAJD,DECJD,DM\n12.5,-5,30\n5.0,10,30\n123.456789,-45.1,30\n")
    spoiled.write_text(f"RAJD,DECJD,DM\n12.5,-5,30\n{spoiler},10,30\n123.456789,-45.1,30\n")
    assert open_catalogue(spoiled).schema.field("RAJD").type == pa.string()
    l_clean, b_clean, status_clean = positions_of(clean)
    l_spoiled, b_spoiled, status_spoiled = positions_of(spoiled)
    np.testing.assert_allclose([l_clean[0], b_clean[0]], [121.98, -67.87], atol=0.01)
    keep = [0, 2] if spoiler == "junk" else [0, 1, 2]  # bit-identical positions
    np.testing.assert_array_equal(l_spoiled[keep], l_clean[keep])
    np.testing.assert_array_equal(b_spoiled[keep], b_clean[keep])
    assert status_clean.tolist() == ["ok"] * 3
    if spoiler == "junk":
        assert status_spoiled.tolist() == ["ok", "RAJD unparseable: 'junk'", "ok"]


def test_hours_are_said_by_the_text_or_the_column_name():
    frame = pd.DataFrame({
        "ra": ["12:30:00", "12h30m", "12 30 00", "187.5", 187.5],
        "dec": ["+10:00", "10d", "10", 10.0, "10.0"],
        "DM": 30.0,
    })
    inputs = read_inputs(frame, find_columns(list(frame.columns)))
    np.testing.assert_array_equal(inputs.l_deg, np.full(5, inputs.l_deg[0]))
    # psrcat's RAJ (and a name ending in _h/_hours) holds hours; an hours value > 24 is flagged
    hours = pd.DataFrame({"RAJ": [12.5, 83.6, "005.0"], "DECJ": [10.0, 10.0, 10.0], "DM": 30.0})
    inputs = read_inputs(hours, find_columns(list(hours.columns)))
    assert inputs.status.tolist() == ["ok", "RAJ out of range (hours): 83.6", "ok"]
    degrees = pd.DataFrame({"RA": [187.5, 75.0], "DEC": [10.0, 10.0], "DM": 30.0})
    expected = read_inputs(degrees, find_columns(list(degrees.columns)))
    assert inputs.l_deg[0] == expected.l_deg[0] and inputs.l_deg[2] == expected.l_deg[1]
    # the unit of bare numbers can be named
    as_degrees = read_inputs(hours, find_columns(list(hours.columns),
                                                 overrides=ColumnOverrides(ra_unit="deg")))
    assert as_degrees.status.tolist() == ["ok"] * 3
    as_hours = read_inputs(degrees, find_columns(list(degrees.columns),
                                                 overrides=ColumnOverrides(ra_unit="hours")))
    assert as_hours.status.tolist() == [
        "RA out of range (hours): 187.5", "RA out of range (hours): 75.0"]


# --- issue 29: a row without a DM says so ----------------------------------------------------


def test_a_missing_dm_is_missing_and_an_infinite_one_not_finite():
    frame = pd.DataFrame({"GL": 30.0, "GB": 1.0, "DM": [np.nan, None, np.inf, 10.0]})
    assert convert(frame)["status"].tolist() == [
        "DM missing", "DM missing", "DM infinite: inf", "ok"]
    from mwprop_batch.model import Model

    out = Model("ne2025").dm_to_dist([30.0, 30.0], [1.0, 1.0], [np.nan, np.inf])
    assert out["status"].tolist() == ["DM missing", "DM not finite"]


def test_a_csv_with_an_empty_dm_cell(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "out.parquet"
    source.write_text("GL,GB,DM\n30,1,\n30,1,10\n")
    convert_file(source, target)
    assert pq.read_table(target).column("status").to_pylist() == ["DM missing", "ok"]
