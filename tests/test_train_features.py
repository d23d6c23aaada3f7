"""Input features for generated 2-D data: the spec's check, the dataset's columns, the run's
input layer, and every picture over the plane evaluated through the same features, checked
against columns and forward passes computed here by hand."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.data.admissions import ADMISSIONS_ENV
from backprop_viz.data.datasets import make_2d, train_test_split
from backprop_viz.errors import DataError
from backprop_viz.figures import raster
from backprop_viz.figures.boundary import GRID, LEVELS
from backprop_viz.figures.training import live_pictures, training_figures
from backprop_viz.trainer import (
    PRESETS,
    TrainSpec,
    dataset_2d,
    problems,
    start_run,
    with_features,
)
from backprop_viz.trainer.units import plane_half_width, unit_outputs
from backprop_viz.ui.train.state import KEY
from tests.test_train_view import SCRIPT, by_key, charts, load_preset, press_train
from tests.test_training_figures import decode

ALL = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")


def by_hand(points: np.ndarray, keys) -> np.ndarray:
    """The features written out one by one, as a reader would."""
    a, b = points[:, 0], points[:, 1]
    table = {
        "x1": a,
        "x2": b,
        "x1^2": a**2,
        "x2^2": b**2,
        "x1x2": a * b,
        "sin_x1": np.sin(a),
        "sin_x2": np.sin(b),
    }
    return np.column_stack([table[k] for k in keys])


def forward_by_hand(network, x: np.ndarray) -> list[np.ndarray]:
    """Each layer's activations, tanh hidden layers and a sigmoid output, with biases."""
    outs = []
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        h = x @ w + b
        x = 1 / (1 + np.exp(-h)) if i == network.n_layers - 1 else np.tanh(h)
        outs.append(x)
    return outs


CIRCLES = PRESETS["circles"].spec.with_changes(features=("x1^2", "x2^2"), hidden=(2,))


@pytest.fixture(scope="module")
def circles_run():
    data = dataset_2d(CIRCLES)
    return start_run(CIRCLES, data), data


def test_spec_checks_the_features():
    assert problems(CIRCLES) == {}
    assert "at least one" in problems(CIRCLES.with_changes(features=()))["network"]
    assert "Unknown feature" in problems(CIRCLES.with_changes(features=("x3",)))["network"]
    assert "once" in problems(CIRCLES.with_changes(features=("x1", "x1")))["network"]
    # Features only apply to generated 2-D data: elsewhere they normalize away.
    lesson = TrainSpec(features=("x1^2",))
    assert lesson.normalized() == TrainSpec().normalized()
    assert CIRCLES.normalized().features == ("x1^2", "x2^2")


def test_dataset_columns_are_the_chosen_features_of_its_points():
    spec = PRESETS["xor"].spec.with_changes(features=ALL)
    data = dataset_2d(spec)
    X, y = make_2d("xor", spec.n_points, spec.noise, spec.data_seed)
    Xtr, _, Xte, _ = train_test_split(X, y, spec.test_fraction, spec.data_seed)
    np.testing.assert_array_equal(data.points_train, Xtr)
    np.testing.assert_allclose(data.X_train, by_hand(Xtr, ALL), rtol=0, atol=1e-15)
    np.testing.assert_allclose(data.X_test, by_hand(Xte, ALL), rtol=0, atol=1e-15)
    assert data.feature_names == ("x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂")
    back = with_features(data, ("x2",))
    np.testing.assert_array_equal(back.X_train[:, 0], Xtr[:, 1])


def test_a_run_refuses_data_of_other_features():
    data = dataset_2d(PRESETS["circles"].spec)  # x₁, x₂
    with pytest.raises(DataError, match="features"):
        start_run(CIRCLES, data)


def test_run_has_one_input_per_feature_and_learns_circles_with_squares(circles_run):
    run, _ = circles_run
    assert run.network.sizes == (2, 2, 1)
    # With x₁² and x₂² the circles are separable by a line in the features.
    assert run.test_accuracy >= 0.95


def test_boundary_is_the_network_over_the_features_of_the_grid(circles_run):
    run, data = circles_run
    fig = training_figures(run, data)["boundary"]
    half = plane_half_width(data.points_train, data.points_test)
    axis = np.linspace(-half, half, GRID)
    gx, gy = np.meshgrid(axis, axis)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    expected = forward_by_hand(run.network, by_hand(grid, CIRCLES.features))[-1]
    expected = np.round(expected[:, 0] * LEVELS).reshape(GRID, GRID)
    z = decode(fig["data"][0]["z"]).reshape(GRID, GRID).astype(float)
    assert np.abs(z - expected).max() <= 1  # drawn in single precision, one level apart
    assert np.mean(z == expected) > 0.99
    # The points are drawn where they lie in the plane, not at their features.
    shown = np.concatenate([decode(t["x"]) for t in fig["data"][1:3]])
    assert set(shown) <= set(data.points_train[:, 0])


