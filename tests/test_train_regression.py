"""Regression on the training page: the plane and the mixture of Gaussians with an identity
output and squared error; the plane shows the predicted value on a diverging scale, accuracy
is nowhere (it would mean nothing), and the loss is checked against the network's own
predictions computed here by hand."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.data.datasets import make_regression_2d, train_test_split
from backprop_viz.figures.boundary import GRID, LEVELS
from backprop_viz.figures.training import live_figures, target_peak, training_figures
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

GAUSSIANS = PRESETS["gaussians"].spec


def by_hand(network, x: np.ndarray) -> np.ndarray:
    """ŷ: tanh hidden layers and an identity output, with biases."""
    for i, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        h = x @ w + b
        x = h if i == network.n_layers - 1 else np.tanh(h)
    return x[:, 0]


@pytest.fixture(scope="module")
def gaussians():
    data = dataset_2d(GAUSSIANS)
    return start_run(GAUSSIANS, data), data


def test_dataset_holds_the_generated_targets():
    data = dataset_2d(GAUSSIANS)
    X, t = make_regression_2d("gaussians", GAUSSIANS.n_points, GAUSSIANS.noise, 0)
    Xtr, ttr, _, tte = train_test_split(X, t, GAUSSIANS.test_fraction, 0)
    np.testing.assert_array_equal(data.X_train, Xtr)
    np.testing.assert_array_equal(data.y_train, ttr)
    np.testing.assert_array_equal(data.labels(test=True), tte)
    assert data.task == "regression" and data.n_outputs == 1


def test_spec_needs_an_identity_output_with_squared_error():
    assert problems(GAUSSIANS) == {}
    for change in ({"output": "sigmoid"}, {"loss": "cross_entropy"}):
        assert "identity output" in problems(GAUSSIANS.with_changes(**change))["network"]


def test_loss_is_the_mean_squared_error_of_the_predictions(gaussians):
    run, data = gaussians
    for X, y, loss in (
        (data.X_train, data.y_train, run.loss_history[-1]),
        (data.X_test, data.y_test, run.test_loss_history[-1]),
    ):
        np.testing.assert_allclose(loss, np.mean((y - by_hand(run.network, X)) ** 2), rtol=1e-10)
    assert run.test_loss_history[-1] <= PRESETS["gaussians"].max_test_loss


def test_plane_shows_the_prediction_on_a_diverging_scale(gaussians):
    run, data = gaussians
    figures = training_figures(run, data)
    assert "accuracy" not in figures
    heat = figures["boundary"]["data"][0]
    peak = target_peak(data)
    assert peak == np.abs(data.y_train).max()
    half = plane_half_width(data.points_train, data.points_test)
    axis = np.linspace(-half, half, GRID)
    gx, gy = np.meshgrid(axis, axis)
    y_hat = by_hand(run.network, np.column_stack([gx.ravel(), gy.ravel()]))
    want = np.round(np.clip((y_hat + peak) / (2 * peak), 0, 1) * LEVELS).reshape(GRID, GRID)
    z = decode(heat["z"]).reshape(GRID, GRID).astype(float)
    assert np.abs(z - want).max() <= 1  # single precision, one level at most
    assert heat["colorscale"][1][1] == "#F7F7F7"  # white in the middle: ŷ = 0
    assert heat["colorbar"]["ticktext"][1] == "0"
    # Both signs are predicted: the mixture has bumps of +1 and −1.
    assert z.min() < LEVELS * 0.3 and z.max() > LEVELS * 0.7
    points = figures["boundary"]["data"][1]
    np.testing.assert_array_equal(decode(points["marker"]["color"]), data.y_train)
    assert (points["marker"]["cmin"], points["marker"]["cmax"]) == (-peak, peak)
    # The output unit's picture is on a scale centred on 0 too.
    output = figures["units"]["data"][-2]  # the output's heatmap, under the labels
    assert output["zmin"] == -output["zmax"]
    # Live: the loss alone.
    curves = live_figures(run, data)["curves"]
    assert {t["name"] for t in curves["data"]} == {"training", "test"}
    assert all(t["yaxis"] == "y" for t in curves["data"])
    assert "yaxis2" not in curves["layout"]
    assert curves["layout"]["title"]["text"].startswith("Loss per epoch")


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def at(monkeypatch) -> AppTest:
    return open_training_page(monkeypatch)


@pytest.mark.parametrize("name", ["plane", "gaussians"])
def test_regression_presets_reach_their_documented_loss_without_accuracy(at, name):
    load_preset(at, name)
    press_train(at)
    state = at.session_state[KEY]
    run, data = state.run, state.run_data
    labels = [m.label for m in at.metric]
    assert labels == ["Training loss", "Test loss", "Epochs"]
    mse = np.mean((data.y_test - by_hand(run.network, data.X_test)) ** 2)
    assert metric(at, "Test loss") == f"{mse:.4f}"
    assert mse <= PRESETS[name].max_test_loss
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert not [t for t in titles if "ccuracy" in t]
    assert "Prediction ŷ over the plane (white: ŷ = 0)" in titles
    assert not [t for t in at.toggle if t.key == "train_discrete"]


def test_picking_a_regression_set_switches_to_identity_and_squared_error(at):
    load_preset(at, "xor")
    by_key(at.selectbox, "dataset").set_value("plane").run()
    assert by_key(at.selectbox, "output").value == "identity"
    assert by_key(at.selectbox, "loss").value == "squared_error"
    assert not at.error
    press_train(at)
    assert [m.label for m in at.metric] == ["Training loss", "Test loss", "Epochs"]
    by_key(at.selectbox, "output").set_value("sigmoid").run()
    assert any("identity output" in e.value for e in at.error)
    assert at.button(key="train_button_train").disabled


def test_a_weight_changed_by_hand_reports_the_loss_not_an_accuracy(at):
    load_preset(at, "plane")
    press_train(at)
    state = at.session_state[KEY]
    at.number_input(key=f"train_edit_value_0_{state.run_token}").set_value(0.0).run()
    assert not at.exception
    run, data = at.session_state[KEY].run, state.run_data
    assert run.network.weights[0][0, 0] == 0.0
    mse = np.mean((data.y_train - by_hand(run.network, data.X_train)) ** 2)
    captions = "\n".join(c.value for c in at.caption)
    assert f"(training loss {mse:.4f})" in captions
    assert "accuracy" not in captions.split("You set")[1].split(")")[0]


def test_live_picture_shows_the_prediction_on_the_diverging_scale(gaussians):
    from backprop_viz.data.features import feature_matrix
    from backprop_viz.figures import raster
    from backprop_viz.figures.training import live_pictures

    run, data = gaussians
    picture = live_pictures(run, data, show_test=False)["boundary"]
    peak = target_peak(data)
    half = plane_half_width(data.points_train, data.points_test)
    corners = np.array([[-half, half], [half, -half]])  # top left, bottom right
    y_hat = run.network.predict(feature_matrix(corners, data.features))[:, 0]
    table = raster.colour_table()
    for (r, c), value in zip(((0, 0), (-1, -1)), y_hat, strict=True):
        i = round(float(np.clip((value + peak) / (2 * peak), 0, 1)) * 255)
        assert any(np.array_equal(picture[r, c], table[j]) for j in (i - 1, i, i + 1))
