"""Hostile input: every reported way to crash, hang or flood the parser and the command line
is refused quickly, with one clear message (exit status 2 on the command line)."""

import base64
import itertools
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from backprop_viz import cli
from backprop_viz.cli import main
from backprop_viz.core.config import load_config, loads_config, read_json
from backprop_viz.errors import ConfigError
from backprop_viz.explain.presets import preset_dict
from backprop_viz.limits import (
    MAX_CONFIG_BYTES,
    MAX_INTEGER_DIGITS,
    MAX_JSON_DEPTH,
    MAX_LINK_CHARS,
    MAX_LINK_JSON_BYTES,
    MAX_STRING_CHARS,
    STEP_MAX_HIDDEN_LAYERS,
    STEP_MAX_INPUTS,
    STEP_MAX_OUTPUTS,
    STEP_MAX_UNITS,
)
from backprop_viz.ui.step.edits import decode_link, encode_link

ROOT = Path(__file__).resolve().parents[1]
DEEP = "[" * 1000  # the reported 1,000 brackets


def link_code(raw: bytes) -> str:
    """A ?config= value carrying `raw` exactly as share links are made."""
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_refusal(code, out, err, message):
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def config_file(tmp_path, data, name="c.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def wide_config(records, hidden=16, inputs=4):
    """`records` records through inputs → hidden → 1, with parameters = (inputs + 1)·hidden."""
    return {
        "inputs": [[0.5] * inputs] * records,
        "targets": [1] * records,
        "learning_rate": 0.5,
        "weights": [[[0.1] * hidden] * inputs, [0.1] * hidden],
    }


# --- the one JSON reader: depth, digits, size, non-finite numbers ------------------------


def test_deeply_nested_text_is_refused_before_json_recurses():
    for reader in (read_json, loads_config, lambda t: loads_config(t.encode())):
        with pytest.raises(ConfigError, match="nested more than 32 levels deep"):
            reader(DEEP)


def test_deeply_nested_config_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="nested more than 32 levels deep"):
        load_config(config_file(tmp_path, DEEP))


def test_deeply_nested_link_is_refused():
    code = link_code(DEEP.encode())
    assert len(code) < 50  # a short link: the size limit alone cannot catch it
    with pytest.raises(ConfigError, match="link's configuration is nested more than 32"):
        decode_link({"config": code})


def test_nesting_up_to_the_depth_limit_parses():
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert read_json(ok) is not None
    with pytest.raises(ConfigError, match="nested"):
        read_json("[" + ok + "]")
    # Brackets inside strings are text, not nesting (the string limit is what refuses here).
    assert read_json('{"a": "' + "[" * 50 + '"}') == {"a": "[" * 50}


