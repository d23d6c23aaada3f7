"""Training figures: frames, values against the run, the decision boundary against the
network's own predictions, and sizes."""

import base64
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from backprop_viz.data.admissions import AdmissionsSource, synthetic_admissions
from backprop_viz.figures.boundary import GRID, LEVELS, boundary_figure
from backprop_viz.figures.curves import MAX_CURVE_POINTS
from backprop_viz.figures.loss_curves import loss_figure
from backprop_viz.figures.style import NEGATIVE, POSITIVE, frame_name, typed_array
from backprop_viz.figures.training import training_figures
from backprop_viz.figures.weights_history import PER_PARAMETER_LINES, parameter_names
from backprop_viz.trainer import (
    LESSON_SPEC,
    PRESETS,
    TRAIN_MAX_FRAMES,
    dataset_2d,
    dataset_admissions,
    frame_checkpoints,
    start_run,
)
from backprop_viz.trainer.units import plane_half_width

MB = 1024 * 1024
DTYPES = {"f8": "<f8", "f4": "<f4", "i4": "<i4", "u1": "u1"}


def decode(value):
    """A Plotly typed-array spec (or a plain list) as a NumPy array."""
    if isinstance(value, dict):
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=DTYPES[value["dtype"]])
        if "shape" in value:
            arr = arr.reshape([int(n) for n in value["shape"].split(",")])
        return arr
    return np.asarray(value)


@pytest.fixture(scope="module")
def xor():
    spec = PRESETS["xor"].spec
    data = dataset_2d(spec)
    return start_run(spec, data), data


@pytest.fixture(scope="module")
def spirals():
    spec = PRESETS["spirals"].spec
    data = dataset_2d(spec)
    return start_run(spec, data), data


@pytest.fixture(scope="module")
def lesson():
    frame = synthetic_admissions()
    data = dataset_admissions(AdmissionsSource(frame, "synthetic", synthetic=True, path=None))
    return start_run(LESSON_SPEC, data), data


def test_typed_arrays_round_trip():
    values = np.array([[0.5, -1.25, 3.0], [1e-9, 2.0, np.pi]])
    spec = typed_array(values)
    assert spec["dtype"] == "f8" and spec["shape"] == "2, 3"
    np.testing.assert_array_equal(decode(spec), values)
    np.testing.assert_array_equal(decode(typed_array([1, 2, 300], "int32")), [1, 2, 300])
    assert decode(typed_array([0, 7, 200], "uint8")).tolist() == [0, 7, 200]


def test_loss_curves_grow_frame_by_frame_to_the_whole_history(xor):
    run, _ = xor
    fig = training_figures(run, dataset_2d(PRESETS["xor"].spec))["loss"]
    frames = fig["frames"]
    epochs = [c.epochs for c in frame_checkpoints(run)]
    assert [f["name"] for f in frames] == [frame_name(k) for k in epochs]
    assert 2 <= len(frames) <= TRAIN_MAX_FRAMES
    train, test = fig["data"]
    x = decode(train["x"])
    assert len(x) <= MAX_CURVE_POINTS + TRAIN_MAX_FRAMES
    # The still figure is the whole run: drawn points are the history at those epochs.
    np.testing.assert_array_equal(decode(train["y"]), run.loss_history[x - 1])
    np.testing.assert_array_equal(decode(test["y"]), run.test_loss_history[x - 1])
    assert x[0] == 1 and x[-1] == run.epochs_run
    for k, frame in zip(epochs, frames, strict=True):
        ys = [decode(d["y"]) for d in frame["data"]]
        assert frame["traces"] == [0, 1]
        shown = x[x <= k]
        assert len(ys[0]) == len(ys[1]) == len(shown)
        if len(shown):
            assert shown[-1] == k  # every frame ends exactly at its epoch
            np.testing.assert_allclose(ys[0], run.loss_history[shown - 1], rtol=1e-6)
            np.testing.assert_allclose(ys[1], run.test_loss_history[shown - 1], rtol=1e-6)
    slider = fig["layout"]["sliders"][0]
    assert slider["active"] == len(frames) - 1
    assert [s["args"][0][0] for s in slider["steps"]] == [f["name"] for f in frames]
    assert fig["layout"]["updatemenus"][0]["buttons"][0]["method"] == "animate"


