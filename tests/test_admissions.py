"""Tests for backprop_viz.data.admissions: reading, the synthetic stand-in, finding the data,
and the lesson's exact preparation."""

# The oracles below use the legacy global RNG on purpose: it is what the lesson uses.
# ruff: noqa: NPY002

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backprop_viz.data.admissions import (
    ADMISSIONS_ENV,
    AdmissionsSource,
    LessonSplit,
    load_admissions,
    prepare_lesson,
    read_admissions_csv,
    synthetic_admissions,
)
from backprop_viz.errors import DataError
from backprop_viz.limits import MAX_CSV_BYTES

REAL_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "binary.csv"

# Computed once from the real file with the lesson's recipe (see lesson_recipe below).
REAL_TARGETS_MEAN = 113 / 360  # 0.31388…: admitted share of the 360 training rows
REAL_TRAIN_INDEX_HEAD = [106, 9, 61, 224, 37]
REAL_FEATURES_0 = [0.9721551868394565, 0.44696492883831035, 1.0, 0.0, 0.0, 0.0]
REAL_LESSON_TEST_ACCURACY = 0.725  # what the lesson prints after its 900-epoch run


@pytest.fixture(scope="module")
def real_frame() -> pd.DataFrame:
    if not REAL_CSV.exists():
        pytest.skip(f"the lesson's admissions file is not at {REAL_CSV}")
    return read_admissions_csv(REAL_CSV)


def csv_bytes(rows: list[tuple], header: str = "admit,gre,gpa,rank") -> bytes:
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def valid_rows(n: int = 12) -> list[tuple]:
    return [(i % 2, 400 + 20 * i, round(2.5 + 0.1 * i, 2), 1 + i % 4) for i in range(n)]


def write_csv(path: Path, rows: list[tuple] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(valid_rows() if rows is None else rows))
    return path


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def lesson_weights(n_features: int, seed: int = 21) -> tuple[np.ndarray, np.ndarray]:
    np.random.seed(seed)
    scale = 1 / n_features**0.5
    return (
        np.random.normal(scale=scale, size=(n_features, 2)),
        np.random.normal(scale=scale, size=2),
    )


def lesson_loop(features, targets, epochs, learnrate=0.005):
    """Test oracle: the lesson's per-record training loop, as the lesson writes it."""
    n_records, n_features = features.shape
    w_ih, w_ho = lesson_weights(n_features)
    for _ in range(epochs):
        d_ih = np.zeros(w_ih.shape)
        d_ho = np.zeros(w_ho.shape)
        for x, y in zip(features, targets, strict=True):
            hidden = sigmoid(np.dot(x, w_ih))
            output = sigmoid(np.dot(hidden, w_ho))
            error_term = (y - output) * output * (1 - output)
            hidden_error_term = np.dot(error_term, w_ho) * hidden * (1 - hidden)
            d_ho += error_term * hidden
            d_ih += hidden_error_term * x[:, None]
        w_ih += learnrate * d_ih / n_records
        w_ho += learnrate * d_ho / n_records
    return w_ih, w_ho


def lesson_batch(features, targets, epochs, learnrate=0.005):
    """The same updates over the whole batch at once: the lesson sums the per-record
    deltas with fixed weights, so this is the same computation, only fast."""
    n_records, n_features = features.shape
    w_ih, w_ho = lesson_weights(n_features)
    for _ in range(epochs):
        hidden = sigmoid(features @ w_ih)
        output = sigmoid(hidden @ w_ho)
        error_term = (targets - output) * output * (1 - output)
        hidden_term = error_term[:, None] * w_ho[None, :] * hidden * (1 - hidden)
        w_ho = w_ho + learnrate * (hidden.T @ error_term) / n_records
        w_ih = w_ih + learnrate * (features.T @ hidden_term) / n_records
    return w_ih, w_ho


def accuracy(weights, features, targets) -> float:
    output = sigmoid(sigmoid(features @ weights[0]) @ weights[1])
    return float(np.mean((output > 0.5) == targets))