def test_long_integer_is_refused_before_int_conversion():
    with pytest.raises(ConfigError, match="whole number with more than 30 digits"):
        loads_config('{"inputs": [' + "9" * 5000 + "]}")
    with pytest.raises(ConfigError, match="more than 30 digits"):
        read_json("[-" + "1" * (MAX_INTEGER_DIGITS + 1) + "]")
    assert read_json("[" + "9" * MAX_INTEGER_DIGITS + "]") == [int("9" * MAX_INTEGER_DIGITS)]
    # Long fractions and exponents are not whole numbers; floats parse them without limits.
    assert read_json("[0." + "1" * 100 + ", 1e-" + "0" * 40 + "5]") == [
        pytest.approx(0.1111111111111111),
        1e-5,
    ]


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("1e999", "too large to be finite (1e999)"),
        ("-1e999", "too large to be finite (-1e999)"),
        ("1" * 400 + ".0", "too large to be finite"),
        ("NaN", "contains NaN"),
        ("Infinity", "contains Infinity"),
        ("-Infinity", "contains -Infinity"),
    ],
)
def test_non_finite_numbers_are_refused(literal, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        loads_config(f'{{"inputs": [{literal}], "targets": [1]}}')
    assert len(str(info.value)) < 120


def test_oversized_text_is_refused():
    text = " " * MAX_CONFIG_BYTES + "{}"
    for value in (text, text.encode()):
        with pytest.raises(ConfigError, match="larger than 1 MB"):
            loads_config(value)
    # The limit counts UTF-8 bytes: 400,000 three-byte characters are 1.2 MB.
    with pytest.raises(ConfigError, match="larger than 1 MB"):
        loads_config('"' + "€" * 400_000 + '"')


def test_long_text_value_is_refused_so_messages_stay_short():
    data = preset_dict("lesson-step")
    data["activations"] = "s" * (MAX_STRING_CHARS + 1)
    with pytest.raises(ConfigError, match="text value longer than 100 characters"):
        loads_config(json.dumps(data))


@pytest.mark.parametrize(
    "text",
    [
        '"' * 999_000,
        '"\\' * 499_000,
        "[]" * 499_000,
        "1" * 999_000,
        "[" + "1" * 999_000 + ".0]",
    ],
    ids=["quotes", "escapes", "brackets", "digits", "long-float"],
)
def test_scanning_a_megabyte_of_hostile_text_is_refused_without_blowing_up(text):
    def fastest(sample: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(ConfigError):  # never RecursionError, MemoryError, a traceback
                loads_config(sample)
            times.append(time.perf_counter() - start)
        return min(times)

    # Growth, not speed: the same pattern at a quarter of the length, timed in the same run
    # (the machine's load cancels). Linear scanning costs ~4× for 4× the text; anything
    # that grows faster than quadratically (backtracking, re-scanning) costs over 16×.
    quarter = text[: len(text) // 4]
    if text.startswith("[") and text.endswith(".0]"):
        quarter = "[" + "1" * (len(text) // 4) + ".0]"
    assert fastest(text) < 16 * fastest(quarter) + 0.01


# --- links: a small link must not inflate to megabytes ------------------------------------


def test_link_that_inflates_past_its_limit_is_refused():
    code = link_code(b" " * 3_000_000 + b"{}")
    assert len(code) <= MAX_LINK_CHARS  # within the link length limit, yet 3 MB inside
    with pytest.raises(ConfigError, match="link's configuration is larger than 8 KB"):
        decode_link({"config": code})


def test_link_with_non_finite_number_or_trailing_bytes_is_refused():
    with pytest.raises(ConfigError, match="link's configuration contains NaN"):
        decode_link({"config": link_code(b'{"inputs": [NaN]}')})
    good = zlib.compress(json.dumps(preset_dict("lesson-step")).encode())
    code = base64.urlsafe_b64encode(good + b"extra").decode()
    with pytest.raises(ConfigError, match="damaged"):
        decode_link({"config": code})


def test_largest_step_view_configuration_fits_in_a_link():
    sizes = [STEP_MAX_INPUTS, *[STEP_MAX_UNITS] * STEP_MAX_HIDDEN_LAYERS, STEP_MAX_OUTPUTS]
    value = -999.1234567890123  # as long as a weight within the view's limits gets
    cfg = {
        "inputs": [-9.123456789012345] * STEP_MAX_INPUTS,
        "targets": [0.123456789012345] * STEP_MAX_OUTPUTS,
        "learning_rate": 0.123456789012345,
        "weights": [[[value] * b for _ in range(a)] for a, b in itertools.pairwise(sizes)],
        "biases": [[value] * b for b in sizes[1:]],
        "train_biases": True,
        "activations": ["identity"] * (len(sizes) - 1),
        "loss": "squared_error",
    }
    assert len(json.dumps(cfg, separators=(",", ":"))) <= MAX_LINK_JSON_BYTES
    code = encode_link(cfg)
    assert len(code) <= MAX_LINK_CHARS
    assert decode_link({"config": code})["weights"] == cfg["weights"]


# --- files that are not files, or are huge --------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_device_is_refused_as_a_config_file():
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo)


def test_folder_is_refused_as_a_config_file(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_sparse_200mb_config_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(200 * 2**20)  # sparse: no disk space used
    # The file's name in the message shows the refusal came from its size, not its text.
    with pytest.raises(ConfigError, match=f"file {path} is larger than 1 MB"):
        load_config(path)


# --- the command line ---------------------------------------------------------------


def test_cli_refuses_deep_config_without_a_traceback(tmp_path):
    path = config_file(tmp_path, DEEP)
    for command in ("step", "gradcheck"):
        proc = subprocess.run(
            [sys.executable, "-m", "backprop_viz", command, "--config", path],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and "nested more than 32" in proc.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"inputs": [' + "9" * 5000 + "]}", "more than 30 digits"),
        ('{"inputs": [1e999]}', "too large to be finite"),
        ('{"inputs": [Infinity]}', "contains Infinity"),
    ],
)
def test_cli_refuses_hostile_numbers(capsys, tmp_path, content, message):
    one_line_refusal(*run(capsys, "step", "--config", config_file(tmp_path, content)), message)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("command", ["step", "gradcheck"])
def test_cli_refuses_a_device_as_config(capsys, command):
    one_line_refusal(*run(capsys, command, "--config", "/dev/zero"), "not a regular file")


def test_cli_message_stays_on_one_line_for_a_path_with_a_line_break(capsys, tmp_path):
    code, out, err = run(capsys, "step", "--config", str(tmp_path / "a\nb.json"))
    one_line_refusal(code, out, err, "Cannot read")


# --- train: settings refused before any work ----------------------------------------


@pytest.fixture
def nothing_runs(monkeypatch):
    """Make loading data or training fail the test: the refusal must come first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("refusal came too late")

    monkeypatch.setattr(cli, "load_admissions", forbidden)
    monkeypatch.setattr(cli, "run_lesson", forbidden)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be a whole number from 0 to 2**32 − 1; got -1."),
        (["--seed", str(2**32)], "--seed must be a whole number from 0 to 2**32 − 1"),
        (["--epochs", "1000000000"], "--epochs must be from 1 to 100,000; got 1,000,000,000."),
        (["--epochs", "0"], "--epochs must be from 1 to 100,000"),
        (["--batch-size", "0"], "--batch-size must be 1 or more; got 0."),
        (["--batch-size", "-3"], "--batch-size must be 1 or more"),
        (["--hidden", "100000000"], "--hidden must be from 1 to 16"),
        (["--learning-rate", "nan"], "learning rate must be a positive number"),
    ],
)
def test_train_refuses_bad_settings_before_any_work(capsys, nothing_runs, args, message):
    one_line_refusal(*run(capsys, "train", *args), message)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_train_refuses_a_device_as_data(capsys):
    one_line_refusal(*run(capsys, "train", "--data", "/dev/zero"), "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_train_refuses_a_named_pipe_as_data(capsys, tmp_path, monkeypatch):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    one_line_refusal(*run(capsys, "train", "--data", str(fifo)), "not a regular file")
    # The same file named by the environment variable, with no --data.
    monkeypatch.setenv("BACKPROP_VIZ_ADMISSIONS_CSV", str(fifo))
    one_line_refusal(*run(capsys, "train"), "not a regular file")


def test_train_refuses_sparse_200mb_data_before_reading(capsys, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(200 * 2**20)
    one_line_refusal(*run(capsys, "train", "--data", str(path)), "larger than the 5 MB limit")


def test_train_refuses_a_run_estimated_too_long_and_names_the_estimate(capsys, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr(cli, "run_lesson", forbidden)
    code, out, err = run(capsys, "train", "--batch-size", "1", "--epochs", "20000")
    one_line_refusal(code, out, err, "This run would take about")
    assert "minutes (estimated; the limit is 60 seconds)" in err and "--force" in err


# --- step and gradcheck: bounded work and output --------------------------------------


def test_gradcheck_refuses_work_beyond_its_budget(capsys, tmp_path):
    # 1,600 records × (4·16 + 16 = 80 parameters)² = 10,240,000: just over the budget.
    path = config_file(tmp_path, wide_config(1600))
    code, out, err = run(capsys, "gradcheck", "--config", path)
    one_line_refusal(code, out, err, "A gradient check of 80 parameters on 1,600 records")
    assert "10,240,000, over the limit of 10,000,000" in err
    # 1,500 records (9,600,000) is within it.
    code, out, _ = run(capsys, "gradcheck", "--config", config_file(tmp_path, wide_config(1500)))
    assert code == 0 and "largest relative error" in out


def test_step_refuses_work_beyond_its_budget(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "MAX_STEP_WORK", 1000)
    path = config_file(tmp_path, wide_config(13))  # 13 × 80 = 1,040
    for command in ("step", "gradcheck"):
        code, out, err = run(capsys, command, "--config", path)
        one_line_refusal(code, out, err, "13 records × 80 parameters = 1,040, over the limit")


def test_step_json_output_is_bounded(capsys, tmp_path):
    data = wide_config(5000, hidden=16)
    data["weights"] = [[[0.1] * 16] * 4, [[0.1] * 16] * 16, [0.1] * 16]
    code, out, _ = run(capsys, "step", "--config", config_file(tmp_path, data), "--json")
    assert code == 0
    assert len(out) < 4_000_000  # it was 147 MB for 40,000 records
    result = json.loads(out)
    assert result["records"] == 5000 and 1 <= result["records_shown"] < 5000
    assert len(result["edge_errors"][1]) == result["records_shown"]
    assert "first" in result["note"] and "of 5,000 records" in result["note"]