def test_loss_figure_without_test_set_has_one_curve():
    fig = loss_figure(np.array([0.5, 0.4, 0.3]), np.zeros(0), [0, 1, 2, 3], "mean (y − ŷ)²")
    assert len(fig["data"]) == 1
    assert [len(decode(f["data"][0]["y"])) for f in fig["frames"]] == [0, 1, 2, 3]
    # Fitted to the curve (0.3 to 0.5), padded by 8% of its span.
    assert fig["layout"]["yaxis"]["range"] == pytest.approx([0.284, 0.516])


def test_decision_boundary_frames_match_the_networks_predictions(xor):
    run, data = xor
    frames = frame_checkpoints(run)
    fig = boundary_figure(run.network, frames, data.X_train, data.y_train, data.X_test, data.y_test)
    assert [f["name"] for f in fig["frames"]] == [frame_name(c.epochs) for c in frames]
    heat = fig["data"][0]
    axis = decode(heat["x"])
    np.testing.assert_array_equal(axis, decode(heat["y"]))
    assert len(axis) == GRID
    assert axis[0] < data.X_train.min() and axis[-1] > data.X_train.max()
    # Independently: predict every grid point with each checkpoint's own network.
    gx, gy = np.meshgrid(axis, axis)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    for i in (0, len(frames) // 2, len(frames) - 1):
        cp = frames[i]
        net = run.network.with_parameters(cp.weights, cp.biases)
        expected = net.predict(points)[:, 0].reshape(GRID, GRID) * LEVELS
        z = decode(fig["frames"][i]["data"][0]["z"]).astype(float)
        assert z.shape == (GRID, GRID)
        assert np.abs(z - expected).max() <= 0.51  # rounded to the nearest level
    np.testing.assert_array_equal(decode(heat["z"]), decode(fig["frames"][-1]["data"][0]["z"]))
    # The trained XOR network tells the quadrants apart: ŷ > 0.5 where x₁·x₂ < 0.
    final = decode(heat["z"]).astype(float) / LEVELS
    away = (np.abs(gx) > 0.2) & (np.abs(gy) > 0.2) & (np.abs(gx) < 1) & (np.abs(gy) < 1)
    assert np.mean((final > 0.5)[away] == (gx * gy < 0)[away]) > 0.95


def test_decision_boundary_points_are_every_record_by_class_and_split(xor):
    run, data = xor
    fig = boundary_figure(
        run.network, frame_checkpoints(run), data.X_train, data.y_train, data.X_test, data.y_test
    )
    points = {d["name"]: decode(d["x"]) for d in fig["data"][1:]}
    assert len(points["class 0 (training)"]) == np.sum(data.y_train == 0)
    assert len(points["class 1 (training)"]) == np.sum(data.y_train == 1)
    assert len(points["class 1 (test)"]) == np.sum(data.y_test == 1)
    np.testing.assert_array_equal(points["class 0 (test)"], data.X_test[data.y_test == 0, 0])


def test_weights_over_epochs_are_the_checkpoints(lesson):
    run, data = lesson
    fig = training_figures(run, data)["weights"]
    names = parameter_names(run.network, data.feature_names)
    assert len(names) == 14 <= PER_PARAMETER_LINES  # 6×2 + 2 weights, no biases
    assert [d["name"] for d in fig["data"]] == names
    assert names[0] == "w(gre → a₁)" and names[-1] == "w(a₂ → ŷ₁)"
    line = fig["data"][1]  # w(gre → a₂)
    epochs = decode(line["x"])
    by_epoch = {c.epochs: c for c in run.checkpoints}
    for e, v in zip(epochs, decode(line["y"]), strict=True):
        assert v == pytest.approx(by_epoch[int(e)].weights[0][0, 1], rel=1e-6)


def test_large_networks_get_one_line_per_layer(spirals):
    run, data = spirals
    fig = training_figures(run, data)["weights"]
    assert [d["name"] for d in fig["data"]] == [
        "layer 1 weights (16)",
        "layer 2 weights (64)",
        "layer 3 weights (8)",
        "layer 1 biases (8)",
        "layer 2 biases (8)",
        "layer 3 biases (1)",
    ]
    ys = decode(fig["data"][1]["y"])
    assert np.isnan(ys).sum() == 64  # one break after each of the 64 strokes


def test_figures_are_valid_plotly_and_well_under_a_megabyte(spirals, lesson):
    for run, data in (spirals, lesson):
        figures = training_figures(run, data)
        assert ("boundary" in figures) == data.is_2d
        for name, fig in figures.items():
            text = pio.to_json(fig, validate=False)  # what Streamlit sends
            assert len(text.encode()) < 0.6 * MB, name
            go.Figure(json.loads(text))  # raises if any property is not Plotly's


def test_a_run_that_diverged_at_once_still_draws():
    spec = PRESETS["xor"].spec.with_changes(
        output="identity", loss="squared_error", learning_rate=100.0, epochs=50
    )
    data = dataset_2d(spec)
    run = start_run(spec, data)
    assert run.diverged
    figures = training_figures(run, data)
    assert len(figures["boundary"]["frames"]) == len(run.checkpoints)
    assert len(decode(figures["loss"]["data"][0]["y"])) == run.epochs_run


def test_the_trained_network_diagram_has_room_for_long_input_names(lesson):
    run, data = lesson
    fig = training_figures(run, data)["network"]
    assert fig["layout"]["margin"]["l"] >= 7 * len("rank_1") + 30
    labels = next(d for d in fig["data"] if d.get("name") == "units")["text"]
    assert labels[:6] == list(data.feature_names)
    assert "900 epochs" in fig["layout"]["title"]["text"]


# --- every unit's picture, and the still figures of live training --------------------------


def by_hand(run, point):
    """Every layer's activations at one point, written out: tanh hidden layers, a sigmoid
    output (the 2-D presets' network), from the run's parameters."""
    a = np.asarray(point, dtype=float)
    out = []
    for i, (w, b) in enumerate(zip(run.network.weights, run.network.biases, strict=True)):
        h = a @ w + b
        a = 1 / (1 + np.exp(-h)) if i == len(run.network.weights) - 1 else np.tanh(h)
        out.append(a)
    return out


def heatmaps(figure):
    """The units figure's heatmaps, one per layer (its last trace holds the labels)."""
    return [t for t in figure["data"] if t["type"] == "heatmap"]


def pictures(figure):
    """Every unit's picture, layer by layer, cut out of the figure's one heatmap per layer
    (pictures stacked top down, each flipped so that x₂ grows upwards), and the grid."""
    from backprop_viz.figures.units import picture_rows

    meta = figure["layout"]["meta"][0]
    grid = meta["grid"]
    axis = np.linspace(*meta["plane"], grid)
    out = []
    for trace in heatmaps(figure):
        z = decode(trace["z"])
        units = int(decode(trace["customdata"]).max())
        out.append([z[r : r + grid][::-1] for r in picture_rows(units, grid)])
    return out, axis


def test_every_units_picture_is_that_units_output_at_each_grid_point(spirals):
    run, data = spirals
    figure = training_figures(run, data)["units"]
    layers, axis = pictures(figure)
    assert [len(layer) for layer in layers] == [8, 8, 1]  # every hidden unit and the output
    flat = [p for layer in layers for p in layer]
    rng = np.random.default_rng(3)
    for row, col in rng.integers(0, len(axis), size=(6, 2)):
        expected = np.concatenate(by_hand(run, [axis[col], axis[row]]))
        got = [p[row, col] for p in flat]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    traces = heatmaps(figure)
    # Hover names the layer and the unit; the output is on the boundary's 0..1 scale.
    assert "hidden 1, unit %{customdata}" in traces[0]["hovertemplate"]
    assert "%{z:.4f}" in traces[0]["hovertemplate"]
    assert (traces[-1]["zmin"], traces[-1]["zmax"]) == (0.0, 1.0)
    assert (traces[0]["zmin"], traces[0]["zmax"]) == (-1.0, 1.0)  # tanh
    # Each cell's unit number, for the hover: 1..8 down the first layer's pictures.
    units = decode(traces[0]["customdata"])
    assert units[0, 0] == 1 and units[-1, 0] == 8
    go.Figure(figure)  # valid Plotly


def test_unit_pictures_are_laid_out_like_the_network(spirals):
    run, data = spirals
    figure = training_figures(run, data)["units"]
    traces = heatmaps(figure)
    assert len(traces) == 3  # one heatmap per layer, however many units
    xs = [t["x0"] for t in traces]
    assert xs == sorted(xs) and len(set(xs)) == 3  # layers left to right
    # The lone output unit is centred between the top and bottom of the tallest layer.
    grid = figure["layout"]["meta"][0]["grid"]
    first = decode(traces[0]["z"]).shape[0]
    out_mid = traces[2]["y0"] + (grid - 1) / 2
    assert abs(out_mid - (first - 1) / 2) <= 1
    labels = list(figure["data"][-1]["text"])  # one text trace, over the pictures
    assert labels[0] == "hidden 1" and "a¹₁" in labels and "a²₈" in labels and "ŷ₁" in labels
    assert figure["layout"]["yaxis"]["range"][0] > figure["layout"]["yaxis"]["range"][1]


def test_the_output_picture_agrees_with_the_decision_boundary(xor):
    run, data = xor
    figures = training_figures(run, data)
    boundary = decode(figures["boundary"]["data"][0]["z"])  # 0..LEVELS, quantized ŷ
    b_axis = decode(figures["boundary"]["data"][0]["x"])
    layers, u_axis = pictures(figures["units"])
    z = layers[-1][0]
    # The two grids differ; compare at the boundary cell nearest a unit-grid corner point.
    for r, c in [(0, 0), (len(u_axis) - 1, 0), (5, 17)]:
        br = int(np.argmin(np.abs(b_axis - u_axis[r])))
        bc = int(np.argmin(np.abs(b_axis - u_axis[c])))
        if abs(b_axis[br] - u_axis[r]) < 1e-9 and abs(b_axis[bc] - u_axis[c]) < 1e-9:
            assert abs(boundary[br, bc] / LEVELS - z[r, c]) <= 0.5 / LEVELS + 1e-6
    assert np.all((z >= 0) & (z <= 1))


def test_live_figures_are_still_and_small(spirals):
    from backprop_viz.figures.training import live_figures, still_figures

    run, data = spirals
    assert set(still_figures(run, data)) == {"loss", "accuracy", "network", "boundary", "units"}
    figures = live_figures(run, data)
    assert set(figures) == {"curves"}  # one chart to draw; the pictures come as pixels
    for name, figure in figures.items():
        assert "frames" not in figure, name
        assert "sliders" not in figure["layout"] and "updatemenus" not in figure["layout"]
        # Cheap to redraw: fixed margins, no legend, no colour bar.
        assert figure["layout"]["margin"]["autoexpand"] is False, name
        assert figure["layout"]["showlegend"] is False, name
        assert not any(t.get("showscale") for t in figure["data"]), name
        go.Figure(figure)
    # The colours the legend would name are in the curves' title.
    assert "training</span>" in figures["curves"]["layout"]["title"]["text"]
    total = sum(len(pio.to_json(f, validate=False)) for f in figures.values())
    assert total < 50 * 1024, total


def test_live_pictures_are_the_boundary_and_every_unit_as_pixels(spirals):
    from backprop_viz.figures import raster
    from backprop_viz.figures.training import live_pictures

    run, data = spirals
    pictures = live_pictures(run, data)
    boundary, units = pictures["boundary"], pictures["units"]
    assert boundary.dtype == units.dtype == np.uint8
    assert boundary.shape == (360, 360, 3)
    # The plane is the Plotly figure's heatmap, in the same palette: each grid node's
    # pixel (away from the points) the colour for its level there.
    half = plane_half_width(data.points_train, data.points_test)
    xy = data.points_train
    cols = np.round((xy[:, 0] + half) * 359 / (2 * half)).astype(int)
    rows = np.round((half - xy[:, 1]) * 359 / (2 * half)).astype(int)
    hidden = live_pictures(run, data, show_test=False)["boundary"]
    heat = decode(training_figures(run, data)["boundary"]["data"][0]["z"])  # 0..LEVELS
    table = raster.colour_table()
    nodes = np.round(np.linspace(0, 359, GRID)).astype(int)
    r, c = np.meshgrid(nodes[::-1], nodes, indexing="ij")  # the top row is the largest x₂
    far = np.min(np.hypot(r[..., None] - rows, c[..., None] - cols), axis=-1) > 6
    got = hidden[r, c][far].astype(int)
    want = table[np.round(heat / LEVELS * 255).astype(int)][far].astype(int)
    assert far.sum() > 0.5 * far.size
    # A node's pixel lies up to 0.08 cells off the node: a few steps off where ŷ is steep.
    off = np.abs(got - want).max(axis=1)
    assert np.mean(off <= 6) > 0.9 and np.median(off) == 0  # turned or shifted: ~50%
    # 8 + 8 + 1 pictures of 48 px, 8 px apart: the tallest column is 8 · 48 + 7 · 8 high.
    assert units.shape == (8 * 48 + 7 * 8, 3 * 48 + 2 * 28, 3)
    # Each training point is drawn in its class's colour at its place.
    colours = np.array([raster.rgb(NEGATIVE), raster.rgb(POSITIVE)])[data.labels().astype(int)]
    # A later point may cover an earlier one's centre.
    assert np.mean(np.all(boundary[rows, cols] == colours, axis=1)) > 0.8
    # Test points are ringed in near-black, and only when shown.
    dark = np.array(raster.RING_TEST)
    assert np.all(boundary == dark, axis=-1).any()
    assert not np.all(hidden == dark, axis=-1).any()


def test_a_changed_weight_changes_every_picture_downstream_and_none_upstream(spirals):
    from backprop_viz.figures.training import unit_pictures
    from backprop_viz.trainer.runs import with_weight

    run, data = spirals
    before = [p for layer in pictures(unit_pictures(run.network, data))[0] for p in layer]
    changed = with_weight(run, 1, 2, 5, 3.0)  # a¹₃ → a²₆
    after = [p for layer in pictures(unit_pictures(changed.network, data))[0] for p in layer]
    same = [np.array_equal(b, a) for b, a in zip(before, after, strict=True)]
    assert all(same[:8])  # the first hidden layer is upstream
    assert same[8:16] == [True] * 5 + [False] + [True] * 2  # only a²₆ in the second
    assert not same[16]  # and the output
    assert run.network.weights[1][2, 5] != 3.0  # the run itself is untouched


def test_discretized_boundary_is_the_predicted_class_and_test_points_can_be_hidden(xor):
    from backprop_viz.figures.training import boundary_view

    run, data = xor
    figure = boundary_view(run, data, discrete=True, show_test=False)
    heat = figure["data"][0]
    z = decode(heat["z"])
    axis = decode(heat["x"])
    assert set(np.unique(z)) <= {0, LEVELS}
    # Each cell is the class the network predicts at that point, computed here directly.
    gx, gy = np.meshgrid(axis, axis)
    predicted = run.network.predict(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0] > 0.5
    agree = np.mean((z.ravel() == LEVELS) == predicted)
    assert agree > 0.995  # float32 grid vs float64 here: cells right at 0.5 may differ
    assert all(decode(t["x"]).size == 0 for t in figure["data"][1:] if "test" in t["name"])
    # The frames are discretized too.
    assert all(set(np.unique(decode(f["data"][0]["z"]))) <= {0, LEVELS} for f in figure["frames"])


def test_live_curves_are_the_runs_loss_and_accuracy(xor):
    from backprop_viz.figures.curves import live_curves_figure

    run, _ = xor
    figure = live_curves_figure(
        run.loss_history,
        run.test_loss_history,
        run.accuracy_history,
        run.test_accuracy_history,
    )
    by_name = {(t["name"], t["yaxis"]): t for t in figure["data"]}
    assert set(by_name) == {
        ("training", "y"),
        ("test", "y"),
        ("training accuracy", "y2"),
        ("test accuracy", "y2"),
    }
    loss = by_name[("training", "y")]
    x = decode(loss["x"])
    np.testing.assert_allclose(decode(loss["y"]), run.loss_history[x - 1])
    acc = by_name[("test accuracy", "y2")]
    np.testing.assert_allclose(decode(acc["y"]), run.test_accuracy_history[decode(acc["x"]) - 1])
    assert "frames" not in figure
    go.Figure(figure)