def lesson_recipe(admissions: pd.DataFrame):
    """Independent oracle: the lesson's preparation written out step by step."""
    data = pd.concat(
        [admissions, pd.get_dummies(admissions["rank"], prefix="rank", dtype=float)], axis=1
    )
    data = data.drop("rank", axis=1)
    for field in ["gre", "gpa"]:
        mean, std = data[field].mean(), data[field].std()
        data[field] = (data[field] - mean) / std
    np.random.seed(21)
    sample = np.random.choice(data.index, size=int(len(data) * 0.9), replace=False)
    data, test_data = data.iloc[sample], data.drop(sample)
    return (
        data.drop("admit", axis=1),
        data["admit"],
        test_data.drop("admit", axis=1),
        test_data["admit"],
        sample,
    )


# --- read_admissions_csv ------------------------------------------------------------


def test_real_file_reads_with_clean_dtypes(real_frame):
    assert list(real_frame.columns) == ["admit", "gre", "gpa", "rank"]
    assert real_frame.shape == (400, 4)
    assert [str(t) for t in real_frame.dtypes] == ["int64", "float64", "float64", "int64"]
    assert real_frame.iloc[0].tolist() == [0, 380.0, 3.61, 3]
    assert real_frame["admit"].mean() == pytest.approx(0.3175)
    assert real_frame["rank"].value_counts().sort_index().tolist() == [61, 151, 121, 67]


def test_real_file_same_from_str_path_bytes_and_open_file(real_frame):
    pd.testing.assert_frame_equal(read_admissions_csv(str(REAL_CSV)), real_frame)
    pd.testing.assert_frame_equal(read_admissions_csv(REAL_CSV.read_bytes()), real_frame)
    with REAL_CSV.open("rb") as fh:
        pd.testing.assert_frame_equal(read_admissions_csv(fh), real_frame)
    with REAL_CSV.open(encoding="utf-8") as fh:
        pd.testing.assert_frame_equal(read_admissions_csv(fh), real_frame)


def test_extra_columns_ignored_order_and_case_normalized():
    rows = [(f"s{i}", r[3], r[2], r[1], r[0]) for i, r in enumerate(valid_rows())]
    frame = read_admissions_csv(csv_bytes(rows, header="student,Rank,GPA,gre,admit"))
    assert list(frame.columns) == ["admit", "gre", "gpa", "rank"]
    assert frame["gre"].tolist() == [r[1] for r in valid_rows()]


def test_utf8_bom_accepted():
    frame = read_admissions_csv(b"\xef\xbb\xbf" + csv_bytes(valid_rows()))
    assert len(frame) == 12


def test_text_stream_is_accepted():
    frame = read_admissions_csv(io.StringIO(csv_bytes(valid_rows()).decode()))
    assert frame["rank"].tolist() == [1 + i % 4 for i in range(12)]


def bad_rows(i: int, col: int, value: object) -> list[tuple]:
    rows = valid_rows()
    row = list(rows[i])
    row[col] = value
    rows[i] = tuple(row)
    return rows


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The admissions data is empty."),
        (b"  \n\n", "The admissions data is empty."),
        ("admit,gre\n1,é".encode("latin-1"), "is not UTF-8 text"),
        (b"admit,gre,gpa,rank\n", "has a header row but no data rows"),
        (csv_bytes(valid_rows(5)), "has only 5 rows; at least 10 are needed"),
        (
            csv_bytes([(r[0], r[1], r[2]) for r in valid_rows()], header="admit,gre,gpa"),
            "has no column 'rank'; it needs the columns admit, gre, gpa, rank",
        ),
        (
            csv_bytes([(r[0], r[1]) for r in valid_rows()], header="admit,gre"),
            "has no column 'gpa', 'rank'",
        ),
        (
            csv_bytes(bad_rows(2, 2, "")),
            "Column 'gpa' in the admissions data has 1 missing value (first at row 3).",
        ),
        (
            csv_bytes(bad_rows(6, 1, "abc")),
            "Column 'gre' in the admissions data has 1 non-numeric value (first at row 7: 'abc').",
        ),
        (
            csv_bytes(bad_rows(4, 0, 2)),
            "Column 'admit' in the admissions data must be 0 or 1, but 1 value is not "
            "(first at row 5: 2).",
        ),
        (
            csv_bytes(bad_rows(3, 3, 5)),
            "Column 'rank' in the admissions data must be a whole number from 1 to 4, "
            "but 1 value is not (first at row 4: 5).",
        ),
        (csv_bytes(bad_rows(3, 3, 2.5)), "(first at row 4: 2.5)"),
        (
            csv_bytes(bad_rows(0, 1, "inf")),
            "Column 'gre' in the admissions data must be a finite number within ±1,000,000, "
            "but 1 value is not "
            "(first at row 1: inf).",
        ),
        (
            b"admit,gre,gpa,rank\n1,2,3,4\n1,2,3,4,5,6\n",
            "could not be read as CSV (line 3 has 6 fields but the header has 4)",
        ),
        (
            csv_bytes([(bool(r[0]), r[1], r[2], r[3]) for r in valid_rows()]),
            "Column 'admit' in the admissions data holds True/False values",
        ),
    ],
)
def test_bad_data_raises_clear_error(data: bytes, expected: str):
    with pytest.raises(DataError) as info:
        read_admissions_csv(data)
    assert expected in str(info.value)


