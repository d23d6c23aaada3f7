"""Random sequences of step-page actions (hypothesis + AppTest): whatever a user does, in any
order, the page draws (no exception, its three metrics, a chart) and its link reopens, in a
new session, to the same numbers.

Each example opens the page from a random link (an example's name, or a random network in a
link), then takes one to three actions: a slider moved (to its ends too), a value typed (in
range or not, or nothing), a weight cell typed (1e3, 1e308, text, ...), Apply step, Take N
steps (up to 1000), Undo, Reset, another example, Randomize with a seed (bad seeds too), a
configuration loaded from the Share section, the network's shape, activations, loss or
biases changed. After every action the page must draw, the
state it keeps must be a valid configuration, and the link the page offers must decode to
exactly that configuration; after the last action the link is opened in a second session,
which must show the same configuration and the same metrics.

Every example opens new sessions (nothing carries over between examples). A new AppTest
spends ~0.25 s scanning every installed package for Streamlit components before its first
run; the app uses none, so the sessions here share the first session's (empty) finding.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from backprop_viz.core.network import Network
from backprop_viz.core.step import step
from backprop_viz.explain.presets import STEP_PRESETS
from backprop_viz.limits import MAX_SEED, STEP_MAX_ABS_WEIGHT, STEP_MAX_TAKE
from backprop_viz.ui.step.address import from_query, to_query
from backprop_viz.ui.step.callbacks import LR_OPTIONS
from backprop_viz.ui.step.edits import decode_link, encode_link, preset_config, validated
from backprop_viz.ui.step.grid import grid_frame
from backprop_viz.ui.step.results import INPUT_RANGE, target_range

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
STATE = "step_view_state"
METRICS = ("Output ŷ", "Error y − ŷ", "Loss E (before the step)")
_FIRST: list[AppTest] = []  # the first session made: the others share its component scan


# --- the share link, in one place: adapt these two when the page's link changes ------------


def page_link(app: AppTest) -> dict[str, Any]:
    """The link the page offers now: its address (the page writes its state there after
    every run), as query parameters."""
    return {k: v for k, v in app.query_params.items()}


def link_config(link: dict[str, Any]) -> dict | None:
    """The configuration a link describes, read as the page reads it (None: the default)."""
    query = {k: v if isinstance(v, list) else [v] for k, v in link.items()}
    if "config" in query or "preset" in query:
        return decode_link({k: query[k][-1] for k in ("config", "preset") if k in query})
    found = from_query(query)
    return None if found is None else found[0]


# --- sessions -----------------------------------------------------------------------------


def open_link(link: dict[str, Any], exact: bool = False) -> AppTest:
    """A new visitor's session opening `link`."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if _FIRST:
        # AppTest's private cache of that scan (Streamlit is pinned): at worst, unused.
        app._bidi_component_manager = _FIRST[0]._bidi_component_manager
    else:
        _FIRST.append(app)
    if exact:
        app.session_state["step_exact"] = True  # the boxes for typing exact values
    app.query_params = dict(link)
    return app.run()


def state(app: AppTest):
    return app.session_state[STATE]


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


# --- what must hold after every action -----------------------------------------------------


def expected_output(cfg: dict) -> str:
    """The first metric computed by the core, independently of the page."""
    net = Network.build(
        cfg["weights"], cfg.get("biases"), cfg["activations"], cfg["loss"], cfg["train_biases"]
    )
    trace = step(net, cfg["inputs"], cfg["targets"], cfg["learning_rate"])
    return ", ".join(f"{v:.4g}".replace("-", "−") for v in trace.output[0])


def assert_draws(app: AppTest, done: list[str]) -> None:
    assert not app.exception, (done, [e.value for e in app.exception])
    shown = metrics(app)
    assert set(METRICS) <= set(shown), (done, shown)
    assert app.get("plotly_chart"), done
    cfg = state(app).cfg
    validated(cfg)  # the state kept is one the page accepts, and its own step is finite
    assert shown["Output ŷ"] == expected_output(cfg), done


def assert_link_round_trips(app: AppTest, done: list[str]) -> None:
    cfg = state(app).cfg
    reopened = link_config(page_link(app))
    assert (reopened or preset_config("lesson-step")) == cfg, done
    # The Share section's ?config= link carries it too.
    assert decode_link({"config": encode_link(cfg)}) == cfg, done


def assert_reopens(app: AppTest, done: list[str]) -> None:
    """The link, opened by someone else, shows the same configuration and numbers."""
    link = page_link(app)
    viewer = open_link(link)
    assert not viewer.exception, (done, link)
    assert not viewer.warning, (done, link, [w.value for w in viewer.warning])
    assert state(viewer).cfg == state(app).cfg, (done, link)
    assert metrics(viewer) == metrics(app), (done, link)


