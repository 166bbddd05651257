"""Reading the ATNF pulsar catalogue's database format."""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mwprop_batch.catalogue.formats.psrcat import read_psrcat

PSRCAT = Path(__file__).resolve().parents[1] / "data" / "psrcat-1.59.db"

SYNTHETIC = """\
#CATALOGUE test
# a comment, then a record without a leading separator
PSRJ     J0001+0001                    ref1
RAJ      00:00:01.5               3    ref1
DECJ     -00:30:00                     ref1
DM       71.0227                  8    ref2
F1       1.2e-3                   5    ref3
P0       2.5                           p0ref
S1400    99.7                     19.9 jk18
@-----------------------------------------------------------------
PSRJ     J0002-0002
ELONG    10.5                     2
ELAT     -3.25
P0       0.00153                  12
TYPE     HE[pbh+17]
DM       12.5                     2
DM       13.5                     3    dupref
@-----------------------------------------------------------------
@-----------------------------------------------------------------

PSRB     B0003+03                      ref4
PSRJ     J0003+0003                    ref4
DIST_DM1 +46.81                        cl02
P1       -3.77535E-10             2    ref5
"""


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return read_psrcat(PSRCAT)


def row(frame: pd.DataFrame, name: str) -> pd.Series:
    (index,) = np.flatnonzero(frame["PSRJ"] == name)
    return frame.iloc[index]


def test_real_catalogue_rows_in_file_order(catalogue):
    assert len(catalogue) == 2659
    assert catalogue["PSRJ"].iloc[0] == "J0002+6216"
    assert catalogue["PSRJ"].iloc[1] == "J0006+1834"
    assert catalogue["PSRJ"].iloc[-1] == "J2354+6155"
    assert catalogue["PSRJ"].is_unique
    assert catalogue.index.equals(pd.RangeIndex(2659))


def test_real_catalogue_dtypes(catalogue):
    numeric = ["DM", "DM_ERR", "PX", "DIST_A", "DIST_DM", "DIST_DM1", "ELONG", "ELAT", "P0", "F0"]
    for key in numeric:
        assert catalogue[key].dtype == np.float64, key
    for key in ["PSRJ", "PSRB", "RAJ", "DECJ", "TYPE", "ASSOC", "SURVEY", "BINARY"]:
        assert catalogue[key].dtype == object, key
    # DECJ has 28 degree-only values such as '+57' but stays text
    assert catalogue["DECJ"].str.fullmatch(r"[+-]\d+").sum() == 28


def test_real_catalogue_values_checked_by_hand(catalogue):
    # 'DM 11.41 55 bkk+16', 'DIST_DM1 0.66 cl02', no PX
    first = row(catalogue, "J0006+1834")
    assert (first["DM"], first["DM_ERR"]) == (11.41, pytest.approx(0.55, rel=1e-12))
    assert first["DIST_DM1"] == 0.66
    assert np.isnan(first["PX"]) and np.isnan(first["PX_ERR"])
    # 'DM 56.77118 24', 'F1 -3.77535E-10 2', 'DIST_A 2.0' (no uncertainty, no reference)
    crab = row(catalogue, "J0534+2200")
    assert (crab["DM"], crab["DM_ERR"]) == (56.77118, pytest.approx(0.00024, rel=1e-12))
    assert crab["F1_ERR"] == pytest.approx(2e-15, rel=1e-12)
    assert crab["DIST_A"] == 2.0 and np.isnan(crab["DIST_A_ERR"])
    assert crab["RAJ"] == "05:34:31.973" and crab["DECJ"] == "+22:00:52.06"
    assert crab["PSRB"] == "B0531+21"  # its record starts with PSRB, not PSRJ
    # 'DM 94.662 6'
    last = catalogue.iloc[-1]
    assert (last["DM"], last["DM_ERR"]) == (94.662, pytest.approx(0.006, rel=1e-12))
    assert last["DECJ"] == "61:55:46.79"  # a few declinations have no sign
    # ecliptic-only position 'ELONG 9.07039380 1', 'PX 0.9 2'
    ecliptic = row(catalogue, "J0023+0923")
    assert ecliptic["ELONG_ERR"] == pytest.approx(1e-8, rel=1e-12)
    assert (ecliptic["PX"], ecliptic["PX_ERR"]) == (0.9, pytest.approx(0.2, rel=1e-12))
    assert ecliptic["RAJ"] is None
    # an uncertainty with a decimal point is absolute: 'S1400 99.7 19.9 jk18'
    assert row(catalogue, "J0738-4042")["S1400_ERR"] == 19.9
    # a repeated key keeps its first line: 'DM 721.7 1' then 'DM 735 10'
    repeated = row(catalogue, "J1738-3107")
    assert (repeated["DM"], repeated["DM_ERR"]) == (721.7, pytest.approx(0.1, rel=1e-12))
    assert row(catalogue, "J1709-4429")["DIST_DM1"] == 2.30  # not the second line's 0.83


def test_real_catalogue_counts(catalogue):
    assert catalogue["DIST_DM1"].notna().sum() == 2566
    assert catalogue["DIST_DM"].notna().sum() == 2566
    assert catalogue["DM"].notna().sum() == 2566
    assert catalogue["PX"].notna().sum() == 100
    assert catalogue["PSRB"].notna().sum() == 529
    assert (catalogue["RAJ"].isna() & catalogue["ELONG"].notna()).sum() == 258
    # no distance carries an uncertainty, but the column is there: the schema is the keys'
    assert catalogue["DIST_DM1_ERR"].isna().all()
    assert catalogue.attrs["unparseable"] == {}


