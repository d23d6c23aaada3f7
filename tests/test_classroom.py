"""The classroom step page: the address is the state, stage keys, predict-then-reveal, the
step history (AppTest, and the address codec against the configurations it must carry)."""

import json
import re
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from streamlit.testing.v1 import AppTest

from backprop_viz.errors import ConfigError
from backprop_viz.explain.notation import fmt
from backprop_viz.explain.presets import STEP_PRESETS
from backprop_viz.explain.quiz import question
from backprop_viz.ui.step.address import (
    decode_numbers,
    encode_numbers,
    from_query,
    to_query,
)
from backprop_viz.ui.step.edits import (
    encode_link,
    normalize,
    preset_config,
    resize,
    set_biases,
    take_steps,
    validated,
    with_parameters,
)
from backprop_viz.ui.step.results import cfg_json_of, compute
from tests.strategies import step_configs

ROOT = Path(__file__).resolve().parents[1]
STATE = "step_view_state"


def address_text(query: dict) -> str:
    """The query string a browser shows (percent-encoded as Streamlit writes it)."""
    return urllib.parse.urlencode(query, doseq=True)


def reopen(text: str):
    """What a fresh page makes of an address's query string."""
    return from_query(urllib.parse.parse_qs(text, keep_blank_values=True))


def largest_network(seed: int = 0) -> dict:
    """6 inputs, three hidden layers of 6, 3 outputs, biases, every value a long fraction."""
    rng = np.random.default_rng(seed)
    cfg = set_biases(resize(preset_config("lesson-step"), 6, [6, 6, 6], 3), True)
    cfg["weights"] = [rng.normal(size=np.shape(w)).tolist() for w in cfg["weights"]]
    cfg["biases"] = [rng.normal(size=len(b)).tolist() for b in cfg["biases"]]
    cfg["inputs"] = rng.uniform(-3, 3, 6).tolist()
    cfg["targets"] = rng.uniform(0, 1, 3).tolist()
    cfg["learning_rate"] = float(rng.uniform(0.01, 5))
    return normalize(cfg)


# --- the address codec ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(STEP_PRESETS))
def test_every_example_is_its_name_alone_and_reopens_exactly(name):
    query = to_query(preset_config(name), name)
    assert query == {"ex": [name]}
    assert reopen(address_text(query)) == (preset_config(name), name)


def test_lesson_link_after_moves_and_steps_is_short_and_exact():
    cfg = preset_config("lesson-step")
    cfg["inputs"][0] = 0.73
    cfg["learning_rate"] = 2.0
    done = take_steps(cfg, 25)
    cfg = with_parameters(cfg, done.weights, done.biases)
    text = address_text(to_query(cfg, "lesson-step"))
    assert len("http://localhost:8501/?" + text) <= 300
    assert reopen(text) == (cfg, "lesson-step")


def test_largest_network_link_is_at_most_2000_characters_and_exact():
    cfg = largest_network()
    text = address_text(to_query(cfg, "custom"))
    assert len("http://localhost:8501/?" + text + "&stage=delta-out&present=1") <= 2000
    assert reopen(text) == (cfg, "custom")


@settings(max_examples=60, deadline=None)
@given(step_configs())
def test_any_one_record_configuration_reopens_number_for_number(raw):
    if np.ndim(raw["inputs"]) > 1:
        raw = {**raw, "inputs": raw["inputs"][0], "targets": raw["targets"][0]}
    try:
        cfg, _ = validated(raw)
    except ConfigError:
        return  # outside the page's limits: no page shows it, so no address describes it
    got, name = reopen(address_text(to_query(cfg, "custom")))
    assert name == "custom" and got == cfg
    assert json.dumps(got, sort_keys=True) == json.dumps(cfg, sort_keys=True)


