"""The step view under AppTest: the lesson's numbers, live recomputation, stepping, bad input."""

import json
import re
import tomllib
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.core.network import Network
from backprop_viz.core.step import step
from backprop_viz.figures.network import LABELS
from backprop_viz.ui.step.address import from_query
from backprop_viz.ui.step.edits import encode_link, preset_config

ROOT = Path(__file__).resolve().parents[1]
STATE = "step_view_state"


@pytest.fixture
def at():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return app.run()


def key(at, name):
    return at.session_state[STATE].key(name)


def state(at):
    return at.session_state[STATE]


def diagram(at):
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("frames"):
            return spec
    raise AssertionError("no animated diagram on the page")


def chart_titled(at, prefix):
    """The page's chart whose title starts with `prefix`."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text", "").startswith(prefix):
            return spec
    raise AssertionError(f"no chart titled {prefix!r} on the page")


def expected_trace(cfg):
    net = Network.build(
        cfg["weights"], cfg["biases"], cfg["activations"], cfg["loss"], cfg["train_biases"]
    )
    return step(net, cfg["inputs"], cfg["targets"], cfg["learning_rate"])


def exact(at):
    """Show the boxes for exact values next to the sliders."""
    at.toggle(key="step_exact").set_value(True).run()


def shape_controls(at):
    at.toggle(key="step_shape_open").set_value(True).run()


def show(at, section):
    at.segmented_control(key="step_section").set_value(section).run()
    assert not at.exception


def table_text(at):
    show(at, "Tables")
    text = "\n".join(m.value for m in at.markdown)
    show(at, "Lesson printout")
    return text


def latex_text(at):
    show(at, "Equations")
    text = " ".join(e.value for e in at.latex)
    show(at, "Lesson printout")
    return text


def assert_page_matches(at, cfg):
    """Metrics, tables, equations and diagram frames all show the core's numbers for cfg."""
    tr = expected_trace(cfg)
    assert not at.exception
    shown = ", ".join(f"{v:.4g}".replace("-", "−") for v in tr.output[0])
    assert at.metric[0].value == shown
    text = table_text(at)
    for layer in tr.layers:
        for v in layer.weight_delta.ravel():
            assert f"{v:.12g}" in text
        for v in layer.new_weights.ravel():
            assert f"{v:.12g}" in text
    latex = latex_text(at)
    assert f"{tr.loss_before:.4g}" in latex
    assert latex.count(r"\text{") >= 11
    fig = diagram(at)
    steps = next(f for f in fig["frames"] if f["name"] == "steps")
    assert (
        f"{tr.layers[-1].weight_delta[0, 0]:.3g}".replace("-", "−") in steps["data"][LABELS]["text"]
    )
    error_frame = next(f for f in fig["frames"] if f["name"] == "error")
    assert f"{tr.error[0, 0]:.4g}".replace("-", "−") in error_frame["layout"]["title"]["text"]


def test_default_page_shows_the_lessons_numbers(at):
    assert not at.exception
    code = at.code[0].value
    assert code.startswith(
        "Change in weights for hidden layer to output layer:\n[0.00804047 0.00555918]\n"
        "Change in weights for input layer to hidden layer:\n"
        "[[ 1.77005547e-04 -5.11178506e-04]\n"
        " [ 3.54011093e-05 -1.02235701e-04]\n"
        " [-7.08022187e-05  2.04471402e-04]]"
    )
    text = table_text(at)
    assert "0.00804047394805" in text and "0.00555918091168" in text
    assert_page_matches(at, preset_config("lesson-step"))
    fig = diagram(at)
    assert [f["name"] for f in fig["frames"]][:3] == ["inputs", "sum-1", "act-1"]
    assert len(fig["frames"]) <= 20
    assert len(json.dumps(fig)) <= 150_000


def test_moving_an_input_recomputes_everything(at):
    exact(at)
    at.slider(key=key(at, "inputs0_s")).set_value(0.9).run()
    cfg = preset_config("lesson-step")
    cfg["inputs"][0] = 0.9
    assert_page_matches(at, cfg)
    assert at.number_input(key=key(at, "inputs0_n")).value == 0.9


