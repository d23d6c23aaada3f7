"""The lesson's graduate admissions data: read and check it, or generate a stand-in, then
prepare it exactly as the lesson does.

The real file (columns admit, gre, gpa, rank) is not part of backprop-viz. `load_admissions`
finds it from an explicit path, the BACKPROP_VIZ_ADMISSIONS_CSV environment variable or
`data/binary.csv` (BACKPROP_VIZ_DATA_DIR moves that folder); without any of these it falls
back to `synthetic_admissions`, clearly labelled as synthetic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from ..errors import DataError, quoted
from ..limits import MAX_CSV_ABS_VALUE, MIN_DATA_ROWS
from .tabular import MAX_CSV_BYTES, MAX_CSV_ROWS, decode_csv_bytes, parse_csv_text

ADMISSIONS_ENV = "BACKPROP_VIZ_ADMISSIONS_CSV"
DATA_DIR_ENV = "BACKPROP_VIZ_DATA_DIR"  # where data/binary.csv is looked for and saved
ADMISSIONS_COLUMNS = ("admit", "gre", "gpa", "rank")
RANKS = (1, 2, 3, 4)
FEATURE_NAMES = ("gre", "gpa", "rank_1", "rank_2", "rank_3", "rank_4")
LESSON_SEED = 21
LESSON_TRAIN_FRACTION = 0.9

# The synthetic model (see synthetic_admissions). Picked by hand so the data resemble the
# lesson's: about 30% admitted, and a small sigmoid network tops out near 70% accuracy.
_RANK_PROBS = (0.15, 0.38, 0.30, 0.17)
_GRE_MEAN, _GRE_SD = 580.0, 115.0
_GPA_MEAN, _GPA_SD = 3.39, 0.38
_GRE_GPA_CORR = 0.4
_B0 = 0.1
_B_GRE = 0.3
_B_GPA = 0.35
_RANK_EFFECT = (0.0, -0.7, -1.3, -1.6)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _fmt(value: object) -> str:
    """A value as a message shows it: 2 for 2.0, 1e+308 for a huge number, text quoted."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        # Text from the file is quoted cut short: a 4 MB cell must not become a 4 MB message.
        return quoted(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _read_source(source: str | os.PathLike | bytes | IO) -> tuple[bytes, str]:
    """The raw bytes of `source` and a phrase naming it in messages."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "the admissions data"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        what = f"the admissions file {os.fspath(source)}"
        if not path.exists():
            raise DataError(f"{_cap(what)} does not exist.")
        if path.is_dir():
            raise DataError(f"{_cap(what)} is a folder, not a CSV file.")
        try:
            size = path.stat().st_size
            if size > MAX_CSV_BYTES:  # checked before reading so a huge file is never loaded
                raise DataError(
                    f"{_cap(what)} is larger than the {MAX_CSV_BYTES // 2**20} MB limit."
                )
            return path.read_bytes(), what
        except OSError as exc:
            raise DataError(f"{_cap(what)} could not be read ({exc.strerror}).") from None
    if hasattr(source, "read"):
        name = getattr(source, "name", None)
        what = f"the admissions file {name}" if isinstance(name, str) else "the admissions data"
        content = source.read()
        if isinstance(content, str):
            content = content.encode("utf-8")
        return bytes(content), what
    raise TypeError(f"Cannot read admissions data from a {type(source).__name__}.")


def _check_frame(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Validate admissions columns and return admit/gre/gpa/rank with clean dtypes."""
    # Column names are matched case-insensitively: "GRE" and "gre" mean the same here.
    by_lower = {str(c).strip().lower(): c for c in frame.columns}
    absent = [c for c in ADMISSIONS_COLUMNS if c not in by_lower]
    if absent:
        names = ", ".join(f"'{c}'" for c in absent)
        raise DataError(
            f"{_cap(what)} has no column {names}; it needs the columns admit, gre, gpa, rank."
        )
    n = len(frame)
    if n < MIN_DATA_ROWS:
        raise DataError(
            f"{_cap(what)} has only {_plural(n, 'row')}; at least {MIN_DATA_ROWS} are needed."
        )
    if n > MAX_CSV_ROWS:
        raise DataError(f"{_cap(what)} has {n:,} rows; the limit is {MAX_CSV_ROWS:,}.")

    out: dict[str, np.ndarray] = {}
    for name in ADMISSIONS_COLUMNS:
        col = frame[by_lower[name]]
        where = f"Column '{name}' in {what}"
        missing = col.isna().to_numpy()
        if missing.any():
            k = int(missing.sum())
            first = int(np.flatnonzero(missing)[0]) + 1
            raise DataError(f"{where} has {_plural(k, 'missing value')} (first at row {first}).")
        if pd.api.types.is_bool_dtype(col):
            raise DataError(f"{where} holds True/False values; it must hold numbers.")
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values)
        if bad.any():
            k = int(bad.sum())
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{where} has {_plural(k, 'non-numeric value')} "
                f"(first at row {i + 1}: {_fmt(col.iloc[i])})."
            )
        if name == "admit":
            bad = ~np.isin(values, (0.0, 1.0))
            rule = "must be 0 or 1"
        elif name == "rank":
            bad = ~np.isin(values, RANKS)
            rule = "must be a whole number from 1 to 4"
        else:
            bad = ~(np.abs(values) <= MAX_CSV_ABS_VALUE)  # NaN compares False: none left here
            rule = f"must be a finite number within ±{MAX_CSV_ABS_VALUE:,.0f}"
        if bad.any():
            k = int(bad.sum())
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{where} {rule}, but {_plural(k, 'value')} "
                f"{'is' if k == 1 else 'are'} not (first at row {i + 1}: {_fmt(values[i])})."
            )
        out[name] = values
    return pd.DataFrame(
        {
            "admit": out["admit"].astype(np.int64),
            "gre": out["gre"],
            "gpa": out["gpa"],
            "rank": out["rank"].astype(np.int64),
        }
    )