@pytest.mark.parametrize(
    "values", [[0.1, -0.2], [1 / 3, 2 / 3, 1e-300], [1e-7, -12345.678901234567], [5e-324]]
)
def test_numbers_survive_exactly_in_the_shorter_form(values):
    text = encode_numbers(values)
    assert decode_numbers(text, "x") == values
    assert urllib.parse.quote_plus(text, safe="~") == text  # nothing to percent-encode


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"ex": ["nope"]}, "unknown example"),
        ({"ex": ["[click](https://evil.example)"]}, "unknown example"),
        ({"x": ["0.1_zz_0.3"]}, "not a list of numbers"),
        ({"x": ["0.1_0.2"]}, "gives 2 inputs where 3 belong"),
        ({"x": ["0.1_nan_0.2"]}, "not finite"),
        ({"x": ["0.1_inf_0.2"]}, "not finite"),
        ({"x": ["~AAAA"]}, "not a list of numbers"),
        ({"x": ["~!!!"]}, "not a list of numbers"),
        ({"x": ["1", "2"]}, "more than once"),
        ({"lr": ["1e9"]}, "learning rate"),
        ({"lr": ["0"]}, "learning rate"),
        ({"w": ["1_2_3_4_5_6"]}, "gives 1 weight layers where 2 belong"),
        ({"w": ["1e308_1_1_1_1_1", "1_1"]}, "between"),
        ({"b": ["1_1", "1"]}, "has none"),
        ({"tb": ["yes"]}, "must be 0 or 1"),
        ({"shape": ["3-x-1"], "f": ["sigmoid-sigmoid"]}, "not like 3-2-1"),
        ({"shape": ["3-2-2-2-2-2-1"]}, "not like 3-2-1"),
        ({"shape": ["2-1"], "f": ["sigmoid"], "x": ["1_1"], "y": ["1"], "lr": ["1"]}, "no 'w'"),
        ({"shape": ["2-1"], "f": ["a-b"], "x": ["1_1"], "y": ["1"], "lr": ["1"]}, "activation"),
        (
            {"shape": ["2-1"], "f": ["bogus"], "x": ["1_1"], "y": ["1"], "lr": ["1"], "w": ["1_1"]},
            "bogus",
        ),
        ({"x": ["1_" * 5000 + "1"]}, "longer than"),
    ],
)
def test_a_bad_address_is_refused_in_one_sentence(query, says):
    with pytest.raises(ConfigError, match="(?i)" + says.replace("(", r"\(")) as err:
        from_query(query)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