def test_every_unit_picture_is_its_unit_over_the_features_of_the_grid(circles_run):
    run, _ = circles_run
    axis = np.linspace(-1.2, 1.2, 9)
    layers = unit_outputs(run.network, axis, CIRCLES.features)
    gx, gy = np.meshgrid(axis, axis)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    for got, want in zip(
        layers, forward_by_hand(run.network, by_hand(grid, CIRCLES.features)), strict=True
    ):
        np.testing.assert_allclose(got, want.T.reshape(-1, 9, 9), rtol=1e-12, atol=1e-14)
    three = PRESETS["xor"].spec.with_changes(features=("x1", "x2", "x1x2"), epochs=5)
    small = start_run(three, dataset_2d(three))
    with pytest.raises(ValueError, match="features"):
        unit_outputs(small.network, axis)  # three inputs, two features


def test_live_pictures_use_the_features_too(circles_run):
    run, data = circles_run
    pictures = live_pictures(run, data, show_test=False)
    half = plane_half_width(data.points_train, data.points_test)
    corners = np.array([[-half, half], [half, half], [-half, -half], [half, -half]])
    outputs = forward_by_hand(run.network, by_hand(corners, CIRCLES.features))
    table = raster.colour_table()

    def near(pixel, value):  # the table's colour for the value, one step either way
        i = round(float(np.clip(value, 0, 1)) * (len(table) - 1))
        return any(np.array_equal(pixel, table[j]) for j in range(max(i - 1, 0), i + 2))

    # The plane's corners (top-left is (−h, h)) are coloured by ŷ there.
    boundary = pictures["boundary"]
    end = boundary.shape[0] - 1
    spots = ((0, 0), (0, end), (end, 0), (end, end))
    for (r, c), y_hat in zip(spots, outputs[-1][:, 0], strict=True):
        assert near(boundary[r, c], y_hat)
    # The output unit's picture (the last column, centred) has the same corners.
    units = pictures["units"]
    tile, gap, column_gap = 48, 8, 28  # units_pixels' defaults
    tallest = max(run.network.sizes[1:])
    top = (tallest - 1) * (tile + gap) // 2
    left = (run.network.n_layers - 1) * (tile + column_gap)
    assert near(units[top, left], outputs[-1][0, 0])
    assert near(units[top + tile - 1, left + tile - 1], outputs[-1][3, 0])


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def at(monkeypatch) -> AppTest:
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    app = AppTest.from_string(SCRIPT, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def toggle(at: AppTest, name: str):
    return by_key(at.toggle, "feature_" + name.replace("^2", "sq"))


def test_feature_toggles_change_the_input_layer_and_the_run(at):
    load_preset(at, "circles")
    assert [toggle(at, k).value for k in ALL] == [True, True, False, False, False, False, False]
    before = at.session_state[KEY].run
    assert before.network.sizes[0] == 2
    toggle(at, "x1^2").set_value(True).run()
    toggle(at, "sin_x2").set_value(True).run()
    press_train(at)
    run = at.session_state[KEY].run
    assert run is not before
    assert run.spec.features == ("x1", "x2", "x1^2", "sin_x2")
    assert run.network.sizes[0] == 4
    assert at.session_state[KEY].run_data.X_train.shape[1] == 4
    # The diagram names the input units after the features.
    diagrams = [c for c in charts(at) if "network" in c["layout"]["title"]["text"]]
    assert len(diagrams) == 1
    diagram = json.dumps(diagrams, ensure_ascii=False)
    for label in ("x₁²", "sin x₂"):
        assert label in diagram
    assert "Changed from this preset." in "\n".join(c.value for c in at.caption)


def test_no_feature_at_all_is_refused_with_a_message(at):
    load_preset(at, "xor")
    toggle(at, "x1").set_value(False).run()
    toggle(at, "x2").set_value(False).run()
    assert not at.exception
    assert any("at least one input feature" in e.value for e in at.error)
    assert at.button(key="train_button_train").disabled
    assert at.button(key="train_button_live").disabled
    toggle(at, "x1x2").set_value(True).run()
    assert not at.error
    press_train(at)
    assert at.session_state[KEY].run.network.sizes[0] == 1