def read_admissions_csv(source: str | os.PathLike | bytes | IO) -> pd.DataFrame:
    """Read and validate admissions data (columns admit, gre, gpa, rank).

    `source` is a path (a `str` is always a path, never CSV text), the file's bytes, or an
    open file (binary or text; its `name`, if any, appears in messages). Extra columns are
    ignored and names match case-insensitively. Every value must be present and numeric,
    admit 0 or 1, rank a whole number 1..4, gre and gpa finite; at least 10 rows.
    Returns columns admit (int64), gre (float64), gpa (float64), rank (int64) in the
    file's row order. Raises DataError naming the problem; "row N" counts data rows from 1.
    """
    data, what = _read_source(source)
    text = decode_csv_bytes(data, _cap(what))
    frame = parse_csv_text(text, _cap(what))
    return _check_frame(frame, what)


def synthetic_admissions(n: int = 400, seed: int = LESSON_SEED) -> pd.DataFrame:
    """Admissions-like data generated by backprop-viz: same columns and dtypes as
    `read_admissions_csv`, deterministic for a given `n` and `seed`.

    The model, drawn with `np.random.default_rng(seed)` in this order:

    * rank ∈ {1, 2, 3, 4} with probabilities 0.15, 0.38, 0.30, 0.17;
    * (z_gre, z_gpa) standard bivariate normal with correlation 0.4;
      gre = 580 + 115·z_gre, clipped to 200..800 and rounded to a multiple of 20;
      gpa = 3.39 + 0.38·z_gpa, clipped to 2.0..4.0 and rounded to 0.01;
    * admit ~ Bernoulli(sigmoid(0.1 + 0.3·(gre − 580)/115 + 0.35·(gpa − 3.39)/0.38 + r)),
      with the rank effect r = 0, −0.7, −1.3, −1.6 for ranks 1..4, computed from the
      rounded gre and gpa.

    This gives roughly 30% admitted, and a small sigmoid network reaches about 70% test
    accuracy: similar to the lesson's real data, but it is not that data.
    """
    if (
        isinstance(n, bool)
        or not isinstance(n, int | np.integer)
        or not MIN_DATA_ROWS <= n <= MAX_CSV_ROWS
    ):
        raise DataError(
            f"The number of rows must be a whole number from {MIN_DATA_ROWS} to {MAX_CSV_ROWS:,}."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DataError("The seed must be a whole number, 0 or more.")
    rng = np.random.default_rng(seed)
    rank = rng.choice(np.array(RANKS), size=n, p=_RANK_PROBS)
    # Correlated normals built by hand: multivariate_normal's SVD could differ by platform.
    e = rng.standard_normal((n, 2))
    z = np.column_stack(
        [e[:, 0], _GRE_GPA_CORR * e[:, 0] + np.sqrt(1 - _GRE_GPA_CORR**2) * e[:, 1]]
    )
    gre = np.round(np.clip(_GRE_MEAN + _GRE_SD * z[:, 0], 200, 800) / 20) * 20
    gpa = np.round(np.clip(_GPA_MEAN + _GPA_SD * z[:, 1], 2.0, 4.0), 2)
    logit = (
        _B0
        + _B_GRE * (gre - _GRE_MEAN) / _GRE_SD
        + _B_GPA * (gpa - _GPA_MEAN) / _GPA_SD
        + np.asarray(_RANK_EFFECT)[rank - 1]
    )
    admit = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    return pd.DataFrame(
        {
            "admit": admit.astype(np.int64),
            "gre": gre.astype(np.float64),
            "gpa": gpa.astype(np.float64),
            "rank": rank.astype(np.int64),
        }
    )


@dataclass(frozen=True)
class AdmissionsSource:
    """Admissions data plus where it came from, in words a user can read."""

    frame: pd.DataFrame
    label: str  # e.g. "Admissions data from /path/binary.csv (400 rows)"
    synthetic: bool
    path: str | None  # the file read, or None for synthetic data


def _from_file(path: str | os.PathLike, what: str | None = None) -> AdmissionsSource:
    shown = os.path.abspath(os.fspath(path))
    try:
        frame = read_admissions_csv(path)
    except DataError as exc:
        if what is None:
            raise
        raise DataError(f"{what} cannot be used: {_lower_first(str(exc))}") from None
    return AdmissionsSource(
        frame=frame,
        label=f"Admissions data from {shown} ({len(frame)} rows)",
        synthetic=False,
        path=shown,
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def default_path(
    project_root: str | os.PathLike | None = None, *, env: Mapping[str, str] | None = None
) -> Path:
    """Where the admissions file is looked for when no path is given, and where
    `fetch-data` saves it: `binary.csv` in the folder named by BACKPROP_VIZ_DATA_DIR (in
    `env`, default `os.environ`), else `data/binary.csv` in the project (git-ignored).
    An explicit `project_root` wins over the variable."""
    if project_root is not None:
        return Path(project_root) / "data" / "binary.csv"
    folder = (os.environ if env is None else env).get(DATA_DIR_ENV, "").strip()
    if folder:
        return Path(folder) / "binary.csv"
    return Path(__file__).resolve().parents[2] / "data" / "binary.csv"


def admissions_file(env: Mapping[str, str] | None = None) -> Path:
    """The file `load_admissions()` reads when no path is given: the one named by
    BACKPROP_VIZ_ADMISSIONS_CSV, else the default (it may not exist)."""
    named = (os.environ if env is None else env).get(ADMISSIONS_ENV, "").strip()
    return Path(named) if named else default_path(env=env)


def load_admissions(
    path: str | os.PathLike | None = None,
    *,
    env: Mapping[str, str] | None = None,
    project_root: Path | None = None,
) -> AdmissionsSource:
    """Find the admissions data, first match wins:

    1. `path`, if given;
    2. the file named by the BACKPROP_VIZ_ADMISSIONS_CSV variable in `env` (default
       `os.environ`), if set and not blank;
    3. `default_path(project_root)`, if it exists: `<project_root>/data/binary.csv`, or
       without a project_root `binary.csv` in BACKPROP_VIZ_DATA_DIR, else in the
       repository's `data/`;
    4. `synthetic_admissions()`, labelled as synthetic.

    A file named in 1–3 that is missing or invalid raises DataError: a file the user chose
    never silently turns into synthetic data.
    """
    if path is not None:
        return _from_file(path)
    env = os.environ if env is None else env
    from_env = env.get(ADMISSIONS_ENV, "").strip()
    if from_env:
        return _from_file(from_env, f"The file named by {ADMISSIONS_ENV}")
    default = default_path(project_root, env=env)
    if default.exists():
        return _from_file(default)
    frame = synthetic_admissions()
    return AdmissionsSource(
        frame=frame,
        label=(
            f"Synthetic admissions-like data generated by backprop-viz ({len(frame)} rows, "
            f"seed {LESSON_SEED}): not the lesson's real data"
        ),
        synthetic=True,
        path=None,
    )


@dataclass(frozen=True)
class LessonSplit:
    """The lesson's train/test split of the prepared admissions data.

    Row indexes are 0-based positions in the frame given to `prepare_lesson`;
    `train_index` is in the lesson's sampled (shuffled) order, `test_index` ascending.
    """

    features: np.ndarray  # float64, (n_train, 6), columns as feature_names
    targets: np.ndarray  # float64, (n_train,)
    features_test: np.ndarray  # float64, (n_test, 6)
    targets_test: np.ndarray  # float64, (n_test,)
    feature_names: tuple[str, ...]
    train_index: np.ndarray  # int64
    test_index: np.ndarray  # int64


def prepare_lesson(frame: pd.DataFrame) -> LessonSplit:
    """Prepare admissions data exactly as the lesson does, on current pandas.

    1. One-hot encode rank into rank_1..rank_4 (a column for every rank, even one that
       does not occur) and drop rank.
    2. Standardize gre and gpa over all rows: (x − mean) / sample std (ddof=1).
    3. `np.random.seed(21)`; draw `int(0.9·n)` row labels without replacement with
       `np.random.choice`: those rows, in drawn order, train; the rest, in file order, test.
    4. Features gre, gpa, rank_1..rank_4; target admit.

    The global NumPy random state is restored afterwards. Raises DataError if the frame
    is not valid admissions data or gre or gpa is constant.
    """
    data = _check_frame(frame, "the admissions table")  # also resets the index to 0..n-1
    dummies = pd.get_dummies(data["rank"], prefix="rank", dtype=float)
    dummies = dummies.reindex(columns=[f"rank_{r}" for r in RANKS], fill_value=0.0)
    data = pd.concat([data, dummies], axis=1).drop("rank", axis=1)
    for field in ("gre", "gpa"):
        mean, std = data[field].mean(), data[field].std()
        if not std > 0:
            raise DataError(
                f"Column '{field}' has the same value in every row, so it cannot be standardized."
            )
        data[field] = (data[field] - mean) / std  # the lesson's data.loc[:, field] = ...

    # The legacy global generator, on purpose: it is what reproduces the lesson's split.
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(LESSON_SEED)  # noqa: NPY002
        n_train = int(len(data) * LESSON_TRAIN_FRACTION)
        sample = np.random.choice(data.index, size=n_train, replace=False)  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    train, test = data.iloc[sample], data.drop(sample)

    names = list(FEATURE_NAMES)
    return LessonSplit(
        features=train[names].to_numpy(dtype=np.float64),
        targets=train["admit"].to_numpy(dtype=np.float64),
        features_test=test[names].to_numpy(dtype=np.float64),
        targets_test=test["admit"].to_numpy(dtype=np.float64),
        feature_names=FEATURE_NAMES,
        train_index=np.asarray(sample, dtype=np.int64),
        test_index=test.index.to_numpy(dtype=np.int64),
    )
