"""Tests for backprop_viz.data.tabular: reading an uploaded CSV and encoding it for training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backprop_viz.data.admissions import prepare_lesson, read_admissions_csv
from backprop_viz.data.tabular import Encoded, binary_columns, encode, read_user_csv
from backprop_viz.errors import DataError
from backprop_viz.limits import MAX_CSV_BYTES, MAX_CSV_COLUMNS, MAX_CSV_ROWS

REAL_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "binary.csv"


def test_limits():
    assert MAX_CSV_BYTES == 5 * 1024 * 1024
    assert MAX_CSV_ROWS == 100_000
    assert MAX_CSV_COLUMNS == 50


# --- read_user_csv ------------------------------------------------------------------


def test_read_simple_csv_infers_types():
    frame = read_user_csv(b"x,label,flag\n1.5,a,True\n2,b,False\n")
    assert list(frame.columns) == ["x", "label", "flag"]
    assert frame["x"].dtype == np.float64
    assert frame["x"].tolist() == [1.5, 2.0]
    assert frame["label"].tolist() == ["a", "b"]
    assert frame["flag"].tolist() == [True, False]


def test_read_accepts_bom_semicolons_and_strips_whitespace():
    data = "\ufeffname ; score\n alice ;1\nbob; 2\n".encode()
    frame = read_user_csv(data)
    assert list(frame.columns) == ["name", "score"]
    assert frame["name"].tolist() == ["alice", "bob"]
    assert frame["score"].tolist() == [1, 2]


def test_read_drops_blank_rows_and_unnamed_empty_columns():
    frame = read_user_csv(b"a,b,\n1,2,\n,,\n3,4,\n")
    assert list(frame.columns) == ["a", "b"]
    assert frame["a"].tolist() == [1, 3]


def test_read_accepts_str_text():
    assert read_user_csv("a,b\n1,2\n").shape == (1, 2)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file data.csv is empty."),
        (b" \n \n", "The file data.csv is empty."),
        (b"a,b\n", "The file data.csv has a header row but no data rows."),
        (
            "a,b\ncafé,1\n".encode("latin-1"),
            "The file data.csv is not UTF-8 text (byte 0xe9 at position 7)",
        ),
        ("a,b\ncafé,1\n".encode("latin-1"), "save it as CSV UTF-8."),
        ("a,b\n1,2\n".encode("utf-16"), "is not UTF-8 text"),
        (b"PK\x03\x04rest-of-a-workbook", "looks like an Excel workbook or zip file"),
        (b"a,b\n1,\x002\n", "contains NUL bytes"),
        (
            b"a,b\n1,2\n1,2,3\n",
            "The file data.csv could not be read as CSV "
            "(line 3 has 3 fields but the header has 2).",
        ),
        (
            b"a,b,a\n1,2,3\n",
            "The file data.csv has duplicate column names ('a'); rename them so each is unique.",
        ),
        (b"a, a ,b\n1,2,3\n", "duplicate column names ('a')"),
    ],
)
def test_read_errors(data, expected):
    with pytest.raises(DataError) as info:
        read_user_csv(data, name="data.csv")
    assert expected in str(info.value)


def test_read_default_name_in_messages():
    with pytest.raises(DataError, match=r"^The file upload\.csv is empty\.$"):
        read_user_csv(b"")


def test_read_too_large():
    data = b"a\n" + b"1\n" * (MAX_CSV_BYTES // 2)
    assert len(data) > MAX_CSV_BYTES
    with pytest.raises(DataError, match=r"The file big\.csv is 5\.1 MB; the limit is 5 MB\."):
        read_user_csv(data, "big.csv")


def test_read_row_limit():
    ok = b"a\n" + b"1\n" * MAX_CSV_ROWS
    assert len(read_user_csv(ok)) == MAX_CSV_ROWS
    with pytest.raises(DataError, match=r"has 100,001 rows; the limit is 100,000\."):
        read_user_csv(ok + b"1\n")


def test_read_column_limit():
    header = ",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS))
    row = ",".join("1" for _ in range(MAX_CSV_COLUMNS))
    assert read_user_csv(f"{header}\n{row}\n".encode()).shape == (1, MAX_CSV_COLUMNS)
    with pytest.raises(DataError, match="has 51 columns; the limit is 50"):
        read_user_csv(f"{header},extra\n{row},1\n".encode())


# --- binary_columns -----------------------------------------------------------------


def test_binary_columns():
    frame = pd.DataFrame(
        {
            "two": [0, 1, 0, 1],
            "three": [1, 2, 3, 1],
            "text": ["yes", "no", None, "no"],
            "const": [5, 5, 5, 5],
            "flag": [True, False, True, True],
        }
    )
    assert binary_columns(frame) == ["two", "text", "flag"]


# --- encode -------------------------------------------------------------------------


def hand_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "rank": [1, 2, 3, 4, 1, 2, 3, 4, 1, 2],
            "colour": ["red", "blue", "red", "green", "blue", "red", "red", "blue", "green", "red"],
            "member": [True, False, True, True, False, False, True, False, True, False],
            "same": [7] * 10,
            "outcome": ["no", "yes", "no", "no", "yes", "yes", "no", "no", "yes", "no"],
        }
    )


def test_encode_hand_made_frame_known_values():
    enc = encode(hand_frame(), "outcome", categorical=["rank"])
    assert isinstance(enc, Encoded)
    assert enc.feature_names == (
        "x",
        "rank_1",
        "rank_2",
        "rank_3",
        "rank_4",
        "colour_blue",
        "colour_green",
        "colour_red",
        "member",
    )
    assert enc.target_name == "outcome"
    assert enc.positive_label == "yes"
    np.testing.assert_array_equal(enc.y, [0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
    assert enc.X.dtype == np.float64
    assert enc.y.dtype == np.float64
    assert enc.X.shape == (10, 9)
    # x: mean 5.5, sample std sqrt(110 / 12) = 3.0276…
    std = np.sqrt(82.5 / 9)
    np.testing.assert_allclose(enc.X[:, 0], (np.arange(1, 11) - 5.5) / std)
    assert enc.X[0, 0] == pytest.approx(-1.4863010829205867)
    np.testing.assert_array_equal(enc.X[0, 1:], [1, 0, 0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(enc.X[3, 1:], [0, 0, 0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(enc.X[:, 8], [1, 0, 1, 1, 0, 0, 1, 0, 1, 0])
    assert enc.notes == (
        "target 'outcome': yes is the positive class (1), no is 0",
        "x standardized (mean 0, sample std 1)",
        "rank one-hot encoded into rank_1..rank_4",
        "colour one-hot encoded into colour_blue..colour_red",
        "member encoded as 0/1",
        "same dropped: every row has the same value (7)",
    )


def test_encode_numeric_01_target_kept_and_numeric_default_standardized():
    frame = hand_frame().assign(outcome=[0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
    enc = encode(frame, "outcome", features=["x", "rank"])
    assert enc.positive_label == "1"
    np.testing.assert_array_equal(enc.y, frame["outcome"])
    assert enc.feature_names == ("x", "rank")
    assert enc.X[:, 1].mean() == pytest.approx(0, abs=1e-12)
    assert enc.X[:, 1].std(ddof=1) == pytest.approx(1)


def test_encode_bool_and_float_targets():
    frame = hand_frame()
    enc = encode(frame, "member", features=["x"])
    assert enc.positive_label == "True"
    np.testing.assert_array_equal(enc.y, frame["member"].astype(float))
    enc = encode(frame.assign(t=[2.0, 5.0] * 5), "t", features=["x"])
    assert enc.positive_label == "5"
    np.testing.assert_array_equal(enc.y, [0, 1] * 5)


def test_encode_missing_values_dropped_with_note():
    frame = hand_frame()
    frame.loc[2, "x"] = np.nan
    frame.loc[5, "outcome"] = None
    frame.loc[7, "colour"] = None
    frame = pd.concat([frame, hand_frame()], ignore_index=True)
    enc = encode(frame, "outcome", features=["x", "colour"])
    assert enc.X.shape == (17, 4)
    assert enc.notes[0] == "3 rows with missing values dropped (x: 1, colour: 1, outcome: 1)"
    # Statistics come from the rows kept.
    assert enc.X[:, 0].std(ddof=1) == pytest.approx(1)


def test_encode_too_many_missing_values():
    frame = hand_frame()
    frame.loc[:5, "x"] = np.nan
    with pytest.raises(DataError) as info:
        encode(frame, "outcome")
    assert str(info.value) == (
        "6 of 10 rows have a missing value (column 'x' has 6); "
        "fill them in or leave that column out."
    )


def test_encode_too_few_complete_rows():
    frame = pd.concat([hand_frame(), hand_frame()], ignore_index=True)
    frame.loc[:8, "x"] = np.nan
    assert encode(frame.iloc[:19], "outcome").X.shape[0] == 10  # 9 of 19 dropped
    with pytest.raises(DataError) as info:
        encode(frame.iloc[:18], "outcome")  # 9 of 18 dropped: allowed, but 9 rows left
    assert str(info.value) == "Only 9 complete rows remain; at least 10 are needed to train."


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            list(range(10)),
            "Target column 't' has 10 distinct values; choose a column with exactly two.",
        ),
        ([3] * 10, "Target column 't' has 1 distinct value; choose a column with exactly two."),
    ],
)
def test_encode_target_must_be_binary(values, expected):
    with pytest.raises(DataError) as info:
        encode(hand_frame().assign(t=values), "t")
    assert str(info.value) == expected


def test_encode_unknown_columns():
    with pytest.raises(DataError, match="There is no column 'nope'; the columns are 'x'"):
        encode(hand_frame(), "nope")
    with pytest.raises(DataError, match="There is no column 'zz' in the table"):
        encode(hand_frame(), "outcome", features=["x", "zz"])
    with pytest.raises(DataError, match="'outcome' is the target; it cannot also be a feature"):
        encode(hand_frame(), "outcome", features=["x", "outcome"])
    with pytest.raises(DataError, match="'colour' is marked categorical but is not a feature"):
        encode(hand_frame(), "outcome", features=["x"], categorical=["colour"])
    with pytest.raises(DataError, match="no feature columns besides the target 'outcome'"):
        encode(hand_frame()[["outcome"]], "outcome")


def test_encode_too_many_text_values():
    frame = pd.DataFrame({"name": [f"p{i}" for i in range(350)], "y": [0, 1] * 175})
    with pytest.raises(DataError) as info:
        encode(frame, "y")
    assert str(info.value) == (
        "Column 'name' has 350 distinct text values; it cannot be one-hot encoded (limit 20)."
    )


def test_encode_too_many_categories_for_a_numeric_categorical():
    frame = pd.DataFrame({"code": np.arange(30), "y": [0, 1] * 15})
    with pytest.raises(DataError, match=r"Column 'code' has 30 distinct values; .*limit 20"):
        encode(frame, "y", categorical=["code"])


def test_encode_infinite_values():
    frame = hand_frame()
    frame.loc[[3, 8], "x"] = np.inf
    with pytest.raises(DataError) as info:
        encode(frame, "outcome")
    assert str(info.value) == "Column 'x' has 2 infinite values (first at row 4)."


def test_encode_typo_in_numeric_column():
    frame = read_user_csv(
        b"gre,y\n" + b"".join(f"{v},{v % 2}\n".encode() for v in range(10)) + b"abc,1\n"
    )
    with pytest.raises(DataError) as info:
        encode(frame, "y")
    assert str(info.value) == "Column 'gre' has 1 non-numeric value (first at row 11: 'abc')."


def test_encode_numbers_stored_as_text_are_numeric():
    frame = hand_frame().assign(x=[str(v) for v in range(10)])
    enc = encode(frame, "outcome", features=["x"])
    np.testing.assert_allclose(enc.X[:, 0], (np.arange(10) - 4.5) / np.arange(10).std(ddof=1))


def test_encode_no_usable_feature():
    with pytest.raises(DataError) as info:
        encode(hand_frame().assign(k="a"), "outcome", features=["same", "k"])
    assert str(info.value) == (
        "No usable feature remains: every feature column has a single value (same = 7, k = 'a')."
    )


def test_encode_feature_limit():
    frame = pd.DataFrame(np.arange(510.0).reshape(10, 51) % 7, columns=[f"c{i}" for i in range(51)])
    frame["y"] = [0, 1] * 5
    with pytest.raises(DataError) as info:
        encode(frame, "y")
    assert str(info.value) == (
        "The encoded table would have 51 features; the limit is 50 "
        "(each one-hot category counts as one)."
    )
    assert encode(frame.drop(columns="c0"), "y").X.shape == (10, 50)


def test_encode_real_file_matches_the_lesson_preparation():
    if not REAL_CSV.exists():
        pytest.skip(f"the lesson's admissions file is not at {REAL_CSV}")
    frame = read_user_csv(REAL_CSV.read_bytes(), "binary.csv")
    assert binary_columns(frame) == ["admit"]
    enc = encode(frame, "admit", categorical=["rank"])
    assert enc.feature_names == ("gre", "gpa", "rank_1", "rank_2", "rank_3", "rank_4")
    assert enc.positive_label == "1"
    split = prepare_lesson(read_admissions_csv(REAL_CSV))
    np.testing.assert_allclose(enc.X[split.train_index], split.features, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(enc.y[split.test_index], split.targets_test)