def test_typing_a_target_and_a_learning_rate(at):
    exact(at)
    at.number_input(key=key(at, "targets0_n")).set_value(0.25).run()
    at.number_input(key=key(at, "lr_n")).set_value(0.05).run()
    cfg = preset_config("lesson-step")
    cfg["targets"] = [0.25]
    cfg["learning_rate"] = 0.05
    assert_page_matches(at, cfg)
    assert at.select_slider(key=key(at, "lr_s")).value == 0.05


def test_log_learning_rate_slider(at):
    at.select_slider(key=key(at, "lr_s")).set_value(2.0).run()
    cfg = preset_config("lesson-step")
    cfg["learning_rate"] = 2.0
    assert_page_matches(at, cfg)


def test_editing_a_weight_cell(at):
    at.session_state[key(at, "grid1")] = {
        "edited_rows": {0: {"→ ŷ₁": 0.75}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    cfg = preset_config("lesson-step")
    cfg["weights"][1][0][0] = 0.75
    assert state(at).cfg["weights"][1] == [[0.75], [-0.3]]
    assert_page_matches(at, cfg)


def test_apply_undo_reset_and_take_n(at):
    cfg = preset_config("lesson-step")
    first = expected_trace(cfg)
    at.button(key="step_apply").click().run()
    np.testing.assert_allclose(state(at).cfg["weights"][1], first.layers[1].new_weights)
    assert state(at).losses == [first.loss_before]
    # The page now shows the step from the new weights.
    cfg1 = {**cfg, "weights": [lt.new_weights.tolist() for lt in first.layers]}
    assert_page_matches(at, cfg1)

    at.button(key="step_undo").click().run()
    assert state(at).cfg == cfg and state(at).losses == []

    at.number_input(key="step_take_n").set_value(5).run()
    at.button(key="step_take").click().run()
    net = first.network
    for _ in range(5):
        net = step(net, cfg["inputs"], cfg["targets"], 0.5).new_network
    np.testing.assert_allclose(state(at).cfg["weights"][0], net.weights[0], rtol=1e-15)
    assert len(state(at).losses) == 5
    assert state(at).losses == sorted(state(at).losses, reverse=True)  # the loss falls
    show(at, "Loss per step")
    loss_charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(len(s["data"][0]["y"]) == 6 for s in loss_charts if not s.get("frames"))

    at.button(key="step_reset").click().run()
    assert state(at).cfg == cfg and not state(at).history


def test_presets_and_shape_changes(at):
    at.selectbox(key=key(at, "preset")).set_value("worked-example").run()
    assert_page_matches(at, preset_config("worked-example"))
    assert "0.03015349" in at.code[0].value

    at.selectbox(key=key(at, "preset")).set_value("two-output-biases").run()
    assert_page_matches(at, preset_config("two-output-biases"))

    shape_controls(at)
    at.number_input(key=key(at, "n_hidden")).set_value(2).run()
    cfg = state(at).cfg
    assert [len(w[0]) for w in cfg["weights"]] == [2, 2, 2] and state(at).preset == "custom"
    assert_page_matches(at, cfg)
    at.selectbox(key=key(at, "act0")).set_value("tanh").run()
    assert state(at).cfg["activations"][0] == "tanh"
    assert_page_matches(at, state(at).cfg)


def test_randomize_and_reset_to_preset(at):
    at.number_input(key=key(at, "seed")).set_value(3).run()
    at.button(key="step_randomize").click().run()
    randomized = state(at).cfg["weights"]
    assert randomized != preset_config("lesson-step")["weights"]
    assert_page_matches(at, state(at).cfg)
    at.button(key="step_reset_weights").click().run()
    assert state(at).cfg == preset_config("lesson-step")


# --- bad input: a clear message, the last valid state kept, never an exception -----------


def assert_kept(at, cfg, message):
    assert not at.exception
    errors = [e.value for e in at.error] + [w.value for w in at.warning]
    assert any(message in e for e in errors), errors
    assert state(at).cfg == cfg
    assert_page_matches(at, cfg)


def test_empty_number_box(at):
    exact(at)
    at.number_input(key=key(at, "inputs1_n")).set_value(None).run()
    assert_kept(at, preset_config("lesson-step"), "empty")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.0, "must be a positive number"),
        (1e6, "too large"),
        (-0.5, "must be a positive number"),
        (1e-9, "between 1e-06 and 100"),
    ],
)
def test_bad_learning_rates(at, value, message):
    exact(at)
    at.number_input(key=key(at, "lr_n")).set_value(value).run()
    assert_kept(at, preset_config("lesson-step"), message)