def test_non_utf8_message_says_how_to_fix():
    with pytest.raises(DataError, match="save it as CSV UTF-8"):
        read_admissions_csv("admit,gre\n1,é".encode("cp1252"))


def test_too_large_data_is_refused(tmp_path):
    with pytest.raises(DataError, match="the limit is 5 MB"):
        read_admissions_csv(b"a" * (MAX_CSV_BYTES + 1))
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * (MAX_CSV_BYTES + 1))
    with pytest.raises(DataError, match=r"big\.csv is larger than the 5 MB limit"):
        read_admissions_csv(big)


def test_missing_file_and_folder_named_in_message(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=r"nope\.csv does not exist"):
        read_admissions_csv(missing)
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        read_admissions_csv(tmp_path)


def test_file_path_appears_in_column_errors(tmp_path):
    path = write_csv(tmp_path / "mine.csv", bad_rows(1, 1, "x"))
    with pytest.raises(DataError, match=r"Column 'gre' in the admissions file .*mine\.csv has"):
        read_admissions_csv(path)


# --- synthetic_admissions -----------------------------------------------------------


def test_synthetic_is_deterministic_and_seed_dependent():
    a, b = synthetic_admissions(), synthetic_admissions(400, 21)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(synthetic_admissions(seed=22))


def test_synthetic_shape_dtypes_and_ranges():
    frame = synthetic_admissions(2000, seed=3)
    assert list(frame.columns) == ["admit", "gre", "gpa", "rank"]
    assert [str(t) for t in frame.dtypes] == ["int64", "float64", "float64", "int64"]
    assert set(frame["admit"]) == {0, 1}
    assert set(frame["rank"]) == {1, 2, 3, 4}
    assert frame["gre"].between(200, 800).all()
    assert (frame["gre"] % 20 == 0).all()
    assert frame["gpa"].between(2.0, 4.0).all()
    assert np.allclose(frame["gpa"] * 100, np.round(frame["gpa"] * 100))
    assert frame["gre"].mean() == pytest.approx(580, abs=10)
    assert frame["gpa"].mean() == pytest.approx(3.39, abs=0.05)
    assert frame["gre"].corr(frame["gpa"]) == pytest.approx(0.4, abs=0.08)


def test_synthetic_admission_rate_like_the_lesson():
    assert 0.25 <= synthetic_admissions()["admit"].mean() <= 0.40
    assert synthetic_admissions(20_000, seed=5)["admit"].mean() == pytest.approx(0.32, abs=0.02)
    # Better ranks are admitted more often, as in the real data.
    rates = synthetic_admissions(20_000, seed=5).groupby("rank")["admit"].mean()
    assert list(rates) == sorted(rates, reverse=True)


def test_synthetic_passes_the_reader_and_round_trips():
    frame = synthetic_admissions(50, seed=1)
    again = read_admissions_csv(frame.to_csv(index=False).encode())
    pd.testing.assert_frame_equal(again, frame)


def test_synthetic_small_network_reaches_about_70_percent():
    split = prepare_lesson(synthetic_admissions(4000, seed=8))
    weights = lesson_batch(split.features, split.targets, 2000, learnrate=0.5)
    assert 0.64 <= accuracy(weights, split.features_test, split.targets_test) <= 0.77
    majority = 1 - split.targets_test.mean()
    assert accuracy(weights, split.features_test, split.targets_test) > majority


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"n": 5}, "number of rows must be a whole number from 10"),
        ({"n": 10.5}, "number of rows must be a whole number"),
        ({"seed": -1}, "seed must be a whole number, 0 or more"),
    ],
)
def test_synthetic_bad_arguments(kwargs, expected):
    with pytest.raises(DataError, match=expected):
        synthetic_admissions(**kwargs)