# --- random links to open, random actions ---------------------------------------------------

edge_value = st.sampled_from([0.0, 1.0, -1.0, 3.0, -3.0, 10.0, -10.0])
small = st.one_of(st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3)), edge_value)
big_weight = st.sampled_from([STEP_MAX_ABS_WEIGHT, -STEP_MAX_ABS_WEIGHT, 100.0, -250.0])


@st.composite
def random_networks(draw) -> dict:
    """A single-record configuration within the step page's limits, sometimes extreme
    (weights ±1000, η 100, inputs ±10), which the page may refuse when its step overflows."""
    sizes = [
        draw(st.integers(1, 3)),
        *draw(st.lists(st.integers(1, 3), max_size=2)),
        draw(st.integers(1, 2)),
    ]
    loss = draw(st.sampled_from(["squared_error", "cross_entropy"]))
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(len(sizes) - 1)]
    if loss == "cross_entropy":
        acts[-1] = "sigmoid"
    weight = st.one_of(small, big_weight) if draw(st.booleans()) else small
    lo, hi = target_range(acts)
    return {
        "inputs": [draw(small) for _ in range(sizes[0])],
        "targets": [draw(st.floats(lo, hi).map(lambda v: round(v, 3))) for _ in range(sizes[-1])],
        "learning_rate": draw(st.sampled_from([1e-6, 0.01, 0.5, 2.0, 35.0, 100.0])),
        "weights": [
            [[draw(weight) for _ in range(b)] for _ in range(a)]
            for a, b in itertools.pairwise(sizes)
        ],
        "biases": draw(st.sampled_from([None, [[0.1] * b for b in sizes[1:]]])),
        "train_biases": draw(st.booleans()),
        "activations": acts,
        "loss": loss,
    }


def _link_of(cfg: dict, how: str) -> dict[str, Any]:
    if how == "config":
        return {"config": encode_link(cfg)}
    try:
        cfg = validated(cfg)[0]
    except ValueError:
        return {"config": encode_link(cfg)}  # the page refuses it with a notice
    return {k: v if len(v) > 1 else v[0] for k, v in to_query(cfg, "custom").items()}


links = st.one_of(
    st.just({}),
    st.sampled_from(sorted(STEP_PRESETS)).map(lambda n: {"ex": n}),
    st.sampled_from(sorted(STEP_PRESETS)).map(lambda n: {"preset": n}),
    st.tuples(random_networks(), st.sampled_from(["config", "address"])).map(
        lambda t: _link_of(*t)
    ),
)

cell_text = st.one_of(
    st.sampled_from(["1e3", "1e308", "-1e3", "1E2", "2.5e-1", "−0.5", "abc", "", "1e400", "nan"]),
    st.floats(-1500.0, 1500.0, allow_nan=False).map(lambda v: f"{v:.6g}"),
)
typed_value = st.one_of(
    st.none(),
    st.sampled_from([0.0, 3.0, -3.0, 10.0, -10.0, 10.5, 1e3, 1e308, -1e308]),
    st.floats(-12.0, 12.0, allow_nan=False),
)
typed_rate = st.one_of(
    st.none(),
    st.sampled_from([1e-6, 1e-7, 0.5, 100.0, 100.5, 1e6, 1e308, 0.0, -0.5]),
    st.floats(1e-6, 100.0),
)
seed = st.one_of(st.integers(0, MAX_SEED), st.sampled_from([0, MAX_SEED, -1, MAX_SEED + 1]))
take_n = st.one_of(st.sampled_from([1, 2, 10, STEP_MAX_TAKE]), st.integers(1, STEP_MAX_TAKE))

actions = st.one_of(
    st.tuples(
        st.just("slider"),
        st.sampled_from(["inputs", "targets"]),
        st.integers(0, 5),
        st.one_of(st.sampled_from(["lo", "hi"]), st.floats(0, 1)),
    ),
    st.tuples(st.just("rate slider"), st.sampled_from(LR_OPTIONS)),
    st.tuples(
        st.just("typed"), st.sampled_from(["inputs", "targets"]), st.integers(0, 5), typed_value
    ),
    st.tuples(st.just("typed rate"), typed_rate),
    st.tuples(st.just("cell"), st.integers(0, 3), st.integers(0, 6), st.integers(0, 5), cell_text),
    st.tuples(st.just("apply")),
    st.tuples(st.just("take"), take_n),
    st.tuples(st.just("undo")),
    st.tuples(st.just("reset")),
    st.tuples(st.just("example"), st.sampled_from([*sorted(STEP_PRESETS), "custom"])),
    st.tuples(st.just("randomize"), seed),
    st.tuples(st.just("load"), st.one_of(random_networks(), st.sampled_from(["{", "[]"]))),
    st.tuples(
        st.just("shape"),
        st.sampled_from([("n_in", 1, 6), ("n_hidden", 0, 3), ("n_out", 1, 3), ("units0", 1, 6)]),
        st.floats(0, 1),
    ),
    st.tuples(st.just("activation"), st.integers(0, 3), st.sampled_from(ACTIVATIONS)),
    st.tuples(st.just("loss"), st.sampled_from(["squared_error", "cross_entropy"])),
    st.tuples(st.just("biases"), st.sampled_from(["biases", "train_biases"]), st.booleans()),
)
SHAPE_ACTIONS = ("shape", "activation", "loss", "biases")


