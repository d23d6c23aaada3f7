"""Hostile data files: a huge cell, a huge header, numbers no training survives. Every path a
user's CSV takes (the training page's two uploads, `train --data`, the admissions reader, the
user-CSV reader and encoder) refuses them at once, with one short message naming the column."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.cli import main
from backprop_viz.data.admissions import ADMISSIONS_ENV, read_admissions_csv
from backprop_viz.data.tabular import check_numbers, encode, read_user_csv
from backprop_viz.errors import DataError, cut, quoted
from backprop_viz.limits import (
    MAX_CSV_ABS_VALUE,
    MAX_CSV_CELL_CHARS,
    MAX_CSV_HEADER_CHARS,
    MAX_CSV_NAME_CHARS,
    MAX_ECHO_CHARS,
    MAX_QUOTE_CHARS,
)
from backprop_viz.ui.step.grid import cell_number

ROOT = Path(__file__).resolve().parents[1]
HUGE = "x" * 4_000_000  # the reported 4,000,000-character cell
CSV_FIELD_CAP = 131_072  # Python's csv module raises _csv.Error past this many characters
MESSAGE_CHARS = 300  # no message about a file is longer, whatever the file holds
TRAIN_SCRIPT = "from backprop_viz.ui.train.page import render_train_view\nrender_train_view()"


def table(n: int = 20, **columns: object) -> bytes:
    """A CSV of `n` rows: a numeric feature x, a 0/1 label, and `columns` (a value for
    every row, or a callable of the row number)."""
    cols = {"x": lambda i: f"{i * 0.5:g}", "label": lambda i: str(i % 2), **columns}
    rows = [",".join(cols)]
    for i in range(n):
        rows.append(",".join(v(i) if callable(v) else str(v) for v in cols.values()))
    return ("\n".join(rows) + "\n").encode()


def admissions(n: int = 20, gre: object = None, header: str = "admit,gre,gpa,rank") -> bytes:
    """Admissions rows with `gre` in the second row when given."""
    rows = [header]
    for i in range(n):
        value = gre if (gre is not None and i == 1) else 300 + 20 * i
        rows.append(f"{i % 2},{value},{3 + i / 100:.2f},{i % 4 + 1}")
    return ("\n".join(rows) + "\n").encode()


def refusal(reader, data: bytes) -> str:
    with pytest.raises(DataError) as info:
        reader(data)
    message = str(info.value)
    assert len(message) <= MESSAGE_CHARS, len(message)
    assert "\n" not in message
    return message


# --- errors.cut / quoted: what every message quotes ----------------------------------------


def test_cut_and_quoted_keep_a_huge_value_short():
    assert cut(HUGE) == "x" * (MAX_QUOTE_CHARS - 1) + "…"
    assert len(cut(HUGE, 10)) == 10 and cut("short") == "short"
    assert quoted(HUGE) == repr("x" * (MAX_QUOTE_CHARS - 1) + "…")
    assert cut(12345678, 4) == "123…"


# --- item 3: a 4,000,000-character cell, a header past the csv module's cap ---------------


def test_a_huge_cell_is_refused_quoted_short_by_the_user_csv_reader():
    data = table(x=lambda i: HUGE if i == 7 else "1")
    message = refusal(read_user_csv, data)
    assert message.startswith("Column 'x' has a cell of 4,000,000 characters (row 8: 'xxx")
    assert f"the limit is {MAX_CSV_CELL_CHARS:,}" in message


def test_a_huge_cell_in_a_text_column_or_the_target_is_refused():
    assert "Column 'colour'" in refusal(
        read_user_csv, table(colour=lambda i: HUGE if i == 3 else "red")
    )
    assert "Column 'label'" in refusal(read_user_csv, table(label=lambda i: HUGE[: 2000 + i % 2]))


def test_a_cell_at_the_limit_is_read():
    frame = read_user_csv(table(note=lambda i: "y" * MAX_CSV_CELL_CHARS))
    assert frame["note"].str.len().max() == MAX_CSV_CELL_CHARS


@pytest.mark.parametrize(
    "header",
    [
        "y" * (CSV_FIELD_CAP + 10) + ",b",  # one field past the csv module's cap
        '"' + "y," * (CSV_FIELD_CAP // 2 + 10) + '",b',  # a quoted one, commas inside
        "a," * (MAX_CSV_HEADER_CHARS // 2 + 1) + "b",  # short names, far too many
    ],
    ids=["long-field", "long-quoted-field", "many-fields"],
)
def test_a_huge_header_is_refused_before_the_csv_module_sees_it(header):
    data = (header + "\n1,0\n2,1\n").encode()
    for reader in (read_user_csv, read_admissions_csv):
        message = refusal(reader, data)
        assert "header row is" in message and f"limit is {MAX_CSV_HEADER_CHARS:,}" in message


def test_a_long_column_name_is_refused_quoted_short():
    name = "[click](https://evil.example)" + "n" * 5000
    message = refusal(read_user_csv, table(**{name: 1}))
    assert f"column 3 has a name of {len(name):,} characters" in message
    assert f"the limit is {MAX_CSV_NAME_CHARS}" in message
    assert quoted(name) in message
    # ... a name quoted across lines, which the header line alone does not show whole.
    data = b'a,"' + b"n\n" * 100 + b'"\n1,2\n3,4\n'
    assert "has a name of 199 characters" in refusal(read_user_csv, data)  # stripped


def test_the_admissions_reader_quotes_a_huge_cell_short():
    message = refusal(read_admissions_csv, admissions(gre=HUGE))
    assert message.startswith("Column 'gre' has a cell of 4,000,000 characters (row 2:")
    # Shorter than the cell limit but not a number: the value is quoted, cut.
    message = refusal(read_admissions_csv, admissions(gre="z" * MAX_CSV_CELL_CHARS))
    assert "non-numeric value (first at row 2: " + quoted("z" * 1000) + ")." in message


def test_train_data_refuses_a_huge_cell_and_a_huge_header_in_one_line(tmp_path, capsys):
    for name, data in {
        "cell.csv": admissions(gre=HUGE),
        "header.csv": ("h" * (CSV_FIELD_CAP + 1) + ",gre,gpa,rank\n1,2,3,4\n").encode(),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        code = main(["train", "--data", str(path)])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and len(err) < MESSAGE_CHARS + len(str(path)), err
        assert "Traceback" not in err and "_csv.Error" not in err


def test_train_data_huge_header_in_a_subprocess_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "header.csv"
    path.write_bytes(("h" * 140_000 + ",gre,gpa,rank\n1,2,3,4\n").encode())
    proc = subprocess.run(
        [sys.executable, "-m", "backprop_viz", "train", "--data", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "header row is 140,013 characters" in proc.stderr


# --- item 10: numbers no training survives, refused when the file is read -----------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1e308", "1e+308"),
        ("-1e308", "-1e+308"),
        ("1e400", "inf"),
        ("inf", "inf"),
        ("-Infinity", "-inf"),
        ("1000000.5", "1e+06"),
        ("12345678901234567890", "1.23457e+19"),  # past int64: pandas reads uint64
        ("9" * 30, "1e+30"),  # past uint64: pandas keeps text
    ],
)
def test_numbers_out_of_range_are_refused_naming_the_column(value, shown):
    message = refusal(read_user_csv, table(score=lambda i: value if i % 2 else "3"))
    assert message.startswith("Column 'score' has 10 numbers out of range ")
    assert f"(first at row 2: {shown})" in message
    assert "within ±1,000,000" in message


def test_the_reported_file_of_1e308s_is_refused_at_upload():
    # "100 rows, 2 features" once, and only Train failed.
    data = table(100, x=lambda i: "1e308" if i % 2 else "-1e308", z=lambda i: f"{i}")
    assert "Column 'x' has 100 numbers out of range" in refusal(read_user_csv, data)


@pytest.mark.parametrize("word", ["NaN", "nan", "-nan", " NaN "])
def test_nan_in_a_column_of_numbers_is_refused_not_dropped(word):
    message = refusal(read_user_csv, table(score=lambda i: word if i == 4 else f"{i}"))
    assert message.startswith("Column 'score' holds NaN (not a number) in 1 row (first at row 5)")


def test_missing_value_words_still_mean_missing():
    for word in ("", "NA", "N/A", "NULL", "null", "None", "#N/A"):
        frame = read_user_csv(table(score=lambda i, w=word: w if i == 4 else f"{i}"))
        assert frame["score"].isna().sum() == 1, word
    # "nan" in a text column is a word like any other, not a missing value.
    frame = read_user_csv(table(name=lambda i: ["Nan", "Ann", "Bo"][i % 3]))
    assert frame["name"].isna().sum() == 0


def test_numbers_at_the_limit_are_accepted_and_train():
    data = table(score=lambda i: ["1e6", "-1000000", "0.5"][i % 3])
    enc = encode(read_user_csv(data), "label")
    assert np.isfinite(enc.X).all()


def test_a_text_column_with_one_huge_number_is_text_not_a_number_column():
    frame = read_user_csv(table(colour=lambda i: "1e400" if i == 0 else ["red", "blue"][i % 2]))
    assert frame["colour"].iloc[0] == "1e400"  # a category; numbers are not checked here


def test_check_numbers_on_a_frame_made_in_code():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.inf], "b": ["x", "y", "z"]})
    with pytest.raises(DataError, match=r"Column 'a' has 1 number out of range \(first at row 3"):
        check_numbers(frame)
    check_numbers(frame.iloc[:2])


def test_encode_refuses_numbers_beyond_the_limit_in_a_frame_made_in_code():
    n = 12
    frame = pd.DataFrame({"x": np.linspace(0, 1, n), "y": np.arange(n) % 2})
    frame.loc[5, "x"] = 2 * MAX_CSV_ABS_VALUE
    with pytest.raises(DataError, match=r"Column 'x' has 1 number out of range \(first at row 6"):
        encode(frame, "y")


def test_admissions_gre_beyond_the_limit_is_refused():
    message = refusal(read_admissions_csv, admissions(gre="1e308"))
    assert message == (
        "Column 'gre' in the admissions data must be a finite number within ±1,000,000, but "
        "1 value is not (first at row 2: 1e+308)."
    )


# --- the training page: both uploads, through the page ------------------------------------


@pytest.fixture
def page(monkeypatch) -> AppTest:
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    app = AppTest.from_string(TRAIN_SCRIPT, default_timeout=60)
    app.run()
    return app


def pick_dataset(app: AppTest, name: str) -> None:
    (box,) = [s for s in app.selectbox if s.key and re.fullmatch(r"train_dataset_g\d+", s.key)]
    box.set_value(name).run()


def shown(element) -> str:
    """What a reader sees in an error box: the Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", element.value)


