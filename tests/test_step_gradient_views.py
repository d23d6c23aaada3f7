"""The step page's gradient views under AppTest: the whole step at rest, the kept stage, what
each control does, the gradient size per layer, and the chain rule for every weight."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.core.config import parse_config
from backprop_viz.core.params import ParamRef, weight_refs
from backprop_viz.explain.chain import chain_rule, gradient_sizes
from backprop_viz.explain.notation import fmt
from backprop_viz.explain.presets import load_preset
from backprop_viz.figures.network import (
    HOVER,
    LABELS,
    UNITS,
    clicked_parameter,
    diagram_info,
    network_figure,
)
from backprop_viz.ui.step.edits import preset_config
from backprop_viz.ui.step.panels import SWEEP_OPEN

ROOT = Path(__file__).resolve().parents[1]
STATE = "step_view_state"


@pytest.fixture
def at():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def state(at):
    return at.session_state[STATE]


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def diagram(at):
    return next(c for c in charts(at) if c.get("frames"))


def titled(at, prefix):
    return next(c for c in charts(at) if c["layout"]["title"]["text"].startswith(prefix))


def open_sweep(at):
    """Show "what this control does" (a toggle, off on a fresh page)."""
    assert not any(c["layout"]["title"]["text"].startswith("What ") for c in charts(at))
    at.toggle(key=SWEEP_OPEN).set_value(True).run()
    assert not at.exception


def stage_control(at):
    return next(s for s in at.select_slider if s.label.startswith("Stage shown"))


def move(at, name, value):
    at.slider(key=state(at).key(name)).set_value(value).run()
    assert not at.exception


def core_trace(cfg):
    return parse_config(cfg).step()


def edge_labels(fig):
    """The diagram's edge labels (its text trace ends with the unit names)."""
    units = sum(diagram_info(fig)["sizes"])
    return fig["data"][LABELS]["text"][:-units]


def assert_diagram_shows_whole_step(at, cfg):
    fig = diagram(at)
    assert fig["layout"]["title"]["text"].startswith("<b>12/12 · The whole step</b>")
    t = core_trace(cfg)
    expected = [fmt(v, 3) for lt in t.layers for v in lt.weight_delta.ravel()]
    assert edge_labels(fig) == expected
    # Every unit past the inputs shows its activation and its error term.
    units = fig["data"][UNITS]["text"]
    assert units[3] == f"a={fmt(t.layers[0].output[0, 0])}<br>δ={fmt(t.layers[0].error_term[0, 0])}"


def test_default_diagram_rests_on_the_whole_step_with_the_cores_steps(at):
    assert not at.exception
    assert_diagram_shows_whole_step(at, preset_config("lesson-step"))
    assert "0.00804" in edge_labels(diagram(at))
    assert stage_control(at).value == "whole"


def test_chosen_stage_survives_slider_apply_undo_and_example_change(at):
    stage_control(at).set_value("back-1").run()
    title = "<b>8/12 · Error flows back"

    def check():
        assert not at.exception
        assert diagram(at)["layout"]["title"]["text"].startswith(title)
        assert stage_control(at).value == "back-1"

    check()
    move(at, "inputs0_s", 0.8)
    check()
    # The diagram's numbers are the new step's: the output layer's δ·w on its edges.
    cfg = {**preset_config("lesson-step"), "inputs": [0.8, 0.1, -0.2]}
    back = core_trace(cfg).layers[1].edge_error[0]
    assert [fmt(v, 3) for v in back.ravel()] == [t for t in edge_labels(diagram(at)) if t]
    at.button(key="step_apply").click().run()
    check()
    at.button(key="step_undo").click().run()
    check()
    at.selectbox(key=state(at).key("preset")).set_value("worked-example").run()
    check()
    # A deeper example has the stage too: it keeps it (with its own count of stages).
    at.selectbox(key=state(at).key("preset")).set_value("vanishing-sigmoid").run()
    assert not at.exception
    assert "Error flows back into the hidden 1 layer" in diagram(at)["layout"]["title"]["text"]


def test_a_shape_without_the_stage_falls_back_to_the_whole_step(at):
    stage_control(at).set_value("back-1").run()
    at.toggle(key="step_shape_open").set_value(True).run()
    at.number_input(key=state(at).key("n_hidden")).set_value(0).run()
    assert not at.exception
    fig = diagram(at)
    assert "The whole step" in fig["layout"]["title"]["text"]
    assert [f["name"] for f in fig["frames"]][-3:] == ["steps", "new", "whole"]
    assert "back-1" not in [f["name"] for f in fig["frames"]]


def _marker_x(chart):
    return chart["data"][-1]["x"][0]