def act(app: AppTest, action: tuple) -> AppTest:
    """Do one action the way a user would, through the page's widgets."""
    s = state(app)
    kind = action[0]
    cfg = s.cfg
    if kind == "slider":
        _, name, i, where = action
        i %= len(cfg[name])
        lo, hi = INPUT_RANGE if name == "inputs" else target_range(cfg["activations"])
        value = (
            {"lo": lo, "hi": hi}.get(where) if isinstance(where, str) else lo + where * (hi - lo)
        )
        return app.slider(key=s.key(f"{name}{i}_s")).set_value(round(value, 2)).run()
    if kind == "rate slider":
        return app.select_slider(key=s.key("lr_s")).set_value(action[1]).run()
    if kind.startswith("typed") and not app.toggle(key="step_exact").value:
        app = app.toggle(key="step_exact").set_value(True).run()  # show the boxes first
        s = state(app)
    if kind == "typed":
        _, name, i, value = action
        return app.number_input(key=s.key(f"{name}{i % len(cfg[name])}_n")).set_value(value).run()
    if kind == "typed rate":
        return app.number_input(key=s.key("lr_n")).set_value(action[1]).run()
    if kind == "cell":
        _, layer, row, col, text = action
        base = s.grid_base or cfg
        frame = grid_frame(base, layer % len(base["weights"]))
        key = s.key(f"grid{layer % len(base['weights'])}")
        edits = dict(app.session_state[key]) if key in app.session_state else {}
        rows = {int(r): dict(c) for r, c in (edits.get("edited_rows") or {}).items()}
        rows.setdefault(row % frame.shape[0], {})[frame.columns[col % frame.shape[1]]] = text
        app.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
        return app.run()
    if kind in ("apply", "undo", "reset"):
        button = app.button(key=f"step_{kind}")
        return app if button.disabled else button.click().run()
    if kind == "take":
        app.number_input(key="step_take_n").set_value(action[1])
        return app.button(key="step_take").click().run()
    if kind == "example":
        return app.selectbox(key=s.key("preset")).set_value(action[1]).run()
    if kind == "randomize":
        app.number_input(key=s.key("seed")).set_value(action[1])
        return app.button(key="step_randomize").click().run()
    if kind == "load":
        payload = action[1]
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if app.segmented_control(key="step_section").value != "Share / export":
            app.segmented_control(key="step_section").set_value("Share / export").run()
            s = state(app)
        app.text_area(key=s.key("import")).set_value(text)
        return app.button(key="step_import_load").click().run()
    if kind in SHAPE_ACTIONS:
        return change_network(app, action)
    raise AssertionError(kind)


def change_network(app: AppTest, action: tuple) -> AppTest:
    """The shape and function controls, opened first as a user would."""
    if not app.toggle(key="step_shape_open").value:
        app = app.toggle(key="step_shape_open").set_value(True).run()
    s = state(app)
    kind = action[0]
    if kind == "shape":
        _, (name, lo, hi), where = action
        if s.key(name) not in app.session_state:  # no first hidden layer
            return app
        return app.number_input(key=s.key(name)).set_value(lo + round(where * (hi - lo))).run()
    if kind == "activation":
        key = s.key(f"act{action[1] % len(s.cfg['activations'])}")
        return app.selectbox(key=key).set_value(action[2]).run()
    if kind == "loss":
        return app.selectbox(key=s.key("loss")).set_value(action[1]).run()
    return app.checkbox(key=s.key(action[1])).set_value(action[2]).run()


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same 200 sequences on every run: stable in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(link=links, exact=st.booleans(), steps=st.lists(actions, min_size=1, max_size=3))
def test_any_sequence_of_actions_keeps_the_page_drawn_and_its_link_true(link, exact, steps):
    done = [f"open {link}"]
    app = open_link(link, exact)
    assert_draws(app, done)
    assert_link_round_trips(app, done)
    for action in steps:
        done.append(repr(action)[:200])
        app = act(app, action)
        assert_draws(app, done)
        assert_link_round_trips(app, done)
    assert_reopens(app, done)
    assert np.isfinite(state(app).losses).all(), done  # E before every applied step
