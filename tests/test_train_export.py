"""Export from the training page: the network shown as the project's configuration JSON (read
back by the configuration reader, the step page's Load box and the command line) and the
run's history as CSV (read back by pandas), both compared with the run itself."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from backprop_viz.core.config import loads_config
from backprop_viz.data.admissions import ADMISSIONS_ENV, AdmissionsSource, synthetic_admissions
from backprop_viz.trainer import PRESETS, dataset_2d, dataset_admissions, start_run
from backprop_viz.trainer.export import history_csv, network_config
from backprop_viz.ui.train.state import KEY
from tests.test_train_view import SCRIPT, load_preset, press_train

ROOT = Path(__file__).resolve().parents[1]


def check_config(text: str, run, data) -> None:
    """The configuration holds the run's network exactly, and the first training record."""
    cfg = loads_config(text)
    net = cfg.network
    assert net.sizes == run.network.sizes
    for got, want in zip(net.weights, run.network.weights, strict=True):
        np.testing.assert_array_equal(got, want)
    if run.network.biases is None:
        assert net.biases is None
    else:
        for got, want in zip(net.biases, run.network.biases, strict=True):
            np.testing.assert_array_equal(got, want)
    assert [a.name for a in net.activations] == [a.name for a in run.network.activations]
    assert net.loss.name == run.network.loss.name
    np.testing.assert_array_equal(cfg.inputs[0], data.X_train[0])
    np.testing.assert_array_equal(cfg.targets[0], np.reshape(data.y_train[0], -1))
    assert cfg.learning_rate == run.spec.learning_rate
    assert (cfg.l1, cfg.l2) == (run.spec.l1, run.spec.l2)
    # The same prediction for every training record, from the file's network.
    np.testing.assert_array_equal(net.predict(data.X_train), run.network.predict(data.X_train))


def check_history(text: str, run) -> None:
    frame = pd.read_csv(io.StringIO(text))
    n = run.epochs_run
    np.testing.assert_array_equal(frame["epoch"], np.arange(1, n + 1))
    np.testing.assert_array_equal(frame["train_loss"], run.loss_history)
    np.testing.assert_array_equal(frame["test_loss"], run.test_loss_history)
    if run.spec.task == "regression":
        assert list(frame.columns) == ["epoch", "train_loss", "test_loss"]
    else:
        np.testing.assert_array_equal(frame["train_accuracy"], run.accuracy_history)
        np.testing.assert_array_equal(frame["test_accuracy"], run.test_accuracy_history)


@pytest.mark.parametrize("name", ["xor", "blobs3", "plane"])
def test_generated_data_runs_export_exactly(name):
    spec = PRESETS[name].spec.with_changes(epochs=50, regularization="l2", rate=0.01)
    data = dataset_2d(spec)
    run = start_run(spec, data)
    check_config(network_config(run, data), run, data)
    check_history(history_csv(run), run)


def test_the_lessons_network_exports_without_biases():
    frame = synthetic_admissions()
    data = dataset_admissions(AdmissionsSource(frame, "synthetic", synthetic=True, path=None))
    run = start_run(PRESETS["lesson"].spec.with_changes(epochs=30), data)
    text = network_config(run, data)
    assert json.loads(text)["biases"] is None
    check_config(text, run, data)


def test_the_command_line_steps_the_exported_network(tmp_path):
    spec = PRESETS["blobs3"].spec.with_changes(epochs=20)
    data = dataset_2d(spec)
    run = start_run(spec, data)
    path = tmp_path / "trained-network.json"
    path.write_text(network_config(run, data))
    done = subprocess.run(
        [sys.executable, "-m", "backprop_viz", "step", "--config", str(path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # The step starts from the exported network: its output is the network's for the record.
    np.testing.assert_allclose(
        out["output"], run.network.predict(data.X_train[:1])[0], rtol=1e-12, atol=0
    )


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def saved(monkeypatch) -> dict[str, bytes]:
    """Every file the page hands the browser, by name (the last one of each name)."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


@pytest.fixture
def at(monkeypatch) -> AppTest:
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    app = AppTest.from_string(SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def buttons(at: AppTest) -> dict[str, object]:
    return {b.key: b for b in at.get("download_button")}


def test_page_offers_the_trained_network_and_its_history(at, saved):
    load_preset(at, "spirals3")
    press_train(at)
    found = buttons(at)
    assert set(found) == {"train_download_config", "train_download_history"}
    assert found["train_download_config"].proto.url.endswith(".json")
    state = at.session_state[KEY]
    check_config(saved["trained-network.json"].decode(), state.run, state.run_data)
    check_history(history_csv(state.run), state.run)


def test_a_weight_changed_by_hand_is_what_is_exported(at, saved):
    load_preset(at, "xor")
    press_train(at)
    state = at.session_state[KEY]
    key = f"train_edit_value_0_{state.run_token}"
    at.number_input(key=key).set_value(2.5).run()
    assert not at.exception
    cfg = loads_config(saved["trained-network.json"].decode())
    assert cfg.network.weights[0][0, 0] == 2.5
    check_config(saved["trained-network.json"].decode(), at.session_state[KEY].run, state.run_data)


def test_nothing_to_download_while_live(at):
    load_preset(at, "spirals")
    at.button(key="train_button_live").click().run()
    assert at.session_state[KEY].live
    assert not buttons(at)


@pytest.mark.parametrize(
    ("name", "fits"),
    [("xor", True), ("blobs3", True), ("plane", True), ("spirals", False), ("spirals3", False)],
)
def test_the_step_pages_load_box_takes_the_networks_it_can_draw(name, fits):
    from backprop_viz.errors import ConfigError
    from backprop_viz.ui.step.callbacks import validated  # what the Load box runs

    spec = PRESETS[name].spec.with_changes(epochs=5)
    data = dataset_2d(spec)
    text = network_config(start_run(spec, data), data)
    if fits:
        cfg, _ = validated(json.loads(text))
        assert cfg["weights"] == json.loads(text)["weights"]
    else:
        with pytest.raises(ConfigError, match="at most 6 units"):
            validated(json.loads(text))


def test_the_page_says_when_the_step_page_cannot_draw_the_network(at):
    load_preset(at, "spirals")
    captions = "\n".join(c.value for c in at.caption)
    assert "larger than the One step page draws" in captions
    load_preset(at, "xor")
    captions = "\n".join(c.value for c in at.caption)
    assert "larger than the One step page draws" not in captions
    assert buttons(at)
