"""The user's own CSV: read it safely, then encode it into a numeric matrix and a 0/1 target.

Reading (`read_user_csv`) checks size, encoding and shape limits and returns a DataFrame.
Encoding (`encode`) turns a chosen binary target column and the other columns into float64
arrays a network can train on, and records every decision as a human-readable note.

Encoding rules:

* Rows with a missing value in any used column are dropped, with a note, unless more than
  half of the rows would go: then a DataError asks the user to fix the data instead.
* The target must have exactly two distinct values; they map to 0 and 1 in sorted order
  (so a numeric 0/1 target keeps its values), and the larger one is the positive class.
* Numeric features are standardized with the mean and the sample standard deviation
  (ddof=1). Boolean features become 0/1. Text features with at most 20 distinct values are
  one-hot encoded, one column per category in sorted order; numeric columns named in
  `categorical` are one-hot encoded the same way.
* A feature with a single distinct value carries no information: it is dropped with a note.
  Only if no feature at all remains is that a DataError.
* Infinite numbers, text in a mostly numeric column, too many text categories and more than
  50 encoded features are DataErrors.

Reading refuses a hostile file before anything quotes it whole: a header line, a column name
or a cell longer than its limit, and a number that is NaN, infinite or beyond ±1,000,000 in a
column of numbers (such values only overflow training later). Every message quotes user text
cut short (`errors.quoted`). Of pandas' usual missing-value words, "NaN" and "nan" are not
missing here: they are numbers that are not numbers, and refused as such.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError, cut, quoted
from ..limits import (
    MAX_CATEGORIES,
    MAX_CSV_ABS_VALUE,
    MAX_CSV_BYTES,
    MAX_CSV_CELL_CHARS,
    MAX_CSV_COLUMNS,
    MAX_CSV_HEADER_CHARS,
    MAX_CSV_NAME_CHARS,
    MAX_CSV_ROWS,
    MAX_ECHO_CHARS,
    MAX_FEATURES,
    MIN_DATA_ROWS,
)

_DELIMITERS = (",", ";", "\t")
# pandas' words for a missing cell, less the spellings of NaN: a NaN in a column of numbers
# is refused, not silently dropped with its row.
_NAN_WORDS = frozenset({"nan", "-nan", "+nan"})
_MISSING_WORDS = sorted(
    {"", "#N/A", "#N/A N/A", "#NA", "<NA>", "N/A", "NA", "NULL", "None", "n/a", "null"}
)


def _size_text(n_bytes: int) -> str:
    # Rounded up, so a file just over the limit never reads as "5.0 MB".
    return f"{math.ceil(n_bytes / (1024 * 1024) * 10) / 10:.1f} MB"


def _fmt_value(value: object) -> str:
    """A value as a user would write it: 1.0 -> "1", numpy scalars unwrapped."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quote_list(names: Sequence[object], limit: int = 8) -> str:
    shown = ", ".join(quoted(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def decode_csv_bytes(data: bytes, what: str) -> str:
    """Decode uploaded bytes as UTF-8 text (a BOM is accepted) or raise a DataError.

    `what` starts each message, e.g. "The file upload.csv" or "The admissions data".
    """
    if len(data) > MAX_CSV_BYTES:
        raise DataError(
            f"{what} is {_size_text(len(data))}; the limit is {MAX_CSV_BYTES // 2**20} MB."
        )
    if data[:4] == b"PK\x03\x04":  # zip container: .xlsx, .ods, .zip
        raise DataError(
            f"{what} looks like an Excel workbook or zip file, not CSV text; save it as CSV UTF-8."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise DataError(
            f"{what} is not UTF-8 text (byte 0x{bad} at position {exc.start}); "
            "save it as CSV UTF-8."
        ) from None
    if "\x00" in text:
        raise DataError(f"{what} contains NUL bytes; it looks like a binary file, not CSV.")
    if not text.strip():
        raise DataError(f"{what} is empty.")
    return text


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _sniff_delimiter(header: str) -> str:
    # Comma unless the header clearly uses ';' or tab (spreadsheets in some locales do).
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _parse_error_detail(exc: Exception) -> str:
    msg = str(exc).strip()
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        expected, line, saw = m.groups()
        return f"line {line} has {saw} fields but the header has {expected}"
    # A parser's own message may quote a piece of the file: half a message at most.
    detail = cut(msg.split("C error: ")[-1].rstrip("."), MAX_ECHO_CHARS // 2)
    return detail or "unknown parser error"


def parse_csv_text(text: str, what: str) -> pd.DataFrame:
    """Parse CSV text into a DataFrame, raising a DataError for malformed, empty or
    duplicate-header files. Whitespace around names and text values is stripped."""
    header_line = _first_line(text)
    if len(header_line) > MAX_CSV_HEADER_CHARS:
        # Checked before splitting: the csv module raises its own error past 131,072.
        raise DataError(
            f"{what}'s header row is {len(header_line):,} characters long; the limit is "
            f"{MAX_CSV_HEADER_CHARS:,} (a row of at most {MAX_CSV_COLUMNS} short column names)."
        )
    delimiter = _sniff_delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter), [])
    except csv.Error as exc:
        detail = cut(exc, MAX_ECHO_CHARS // 2)
        raise DataError(f"{what}'s header row could not be read ({detail}).") from None
    _check_names(header, what)
    # pandas would silently rename a repeated name to "name.1": catch it on the raw header.
    counts = Counter(h.strip() for h in header)
    duplicates = sorted(n for n, k in counts.items() if k > 1)
    if duplicates:
        raise DataError(
            f"{what} has duplicate column names ({_quote_list(duplicates)}); "
            "rename them so each is unique."
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=_MISSING_WORDS,
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{what} is empty.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise DataError(f"{what} could not be read as CSV ({_parse_error_detail(exc)}).") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_names(frame.columns, what)  # a quoted name may span lines the header check missed
    # Spreadsheets often export trailing empty columns and rows: they carry nothing.
    blank = [c for c in frame.columns if c.startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=blank)
    frame = frame.dropna(how="all").reset_index(drop=True)
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].str.strip().replace("", np.nan)
    if frame.shape[1] == 0:
        raise DataError(f"{what} has no columns.")
    if len(frame) == 0:
        raise DataError(f"{what} has a header row but no data rows.")
    _check_cells(frame)
    return frame


def _check_names(names: Sequence[object], what: str) -> None:
    """A DataError for a column name longer than MAX_CSV_NAME_CHARS."""
    for i, name in enumerate(names):
        if len(str(name).strip()) > MAX_CSV_NAME_CHARS:
            raise DataError(
                f"{what}'s column {i + 1} has a name of {len(str(name).strip()):,} characters "
                f"({quoted(name)}); the limit is {MAX_CSV_NAME_CHARS}."
            )


def _check_cells(frame: pd.DataFrame) -> None:
    """A DataError for a text cell longer than MAX_CSV_CELL_CHARS (one pass per column)."""
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        lengths = series.astype("string").str.len().fillna(0).to_numpy(dtype=np.int64)
        if lengths.size and lengths.max() > MAX_CSV_CELL_CHARS:
            i = int(lengths.argmax())
            raise DataError(
                f"Column {quoted(col)} has a cell of {int(lengths[i]):,} characters (row "
                f"{i + 1}: {quoted(series.iloc[i])}); the limit is {MAX_CSV_CELL_CHARS:,}."
            )


def _number_column(series: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """For a column of numbers (numeric, or text more than half numbers): its values as
    float64 (NaN where missing or text) and where a cell spells NaN; None for other columns."""
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(len(series), bool)
    if pd.api.types.infer_dtype(series, skipna=True) == "boolean":
        return None
    parsed = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    words = series.astype("string").str.strip().str.lower()
    nan_word = words.isin(_NAN_WORDS).fillna(False).to_numpy(dtype=bool)
    present = int(series.notna().sum())
    if (int(np.count_nonzero(~np.isnan(parsed))) + int(nan_word.sum())) * 2 <= present:
        return None
    return parsed, nan_word


def check_numbers(frame: pd.DataFrame) -> None:
    """A DataError naming the first column of numbers with a NaN, an infinite value or a
    value beyond ±MAX_CSV_ABS_VALUE ("row N" counts data rows from 1)."""
    for col in frame.columns:
        found = _number_column(frame[col])
        if found is None:
            continue
        values, nan_word = found
        if nan_word.any():
            k, i = int(nan_word.sum()), int(np.flatnonzero(nan_word)[0])
            raise DataError(
                f"Column {quoted(col)} holds NaN (not a number) in {k} row{'s' if k != 1 else ''} "
                f"(first at row {i + 1}); numbers must be finite (leave a cell empty when "
                "its value is missing)."
            )
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(values) & ~(np.abs(values) <= MAX_CSV_ABS_VALUE)
        if bad.any():
            k, i = int(bad.sum()), int(np.flatnonzero(bad)[0])
            raise _out_of_range(col, k, i + 1, values[i])


def _out_of_range(label: object, k: int, row: int, value: float) -> DataError:
    limit = f"{MAX_CSV_ABS_VALUE:,.0f}"
    return DataError(
        f"Column {quoted(label)} has {k} number{'s' if k != 1 else ''} out of range (first "
        f"at row {row}: {value:.6g}); every number must be finite and within ±{limit}: "
        "rescale the column or leave it out."
    )


def read_user_csv(data: bytes, name: str = "upload.csv") -> pd.DataFrame:
    """Read an uploaded CSV file's bytes into a DataFrame, within the module's limits.

    Accepts UTF-8 with or without a BOM, separated by commas (or semicolons or tabs when
    the header uses those). Entirely empty rows and unnamed empty columns are dropped.
    Raises DataError for: over MAX_CSV_BYTES, not UTF-8, not parseable, empty, no data rows,
    more than MAX_CSV_ROWS rows, more than MAX_CSV_COLUMNS columns, duplicate column names.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    what = f"The file {name}"
    text = decode_csv_bytes(bytes(data), what)
    frame = parse_csv_text(text, what)
    n_rows, n_cols = frame.shape
    if n_rows > MAX_CSV_ROWS:
        raise DataError(f"{what} has {n_rows:,} rows; the limit is {MAX_CSV_ROWS:,}.")
    if n_cols > MAX_CSV_COLUMNS:
        raise DataError(f"{what} has {n_cols} columns; the limit is {MAX_CSV_COLUMNS}.")
    check_numbers(frame)
    return frame


@dataclass(frozen=True)
class Encoded:
    """A table encoded for training: features, 0/1 targets, and what was done to get them."""

    X: np.ndarray  # float64, (n_rows, n_features)
    y: np.ndarray  # float64 in {0, 1}, (n_rows,)
    feature_names: tuple[str, ...]
    target_name: str
    positive_label: str  # the target value encoded as 1
    notes: tuple[str, ...]  # one human-readable line per decision


def binary_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with exactly two distinct non-missing values: the possible targets."""
    return [c for c in frame.columns if frame[c].nunique(dropna=True) == 2]


def _sorted_values(values: np.ndarray, numeric: bool) -> list[object]:
    uniq = pd.unique(values)
    return sorted(uniq) if numeric else sorted(uniq, key=str)


def _first_row(mask: np.ndarray, rows: np.ndarray) -> int:
    """1-based row number (in the original frame) of the first True in mask."""
    return int(rows[np.flatnonzero(mask)[0]]) + 1


def _as_numeric(col: pd.Series, name: str, rows: np.ndarray) -> np.ndarray | None:
    """float64 values if the column is numeric (or text that is all numbers), else None.

    Raises DataError for a mostly numeric text column with a few non-numbers, which is
    almost always a typo rather than a category.
    """
    if pd.api.types.is_bool_dtype(col):
        return None
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.float64)
    if pd.api.types.infer_dtype(col, skipna=True) == "boolean":
        return None
    parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna().to_numpy()
    n_bad = int(bad.sum())
    if n_bad == 0:
        return parsed.to_numpy(dtype=np.float64)
    if n_bad * 2 < len(col):
        first = _first_row(bad, rows)
        value = col.to_numpy()[np.flatnonzero(bad)[0]]
        raise DataError(
            f"Column {quoted(name)} has {n_bad} non-numeric value{'s' if n_bad != 1 else ''} "
            f"(first at row {first}: {quoted(value)})."
        )
    return None


@dataclass(frozen=True)
class _Feature:
    """One feature column as encoded: its block of columns, or the single value that got
    it dropped."""

    label: str
    kind: str  # "standardized", "boolean", "one-hot" or "dropped"
    block: np.ndarray | None = None  # float64, (n_rows, len(names))
    names: tuple[str, ...] = ()
    value: str = ""  # a dropped column's single value


def _one_hot_feature(
    values: np.ndarray, label: str, categories: list[object], what: str
) -> _Feature:
    """One 0/1 column per category, in the given order; `what` names the values in the
    message when there are too many ("distinct values", "distinct text values")."""
    if len(categories) > MAX_CATEGORIES:
        raise DataError(
            f"Column {quoted(label)} has {len(categories)} {what}; it cannot be "
            f"one-hot encoded (limit {MAX_CATEGORIES})."
        )
    # Broadcast comparison: one column per category, no loop over rows.
    cats = np.array(categories, dtype=object)
    block = (values.astype(object)[:, None] == cats[None, :]).astype(np.float64)
    names = tuple(f"{label}_{_fmt_value(c)}" for c in categories)
    return _Feature(label, "one-hot", block, names)


def _numeric_feature(
    numeric: np.ndarray, label: str, rows: np.ndarray, categorical: bool
) -> _Feature:
    """A numeric column standardized, or one-hot encoded if it is marked categorical."""
    inf = ~np.isfinite(numeric)
    if inf.any():
        n_inf = int(inf.sum())
        raise DataError(
            f"Column {quoted(label)} has {n_inf} infinite value{'s' if n_inf != 1 else ''} "
            f"(first at row {_first_row(inf, rows)})."
        )
    far = np.abs(numeric) > MAX_CSV_ABS_VALUE
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise _out_of_range(label, int(far.sum()), _first_row(far, rows), float(numeric[i]))
    if np.ptp(numeric) == 0:
        return _Feature(label, "dropped", value=_fmt_value(numeric[0]))
    if categorical:
        categories = sorted(np.unique(numeric).tolist())
        return _one_hot_feature(numeric, label, categories, "distinct values")
    std = numeric.std(ddof=1)
    return _Feature(label, "standardized", ((numeric - numeric.mean()) / std)[:, None], (label,))


def _is_boolean(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series) or (
        pd.api.types.infer_dtype(series, skipna=True) == "boolean"
    )


def _boolean_feature(series: pd.Series, label: str) -> _Feature:
    bools = series.to_numpy(dtype=object).astype(bool)
    if bools.all() or not bools.any():
        return _Feature(label, "dropped", value=_fmt_value(bools[0]))
    return _Feature(label, "boolean", bools.astype(np.float64)[:, None], (label,))


def _text_feature(series: pd.Series, label: str) -> _Feature:
    values = series.astype(str).to_numpy(dtype=object)  # dates, mixed types: as text
    categories = sorted(pd.unique(values).tolist())
    if len(categories) == 1:
        return _Feature(label, "dropped", value=quoted(categories[0]))
    return _one_hot_feature(values, label, categories, "distinct text values")


def _encode_feature(series: pd.Series, rows: np.ndarray, categorical: bool) -> _Feature:
    """One feature column encoded by its kind: numeric, boolean or text."""
    label = str(series.name)
    numeric = _as_numeric(series, label, rows)
    if numeric is not None:
        return _numeric_feature(numeric, label, rows, categorical)
    if _is_boolean(series):
        return _boolean_feature(series, label)
    return _text_feature(series, label)


def _feature_columns(
    columns: list[Hashable],
    target: str,
    features: Sequence[Hashable] | None,
    categorical: Sequence[Hashable],
) -> list[Hashable]:
    """The feature columns asked for (default: all but the target), checked."""
    if target not in columns:
        raise DataError(
            f"There is no column {quoted(target)}; the columns are {_quote_list(columns)}."
        )
    if features is None:
        feature_cols = [c for c in columns if c != target]
    else:
        unknown = [c for c in features if c not in columns]
        if unknown:
            raise DataError(f"There is no column {_quote_list(unknown)} in the table.")
        if target in features:
            raise DataError(f"Column {quoted(target)} is the target; it cannot also be a feature.")
        feature_cols = list(dict.fromkeys(features))
    not_features = [c for c in categorical if c not in feature_cols]
    if not_features:
        raise DataError(
            f"Column {_quote_list(not_features)} is marked categorical but is not a feature."
        )
    if not feature_cols:
        raise DataError(f"There are no feature columns besides the target {quoted(target)}.")
    return feature_cols


def _complete_rows(used: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The rows with no missing value, their positions in the original frame (for
    messages), and a note if any were dropped."""
    n_total = len(used)
    missing = used.isna().to_numpy()
    row_missing = missing.any(axis=1)
    n_missing = int(row_missing.sum())
    notes = []
    if n_missing:
        per_col = missing.sum(axis=0)
        worst = used.columns[int(per_col.argmax())]
        if n_missing * 2 > n_total:
            raise DataError(
                f"{n_missing} of {n_total} rows have a missing value (column {quoted(worst)} has "
                f"{int(per_col.max())}); fill them in or leave that column out."
            )
        detail = ", ".join(
            f"{c}: {int(k)}" for c, k in zip(used.columns, per_col, strict=True) if k
        )
        notes.append(
            f"{n_missing} row{'s' if n_missing != 1 else ''} with missing values dropped ({detail})"
        )
    rows = np.flatnonzero(~row_missing)
    used = used.iloc[rows]
    if len(used) < MIN_DATA_ROWS:
        raise DataError(
            f"Only {len(used)} complete rows remain; at least {MIN_DATA_ROWS} are needed to train."
        )
    return used, rows, notes


def _binary_target(column: pd.Series, target: str) -> tuple[np.ndarray, object, object]:
    """The target as 0/1 in sorted order of its two values, and (negative, positive)."""
    numeric = pd.api.types.is_numeric_dtype(column)  # bool counts as numeric: False < True
    values = column.to_numpy()
    labels = _sorted_values(values, numeric)
    if len(labels) != 2:
        raise DataError(
            f"Target column {quoted(target)} has {len(labels)} distinct value"
            f"{'s' if len(labels) != 1 else ''}; choose a column with exactly two."
        )
    negative, positive = labels
    return (values == positive).astype(np.float64), negative, positive


def _check_features(features: list[_Feature]) -> None:
    """A DataError if no feature is left, or too many encoded columns."""
    n_names = sum(len(f.names) for f in features)
    if not n_names:
        dropped = ", ".join(f"{f.label} = {f.value}" for f in features if f.kind == "dropped")
        raise DataError(
            f"No usable feature remains: every feature column has a single value ({dropped})."
        )
    if n_names > MAX_FEATURES:
        raise DataError(
            f"The encoded table would have {n_names} features; the limit is "
            f"{MAX_FEATURES} (each one-hot category counts as one)."
        )


def _feature_notes(features: list[_Feature]) -> list[str]:
    """What was done to the features: standardized, one-hot, 0/1, then dropped ones."""
    standardized = [f.label for f in features if f.kind == "standardized"]
    booleans = [f.label for f in features if f.kind == "boolean"]
    notes = []
    if standardized:
        notes.append(f"{', '.join(standardized)} standardized (mean 0, sample std 1)")
    notes += [
        f"{f.label} one-hot encoded into {_span_names(list(f.names))}"
        for f in features
        if f.kind == "one-hot"
    ]
    if booleans:
        notes.append(f"{', '.join(booleans)} encoded as 0/1")
    notes += [
        f"{f.label} dropped: every row has the same value ({f.value})"
        for f in features
        if f.kind == "dropped"
    ]
    return notes


def _span_names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 2 else f"{names[0]}..{names[-1]}"


def encode(
    frame: pd.DataFrame,
    target: str,
    *,
    features: Sequence[Hashable] | None = None,
    categorical: Sequence[Hashable] = (),
) -> Encoded:
    """Encode `frame` for training a binary classifier on column `target`.

    `features` picks the feature columns (default: every column but the target);
    `categorical` names numeric feature columns to one-hot encode instead of standardize
    (e.g. a rank 1..4). See the module docstring for the rules. Raises DataError when
    the table cannot be used, naming the column and the reason.
    """
    if isinstance(features, str):
        features = [features]
    if isinstance(categorical, str):
        categorical = [categorical]
    feature_cols = _feature_columns(list(frame.columns), target, features, categorical)
    used, rows, notes = _complete_rows(frame[[*feature_cols, target]])
    y, negative, positive = _binary_target(used[target], target)
    notes.append(
        f"target '{target}': {_fmt_value(positive)} is the positive class (1), "
        f"{_fmt_value(negative)} is 0"
    )
    encoded = [_encode_feature(used[c], rows, c in categorical) for c in feature_cols]
    _check_features(encoded)
    notes += _feature_notes(encoded)
    kept = [f for f in encoded if f.block is not None]
    return Encoded(
        X=np.hstack([f.block for f in kept]).astype(np.float64),
        y=y,
        feature_names=tuple(name for f in kept for name in f.names),
        target_name=str(target),
        positive_label=_fmt_value(positive),
        notes=tuple(notes),
    )
