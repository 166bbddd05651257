"""Several models in one row: the row is ok only if every model's result is, and the status
names the model; a converted catalogue converts again with more models; the Python API's
messages name Python keywords."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mwprop_batch.catalogue.storage.catalogue_readers import read_file_metadata
from mwprop_batch.cli import main
from mwprop_batch.convert import convert, convert_file
from mwprop_batch.core.errors import ConversionError
from mwprop_batch.core.rows import InvalidRowError
from mwprop_batch.positions import ColumnOverrides, MissingColumnError

# row 0: NE2025's scattering columns are infinite at 1e-300 kpc (YMW16's TAU is 0: fine);
# row 1: fine everywhere; row 2: an input problem, the same for every model
FRAME = pd.DataFrame({"GL": [30.0, 30.0, 50.0], "GB": [1.0, 1.0, 2.0], "dist": [1e-300, 1.0, -1.0]})
NE2025_SBW = "NE2025: scattering not finite: SBW, SCINTIME, SBW_X"


@pytest.mark.parametrize("models", ["ne2025,ymw16", "ymw16,ne2025"])
def test_a_row_is_ok_only_if_every_model_is(models):
    out = convert(FRAME, models, "dm", scattering=True)
    assert np.isinf(out["NE2025_SBW"].iloc[0])
    assert out["status"].tolist() == [NE2025_SBW, "ok", "distance <= 0"]


def test_each_failed_model_is_named_with_its_reason():
    out = convert(FRAME, "ne2001,ne2025", "dm", scattering=True)
    assert out["status"].iloc[0] == (
        "NE2001: scattering not finite: SBW, SCINTIME, SBW_X; " + NE2025_SBW)
    one = convert(FRAME, "ne2025", "dm", scattering=True)  # one model: its reason as it is
    assert one["status"].iloc[0] == "scattering not finite: SBW, SCINTIME, SBW_X"


def test_combined_status_rules():
    from mwprop_batch.convert import combined_status  # new: the other tests run on older code

    ok, bad = "ok", "not converged: _solve_in_panel"
    statuses = {"NE2001": np.array([ok, bad, "DM <= 0", ok], object),
                "YMW16": np.array([ok, ok, "DM <= 0", bad], object)}
    assert combined_status(statuses).tolist() == [
        ok, f"NE2001: {bad}", "DM <= 0", f"YMW16: {bad}"]
    earlier = np.array(["NE2025: x", ok, "DM <= 0", "NE2025: y"], object)
    assert combined_status(statuses, earlier).tolist() == [
        "NE2025: x", f"NE2001: {bad}", "DM <= 0", f"NE2025: y; YMW16: {bad}"]


def test_strict_summary_accessor_and_dask_see_every_model(tmp_path):
    good = FRAME.iloc[:2]
    with pytest.raises(InvalidRowError, match=f"row 0.*{NE2025_SBW}"):
        convert(good, "ne2025,ymw16", "dm", scattering=True, strict=True)
    with pytest.raises(InvalidRowError, match="row 0.*NE2025"):
        good.mwprop.dist_to_dm("ne2025,ymw16", scattering=True, errors="raise")
    by_accessor = good.mwprop.dist_to_dm("ne2025,ymw16", scattering=True)
    assert by_accessor["status"].tolist() == [NE2025_SBW, "ok"]
    good.to_parquet(tmp_path / "in.parquet")
    summary = convert_file(tmp_path / "in.parquet", tmp_path / "out.parquet", "ne2025,ymw16",
                           "dm", scattering=True)
    assert summary.bad_rows == 1 and summary.bad == {NE2025_SBW: 1}
    with pytest.raises(InvalidRowError, match="NE2025"):
        convert_file(tmp_path / "in.parquet", tmp_path / "strict.parquet", "ne2025,ymw16",
                     "dm", scattering=True, strict=True)
    code = main(["convert", str(tmp_path / "in.parquet"), str(tmp_path / "cli.parquet"),
                 "--model", "ne2025,ymw16", "--to", "dm", "--scattering", "--strict"])
    assert code == 2 and not (tmp_path / "cli.parquet").exists()


def test_dask_partitions_see_every_model():
    dd = pytest.importorskip("dask.dataframe")
    from mwprop_batch.dask import convert as dask_convert

    ddf = dd.from_pandas(FRAME, npartitions=2)
    out = dask_convert(ddf, "ne2025,ymw16", to="dm", scattering=True).compute(scheduler="sync")
    assert out["status"].tolist() == [NE2025_SBW, "ok", "distance <= 0"]


def test_a_converted_frame_converts_again_with_another_model():
    first = convert(FRAME, "ne2025", "dm", scattering=True)
    again = convert(first, "ymw16", "dm", scattering=True)
    assert list(again.columns) == (
        [c for c in first.columns if c != "status"]
        + ["YMW16_DIST", "YMW16_DM", "YMW16_DMz", "YMW16_limit", "YMW16_TAU", "status"])
    assert again["status"].tolist() == [NE2025_SBW, "ok", "distance <= 0"]
    pd.testing.assert_frame_equal(again, convert(FRAME, "ne2025,ymw16", "dm", scattering=True)[
        again.columns])
    with pytest.raises(ConversionError, match="converted with that model already"):
        convert(first, "ne2025", "dm")
    mine = FRAME.assign(status="candidate")  # a status column of the user's own: still refused
    with pytest.raises(ConversionError, match="already has column"):
        convert(mine, "ne2025", "dm")


def test_a_converted_file_converts_again_on_the_command_line(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("GL,GB,DM\n30,1,100\n50,2,-1\n")
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    assert main(["convert", str(source), str(first), "--model", "ne2025", "--quiet"]) == 0
    assert main(["convert", str(first), str(second), "--model", "ymw16", "--quiet"]) == 0
    table = pq.read_table(second)
    assert table.column_names[-1] == "status" and table.column_names.count("status") == 1
    assert "NE2025_DIST" in table.column_names and "YMW16_DIST" in table.column_names
    assert table.column("status").to_pylist() == ["ok", "DM <= 0"]
    both = convert(pd.read_csv(source), "ne2025,ymw16")
    assert table.to_pandas()[both.columns.tolist()].equals(both)
    metadata = read_file_metadata(second)
    assert metadata["models"] == ["ymw16"] and metadata["earlier"]["models"] == ["ne2025"]


def test_python_messages_name_python_keywords_and_the_cli_its_flags(tmp_path, capsys):
    frame = FRAME.drop(columns="dist")
    with pytest.raises(MissingColumnError) as raised:
        convert(frame, "ne2025", "dm")
    assert "columns=ColumnOverrides(dist_col=...)" in str(raised.value)
    assert "--" not in str(raised.value)
    with pytest.raises(MissingColumnError, match=r"'D' \(columns=ColumnOverrides\(dist_col="):
        convert(frame, "ne2025", "dm", columns=ColumnOverrides(dist_col="D"))
    with pytest.raises(MissingColumnError, match="name it with dist_col=") as raised:
        frame.mwprop.dist_to_dm("ne2025")
    assert "--" not in str(raised.value)
    frame.to_parquet(tmp_path / "in.parquet")
    with pytest.raises(MissingColumnError) as raised:
        convert_file(tmp_path / "in.parquet", tmp_path / "o.parquet", "ne2025", "dm")
    assert "--" not in str(raised.value)
    assert main(["convert", str(tmp_path / "in.parquet"), str(tmp_path / "o.parquet"),
                 "--to", "dm"]) == 2
    assert "name it with --dist-col" in capsys.readouterr().err