HOSTILE_UPLOADS = {
    "huge cell": (table(x=lambda i: HUGE if i == 7 else "1"), "has a cell of 4,000,000"),
    "huge header": (("y" * 140_000 + ",b\n1,0\n").encode(), "header row is 140,002 characters"),
    "1e308": (table(100, x=lambda i: "1e308" if i % 2 else "-1e308"), "numbers out of range"),
    "NaN": (table(x=lambda i: "NaN" if i == 3 else "1"), "holds NaN (not a number)"),
    "markdown name": (
        table(**{"![x](http://127.0.0.1:9/t.png)" + "n" * 200: 1}),
        "has a name of 230 characters",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_UPLOADS))
def test_the_training_page_refuses_a_hostile_csv_at_upload(page, case):
    data, message = HOSTILE_UPLOADS[case]
    pick_dataset(page, "csv")
    page.file_uploader(key="train_csv_upload").set_value(("t.csv", data, "text/csv")).run()
    assert not page.exception
    (error,) = page.error
    assert message in shown(error)
    assert len(shown(error)) <= MAX_ECHO_CHARS
    assert not re.search(r"(?<!\\)[\[\]!<>]", error.value)  # no live Markdown
    assert page.button(key="train_button_train").disabled


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (admissions(gre=HUGE), "has a cell of 4,000,000"),
        (("h" * 140_000 + ",gre,gpa,rank\n").encode(), "header row is 140,013 characters"),
        (admissions(gre="1e308"), "must be a finite number within ±1,000,000"),
    ],
    ids=["huge-cell", "huge-header", "1e308"],
)
def test_the_admissions_upload_refuses_a_hostile_csv(page, data, message):
    page.file_uploader(key="train_admissions_upload").set_value(("a.csv", data, "text/csv")).run()
    assert not page.exception
    (error,) = page.error
    assert message in shown(error) and len(shown(error)) <= MAX_ECHO_CHARS


