"""The training view through Streamlit's AppTest: the lesson's run, every preset, every bad
upload, divergence, continuing and resetting, and no training on reruns that did not ask."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_viz.ui.train.runs as train_view
from backprop_viz.data.admissions import ADMISSIONS_ENV
from backprop_viz.trainer import PRESETS, TRAIN_MAX_FRAMES
from backprop_viz.ui.train.state import KEY
from tests.lesson_facts import LESSON_CSV, PRINTED, needs_lesson_csv

APP = Path(__file__).resolve().parents[1] / "app.py"
SCRIPT = "from backprop_viz.ui.train.page import render_train_view\nrender_train_view()"


def open_training_page(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The training page, first run done, on its synthetic or generated data."""
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    app = AppTest.from_string(SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    return app


@pytest.fixture
def at(monkeypatch) -> AppTest:
    return open_training_page(monkeypatch)


def by_key(elements, name):
    """The widget of this view called `name`, whatever its generation."""
    found = [e for e in elements if e.key and re.fullmatch(rf"train_{name}_g\d+", e.key)]
    assert len(found) == 1, f"{name}: {[e.key for e in elements]}"
    return found[0]


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, [m.label for m in at.metric]
    return values[0]


def decode(value):
    """A Plotly typed-array spec as a NumPy array."""
    from tests.test_training_figures import decode as typed

    return typed(value)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def press_train(at: AppTest) -> AppTest:
    at.button(key="train_button_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def load_preset(at: AppTest, name: str) -> AppTest:
    by_key(at.selectbox, "preset").set_value(name).run()
    assert not at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def check_lesson_panel(at: AppTest) -> None:
    log = at.code[0].value.splitlines()
    assert log[:10] == [f"Train loss:  {v!r}" for v in PRINTED]
    assert log[10] == "Prediction accuracy: 0.725"
    assert metric(at, "Test accuracy") == "0.725"
    assert metric(at, "Prediction accuracy on the test set after 900 epochs") == "0.725"
    table = at.dataframe[0].value
    assert table["lesson's printed loss"].tolist() == PRINTED
    assert table["after epoch"].tolist() == list(range(1, 901, 90))
    # The correct loss is over all training records, so it differs from the printed one.
    assert np.all(np.abs(table["whole-training-set loss"] - table["lesson's printed loss"]) > 1e-3)
    assert "last training record only" in texts(at.markdown)
    assert not at.warning  # real data: nothing is labelled synthetic


@needs_lesson_csv
def test_lesson_preset_with_the_uploaded_file_shows_the_lessons_numbers(at):
    at.file_uploader(key="train_admissions_upload").set_value(
        ("binary.csv", LESSON_CSV.read_bytes(), "text/csv")
    ).run()
    assert "uploaded file binary.csv (400 rows)" in texts(at.caption)
    check_lesson_panel(press_train(at))


@needs_lesson_csv
def test_lesson_preset_with_the_environment_variable(monkeypatch):
    monkeypatch.setenv(ADMISSIONS_ENV, str(LESSON_CSV))
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    assert str(LESSON_CSV) in texts(at.caption)
    check_lesson_panel(press_train(at))


def test_without_a_file_the_data_is_labelled_synthetic(at):
    assert "Synthetic data" in at.warning[0].value
    press_train(at)
    assert "synthetic admissions-like data, not the lesson's" in texts(at.warning)
    log = at.code[0].value
    assert len(log.splitlines()) == 11  # ten log lines and the accuracy
    at.button(key="train_button_more").click().run()
    assert metric(at, "Epochs") == "1,000"
    assert at.code[0].value == log  # the log belongs to the lesson's 900 epochs
    assert "covers the first 900 epochs; this run has since gone on to 1,000" in texts(at.caption)
    assert "synthetic admissions-like data, not the lesson's" in texts(at.warning)


def test_a_missing_environment_file_is_an_error_not_synthetic_data(monkeypatch):
    monkeypatch.setenv(ADMISSIONS_ENV, "/nonexistent/binary.csv")
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception
    assert "does not exist" in at.error[0].value and ADMISSIONS_ENV in at.error[0].value
    assert at.button(key="train_button_train").disabled


@pytest.mark.parametrize(
    "name", [k for k, p in PRESETS.items() if k != "lesson" and p.min_test_accuracy is not None]
)
def test_each_2d_preset_reaches_its_documented_accuracy(at, name):
    preset = PRESETS[name]
    load_preset(at, name)
    assert by_key(at.selectbox, "dataset").value == name
    assert by_key(at.number_input, "epochs").value == preset.spec.epochs
    press_train(at)
    assert float(metric(at, "Test accuracy")) >= preset.min_test_accuracy
    assert metric(at, "Epochs") == f"{preset.spec.epochs:,}"
    figures = charts(at)
    loss, boundary = figures[0], figures[1]
    assert boundary["data"][0]["type"] == "heatmap"
    assert 2 <= len(loss["frames"]) <= TRAIN_MAX_FRAMES
    assert [f["name"] for f in loss["frames"]] == [f["name"] for f in boundary["frames"]]


def csv_bytes(rows: int, columns: int = 3, missing: int = 0) -> bytes:
    rng = np.random.default_rng(0)
    header = ",".join(f"c{i}" for i in range(columns - 1)) + ",label"
    values = rng.normal(size=(rows, columns - 1)).round(3).astype(str)
    lines = [header]
    for i in range(rows):
        cells = list(values[i])
        if i < missing:
            cells[0] = ""
        lines.append(",".join([*cells, str(i % 2)]))
    return ("\n".join(lines) + "\n").encode()


BAD_UPLOADS = {
    "too large": (b"a,label\n" + b"1.5,0\n" * (5 * 2**20 // 6 + 10), "the limit is 5 MB"),
    "too many rows": (csv_bytes(100_001, 2), "100,001 rows; the limit is 100,000"),
    "too many columns": (csv_bytes(20, 51), "51 columns; the limit is 50"),
    "mostly missing": (csv_bytes(20, 3, missing=15), "have a missing value"),
    "no binary target": (
        b"a,b\n" + b"".join(b"%d,%d\n" % (i, i % 3) for i in range(20)),
        "exactly two",
    ),
    "constant features": (
        b"a,b,label\n" + b"".join(b"1,x,%d\n" % (i % 2) for i in range(20)),
        "No usable feature remains",
    ),
    "not utf-8": (
        ("x,label\n" + "".join(f"José{i % 3},{i % 2}\n" for i in range(20))).encode("latin-1"),
        "not UTF-8 text",
    ),
    "excel": (b"PK\x03\x04" + b"\x00" * 100, "Excel workbook"),
    "empty": (b"", "is empty"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_every_bad_upload_gives_its_message_and_keeps_the_last_run(at, case):
    load_preset(at, "blobs")
    press_train(at)
    accuracy = metric(at, "Test accuracy")
    by_key(at.selectbox, "dataset").set_value("csv").run()
    data, message = BAD_UPLOADS[case]
    at.file_uploader(key="train_csv_upload").set_value((f"{case}.csv", data, "text/csv")).run()
    assert not at.exception
    assert message in texts(at.error), texts(at.error)
    assert at.button(key="train_button_train").disabled
    assert at.button(key="train_button_more").disabled
    assert metric(at, "Test accuracy") == accuracy  # the last run is still shown
    assert "settings have changed" in texts(at.info)


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (csv_bytes(40, 3, missing=5), "5 rows with missing values dropped (c0: 5)."),
        (
            b"a,b,label\n" + b"".join(b"%d,7,%d\n" % (i, i % 2) for i in range(20)),
            "b dropped: every row has the same value (7).",
        ),
    ],
)
def test_fixable_uploads_train_with_a_warning(at, data, note):
    by_key(at.selectbox, "dataset").set_value("csv").run()
    at.file_uploader(key="train_csv_upload").set_value(("t.csv", data, "text/csv")).run()
    assert note in texts(at.warning)
    assert not at.error
    press_train(at)
    assert metric(at, "Epochs") == "900"


def test_choosing_a_target_that_is_not_binary_is_explained(at):
    by_key(at.selectbox, "dataset").set_value("csv").run()
    data = b"size,colour,label\n" + b"".join(
        b"%d,%s,%d\n" % (i, [b"red", b"green", b"blue"][i % 3], i % 2) for i in range(30)
    )
    at.file_uploader(key="train_csv_upload").set_value(("t.csv", data, "text/csv")).run()
    (target,) = [s for s in at.selectbox if s.label.startswith("Target column")]
    assert target.value == "label"
    target.set_value("colour").run()
    assert not at.exception
    assert "Target column 'colour' has 3 distinct values" in texts(at.error)
    assert at.button(key="train_button_train").disabled


def test_divergence_is_caught_with_a_suggestion(at):
    load_preset(at, "xor")
    by_key(at.selectbox, "output").set_value("identity").run()
    by_key(at.selectbox, "loss").set_value("squared_error").run()
    by_key(at.number_input, "lr").set_value(5.0).run()
    press_train(at)
    message = texts(at.error)
    assert "Training diverged at epoch" in message
    assert "Try a smaller learning rate (e.g. 0.5)" in message
    assert "the last with a finite loss" in message
    run = at.session_state[KEY].run
    assert run.diverged and 0 < run.epochs_run < 300
    assert metric(at, "Epochs") == f"{run.epochs_run:,}"
    assert at.button(key="train_button_more").disabled


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("lr", 0.0, "The learning rate must be a positive number."),
        ("lr", 250.0, "too large"),
    ],
)
def test_bad_settings_are_explained_next_to_their_controls(at, name, value, message):
    by_key(at.number_input, name).set_value(value).run()
    assert not at.exception
    assert message in texts(at.error)
    assert at.button(key="train_button_train").disabled


def test_cross_entropy_needs_a_sigmoid_output(at):
    by_key(at.selectbox, "output").set_value("identity").run()
    by_key(at.selectbox, "loss").set_value("cross_entropy").run()
    assert "Cross-entropy loss needs a sigmoid output layer" in texts(at.error)
    assert at.button(key="train_button_train").disabled


def test_train_more_continues_and_reset_goes_back_to_epoch_0(at):
    load_preset(at, "blobs")  # loading a preset shows it trained
    first = at.session_state[KEY].run
    assert first.epochs_run == 100
    # Enabled by the very run that trained, without waiting for another interaction.
    assert not at.button(key="train_button_more").disabled
    assert not at.button(key="train_button_reset").disabled
    at.number_input(key="train_more_n").set_value(50).run()
    at.button(key="train_button_more").click().run()
    assert not at.exception
    run = at.session_state[KEY].run
    assert run.segments == (100, 50)
    assert metric(at, "Epochs") == "150"
    np.testing.assert_array_equal(run.loss_history[:100], first.loss_history)
    assert len(charts(at)[0]["frames"]) <= TRAIN_MAX_FRAMES
    at.button(key="train_button_reset").click().run()
    run = at.session_state[KEY].run
    assert run.epochs_run == 0 and metric(at, "Epochs") == "0"
    # The untrained network of the preset's seed: its first draws, not the trained ones.
    np.testing.assert_array_equal(run.network.weights[0], first.initial.weights[0])
    assert charts(at)  # the untrained network's pictures, never an empty panel


def test_reruns_that_do_not_ask_never_train(at, monkeypatch):
    calls = []
    real = train_view.start_run

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(train_view, "start_run", counting)
    load_preset(at, "circles")
    calls.clear()  # loading trained the preset (or found it kept)
    by_key(at.number_input, "seed").set_value(12345).run()  # settings no other test uses
    press_train(at)
    assert len(calls) == 1
    run = at.session_state[KEY].run
    by_key(at.slider, "noise").set_value(0.3).run()  # changes the settings, asks nothing
    at.number_input(key="train_more_n").set_value(10).run()
    at.run()
    assert len(calls) == 1
    assert at.session_state[KEY].run is run
    assert "settings have changed" in texts(at.info)
    by_key(at.slider, "noise").set_value(0.1).run()
    press_train(at)  # the same settings again: served from the shared store
    assert len(calls) == 1
    assert at.session_state[KEY].run is run


def test_a_progress_bar_appears_only_once_work_takes_a_while(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(train_view.time, "perf_counter", lambda: clock[0])
    events = []

    class Bar:
        def progress(self, value, text=None):
            events.append((value, text))

    class Slot:
        def progress(self, value):
            events.append(("created", value))
            return Bar()

        def empty(self):
            events.append("emptied")

    progress = train_view._Progress(Slot())
    clock[0] += 0.1
    progress(10, 100)  # quick so far: no bar
    assert events == []
    clock[0] += train_view.PROGRESS_AFTER_S
    progress(50, 100)
    progress(100, 100)
    progress.close()
    assert events == [
        ("created", 0.0),
        (0.5, "Training: epoch 50 of 100"),
        (1.0, "Training: epoch 100 of 100"),
        "emptied",
    ]


# --- opening on a result, training live, refused values ------------------------------------


def metric_int(at: AppTest, label: str) -> int:
    return int(metric(at, label).replace(",", ""))


def test_the_first_visit_opens_on_the_trained_preset(at):
    # No click: the default preset (the lesson's run) is already trained and drawn.
    assert metric(at, "Epochs") == "900"
    assert at.session_state[KEY].run.epochs_run == 900
    assert len(charts(at)) >= 3
    assert not [i for i in at.info if "press" in str(i.value)]


def start_live(at: AppTest, preset: str = "spirals") -> AppTest:
    load_preset(at, preset)
    at.button(key="train_button_live").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_train_live_advances_a_chunk_per_rerun_from_epoch_0(at):
    start_live(at)
    state = at.session_state[KEY]
    assert state.live
    first = metric_int(at, "Epochs")
    assert 0 < first < 1000  # started again from an untrained network
    assert f"Training live: epoch {first:,} of 1,000" in texts(at.caption)
    seen = [first]
    for _ in range(3):
        at.run()  # what the fragment's timer does in the browser
        seen.append(metric_int(at, "Epochs"))
    assert seen == sorted(seen) and len(set(seen)) == 4, seen
    # Live figures are still: no frames to download on every chunk.
    assert all("frames" not in c for c in charts(at))
    # The boundary and the unit pictures are PNG images in the page's message, captioned
    # with what they show and after how many epochs.
    images = [i for block in at.get("image") for i in block.proto.imgs]
    assert len(images) == 2 and all(i.url.startswith("data:image/png;base64,") for i in images)
    shown = f"after {seen[-1]:,} epochs"
    assert "ŷ = 0.5" in images[0].caption and shown in images[0].caption
    assert "(hidden 1 · hidden 2 · output)" in images[1].caption and shown in images[1].caption
    assert at.button(key="train_button_pause")
    assert at.button(key="train_button_more").disabled


def test_pause_stops_training_and_brings_back_the_replay(at):
    start_live(at)
    at.button(key="train_button_pause").click().run()
    state = at.session_state[KEY]
    assert not state.live
    epochs = metric_int(at, "Epochs")
    at.run()
    at.run()
    assert metric_int(at, "Epochs") == epochs  # paused: no more chunks
    loss = charts(at)[0]
    assert len(loss["frames"]) >= 2  # Play over the frames so far
    # ▶ Train live goes on from the paused run, not from epoch 0.
    at.button(key="train_button_live").click().run()
    assert metric_int(at, "Epochs") > epochs


def test_step_one_epoch_goes_on_by_exactly_one(at):
    start_live(at)
    at.button(key="train_button_pause").click().run()
    epochs = metric_int(at, "Epochs")
    at.button(key="train_button_step").click().run()
    assert metric_int(at, "Epochs") == epochs + 1
    assert not at.session_state[KEY].live


def test_live_training_runs_to_the_epochs_set_then_shows_the_replay(at):
    start_live(at, "blobs")  # 100 epochs: a chunk or two
    for _ in range(20):
        if not at.session_state[KEY].live:
            break
        at.run()
    assert not at.session_state[KEY].live
    assert metric(at, "Epochs") == "100"
    assert float(metric(at, "Test accuracy")) >= PRESETS["blobs"].min_test_accuracy
    assert len(charts(at)[0]["frames"]) >= 2
    assert at.button(key="train_button_live")  # ready to train live again


def test_a_setting_changed_while_live_restarts_with_a_notice(at):
    start_live(at)
    at.run()
    assert metric_int(at, "Epochs") > 0
    by_key(at.number_input, "seed").set_value(7).run()
    state = at.session_state[KEY]
    assert state.live and state.run.spec.seed == 7
    assert "started again from epoch 0 with the new settings" in texts(at.info)
    assert metric_int(at, "Epochs") < 400  # the fresh run's first chunk or so


def test_settings_that_cannot_train_stop_live_training_with_a_notice(at):
    start_live(at)
    by_key(at.number_input, "epochs").set_value(0).run()
    assert not at.session_state[KEY].live
    assert "Training live stopped" in texts(at.info)
    assert "Epochs must be from 1 to 20,000." in texts(at.error)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("epochs", 0, "Epochs must be from 1 to 20,000."),
        ("epochs", 20001, "Epochs must be from 1 to 20,000."),
        ("layers", 5, "Hidden layers must be from 0 to 4."),
        ("layers", -1, "Hidden layers must be from 0 to 4."),
        ("units0", 17, "Each hidden layer has from 1 to 16 units."),
        ("units0", 0, "Each hidden layer has from 1 to 16 units."),
        ("seed", -1, "The seed must be a whole number from 0 to"),
    ],
)
def test_a_refused_value_stays_on_screen_with_its_message_and_nothing_trains(
    at, name, value, message
):
    run = at.session_state[KEY].run
    box = by_key(at.number_input, name)
    box.set_value(value).run()
    assert not at.exception
    assert by_key(at.number_input, name).value == value  # what is shown...
    assert message in texts(at.error)  # ...is said to be refused
    for button in ("train_button_train", "train_button_live", "train_button_step"):
        assert at.button(key=button).disabled, button
    assert at.session_state[KEY].run is run


def test_more_epochs_out_of_range_is_refused_with_a_message(at):
    at.number_input(key="train_more_n").set_value(0).run()
    assert "N must be from 1 to 20,000 more epochs." in texts(at.error)
    assert at.button(key="train_button_more").disabled


def test_a_train_cut_short_says_so_on_the_next_run(at):
    # What leaving the page mid-Train leaves behind: the request started, never finished.
    at.session_state[KEY].training = "train"
    at.run()
    assert "Training was cut short before it finished" in texts(at.error)
    assert at.session_state[KEY].training is None


def go_to(at: AppTest, url_path: str) -> AppTest:
    """Show the app's page registered under `url_path`, as its navigation link does.

    AppTest.switch_page takes page files; the app's pages are functions, registered by
    st.navigation under a hash of their url_path, so the test names the page by that hash.
    """
    pages = at._registered_pages
    at._page_hash = next(h for h, p in pages.items() if p.get("url_pathname") == url_path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_live_run_survives_leaving_the_page_and_goes_on_when_shown_again(monkeypatch):
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    go_to(at, "training")
    start_live(at)
    at.run()
    epochs = metric_int(at, "Epochs")
    go_to(at, "")  # the step page: the training page's fragment is not drawn
    assert not [t for t in at.title if t.value == "Training"]
    state = at.session_state[KEY]
    assert state.live and state.run.epochs_run == epochs  # kept, not trained while away
    go_to(at, "training")
    assert at.session_state[KEY].live
    assert metric_int(at, "Epochs") > epochs  # it goes on where it was
    assert "Training live: epoch" in texts(at.caption)


def test_changing_a_weight_by_hand_redraws_every_picture_downstream(at):
    load_preset(at, "xor")
    before = {c["layout"]["title"]["text"]: c for c in charts(at)}
    # The 2-4-1 network's edges: eight into the hidden layer, then a₁ → ŷ₁ (index 8).
    token = at.session_state[KEY].run_token
    at.selectbox(key=f"train_edit_weight_{token}").set_value(8).run()
    value_box = [n for n in at.number_input if n.key.startswith("train_edit_value_8_")]
    value_box[0].set_value(5.0).run()
    assert not at.exception
    state = at.session_state[KEY]
    assert state.run.network.weights[1][0, 0] == 5.0
    assert "You set w(a₁ → ŷ₁)" in texts(at.caption)
    after = {c["layout"]["title"]["text"]: c for c in charts(at)}
    units = next(v for k, v in after.items() if k.startswith("What every unit"))
    old = next(v for k, v in before.items() if k.startswith("What every unit"))
    # The hidden pictures are upstream of the weight; the output's picture changes.
    assert units["data"][0]["z"] == old["data"][0]["z"]
    assert units["data"][-2]["z"] != old["data"][-2]["z"]  # the output (the labels last)
    # A value out of range is refused with a message, the weight kept.
    value_box = [n for n in at.number_input if n.key.startswith("train_edit_value_8_")]
    value_box[0].set_value(5000.0).run()
    assert "A weight must lie between" in texts(at.error)
    assert at.session_state[KEY].run.network.weights[1][0, 0] == 5.0


def test_scientific_notation_in_the_epochs_box_is_read_as_typed_and_refused(at):
    # "1e9" typed in the box arrives as 10⁹: refused with a message, never read as 1.
    by_key(at.number_input, "epochs").set_value(1e9).run()
    assert "Epochs must be from 1 to 20,000." in texts(at.error)
    assert at.button(key="train_button_train").disabled
    by_key(at.number_input, "epochs").set_value(2e3).run()
    assert not at.error
    assert at.session_state[KEY].spec.epochs == 2000


def test_the_preset_note_follows_the_settings_in_the_same_rerun(at):
    load_preset(at, "xor")
    assert PRESETS["xor"].note in texts(at.caption)
    by_key(at.number_input, "epochs").set_value(301).run()
    assert "Changed from this preset." in texts(at.caption)
    assert PRESETS["xor"].note not in texts(at.caption)


def test_l2_regularization_trains_with_its_rate_and_a_rate_out_of_range_is_refused(at):
    load_preset(at, "xor")
    by_key(at.selectbox, "regularization").set_value("l2").run()
    by_key(at.number_input, "rate").set_value(0.5).run()
    assert "The regularization rate λ must be from 0 to 0.1." in texts(at.error)
    assert at.button(key="train_button_train").disabled
    by_key(at.number_input, "rate").set_value(0.02).run()
    press_train(at)
    run = at.session_state[KEY].run
    assert (run.spec.regularization, run.spec.rate) == ("l2", 0.02)
    assert "Changed from this preset." in texts(at.caption)


def test_discretize_output_and_show_test_data_redraw_the_boundary(at):
    from backprop_viz.figures.boundary import LEVELS

    load_preset(at, "xor")

    def boundary():
        return next(c for c in charts(at) if c["layout"]["title"]["text"].startswith("Decision"))

    assert len(np.unique(decode(boundary()["data"][0]["z"]))) > 2  # ŷ, shaded
    at.toggle(key="train_discrete").set_value(True).run()
    assert set(np.unique(decode(boundary()["data"][0]["z"]))) <= {0, LEVELS}
    at.toggle(key="train_show_test").set_value(False).run()
    tests = [t for t in boundary()["data"][1:] if "test" in t["name"]]
    assert all(decode(t["x"]).size == 0 for t in tests)
    at.toggle(key="train_discrete").set_value(False).run()
    at.toggle(key="train_show_test").set_value(True).run()
    assert len(np.unique(decode(boundary()["data"][0]["z"]))) > 2
