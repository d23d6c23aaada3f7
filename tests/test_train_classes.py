"""Three classes on the training page: a softmax output with cross-entropy on one-hot
targets, argmax accuracy, the plane coloured by the class predicted and one output picture
per class, checked against forward passes and counts computed here by hand."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.data.datasets import make_classes_2d, train_test_split
from backprop_viz.figures import raster
from backprop_viz.figures.boundary import CLASS_COLOURS, GRID, tint
from backprop_viz.figures.training import live_pictures, training_figures
from backprop_viz.trainer import PRESETS, dataset_2d, problems, start_run
from backprop_viz.trainer.units import plane_half_width
from backprop_viz.ui.train.state import KEY
from tests.test_train_view import (
    by_key,
    charts,
    load_preset,
    metric,
    open_training_page,
    press_train,
)
from tests.test_training_figures import decode

BLOBS3 = PRESETS["blobs3"].spec


def by_hand(network, x: np.ndarray) -> list[np.ndarray]:
    """Each layer's activations: tanh hidden layers, a softmax output, with biases."""
    outs = []
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        h = x @ w + b
        if i == network.n_layers - 1:
            e = np.exp(h - h.max(axis=1, keepdims=True))
            x = e / e.sum(axis=1, keepdims=True)
        else:
            x = np.tanh(h)
        outs.append(x)
    return outs


@pytest.fixture(scope="module")
def blobs3():
    data = dataset_2d(BLOBS3)
    return start_run(BLOBS3, data), data


def test_dataset_is_one_hot_rows_of_the_generated_labels():
    data = dataset_2d(BLOBS3)
    X, labels = make_classes_2d("blobs3", BLOBS3.n_points, BLOBS3.noise, BLOBS3.data_seed)
    Xtr, ltr, _, lte = train_test_split(X, labels, BLOBS3.test_fraction, BLOBS3.data_seed)
    np.testing.assert_array_equal(data.X_train, Xtr)
    assert data.y_train.shape == (len(ltr), 3)
    np.testing.assert_array_equal(data.y_train, np.eye(3)[ltr.astype(int)])
    np.testing.assert_array_equal(data.labels(test=True), lte)
    assert data.task == "classes" and data.n_outputs == 3


def test_spec_needs_softmax_and_cross_entropy_for_classes_only():
    assert problems(BLOBS3) == {}
    wrong = problems(BLOBS3.with_changes(output="sigmoid"))["network"]
    assert "softmax" in wrong
    assert "softmax" in problems(BLOBS3.with_changes(loss="squared_error"))["network"]
    binary = PRESETS["xor"].spec.with_changes(output="softmax")
    assert "several classes" in problems(binary)["network"]


def test_run_has_one_softmax_output_per_class_and_argmax_accuracy(blobs3):
    run, data = blobs3
    assert run.network.sizes == (2, 4, 3)
    assert run.network.activations[-1].name == "softmax"
    assert run.network.loss.name == "cross_entropy"
    for X, y, acc in (
        (data.X_train, data.y_train, run.accuracy),
        (data.X_test, data.y_test, run.test_accuracy),
    ):
        right = np.argmax(by_hand(run.network, X)[-1], axis=1) == np.argmax(y, axis=1)
        assert acc == np.count_nonzero(right) / len(y)
    # The documented accuracy (the preset's note says 1.000).
    assert run.test_accuracy >= PRESETS["blobs3"].min_test_accuracy
    assert "test accuracy 1.000" in PRESETS["blobs3"].note


def test_boundary_colours_each_cell_by_the_argmax_of_the_network(blobs3):
    run, data = blobs3
    for fig in (training_figures(run, data)["boundary"],):
        heat = fig["data"][0]
        half = plane_half_width(data.points_train, data.points_test)
        axis = np.linspace(-half, half, GRID)
        gx, gy = np.meshgrid(axis, axis)
        out = by_hand(run.network, np.column_stack([gx.ravel(), gy.ravel()]))[-1]
        want = np.argmax(out, axis=1).reshape(GRID, GRID)
        z = decode(heat["z"]).reshape(GRID, GRID)
        # Single precision may flip a cell whose two largest outputs are all but equal.
        top2 = np.sort(out, axis=1)[:, -2:]
        close = (top2[:, 1] - top2[:, 0] < 1e-5).reshape(GRID, GRID)
        assert np.all((z == want) | close)
        assert set(np.unique(z)) == {0, 1, 2}  # every class holds part of the plane
        assert heat["zsmooth"] is False  # no blend of two classes' colours
        colours = {c for _, c in heat["colorscale"]}
        assert colours == {tint(c) for c in CLASS_COLOURS}
        assert len(colours) == 3
        # The points by class, in the classes' own colours.
        markers = [t for t in fig["data"][1:] if t["name"].endswith("(training)")]
        assert [t["marker"]["color"] for t in markers] == list(CLASS_COLOURS)
        for c, trace in enumerate(markers):
            xs = decode(trace["x"])
            assert set(xs) <= set(data.points_train[data.labels() == c, 0])


