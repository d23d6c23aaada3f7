"""The command line: the lesson's printed blocks, JSON contracts, and exit 2 on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_viz import cli
from backprop_viz.cli import main
from backprop_viz.explain.presets import preset_dict
from tests.lesson_facts import LESSON_CSV, PRINTED, needs_lesson_csv

ROOT = Path(__file__).resolve().parents[1]

LESSON_BLOCKS = """Change in weights for hidden layer to output layer:
[0.00804047 0.00555918]
Change in weights for input layer to hidden layer:
[[ 1.77005547e-04 -5.11178506e-04]
 [ 3.54011093e-05 -1.02235701e-04]
 [-7.08022187e-05  2.04471402e-04]]
"""


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_step_prints_the_lessons_two_blocks(capsys):
    code, out, _ = run(capsys, "step", "--preset", "lesson-step")
    assert code == 0
    assert out.startswith(LESSON_BLOCKS)


def test_step_json_contract(capsys):
    code, out, _ = run(capsys, "step", "--preset", "worked-example", "--json")
    assert code == 0
    data = json.loads(out)
    for key in (
        "forward",
        "output",
        "error",
        "error_terms",
        "weight_deltas",
        "bias_deltas",
        "new_weights",
        "new_biases",
        "loss_before",
        "loss_after",
    ):
        assert key in data
    assert data["weight_deltas"][1] == pytest.approx([0.03015349], abs=5e-9)
    assert data["error_terms"][0] == pytest.approx([0.00304550], abs=5e-9)


def test_step_from_config_file(capsys, tmp_path):
    cfg = preset_dict("two-output-biases")
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    code, out, _ = run(capsys, "step", "--config", str(tmp_path / "c.json"), "--json")
    assert code == 0
    assert json.loads(out)["loss_before"] == pytest.approx(0.298371109, abs=1e-9)


def test_gradcheck_json(capsys):
    code, out, _ = run(capsys, "gradcheck", "--preset", "lesson-step", "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["rows"]) == 8 and data["max_relative_error"] < 1e-6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "not valid JSON"),
        ('{"inputs": [1], "targets": [1], "learning_rate": -1, "weights": [[1]]}', "positive"),
        ('{"inputs": [1], "targets": [1], "learning_rate": 1, "weights": [[NaN]]}', "NaN"),
    ],
)
def test_bad_config_exits_2_with_one_line(capsys, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, out, err = run(capsys, "step", "--config", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_bad_arguments_exit_2_with_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "backprop_viz", "train", "--epochs", "many"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "invalid int value" in proc.stderr


def test_missing_data_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--data", str(tmp_path / "none.csv"))
    assert code == 2 and "does not exist" in err


@needs_lesson_csv
def test_train_reproduces_the_lesson_log_and_accuracy(capsys):
    code, out, _ = run(
        capsys, "train", "--preset", "admissions", "--data", str(LESSON_CSV), "--lesson-log"
    )
    assert code == 0
    for value in PRINTED:
        assert f"Train loss:  {value!r}\n" in out
    assert "Prediction accuracy: 0.725" in out


@needs_lesson_csv
def test_train_json(capsys):
    code, out, _ = run(capsys, "train", "--data", str(LESSON_CSV), "--lesson-log", "--json")
    assert code == 0
    data = json.loads(out)
    assert [e["train_loss"] for e in data["lesson_log"]] == PRINTED
    assert data["test_accuracy"] == 0.725
    assert len(data["loss_history"]) == 900 and len(data["test_loss_history"]) == 900
    assert len(data["final_weights"][0]) == 6 and len(data["final_weights"][1]) == 2
    assert data["data"]["synthetic"] is False


def test_train_without_data_uses_labelled_synthetic(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("BACKPROP_VIZ_ADMISSIONS_CSV", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "train", "--epochs", "20", "--json")
    assert code == 0
    data = json.loads(out)
    if (ROOT / "data" / "binary.csv").exists():
        pytest.skip("data/binary.csv is present here, so the real data is used")
    assert data["data"]["synthetic"] is True and "ynthetic" in data["data"]["label"]
    assert len(data["loss_history"]) == 20


def test_step_json_counts_the_records_it_shows(capsys):
    code, out, _ = run(capsys, "step", "--preset", "lesson-step", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["records"] == data["records_shown"] == 1 and "note" not in data


def test_step_json_shows_the_first_records_beyond_its_limit(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "MAX_JSON_RECORD_VALUES", 60)  # 27 numbers per record
    cfg = preset_dict("lesson-step")
    cfg["inputs"], cfg["targets"] = [[0.5, 0.1, -0.2]] * 10, [0.6] * 10
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    code, out, _ = run(capsys, "step", "--config", str(tmp_path / "c.json"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["records_shown"] == 2 and len(data["error_terms"][0]) == 2
    assert "first 2 of 10 records" in data["note"]


def test_cross_entropy_target_outside_0_1_exits_2(capsys, tmp_path):
    cfg = preset_dict("lesson-step")
    cfg.update(loss="cross_entropy", targets=[-5])
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    code, out, err = run(capsys, "step", "--config", str(tmp_path / "c.json"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Cross-entropy targets must lie in [0, 1]" in err


def test_force_lifts_the_training_time_limit(capsys, monkeypatch):
    monkeypatch.setattr(cli, "TRAIN_MAX_SECONDS", 0.0)  # every run is now "too long"
    code, _, err = run(capsys, "train", "--epochs", "3")
    assert code == 2 and "--force" in err
    code, out, _ = run(capsys, "train", "--epochs", "3", "--force", "--json")
    assert code == 0 and json.loads(out)["epochs_run"] == 3


def test_batch_size_one_is_still_allowed(capsys):
    code, out, _ = run(capsys, "train", "--epochs", "2", "--batch-size", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["settings"]["batch_size"] == 1 and data["settings"]["mode"] == "minibatch"


SOFTMAX_CONFIG = {
    "inputs": [[0.5, -0.2], [0.1, 0.3]],
    "targets": [[1, 0, 0], [0, 0, 1]],
    "learning_rate": 0.5,
    "weights": [[[0.1, 0.2], [0.3, -0.4]], [[0.5, -0.1, 0.2], [0.3, 0.2, -0.6]]],
    "biases": [[0.1, 0.0], [0.0, 0.1, 0.2]],
    "activations": ["tanh", "softmax"],
    "loss": "cross_entropy",
}


def test_step_and_gradcheck_of_a_regularized_softmax_network(capsys, tmp_path):
    path = tmp_path / "softmax.json"
    path.write_text(json.dumps({**SOFTMAX_CONFIG, "l1": 0.01, "l2": 0.05}))
    code, out, _ = run(capsys, "step", "--config", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["config"]["activations"] == ["tanh", "softmax"]
    assert (data["config"]["l1"], data["config"]["l2"]) == (0.01, 0.05)
    # δ = y − ŷ per class for the first record, and the loss −ln ŷ_class per record.
    y_hat = data["output"][0]
    assert data["error_terms"][1][0] == pytest.approx([1 - y_hat[0], -y_hat[1], -y_hat[2]])
    penalty = 0.01 * 2.9 + 0.025 * 1.09  # Σ|w| = 2.9, Σw² = 1.09
    assert data["loss_before"] == pytest.approx(data["data_loss_before"] + penalty, rel=1e-13)
    assert data["data_loss_before"] > 0 and data["loss_after"] < data["loss_before"]
    code, out, _ = run(capsys, "gradcheck", "--config", str(path), "--json")
    assert code == 0 and json.loads(out)["max_relative_error"] < 1e-6


def test_softmax_targets_that_are_not_one_hot_exit_2(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**SOFTMAX_CONFIG, "targets": [[1, 1, 0], [0, 0, 1]]}))
    code, out, err = run(capsys, "step", "--config", str(path))
    assert code == 2 and out == "" and "sum to 1" in err


def test_export_writes_the_script_the_page_downloads_and_it_runs(tmp_path):
    import subprocess
    import sys

    from backprop_viz.core.config import config_to_dict, load_config
    from backprop_viz.explain.codegen import python_script

    cfg_path = tmp_path / "net.json"
    cfg_path.write_text(json.dumps(preset_dict("two-output-biases")))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "backprop_viz",
            "export",
            "--config",
            str(cfg_path),
            "--format",
            "python",
            "--steps",
            "3",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    want = python_script(config_to_dict(load_config(str(cfg_path))), 3)
    assert out.rstrip("\n") == want.rstrip("\n")
    script = tmp_path / "step.py"
    script.write_text(out)
    ran = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert "Change in weights for hidden layer to output layer:" in ran.stdout
    as_json = subprocess.run(
        [
            sys.executable,
            "-m",
            "backprop_viz",
            "export",
            "--preset",
            "lesson-step",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(as_json)["inputs"] == [0.5, 0.1, -0.2]
    bad = subprocess.run(
        [sys.executable, "-m", "backprop_viz", "export", "--preset", "lesson-step", "--steps", "0"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "from 1 to" in bad.stderr
