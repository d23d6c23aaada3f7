"""Pure pieces of the step view: stages, the diagram dict, edits, links, the loss slice."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from backprop_viz.core.landscape import loss_slice
from backprop_viz.core.network import Network
from backprop_viz.core.step import step
from backprop_viz.errors import ConfigError
from backprop_viz.explain.chain import gradient_sizes
from backprop_viz.explain.notation import fmt, tex
from backprop_viz.explain.presets import load_preset
from backprop_viz.explain.stages import build_stages
from backprop_viz.figures.network import (
    BAR_VALUES,
    HOVER,
    LABELS,
    N_EDGE_TRACES,
    NAMES,
    diagram_info,
    network_figure,
)
from backprop_viz.figures.step_charts import loss_slice_figure, loss_steps_figure
from backprop_viz.figures.weights import weights_figure
from backprop_viz.ui.step.edits import (
    check_limits,
    decode_link,
    encode_link,
    preset_config,
    randomize,
    resize,
    set_biases,
)
from tests.lesson_facts import LESSON_STAGES


def test_stage_order_follows_the_lesson():
    stages = build_stages(load_preset("lesson-step").step())
    assert [s.key for s in stages] == LESSON_STAGES
    by = {s.key: s for s in stages}
    assert "h = Σ w·x = (0.24, −0.46)" in by["sum-1"].caption
    assert "0.115" in by["error"].caption
    # The backward stage lights the output layer's edges with δ·w and nothing else.
    back = by["back-1"]
    assert back.edge_values[0] is None and back.edge_quantity == "δ·w"
    trace = load_preset("lesson-step").step()
    np.testing.assert_array_equal(back.edge_values[1], trace.layers[1].edge_error[0])
    np.testing.assert_array_equal(by["steps"].edge_values[0], trace.layers[0].weight_delta)


def test_deep_network_stays_within_twenty_frames():
    net = Network.random([6, 6, 6, 6, 3], seed=0, biases=True)
    trace = step(net, np.linspace(-1, 1, 6), [0.2, 0.5, 0.9], 0.1)
    fig = network_figure(trace)
    assert len(fig["frames"]) <= 20
    # Edges, units, edge labels with unit names, hover targets, the gradient bars, their values.
    assert len(fig["data"]) == BAR_VALUES + 1 == N_EDGE_TRACES + 5
    go.Figure(fig)  # the dict is a valid Plotly figure
    assert len(json.dumps(fig)) < 400_000


def test_lesson_diagram_is_small_and_valid():
    fig = network_figure(load_preset("lesson-step").step())
    size = len(json.dumps(fig, allow_nan=False))
    assert size <= 150_000
    go.Figure(fig)
    # ▶ Play runs every stage from the first; the page keeps the stage shown (no Plotly
    # slider to disagree with it), and the figure rests on the whole step.
    play = fig["layout"]["updatemenus"][0]["buttons"][0]
    assert play["label"].endswith("Play") and play["args"][0][0] == "inputs"
    assert play["args"][0] == [f["name"] for f in fig["frames"]]
    assert "sliders" not in fig["layout"]
    assert "The whole step" in fig["layout"]["title"]["text"]
    # Drawn once per rerun: a data revision that stays put, and what the figure records
    # about itself in a list (Plotly's comparison passes over it); see `_layout`.
    assert fig["layout"]["datarevision"] == 0 and isinstance(fig["layout"]["meta"], list)
    assert diagram_info(fig) == {
        "sizes": [3, 2, 1],
        "biases": False,
        "gradient_sizes": list(gradient_sizes(load_preset("lesson-step").step())),
    }
    # Every frame updates the same 11 traces and carries its caption.
    for frame in fig["frames"]:
        assert frame["traces"] == list(range(NAMES)) and "<b>" in frame["layout"]["title"]["text"]


def test_edges_are_binned_by_sign_and_labelled():
    trace = load_preset("lesson-step").step()
    fig = network_figure(trace)
    first = fig["frames"][0]["data"]
    # Frame 1 lights every edge by its weight: 5 positive and 3 negative edges.
    half = (N_EDGE_TRACES - 1) // 2
    positive = sum(len(t["x"]) // 3 for t in first[1 : 1 + half])
    negative = sum(len(t["x"]) // 3 for t in first[1 + half : N_EDGE_TRACES])
    assert (positive, negative) == (5, 3)
    labels = ["0.5", "−0.6", "0.1", "−0.2", "0.1", "0.7", "0.1", "−0.3"]
    assert first[LABELS]["text"] == [*labels, "x₁", "x₂", "x₃", "a₁", "a₂", "ŷ₁"]


def test_hover_carries_exact_numbers():
    trace = load_preset("lesson-step").step()
    edges = network_figure(trace)["data"][HOVER]["hovertext"]
    assert len(edges) == 8
    assert "Δw = η·δ·a = 0.008040473948" in edges[6]
    assert "w·x = 0.25" in edges[0]


def _font_sizes(node, path=""):
    """Every font size in a figure dict, by where it sits."""
    out = {}
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("font", "textfont") and isinstance(value, dict) and "size" in value:
                size = value["size"]  # one size, or one per point
                for i, s in enumerate(size if isinstance(size, list) else [size]):
                    out[f"{path}/{key}/{i}"] = s
            out.update(_font_sizes(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.update(_font_sizes(value, f"{path}/{i}"))
    return out


def test_text_scale_scales_every_font_and_leaves_the_default_alone():
    trace = load_preset("two-output-biases").step()
    plain = network_figure(trace)
    assert json.dumps(network_figure(trace, text_scale=1.0)) == json.dumps(plain)
    assert "hoverlabel" not in plain["layout"]
    scale = 18 / 11  # the smallest font (edge labels, 11 px) at 18 px
    big = network_figure(trace, text_scale=scale)
    before, after = _font_sizes(plain), _font_sizes(big)
    assert set(before) <= set(after) and len(before) > 20
    for where, size in before.items():
        assert after[where] == pytest.approx(size * scale, abs=0.01), where
    # Edge labels and the units' text at 18 px or more; hover and buttons scaled from
    # Plotly's defaults (13 and 12 px); the captions' inline size too.
    assert min(after.values()) >= 18 - 0.01
    assert big["layout"]["hoverlabel"]["font"]["size"] == pytest.approx(13 * scale, abs=0.01)
    assert big["layout"]["updatemenus"][0]["font"]["size"] == pytest.approx(12 * scale, abs=0.01)
    for frame in big["frames"]:
        assert f"font-size:{round(13 * scale, 2)}px" in frame["layout"]["title"]["text"]
    assert "font-size:13px" in plain["frames"][0]["layout"]["title"]["text"]
    # Only the look changes: the same numbers, the same frames.
    assert big["data"][LABELS]["text"] == plain["data"][LABELS]["text"]
    assert [f["data"] for f in big["frames"]] == [f["data"] for f in plain["frames"]]
    go.Figure(big)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            network_figure(trace, text_scale=bad)


def test_weights_figure():
    fig = weights_figure(Network.random([3, 4, 1], seed=1), "trained", ["a", "b", "c"])
    go.Figure(fig)
    assert fig["data"][N_EDGE_TRACES]["text"][:3] == ["a", "b", "c"]


def test_number_formats():
    assert fmt(-0.000708) == "−0.000708" and fmt(0) == "0" and fmt(12345.6) == "1.235e+04"
    assert tex(3.54e-5) == r"3.54\times 10^{-5}" and tex(-0.2, paren=True) == "(-0.2)"


def test_resize_keeps_overlapping_values():
    cfg = preset_config("lesson-step")
    big = resize(cfg, 4, [3, 2], 2, seed=1)
    assert [np.shape(w) for w in big["weights"]] == [(4, 3), (3, 2), (2, 2)]
    assert np.asarray(big["weights"][0])[:3, :2].tolist() == cfg["weights"][0]
    assert np.asarray(big["weights"][2])[:, :1].tolist() == cfg["weights"][1]
    assert big["inputs"] == [0.5, 0.1, -0.2, 0.5] and big["targets"] == [0.6, 0.5]
    assert resize(big, 3, [2], 1) == cfg


def test_randomize_is_seeded_and_rounded():
    cfg = set_biases(preset_config("lesson-step"), True)
    a, b = randomize(cfg, 4), randomize(cfg, 4)
    assert a == b and a != randomize(cfg, 5)
    assert all(round(v, 2) == v for row in a["weights"][0] for v in row)


def test_limits():
    cfg = preset_config("lesson-step")
    check_limits(cfg)
    with pytest.raises(ConfigError, match="between"):
        check_limits({**cfg, "weights": [cfg["weights"][0], [[2000.0], [0.0]]]})
    with pytest.raises(ConfigError, match="1 to 6 inputs"):
        check_limits({**cfg, "inputs": [0.0] * 7})


def test_links_round_trip_and_refuse_damage():
    cfg = preset_config("two-output-biases")
    code = encode_link(cfg)
    assert decode_link({"config": code}) == cfg
    assert decode_link({"preset": "worked-example"}) == preset_config("worked-example")
    assert decode_link({}) is None
    for bad in ({"config": code[:-4]}, {"config": "AAAA"}, {"config": ""}):
        with pytest.raises(ConfigError):
            decode_link(bad)


def test_loss_slice_slope_is_the_numeric_slope():
    cfg = load_preset("two-output-biases")
    for kind, layer, index in (("weight", 0, (1, 0)), ("bias", 1, (1,))):
        s = loss_slice(
            cfg.network, cfg.inputs, cfg.targets, kind, layer, index, span=1e-3, points=3
        )
        numeric = (s.losses[2] - s.losses[0]) / (s.values[2] - s.values[0])
        assert s.slope == pytest.approx(numeric, rel=1e-5)
        assert s.losses[1] == pytest.approx(s.loss, rel=1e-14)
    fig = loss_slice_figure(s, "b")
    go.Figure(fig)
    with pytest.raises(ConfigError):
        loss_slice(cfg.network, cfg.inputs, cfg.targets, "weight", 5, (0, 0))


def test_loss_steps_figure():
    fig = loss_steps_figure([0.3, 0.2, 0.1])
    go.Figure(fig)
    assert fig["data"][0]["y"] == [0.3, 0.2, 0.1]


def test_control_chart_draws_each_largest_step_as_its_own_line_in_two_traces():
    import base64

    from backprop_viz.core.params import ParamRef
    from backprop_viz.core.sweep import sweep
    from backprop_viz.explain.notation import param_symbol
    from backprop_viz.figures.control import control_figure, largest_steps
    from backprop_viz.figures.style import NEGATIVE, POSITIVE

    cfg = load_preset("two-output-biases")
    ref = ParamRef("input", 0, (0,))
    values = np.linspace(-3, 3, 121)
    s = sweep(cfg.network, cfg.inputs, cfg.targets, cfg.learning_rate, ref, values)
    at = int(np.argmin(np.abs(values - 0.5)))
    fig = control_figure(s, float(values[at]), "x₁", cfg.network.n_layers)
    lines = [t for t in fig["data"] if t.get("yaxis") == "y3" and t["mode"] == "lines"]
    assert 1 <= len(lines) <= 2  # one trace per colour, however many weights
    drawn = {}
    for t in lines:
        decode = lambda spec: np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")  # noqa: E731
        xs, ys = decode(t["x"]), decode(t["y"])
        cuts = np.flatnonzero(np.isnan(xs))
        starts = np.concatenate([[0], cuts[:-1] + 1])
        for start, end in zip(starts, cuts, strict=True):
            name = t["text"][start]
            assert set(t["text"][start:end]) == {name}
            np.testing.assert_array_equal(xs[start:end], values.astype(np.float32))
            drawn[name] = (ys[start:end], t["line"]["color"])
    top = largest_steps(s, at)
    assert len(drawn) == len(top) == 8
    for r, curve in top:
        ys, colour = drawn[f"Δ{param_symbol(r, cfg.network.n_layers)}"]
        np.testing.assert_allclose(ys, curve, rtol=1e-6, atol=1e-30)
        assert colour == (POSITIVE if curve[at] >= 0 else NEGATIVE)
    go.Figure(fig)