def test_what_this_control_does_follows_the_last_control_moved(at):
    open_sweep(at)
    chart = titled(at, "What x₁ does")
    assert _marker_x(chart) == 0.5
    move(at, "inputs0_s", 0.7)
    chart = titled(at, "What x₁ does")
    assert _marker_x(chart) == 0.7  # the marker moves with the slider
    # The loss marker is the core's E before the step at that value.
    cfg = {**preset_config("lesson-step"), "inputs": [0.7, 0.1, -0.2]}
    loss_marker = next(d for d in chart["data"] if d.get("yaxis") == "y" and d["mode"] == "markers")
    assert loss_marker["y"][0] == pytest.approx(core_trace(cfg).loss_before, abs=1e-15)
    move(at, "targets0_s", 0.3)
    chart = titled(at, "What y₁ does")
    # Δw markers at the current value are the core's largest steps, biggest first.
    cfg["targets"] = [0.3]
    t = core_trace(cfg)
    steps = sorted((abs(v) for lt in t.layers for v in lt.weight_delta.ravel()), reverse=True)
    step_marker = next(
        d for d in chart["data"] if d.get("yaxis") == "y3" and d["mode"] == "markers"
    )
    assert [abs(v) for v in step_marker["y"]] == pytest.approx(steps, rel=1e-12)


def test_any_control_can_be_chosen_and_eta_shows_the_overshoot(at):
    open_sweep(at)
    box = next(s for s in at.selectbox if s.label == "What this control does")
    box.set_value("eta").run()
    chart = titled(at, "What η does")
    assert chart["layout"]["xaxis"]["type"] == "log"
    assert "overshoots from η ≈" in chart["layout"]["title"]["text"]
    box = next(s for s in at.selectbox if s.label == "What this control does")
    box.set_value("W1[0,1]").run()
    chart = titled(at, "What w¹₁₂ does")
    assert _marker_x(chart) == -0.6
    assert not at.exception


def gradient_bars(at):
    """The gradient sizes the diagram draws under its layers, and their shown values."""
    fig = diagram(at)
    labels = next(t for t in fig["data"] if t.get("name") == "gradient sizes")
    return diagram_info(fig)["gradient_sizes"], labels["text"]


def test_gradient_sizes_under_the_diagram_equal_the_core(at):
    sizes, labels = gradient_bars(at)
    expected = gradient_sizes(load_preset("lesson-step").step())
    assert sizes == pytest.approx(list(expected), rel=1e-12)
    assert labels == [fmt(v, 3) for v in expected]
    text = "\n".join(m.value for m in at.markdown)
    assert f"{fmt(expected[-1] / expected[0], 3)}× the first's" in text
    at.selectbox(key=state(at).key("preset")).set_value("vanishing-sigmoid").run()
    bars, _ = gradient_bars(at)
    assert len(bars) == 4 and bars[-1] >= 10 * bars[0]
    at.button(key="step_contrast_vanishing-relu").click().run()
    assert state(at).preset == "vanishing-relu"
    bars, _ = gradient_bars(at)
    assert bars == pytest.approx(list(gradient_sizes(load_preset("vanishing-relu").step())))


@pytest.mark.parametrize("preset", ["lesson-step", "two-output-biases"])
def test_chain_rule_section_for_every_weight(at, preset):
    if preset != "lesson-step":
        at.selectbox(key=state(at).key("preset")).set_value(preset).run()
    at.segmented_control(key="step_section").set_value("Chain rule").run()
    trace = load_preset(preset).step()
    net = trace.network
    box_key = next(s.key for s in at.selectbox if s.label.startswith("Weight or bias"))
    for ref in weight_refs(net.sizes, net.biases is not None):
        at.selectbox(key=box_key).set_value(ref.name).run()
        assert not at.exception
        c = chain_rule(trace, ref)
        text = "\n".join(m.value for m in at.markdown)
        assert f"**∂E/∂{c.label}**" in text
        for number in (c.product, c.backprop, c.numeric):
            assert f"{number:.8g}" in text
        # The chosen parameter is ringed on the diagram.
        shape = diagram(at)["layout"]["shapes"][0]
        assert shape["type"] == ("line" if ref.kind == "weight" else "circle")


def test_clicks_on_the_diagram_name_their_parameter():
    fig = network_figure(load_preset("two-output-biases").step())
    assert clicked_parameter(fig, [{"curve_number": HOVER, "point_index": 5}]) == ParamRef(
        "weight", 1, (0, 1)
    )
    # Units: two inputs, then a₁ a₂, then ŷ₁ ŷ₂; a click on ŷ₂ means its bias.
    assert clicked_parameter(fig, [{"curve_number": UNITS, "point_index": 5}]) == ParamRef(
        "bias", 1, (1,)
    )
    assert clicked_parameter(fig, [{"curve_number": UNITS, "point_index": 0}]) is None
    assert clicked_parameter(fig, [{"curve_number": HOVER, "point_index": 99}]) is None
    assert clicked_parameter(fig, [{"curve_number": 0, "point_index": "x"}]) is None


def test_sweep_chart_agrees_with_the_core_at_sampled_values(at):
    open_sweep(at)
    chart = titled(at, "What x₁ does")
    xs = np.frombuffer(base64.b64decode(chart["data"][0]["x"]["bdata"]), dtype="<f4")
    losses = np.frombuffer(base64.b64decode(chart["data"][0]["y"]["bdata"]), dtype="<f4")
    assert len(xs) >= 101
    for i in range(0, len(xs), 20):
        cfg = {**preset_config("lesson-step"), "inputs": [float(xs[i]), 0.1, -0.2]}
        # float32 on the wire: agreement to float32's precision.
        assert losses[i] == pytest.approx(core_trace(cfg).loss_before, rel=1e-6)