# --- load_admissions ----------------------------------------------------------------


def test_load_explicit_path_wins_over_env_and_project_file(tmp_path):
    mine = write_csv(tmp_path / "mine.csv", valid_rows(11))
    env_file = write_csv(tmp_path / "env.csv", valid_rows(12))
    write_csv(tmp_path / "root" / "data" / "binary.csv", valid_rows(13))
    src = load_admissions(mine, env={ADMISSIONS_ENV: str(env_file)}, project_root=tmp_path / "root")
    assert isinstance(src, AdmissionsSource)
    assert len(src.frame) == 11
    assert not src.synthetic
    assert src.path == str(mine)
    assert src.label == f"Admissions data from {mine} (11 rows)"


def test_load_explicit_bad_path_raises_instead_of_falling_back(tmp_path):
    root = tmp_path / "root"
    write_csv(root / "data" / "binary.csv")
    with pytest.raises(DataError, match=r"missing\.csv does not exist"):
        load_admissions(tmp_path / "missing.csv", env={}, project_root=root)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(csv_bytes(bad_rows(0, 0, 7)))
    with pytest.raises(DataError, match="must be 0 or 1"):
        load_admissions(broken, env={}, project_root=root)


def test_load_env_var_wins_over_project_file(tmp_path):
    env_file = write_csv(tmp_path / "env.csv", valid_rows(12))
    write_csv(tmp_path / "root" / "data" / "binary.csv", valid_rows(13))
    src = load_admissions(env={ADMISSIONS_ENV: str(env_file)}, project_root=tmp_path / "root")
    assert len(src.frame) == 12
    assert src.path == str(env_file)
    assert not src.synthetic


def test_load_env_var_bad_file_raises_naming_the_variable(tmp_path):
    with pytest.raises(DataError) as info:
        load_admissions(env={ADMISSIONS_ENV: str(tmp_path / "gone.csv")}, project_root=tmp_path)
    message = str(info.value)
    assert message.startswith(f"The file named by {ADMISSIONS_ENV} cannot be used:")
    assert "gone.csv does not exist" in message


def test_load_reads_os_environ_by_default(tmp_path, monkeypatch):
    env_file = write_csv(tmp_path / "env.csv", valid_rows(14))
    monkeypatch.setenv(ADMISSIONS_ENV, str(env_file))
    assert len(load_admissions(project_root=tmp_path).frame) == 14


def test_load_blank_env_var_is_ignored(tmp_path):
    src = load_admissions(env={ADMISSIONS_ENV: "  "}, project_root=tmp_path)
    assert src.synthetic


def test_load_project_data_file(tmp_path):
    path = write_csv(tmp_path / "data" / "binary.csv", valid_rows(15))
    src = load_admissions(env={}, project_root=tmp_path)
    assert len(src.frame) == 15
    assert src.path == str(path)
    assert src.label == f"Admissions data from {path} (15 rows)"


def test_load_project_data_file_invalid_raises(tmp_path):
    write_csv(tmp_path / "data" / "binary.csv", valid_rows(3))
    with pytest.raises(DataError, match="has only 3 rows"):
        load_admissions(env={}, project_root=tmp_path)


def test_load_falls_back_to_labelled_synthetic(tmp_path):
    src = load_admissions(env={}, project_root=tmp_path)
    assert src.synthetic
    assert src.path is None
    assert src.label == (
        "Synthetic admissions-like data generated by backprop-viz (400 rows, seed 21): "
        "not the lesson's real data"
    )
    pd.testing.assert_frame_equal(src.frame, synthetic_admissions())


def test_load_real_file_by_path(real_frame):
    src = load_admissions(REAL_CSV, env={})
    assert src.label == f"Admissions data from {REAL_CSV} (400 rows)"
    pd.testing.assert_frame_equal(src.frame, real_frame)


# --- prepare_lesson -----------------------------------------------------------------


def test_lesson_split_on_real_file_matches_reference(real_frame):
    split = prepare_lesson(real_frame)
    assert isinstance(split, LessonSplit)
    assert split.feature_names == ("gre", "gpa", "rank_1", "rank_2", "rank_3", "rank_4")
    assert split.features.shape == (360, 6)
    assert split.features_test.shape == (40, 6)
    assert split.targets.shape == (360,)
    assert split.targets_test.shape == (40,)
    for arr in (split.features, split.targets, split.features_test, split.targets_test):
        assert arr.dtype == np.float64
    assert split.targets.mean() == pytest.approx(REAL_TARGETS_MEAN, abs=1e-15)
    assert split.train_index[:5].tolist() == REAL_TRAIN_INDEX_HEAD
    np.testing.assert_allclose(split.features[0], REAL_FEATURES_0, rtol=0, atol=1e-12)