def test_a_long_upload_name_is_shown_cut(page):
    name = "[a](https://evil.example/" + "n" * 5000 + ").csv"
    pick_dataset(page, "csv")
    page.file_uploader(key="train_csv_upload").set_value((name, table(), "text/csv")).run()
    assert not page.exception and not page.error
    caption = next(c.value for c in page.caption if "rows" in c.value)
    assert "nnnnn…" in caption and "https://" not in caption and len(caption) < 200


# --- item 9: numbers typed into the step page's weight grid --------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("1e3", 1000.0),  # once 13: the browser's number cell drops the "e"
        ("1e308", 1e308),  # once 1308; the page then refuses it as out of range
        ("-2.5E-1", -0.25),
        (" .5 ", 0.5),
        ("−0.5", -0.5),  # the minus sign the page itself writes
        ("7", 7.0),
        (0.75, 0.75),  # a number cell's value, as before
        (3, 3.0),
    ],
)
def test_a_grid_cell_reads_what_was_typed(typed, number):
    assert cell_number(typed) == (number, None)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        (None, "empty"),
        ("  ", "empty"),
        (float("nan"), "empty"),
        ("abc", "not a number: 'abc'; type one such as -0.25 or 1e3"),
        ("1,5", "not a number: '1,5'"),
        ("0x10", "not a number"),
        ("1_000", "not a number"),
        ("nan", "not a number: 'nan'"),
        ("inf", "not a number: 'inf'"),
        ("1e400", "not a finite number: '1e400'"),
        (float("inf"), "not a finite number: 'inf'"),
        (True, "not a number"),
        (HUGE, "not a number: " + quoted(HUGE)),
    ],
)
def test_a_grid_cell_refuses_what_is_not_a_finite_number(typed, problem):
    number, found = cell_number(typed)
    assert number is None and found.startswith(problem)
    assert len(found) < 100