def test_live_picture_colours_the_plane_by_the_argmax_and_points_by_class(blobs3):
    run, data = blobs3
    picture = live_pictures(run, data, show_test=False)["boundary"]
    size = picture.shape[0]
    half = plane_half_width(data.points_train, data.points_test)
    axis = np.linspace(-half, half, GRID)
    gx, gy = np.meshgrid(axis, axis)
    want = np.argmax(by_hand(run.network, np.column_stack([gx.ravel(), gy.ravel()]))[-1], 1)
    # Each pixel shows its grid cell (no blend of classes), the picture's top row the
    # largest x₂.
    cell = (np.arange(size) * GRID) // size
    classes = want.reshape(GRID, GRID)[cell][:, cell][::-1]
    tints = np.array([raster.rgb(tint(c)) for c in CLASS_COLOURS])
    plain = np.all(picture == tints[classes], axis=-1)
    assert plain.mean() > 0.8  # the rest is under the points
    # What is not plane is a point: its class colour, or the white ring around it.
    ours = {tuple(raster.rgb(c)) for c in CLASS_COLOURS} | {(255, 255, 255)}
    others = {tuple(p) for p in picture[~plain]}
    assert others <= ours | {tuple(t) for t in tints}


def test_output_pictures_one_per_class(blobs3):
    run, data = blobs3
    units = training_figures(run, data)["units"]
    names = units["data"][-1]["text"]  # the labels' text trace
    assert {"class 0", "class 1", "class 2"} <= set(names)
    output = units["data"][-2]  # the output layer's heatmap
    assert (output["zmin"], output["zmax"]) == (0.0, 1.0)


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def at(monkeypatch) -> AppTest:
    return open_training_page(monkeypatch)


@pytest.mark.parametrize("name", ["blobs3", "spirals3"])
def test_three_class_presets_reach_their_documented_argmax_accuracy(at, name):
    load_preset(at, name)
    press_train(at)
    state = at.session_state[KEY]
    run, data = state.run, state.run_data
    right = np.argmax(by_hand(run.network, data.X_test)[-1], axis=1) == data.labels(test=True)
    counted = np.count_nonzero(right) / len(right)
    assert metric(at, "Test accuracy") == f"{counted:.3f}"
    assert counted >= PRESETS[name].min_test_accuracy
    boundary = charts(at)[1]
    assert boundary["data"][0]["name"] == "class predicted"
    assert not [t for t in at.toggle if t.key == "train_discrete"]  # classes are discrete


def test_picking_a_three_class_set_switches_to_softmax_and_back(at):
    load_preset(at, "xor")
    by_key(at.selectbox, "dataset").set_value("spirals3").run()
    assert not at.exception
    assert by_key(at.selectbox, "output").value == "softmax"
    assert by_key(at.selectbox, "loss").value == "cross_entropy"
    assert not at.error
    press_train(at)
    assert at.session_state[KEY].run.network.sizes[-1] == 3
    by_key(at.selectbox, "dataset").set_value("circles").run()
    assert by_key(at.selectbox, "output").value == "sigmoid"
    assert not at.error
    by_key(at.selectbox, "output").set_value("softmax").run()
    assert any("several classes" in e.value for e in at.error)
    assert at.button(key="train_button_train").disabled


def test_show_test_data_off_leaves_the_test_points_out_and_the_plane_as_it_is(blobs3):
    from backprop_viz.figures.training import boundary_view

    run, data = blobs3
    shown = boundary_view(run, data, discrete=False, show_test=True)
    hidden = boundary_view(run, data, discrete=False, show_test=False)
    assert shown["data"][0]["z"] == hidden["data"][0]["z"]
    for a, b in zip(shown["data"][1:], hidden["data"][1:], strict=True):
        if a["name"].endswith("(test)"):
            assert len(decode(a["x"])) > 0 and len(decode(b["x"])) == 0
        else:
            assert a["x"] == b["x"]


def test_live_captions_say_what_the_pictures_show(blobs3):
    from backprop_viz.explain.notation import layer_titles
    from backprop_viz.figures.training import live_captions

    run, data = blobs3
    captions = live_captions(run, data)
    assert captions["boundary"].startswith("Decision boundary: the class predicted")
    layers = " · ".join(layer_titles(run.network.n_layers)[1:])
    assert f"({layers})" in captions["units"]
    assert f"after {run.epochs_run:,} epochs" in captions["units"]