def test_synthetic_catalogue(tmp_path):
    path = tmp_path / "small.db"
    path.write_text(SYNTHETIC)
    frame = read_psrcat(str(path))
    assert frame["PSRJ"].to_list() == ["J0001+0001", "J0002-0002", "J0003+0003"]
    assert list(frame.columns[:8]) == [
        "PSRJ", "RAJ", "DECJ", "DM", "DM_ERR", "F1", "F1_ERR", "P0",
    ]  # fmt: skip
    np.testing.assert_allclose(frame["DM"], [71.0227, 12.5, np.nan])
    np.testing.assert_allclose(frame["DM_ERR"], [0.0008, 0.2, np.nan], rtol=1e-12)
    assert (frame["F1"][0], frame["F1_ERR"][0]) == (1.2e-3, pytest.approx(0.5e-3, rel=1e-12))
    # 'p0ref' is a reference, not an uncertainty
    np.testing.assert_allclose(frame["P0"], [2.5, 0.00153, np.nan])
    np.testing.assert_allclose(frame["P0_ERR"], [np.nan, 12e-5, np.nan], rtol=1e-12)
    assert frame["S1400_ERR"][0] == 19.9
    assert frame["P1_ERR"][2] == pytest.approx(2e-15, rel=1e-12)
    assert frame["ELONG_ERR"][1] == pytest.approx(0.2, rel=1e-12)
    assert frame["ELAT_ERR"].isna().all()  # every numeric key has its uncertainty column
    assert frame["DIST_DM1"][2] == 46.81
    assert frame["RAJ"].to_list() == ["00:00:01.5", None, None]
    assert frame["PSRB"].to_list() == [None, None, "B0003+03"]
    assert frame["TYPE"].dtype == object and frame["TYPE"][1] == "HE[pbh+17]"


def test_sexagesimal_keys_stay_text(tmp_path):
    path = tmp_path / "degrees.db"
    path.write_text("PSRJ J1\nRAJ 12\nDECJ +57 1 ref\n@\nPSRJ J2\nRAJ 13\nDECJ -5\n@\n")
    frame = read_psrcat(path)
    assert frame["RAJ"].to_list() == ["12", "13"]
    assert frame["DECJ"].to_list() == ["+57", "-5"]
    assert "DECJ_ERR" not in frame


REAL_LINES = PSRCAT.read_text().splitlines(keepends=True)


def with_line_replaced(tmp_path, old: str, new: str) -> Path:
    """The real catalogue with its first line equal to ``old`` replaced by ``new``."""
    lines = list(REAL_LINES)
    lines[next(i for i, line in enumerate(lines) if line.startswith(old))] = new + "\n"
    path = tmp_path / "edited.db"
    path.write_text("".join(lines))
    return path


def test_one_bad_value_changes_one_cell_not_the_schema(tmp_path, catalogue):
    # J0006+1834 has 'DM 11.41 55 bkk+16': one bad character must not turn 2,659 DMs into
    # text, nor drop DM_ERR
    edited = read_psrcat(with_line_replaced(tmp_path, "DM       11.41", "DM 11.4x1 55 bkk+16"))
    assert list(edited.columns) == list(catalogue.columns)
    assert (edited.dtypes == catalogue.dtypes).all()
    bad = int(np.flatnonzero(catalogue["PSRJ"] == "J0006+1834")[0])
    assert np.isnan(edited["DM"][bad]) and np.isnan(edited["DM_ERR"][bad])
    assert edited.attrs["unparseable"] == {"DM": {bad: "11.4x1"}}
    others = edited.index != bad
    pd.testing.assert_frame_equal(edited[others], catalogue[others])


def test_numeric_keys_are_numbers_whatever_the_values(tmp_path):
    path = tmp_path / "junk.db"
    path.write_text("PSRJ J1\nDM abc\nP0 x 3\n@\nPSRJ J2\nTYPE 12\n@\n")
    frame = read_psrcat(path)
    assert frame["DM"].dtype == np.float64 and frame["DM"].isna().all()
    assert frame["P0"].dtype == np.float64 and frame["P0_ERR"].isna().all()
    assert frame["TYPE"].to_list() == [None, "12"]  # a text key stays text
    assert frame.attrs["unparseable"] == {"DM": {0: "abc"}, "P0": {0: "x"}}


def test_gzipped_catalogue(tmp_path, catalogue):
    path = tmp_path / "psrcat.db.gz"
    path.write_bytes(gzip.compress(PSRCAT.read_bytes()))
    pd.testing.assert_frame_equal(read_psrcat(path), catalogue)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no pulsar records"),
        ("# only a comment\n\n@----\n", "no pulsar records"),
        ("hello world\nthis is not a catalogue\n", "line 1: not a psrcat database line"),
        ("PSRJ,RAJ,DECJ\nJ0001+0001,00:00:01,+01:00\n", "line 1: not a psrcat database line"),
        ("# header\nPSRJ J0001+0001\nDM\n@\n", "line 3: not a psrcat database line"),
        ("# header\nNAME 1\nVALUE 2\n", "line 2: not a psrcat database: no '@'"),
    ],
)
def test_not_a_catalogue(tmp_path, text, message):
    path = tmp_path / "bad.db"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        read_psrcat(path)
    assert str(path) in str(error.value)


def test_binary_file(tmp_path):
    path = tmp_path / "binary.db"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="not a psrcat database"):
        read_psrcat(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_psrcat(tmp_path / "absent.db")