def test_out_of_range_input(at):
    exact(at)
    at.number_input(key=key(at, "inputs0_n")).set_value(50.0).run()
    assert_kept(at, preset_config("lesson-step"), "Inputs must lie between")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Empty cell (row a₁, column → ŷ₁)"),
        (float("nan"), "Empty cell"),
        (5e4, "must lie between"),
        ("abc", "is not a number"),
    ],
)
def test_bad_weight_cells(at, value, message):
    at.session_state[key(at, "grid1")] = {
        "edited_rows": {0: {"→ ŷ₁": value}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert_kept(at, preset_config("lesson-step"), message)


def test_cross_entropy_needs_sigmoid_output(at):
    shape_controls(at)
    at.selectbox(key=key(at, "act1")).set_value("relu").run()
    at.selectbox(key=key(at, "loss")).set_value("cross_entropy").run()
    cfg = preset_config("lesson-step")
    cfg["activations"] = ["sigmoid", "relu"]
    assert_kept(at, cfg, "Cross-entropy loss needs a sigmoid output layer")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"inputs": [1]}', "missing"),
        (
            '{"inputs": [NaN, 0.1, 0.2], "targets": [0.5], "learning_rate": 0.5, '
            '"weights": [[[1, 2], [1, 2], [1, 2]], [1, 2]]}',
            "NaN",
        ),
        ("", "not valid JSON"),
    ],
)
def test_bad_import(at, text, message):
    show(at, "Share / export")
    at.text_area(key=key(at, "import")).set_value(text).run()
    at.button(key="step_import_load").click().run()
    assert_kept(at, preset_config("lesson-step"), message)


def test_good_import_and_share_link_round_trip(at):
    cfg = preset_config("two-output-biases")
    show(at, "Share / export")
    at.text_area(key=key(at, "import")).set_value(json.dumps(cfg)).run()
    at.button(key="step_import_load").click().run()
    assert state(at).cfg == cfg
    link = next(c.value for c in at.code if "?ex=" in c.value)
    query = urllib.parse.parse_qs(link.split("?", 1)[1])
    assert from_query(query) == (cfg, "custom")
    address = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert query == address  # the link is the address bar's


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"config": "%%%not-base64"}, "damaged"),
        ({"config": encode_link({"inputs": 1})[:-3]}, "damaged"),
        ({"preset": "nope"}, "unknown preset"),
        ({"config": "x" * 5000}, "too long"),
    ],
)
def test_malformed_links(params, message):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        app.query_params[k] = v
    app.run()
    assert not app.exception
    assert any(message in w.value for w in app.warning)
    assert app.session_state[STATE].cfg == preset_config("lesson-step")


def test_link_with_a_configuration():
    cfg = preset_config("worked-example")
    cfg["inputs"] = [0.7, -0.1]
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["config"] = encode_link(cfg)
    app.run()
    assert app.session_state[STATE].cfg == cfg
    assert_page_matches(app, cfg)


def test_extreme_weights_draw_without_nan(at, recwarn):
    cfg = preset_config("lesson-step")
    cfg["weights"] = [[[1e3, -1e3], [-1e3, 1e3], [1e3, 1e3]], [[-1e3], [1e3]]]
    show(at, "Share / export")
    at.text_area(key=key(at, "import")).set_value(json.dumps(cfg)).run()
    at.button(key="step_import_load").click().run()
    assert state(at).cfg == cfg
    json.dumps(diagram(at), allow_nan=False)  # raises on NaN or infinity
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_tracebacks_are_never_shown():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_gradient_section_shows_backprops_slope(at):
    show(at, "Gradient")
    text = "\n".join(m.value for m in at.markdown)
    assert "Gradient check" in text
    cfg = preset_config("lesson-step")
    net = Network.build(cfg["weights"])
    from backprop_viz.core.network import gradients

    gw, _ = gradients(net, np.array([cfg["inputs"]]), np.array([cfg["targets"]]))
    # The default weight is the last one, a₂ → ŷ₁; its tangent's slope is backprop's ∂E/∂w.
    chart = chart_titled(at, "Loss along")
    (x0, x1), (y0, y1) = chart["data"][1]["x"], chart["data"][1]["y"]
    assert (y1 - y0) / (x1 - x0) == pytest.approx(gw[1][1, 0], rel=1e-9)
    assert f"{gw[1][1, 0]:.12g}" in text
    at.selectbox(key="step_slice_param").set_value("W1[0,1]").run()
    chart = chart_titled(at, "Loss along")
    (x0, x1), (y0, y1) = chart["data"][1]["x"], chart["data"][1]["y"]
    assert (y1 - y0) / (x1 - x0) == pytest.approx(gw[0][0, 1], rel=1e-9)