def test_lesson_split_equals_the_lesson_recipe(real_frame):
    X, y, X_test, y_test, sample = lesson_recipe(real_frame)
    split = prepare_lesson(real_frame)
    assert list(X.columns) == list(split.feature_names)
    np.testing.assert_array_equal(split.features, X.to_numpy())
    np.testing.assert_array_equal(split.targets, y.to_numpy())
    np.testing.assert_array_equal(split.features_test, X_test.to_numpy())
    np.testing.assert_array_equal(split.targets_test, y_test.to_numpy())
    np.testing.assert_array_equal(split.train_index, sample)


def test_lesson_standardizes_over_all_rows_with_ddof_1(real_frame):
    split = prepare_lesson(real_frame)
    index = np.concatenate([split.train_index, split.test_index])
    assert sorted(index.tolist()) == list(range(400))
    assert split.test_index.tolist() == sorted(split.test_index.tolist())
    features = np.empty((400, 6))
    features[index] = np.vstack([split.features, split.features_test])
    for j, field in enumerate(("gre", "gpa")):
        raw = real_frame[field].to_numpy()
        expected = (raw - raw.mean()) / raw.std(ddof=1)
        np.testing.assert_allclose(features[:, j], expected, rtol=0, atol=1e-12)
        assert features[:, j].std(ddof=1) == pytest.approx(1.0, abs=1e-12)
        # Training rows alone are not exactly standardized: the statistics span all rows.
        assert split.features[:, j].std(ddof=1) != pytest.approx(1.0, abs=1e-6)
    ranks = real_frame["rank"].to_numpy()
    np.testing.assert_array_equal(features[:, 2:], (ranks[:, None] == [1, 2, 3, 4]) * 1.0)
    np.testing.assert_array_equal(features[:, 2:].sum(axis=1), 1.0)


def test_lesson_batch_oracle_equals_the_per_record_loop(real_frame):
    split = prepare_lesson(real_frame)
    slow = lesson_loop(split.features, split.targets, epochs=3)
    fast = lesson_batch(split.features, split.targets, epochs=3)
    np.testing.assert_allclose(fast[0], slow[0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(fast[1], slow[1], rtol=0, atol=1e-14)


def test_lesson_training_reaches_the_lessons_accuracy(real_frame):
    split = prepare_lesson(real_frame)
    weights = lesson_batch(split.features, split.targets, epochs=900)
    acc = accuracy(weights, split.features_test, split.targets_test)
    assert acc == pytest.approx(REAL_LESSON_TEST_ACCURACY, abs=1e-12)


def test_prepare_lesson_restores_global_random_state():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    prepare_lesson(synthetic_admissions())
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_absent_rank_still_gets_a_zero_column():
    frame = synthetic_admissions(100, seed=2)
    frame = frame[frame["rank"] != 4]
    split = prepare_lesson(frame)
    assert split.features.shape[1] == 6
    assert (split.features[:, 5] == 0).all()
    assert (split.features_test[:, 5] == 0).all()


def test_indexes_are_positions_even_with_a_custom_index():
    frame = synthetic_admissions(40, seed=4)
    relabelled = frame.set_axis(np.arange(1000, 1040))
    a, b = prepare_lesson(frame), prepare_lesson(relabelled)
    np.testing.assert_array_equal(a.train_index, b.train_index)
    np.testing.assert_array_equal(a.features, b.features)
    assert b.train_index.max() < 40
    assert len(a.train_index) == 36
    assert len(a.test_index) == 4


def test_prepare_lesson_rejects_unusable_frames():
    frame = synthetic_admissions(20, seed=1)
    with pytest.raises(DataError, match="has no column 'rank'"):
        prepare_lesson(frame.drop(columns="rank"))
    with pytest.raises(DataError, match="Column 'gre' has the same value in every row"):
        prepare_lesson(frame.assign(gre=500.0))
    with pytest.raises(DataError, match="must be a whole number from 1 to 4"):
        prepare_lesson(frame.assign(rank=0))