STEP_STATE = "step_view_state"


@pytest.fixture
def step_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def type_in_cell(app: AppTest, layer: int, row: int, column: str, text: object) -> AppTest:
    key = app.session_state[STEP_STATE].key(f"grid{layer}")
    app.session_state[key] = {
        "edited_rows": {row: {column: text}},
        "added_rows": [],
        "deleted_rows": [],
    }
    return app.run()


def test_typing_1e3_in_a_weight_cell_sets_the_weight_to_1000(step_page):
    type_in_cell(step_page, 1, 0, "→ ŷ₁", "1e3")
    assert not step_page.exception and not step_page.error
    assert step_page.session_state[STEP_STATE].cfg["weights"][1] == [[1000.0], [-0.3]]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e308", "Weights and biases must lie between −1000 and 1000."),
        ("-1e4", "Weights and biases must lie between −1000 and 1000."),
        ("1e400", "is not a finite number: '1e400'."),
        ("1e3x", "is not a number: '1e3x'"),
        (HUGE, "is not a number: 'xxxx"),
    ],
)
def test_a_refused_weight_cell_keeps_the_last_valid_weights_and_says_why(step_page, typed, message):
    type_in_cell(step_page, 1, 0, "→ ŷ₁", "0.25")  # a valid edit first: the last valid state
    type_in_cell(step_page, 1, 0, "→ ŷ₁", typed)
    assert not step_page.exception
    (error,) = step_page.error
    assert message in re.sub(r"\\(.)", r"\1", error.value)
    assert len(error.value) < 2 * MAX_ECHO_CHARS
    assert step_page.session_state[STEP_STATE].cfg["weights"][1] == [[0.25], [-0.3]]


def test_the_weight_grid_cells_are_text_so_an_exponent_arrives_whole():
    def script():
        from backprop_viz.ui.step.grid import weight_grid
        from backprop_viz.ui.step.state import get_state

        weight_grid(get_state(), 1)

    app = AppTest.from_function(script).run()
    (grid,) = app.dataframe
    columns = json.loads(grid.proto.columns)
    assert columns["→ ŷ₁"]["type_config"] == {"type": "text"}
    assert grid.value["→ ŷ₁"].tolist() == ["0.1", "-0.3"]


# --- item 9 on the command line: 1e9 where a whole number is expected --------------------


@pytest.mark.parametrize("flag", ["--epochs", "--hidden", "--batch-size", "--seed"])
def test_train_refuses_1e9_for_a_whole_number_in_one_line(capsys, monkeypatch, flag):
    import backprop_viz.cli as cli

    def forbidden(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr(cli, "run_lesson", forbidden)
    with pytest.raises(SystemExit) as info:
        main(["train", flag, "1e9"])
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert err.count("\n") == 1 and f"argument {flag}: invalid int value: '1e9'" in err