def test_a_seed_out_of_range_is_refused_with_a_message(at):
    # A negative seed once raised ValueError from NumPy and left only an error box.
    at.number_input(key=key(at, "seed")).set_value(-1).run()
    at.button(key="step_randomize").click().run()
    assert not at.exception
    assert any("a whole number from 0 to" in e.value for e in at.error)
    assert state(at).cfg["weights"] == preset_config("lesson-step")["weights"]
    # A valid seed starts a new history from the new weights.
    at.number_input(key=key(at, "seed")).set_value(3).run()
    at.button(key="step_randomize").click().run()
    assert not at.exception and not state(at).history
    assert state(at).base == state(at).cfg != preset_config("lesson-step")


def test_taking_steps_stops_at_the_last_state_the_page_can_draw():
    # 3-2-1 identity network, weights 1, η 100: its steps blow up within a few steps. Taking
    # 1000 once left a state whose own step overflowed, and the page became an error box.
    cfg = {
        **preset_config("lesson-step"),
        "activations": ["identity", "identity"],
        "weights": [[[1.0, 1.0]] * 3, [[1.0], [1.0]]],
        "learning_rate": 100.0,
    }
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["config"] = encode_link(cfg)
    app.run()
    app.number_input(key="step_take_n").set_value(1000).run()
    app.button(key="step_take").click().run()
    assert not app.exception
    assert any(e.value.startswith("Stopped after") for e in app.error)
    st_ = app.session_state[STATE]
    assert 0 < len(st_.losses) < 1000
    expected_trace(st_.cfg)  # the state adopted still steps
    # ... and its link reopens to the same numbers.
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    again.query_params["config"] = encode_link(st_.cfg)
    again.run()
    assert not again.exception and not again.warning
    assert again.session_state[STATE].cfg == st_.cfg


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "[Log in again here](https://evil.example/login)"},
        {"preset": "![x](http://127.0.0.1:9/t.png)"},
        {"preset": "<img src=x onerror=alert(1)> www.evil.example"},
        {"preset": "x" * 400_000},
    ],
)
def test_link_text_is_echoed_plain_and_short(params):
    # Link values once reached the page as Markdown: a clickable link, a fetched image.
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update(params)
    app.run()
    assert not app.exception
    (notice,) = app.warning
    text = notice.value
    # Every Markdown character arrives escaped: no link, image, tag or bare address.
    assert not re.search(r"(?<!\\)[\[\]<>!]", text)
    assert "www.evil" not in text and "https://" not in text
    shown = re.sub(r"\\(.)", r"\1", text)  # what the reader sees
    assert len(shown) <= 200
    assert state(app).preset == "lesson-step"  # the default page, kept


def test_import_box_echoes_key_names_plain(at):
    show(at, "Share / export")
    box = next(t for t in at.text_area if t.label == "Configuration JSON")
    box.set_value('{"[click](https://evil.example)": 1}').run()
    at.button(key="step_import_load").click().run()
    (err,) = at.error
    assert not re.search(r"(?<!\\)[\[\]]", err.value) and "https://" not in err.value
    assert "Unknown key" in err.value


def test_share_section_offers_the_step_as_a_numpy_script(at):
    show(at, "Share / export")
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download as Python") for label in labels)
    from backprop_viz.explain.codegen import python_script
    from backprop_viz.ui.step.results import python_text

    cfg = state(at).cfg
    script = python_text(json.dumps(cfg, sort_keys=True))
    assert script == python_script(cfg)
    assert "Change in weights for hidden layer to output layer:" in script
    assert "import backprop_viz" not in script and "from backprop_viz" not in script
