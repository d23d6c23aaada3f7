"""Softmax classes on the step page (AppTest): chosen from the functions, a target class
instead of target sliders, δ = y − ŷ per class, and every view working on it."""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.core.config import parse_config
from backprop_viz.ui.step.address import from_query

ROOT = Path(__file__).resolve().parents[1]
STATE = "step_view_state"


def state(at):
    return at.session_state[STATE]


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def test_softmax_output_with_a_target_class_steps_as_the_core_does():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.toggle(key="step_shape_open").set_value(True).run()
    s = state(at)
    next(b for b in at.number_input if b.label == "Outputs").set_value(3).run()
    no_exception(at)
    s = state(at)
    at.selectbox(key=s.key("act1")).set_value("softmax").run()
    no_exception(at)
    cfg = state(at).cfg
    assert cfg["activations"][-1] == "softmax" and cfg["loss"] == "cross_entropy"
    assert sorted(cfg["targets"]) == [0.0, 0.0, 1.0]
    radio = at.radio(key=state(at).key("target_class"))
    radio.set_value(2).run()
    no_exception(at)
    cfg = state(at).cfg
    assert cfg["targets"] == [0.0, 0.0, 1.0]
    assert not [sl for sl in at.slider if sl.key and "targets" in sl.key]  # no target sliders
    trace = parse_config(cfg).step()
    delta = trace.layers[-1].error_term[0]
    assert np.allclose(delta, np.array(cfg["targets"]) - trace.output[0], atol=0, rtol=1e-15)
    assert at.metric[2].value.startswith(f"{trace.loss_before:.4g}"[:4])
    # Every section draws on it.
    for name in ("Lesson printout", "Chain rule", "Equations", "Tables", "Gradient"):
        at.segmented_control(key="step_section").set_value(name).run()
        no_exception(at)
        if name == "Equations":
            assert any(r"\delta^o_k = y_k-\hat y_k" in x.value for x in at.latex)  # per class
    # The address carries it.
    query = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert from_query(query)[0] == cfg
    # Quiz on it.
    at.toggle(key="step_quiz").set_value(True).run()
    no_exception(at)
    assert at.radio


def test_softmax_needs_two_classes_and_the_page_says_so():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.toggle(key="step_shape_open").set_value(True).run()
    before = state(at).cfg
    at.selectbox(key=state(at).key("act1")).set_value("softmax").run()
    no_exception(at)
    assert state(at).cfg == before
    assert any("at least 2 units" in e.value for e in at.error)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]


def test_a_regularized_configuration_agrees_with_itself_in_every_view():
    from backprop_viz.ui.step.edits import preset_config
    from backprop_viz.ui.step.results import cfg_json_of, control_chart, grad_rows, slice_figure

    cfg = {**preset_config("lesson-step"), "l1": 0.02, "l2": 0.05}
    j = cfg_json_of(cfg)
    trace = parse_config(cfg).step()
    rows = grad_rows(j)
    assert max(r.relative_error for r in rows) < 1e-6
    by_name = {r.name: r for r in rows}
    w = trace.network.weights[0][0, 0]
    data = -trace.layers[0].data_delta[0, 0] / trace.learning_rate
    assert by_name["W1[0,0]"].analytic == pytest.approx(data + 0.05 * w + 0.02 * np.sign(w))
    fig = slice_figure(j, "W1[0,0]")
    assert fig["data"]
    chart = control_chart(j, "eta")
    assert chart["data"]
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update({"ex": "lesson-step", "l1": "0.02", "l2": "0.05"})
    app.run()
    no_exception(app)
    assert state(app).cfg.get("l2") == 0.05
    assert app.metric[2].value.startswith(f"{trace.loss_before:.3g}"[:5])