def test_an_address_without_a_configuration_names_none():
    assert from_query({}) is None
    assert from_query({"stage": ["whole"], "utm_source": ["x"]}) is None


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def at():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def open_page(query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in query.items():
        app.query_params[k] = v
    return app.run()


def state(at):
    return at.session_state[STATE]


def params(at) -> dict[str, list[str]]:
    return {k: list(v) if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def page_numbers(at) -> list[str]:
    return [m.value for m in at.metric] + [m.delta or "" for m in at.metric]


def slider(at, prefix):
    return next(s for s in at.slider if s.key and s.key.startswith(prefix))


def diagram(at):
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("frames"):
            return spec
    raise AssertionError("no diagram on the page")


def no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def test_the_default_page_has_a_bare_address(at):
    no_exception(at)
    assert params(at) == {}


def test_the_address_follows_every_change_and_reopens_the_same_page(at):
    slider(at, "step_inputs1_s").set_value(0.42).run()
    at.button(key="step_apply").click().run()
    slider(at, "step_targets0_s").set_value(0.9).run()
    at.button(key="step_stage_prev").click().run()
    no_exception(at)
    query = params(at)
    assert query["ex"] == ["lesson-step"] and query["stage"] == ["new"]
    assert decode_numbers(query["x"][0], "x") == [0.5, 0.42, -0.2]
    assert decode_numbers(query["y"][0], "y") == [0.9]
    again = open_page({k: v[0] if len(v) == 1 else v for k, v in query.items()})
    no_exception(again)
    assert state(again).cfg == state(at).cfg
    assert page_numbers(again) == page_numbers(at)
    assert diagram(again)["layout"]["title"]["text"] == diagram(at)["layout"]["title"]["text"]


def test_history_stays_in_the_session_and_the_link_carries_the_current_state(at):
    at.button(key="step_apply").click().run()
    at.button(key="step_apply").click().run()
    query = params(at)
    again = open_page({k: v[0] if len(v) == 1 else v for k, v in query.items()})
    assert state(again).cfg == state(at).cfg
    assert state(again).losses == [] and len(state(at).losses) == 2


@pytest.mark.parametrize("old", ["config", "preset"])
def test_old_links_still_open_and_the_address_takes_the_new_form(old):
    cfg = preset_config("two-output-biases")
    cfg["inputs"] = [0.25, -1.5]
    value = encode_link(cfg) if old == "config" else "worked-example"
    app = open_page({old: value})
    no_exception(app)
    want = cfg if old == "config" else preset_config("worked-example")
    assert state(app).cfg == want
    query = params(app)
    assert old not in query
    assert reopen(address_text(query))[0] == want


@pytest.mark.parametrize(
    "query",
    [
        {"ex": "[Log in](https://evil.example/login)"},
        {"x": "1_2_3_4"},
        {"w": "nan_1_1_1_1_1"},
        {"lr": "1e400"},
        {"shape": "9-9-9", "f": "sigmoid-sigmoid", "x": "1", "y": "1", "lr": "1", "w": "1"},
        {"ex": "lesson-step", "x": "1_" * 4100 + "1"},
        {"config": "%%%"},
    ],
)
def test_a_malformed_or_oversized_address_shows_a_notice_and_the_default_page(query):
    app = open_page(query)
    no_exception(app)
    notices = [w.value for w in app.warning]
    assert any(n.startswith("Showing the lesson's example") for n in notices), notices
    assert state(app).cfg == preset_config("lesson-step")
    # No link reaches the page: every bracket from the address is escaped.
    assert not any(re.search(r"(?<!\\)\]\(", n) for n in notices)
    assert all(len(n.replace("\\", "")) <= 200 for n in notices)  # as displayed


def test_stage_present_and_quiz_come_from_the_address():
    app = open_page({"ex": "worked-example", "stage": "delta-out", "quiz": "1", "qs": "3"})
    no_exception(app)
    s = state(app)
    assert (s.stage, s.quiz, s.quiz_seed, s.present) == ("delta-out", True, 3, False)


def test_an_unknown_stage_in_the_address_falls_back_to_the_whole_step():
    app = open_page({"stage": "nope"})
    no_exception(app)
    assert "The whole step" in diagram(app)["layout"]["title"]["text"]


def test_stage_buttons_move_one_stage_and_stop_at_the_ends(at):
    title = lambda: diagram(at)["layout"]["title"]["text"]  # noqa: E731
    assert "12/12" in title()
    at.button(key="step_stage_next").click().run()
    assert "12/12" in title()  # already the last
    at.button(key="step_stage_prev").click().run()
    assert "11/12" in title()
    for _ in range(15):
        at.button(key="step_stage_prev").click().run()
    assert "1/12" in title() and state(at).stage == "inputs"
    slider(at, "step_inputs0_s").set_value(0.9).run()
    assert "1/12" in title()  # a slider keeps the stage


def test_keys_are_the_buttons_shortcuts_and_the_page_names_them(at):
    shortcuts = {b.key: b.proto.shortcut for b in at.button if b.proto.shortcut}
    assert shortcuts == {
        "step_apply": "enter",
        "step_undo": "u",
        "step_reset": "home",
        "step_stage_prev": "left",
        "step_stage_next": "right",
    }
    legend = " ".join(c.value for c in at.caption)
    for word in ("← / → stage", "Enter apply step", "U undo", "Home reset"):
        assert word in legend


# --- predict, then reveal ---------------------------------------------------------------


def test_quiz_hides_the_backward_stages_until_answered_and_keeps_score():
    app = open_page({"quiz": "1", "qs": "2"})
    no_exception(app)
    cfg_json = cfg_json_of(state(app).cfg)
    q = question(compute(cfg_json).trace, 2)
    assert "Activations of the output layer" in diagram(app)["layout"]["title"]["text"]
    assert all(not m.delta for m in app.metric)  # the loss after the step is not shown
    assert any(q.prompt in m.value for m in app.markdown)
    assert app.button(key="step_stage_next").disabled
    wrong = q.options[(q.answer + 1) % len(q.options)]
    radio = app.radio[0]
    radio.set_value(wrong)
    app.button(key="step_quiz_answer").click().run()
    no_exception(app)
    assert app.error and q.reveal in app.error[0].value and "Not quite" in app.error[0].value
    assert (state(app).quiz_right, state(app).quiz_total) == (0, 1)
    assert state(app).stage == q.stage
    app.button(key="step_quiz_next").click().run()
    q2 = question(compute(cfg_json).trace, 3)
    assert state(app).quiz_seed == 3 and params(app)["qs"] == ["3"]
    app.radio[0].set_value(q2.options[q2.answer])
    app.button(key="step_quiz_answer").click().run()
    assert app.success and "Right" in app.success[0].value
    assert (state(app).quiz_right, state(app).quiz_total) == (1, 2)


def test_a_slider_move_asks_again_about_the_new_step():
    app = open_page({"quiz": "1"})
    app.radio[0].set_value(app.radio[0].options[0])
    app.button(key="step_quiz_answer").click().run()
    assert state(app).quiz_answer is not None
    slider(app, "step_inputs0_s").set_value(-1.0).run()
    assert state(app).quiz_answer is None and app.radio


# --- the step history -------------------------------------------------------------------


def test_history_shows_any_earlier_step_whole_and_back_to_now(at):
    start = state(at).cfg
    at.number_input(key="step_take_n").set_value(5).run()
    at.button(key="step_take").click().run()
    at.button(key="step_apply").click().run()
    now = state(at).cfg
    assert len(state(at).losses) == 6
    hist = slider(at, "step_history_view")
    assert (hist.min, hist.max, hist.value) == (0, 6, 6)
    hist.set_value(3).run()
    no_exception(at)
    done = take_steps(start, 3)
    want = compute(cfg_json_of(with_parameters(start, done.weights, done.biases))).trace
    assert at.metric[0].value == fmt(want.output[0, 0])
    assert at.metric[2].value == fmt(want.loss_before)
    assert at.metric[2].value != fmt(compute(cfg_json_of(now)).trace.loss_before)
    assert state(at).cfg == now  # viewing changes nothing
    at.segmented_control(key="step_section").set_value("Loss per step").run()
    losses = next(
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Loss per step" in c.proto.spec
    )
    marker = losses["data"][1]
    assert marker["x"] == [3] and marker["y"] == [state(at).losses[3]]
    assert state(at).losses[3] == want.loss_before
    at.button(key="step_history_now").click().run()
    assert state(at).viewing is None


# --- presenter mode and the script --------------------------------------------------------


def test_presenter_mode_keeps_the_essentials_and_hides_the_rest():
    app = open_page({"present": "1", "stage": "delta-out"})
    no_exception(app)
    assert state(app).present
    assert not app.get("arrow_data_frame") and not app.sidebar.children  # no weight grids
    assert not app.selectbox  # no example, shape, control or chain-rule pickers
    assert not app.get("segmented_control")  # no sections
    assert [m.label for m in app.metric] == ["Output ŷ", "Error y − ŷ", "Loss E (before the step)"]
    stage = next(s for s in compute(cfg_json_of(state(app).cfg)).stages if s.key == "delta-out")
    assert [x.value.strip("$\n") for x in app.latex] == [stage.latex]  # live numbers
    keys = {b.key for b in app.button}
    assert {"step_apply", "step_undo", "step_reset", "step_stage_prev", "step_stage_next"} <= keys
    fig = diagram(app)
    assert "Output error term" in fig["layout"]["title"]["text"]
    assert fig["layout"]["height"] <= 520
    app.toggle(key="step_present").set_value(False).run()
    no_exception(app)
    assert app.selectbox and "present" not in params(app)


def test_the_page_shows_the_script_it_downloads_for_n_steps(at):
    at.segmented_control(key="step_section").set_value("Share / export").run()
    at.number_input(key="step_script_steps").set_value(3).run()
    no_exception(at)
    from backprop_viz.explain.codegen import python_script

    script = python_script(state(at).cfg, 3)
    assert any(c.value.strip() == script.strip() and c.language == "python" for c in at.code)
    # The default example's link names only the open section.
    assert any(c.value.endswith("?section=Share+%2F+export") for c in at.code)


# --- whole-number boxes read what was typed -----------------------------------------------


def shape_open(at):
    at.toggle(key="step_shape_open").set_value(True).run()
    return at.session_state[STATE]


@pytest.mark.parametrize("typed", [2.5, 1e3])
def test_shape_boxes_refuse_a_fraction_or_a_typed_exponent_out_of_range(at, typed):
    s = shape_open(at)
    before = s.cfg
    box = next(b for b in at.number_input if b.label == "Inputs")
    if typed > box.max:
        assert box.max == 6  # Streamlit's own range check answers first in the browser
        return
    box.set_value(typed).run()
    no_exception(at)
    assert state(at).cfg == before
    assert any("whole numbers" in e.value for e in at.error)


def test_take_n_refuses_a_fraction_and_takes_a_whole_float(at):
    at.number_input(key="step_take_n").set_value(2.5).run()
    at.button(key="step_take").click().run()
    assert any("whole number of steps" in e.value for e in at.error)
    assert state(at).losses == []
    at.number_input(key="step_take_n").set_value(3.0).run()
    at.button(key="step_take").click().run()
    assert len(state(at).losses) == 3


def test_the_section_is_in_the_address_both_ways():
    app = open_page({"ex": "worked-example", "section": "Tables"})
    no_exception(app)
    assert app.segmented_control(key="step_section").value == "Tables"
    assert params(app)["section"] == ["Tables"]
    app.segmented_control(key="step_section").set_value("Chain rule").run()
    assert params(app)["section"] == ["Chain rule"]
    app.segmented_control(key="step_section").set_value("Lesson printout").run()
    assert "section" not in params(app)  # the default section leaves the address bare
    odd = open_page({"section": "[x](https://evil.example)"})
    no_exception(odd)
    assert odd.segmented_control(key="step_section").value == "Lesson printout"
    assert params(odd) == {}
