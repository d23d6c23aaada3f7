"""Tests for backprop_viz.data.datasets: the 2-D toy datasets and the train/test split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_viz.data.datasets import (
    CLASSES_2D,
    CLASSES_LABELS,
    DATASET_LABELS,
    DATASETS_2D,
    LINEAR_NORMAL,
    REGRESSION_2D,
    REGRESSION_LABELS,
    SPIRAL_TURNS,
    make_2d,
    make_classes_2d,
    make_regression_2d,
    one_hot,
    regression_target,
    train_test_split,
)
from backprop_viz.errors import DataError


def nearest_neighbour_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """Leave-one-out 1-NN accuracy: high when the classes form separate regions."""
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(y[d.argmin(axis=1)] == y))


def test_names_and_labels():
    assert DATASETS_2D == ("xor", "circles", "spirals", "blobs", "linear")
    assert DATASET_LABELS == {
        "xor": "XOR",
        "circles": "Two circles",
        "spirals": "Two spirals",
        "blobs": "Two Gaussian blobs",
        "linear": "Linearly separable",
    }


@pytest.mark.parametrize("name", DATASETS_2D)
@pytest.mark.parametrize("noise", [0.0, 0.1, 1.0])
def test_shapes_dtypes_range_and_balance(name, noise):
    X, y = make_2d(name, n=301, noise=noise, seed=4)
    assert X.shape == (301, 2)
    assert y.shape == (301,)
    assert X.dtype == np.float64
    assert y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 <= y.mean() <= 0.6
    assert int((y == 0).sum()) == 150
    assert np.abs(X).max() <= 1.5
    assert np.isfinite(X).all()
    # A comparable, roughly unit scale on both axes.
    assert X.std(axis=0).max() < 1.0
    assert X.std(axis=0).min() > 0.3


@pytest.mark.parametrize("name", DATASETS_2D)
def test_deterministic_and_seed_dependent(name):
    X1, y1 = make_2d(name, seed=7)
    X2, y2 = make_2d(name, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_2d(name, seed=8)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", DATASETS_2D)
def test_noise_only_moves_the_same_points(name):
    X0, y0 = make_2d(name, noise=0.0, seed=3)
    X0b, _ = make_2d(name, noise=0.0, seed=3)
    np.testing.assert_array_equal(X0, X0b)
    X1, y1 = make_2d(name, noise=0.5, seed=3)
    np.testing.assert_array_equal(y0, y1)
    shift = np.abs(X1 - X0)
    assert 0 < shift.mean() < 0.3


def test_xor_sign_rule():
    X, y = make_2d("xor", n=1000, noise=0.1, seed=1)
    assert np.mean((X[:, 0] * X[:, 1] < 0) == y) >= 0.9
    X, y = make_2d("xor", n=1000, noise=0.0, seed=1)
    np.testing.assert_array_equal((X[:, 0] * X[:, 1] < 0).astype(float), y)


def test_circles_radius_threshold():
    X, y = make_2d("circles", n=1000, noise=0.1, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.mean((radius < 0.75) == y) >= 0.9
    X, y = make_2d("circles", n=1000, noise=0.0, seed=1)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 1, 0.5, 1.0))


def test_linear_rule():
    X, y = make_2d("linear", n=1000, noise=0.1, seed=1)
    assert np.mean((X @ LINEAR_NORMAL > 0) == y) >= 0.9
    X, y = make_2d("linear", n=1000, noise=0.0, seed=1)
    np.testing.assert_array_equal((X @ LINEAR_NORMAL > 0).astype(float), y)


def test_blobs_nearest_mean():
    X, y = make_2d("blobs", n=1000, noise=0.1, seed=1)
    m0, m1 = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    nearer_1 = np.linalg.norm(X - m1, axis=1) < np.linalg.norm(X - m0, axis=1)
    assert np.mean(nearer_1 == y) >= 0.95
    assert m0 == pytest.approx([-0.5, -0.5], abs=0.05)
    assert m1 == pytest.approx([0.5, 0.5], abs=0.05)


def test_spirals_are_two_interleaved_arms():
    X, y = make_2d("spirals", n=1000, noise=0.0, seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    t = (r - 0.1) / 0.9
    theta = 2 * np.pi * SPIRAL_TURNS * t + np.pi * y
    np.testing.assert_allclose(X, np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    assert 1.5 <= SPIRAL_TURNS <= 2
    assert t.min() < 0.05
    assert t.max() > 0.95
    # Not linearly separable, but the arms are separate regions.
    X, y = make_2d("spirals", n=600, noise=0.1, seed=1)
    assert nearest_neighbour_accuracy(X, y) >= 0.95
    w, *_ = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y * 2 - 1, rcond=None)
    assert np.mean((np.column_stack([X, np.ones(len(X))]) @ w > 0) == y) < 0.8


@pytest.mark.parametrize("name", DATASETS_2D)
def test_every_dataset_is_learnable_at_low_noise(name):
    X, y = make_2d(name, n=400, noise=0.1, seed=2)
    assert nearest_neighbour_accuracy(X, y) >= 0.95


def test_name_is_forgiving_about_case_and_spaces():
    np.testing.assert_array_equal(make_2d(" XOR ")[0], make_2d("xor")[0])


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"name": "moons"},
            "Unknown dataset 'moons'; choose one of: xor, circles, spirals, blobs, linear.",
        ),
        ({"name": 3}, "Unknown dataset 3"),
        ({"n": 9}, "number of points must be a whole number from 10 to 100,000 (got 9)"),
        ({"n": 100_001}, "from 10 to 100,000 (got 100001)"),
        ({"n": 50.0}, "(got 50.0)"),
        ({"n": True}, "(got True)"),
        ({"noise": -0.1}, "The noise must be a number from 0 to 1 (got -0.1)."),
        ({"noise": 1.5}, "(got 1.5)"),
        ({"noise": float("nan")}, "(got nan)"),
        ({"noise": "0.1"}, "(got '0.1')"),
        ({"seed": -1}, "The seed must be a whole number, 0 or more (got -1)."),
    ],
)
def test_make_2d_bad_arguments(kwargs, expected):
    args = {"name": "xor"} | kwargs
    with pytest.raises(DataError) as info:
        make_2d(**args)
    assert expected in str(info.value)


def test_make_2d_accepts_the_bounds():
    assert make_2d("xor", n=10, noise=0)[0].shape == (10, 2)
    assert make_2d("linear", n=100_000, noise=1)[0].shape == (100_000, 2)


# --- train_test_split ---------------------------------------------------------------


def test_split_sizes_and_partition():
    X, y = make_2d("circles", n=200, seed=1)
    X_train, y_train, X_test, y_test = train_test_split(X, y, 0.2, seed=5)
    assert X_train.shape == (160, 2)
    assert y_train.shape == (160,)
    assert X_test.shape == (40, 2)
    assert y_test.shape == (40,)
    rows = np.vstack([np.column_stack([X_train, y_train]), np.column_stack([X_test, y_test])])
    original = np.column_stack([X, y])
    assert sorted(map(tuple, rows)) == sorted(map(tuple, original))


def test_split_is_seeded():
    X, y = make_2d("xor", n=100, seed=1)
    a = train_test_split(X, y, 0.3, seed=2)
    b = train_test_split(X, y, 0.3, seed=2)
    c = train_test_split(X, y, 0.3, seed=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    # Rows are shuffled, not just cut.
    assert not np.array_equal(a[0], X[:70])


def test_split_zero_fraction_gives_empty_test_set():
    X, y = make_2d("blobs", n=50)
    X_train, y_train, X_test, y_test = train_test_split(X, y, 0.0)
    assert X_train.shape == (50, 2)
    assert y_train.shape == (50,)
    assert X_test.shape == (0, 2)
    assert y_test.shape == (0,)


def test_split_keeps_at_least_one_training_row():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0) % 2
    X_train, _, X_test, _ = train_test_split(X, y, 0.9)
    assert (len(X_train), len(X_test)) == (1, 9)
    X_train, _, X_test, _ = train_test_split(X[:1], y[:1], 0.9)
    assert (len(X_train), len(X_test)) == (1, 0)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((np.zeros((5, 2)), np.zeros(5), 0.95), "test fraction must be a number from 0 to 0.9"),
        ((np.zeros((5, 2)), np.zeros(5), -0.1), "(got -0.1)"),
        ((np.zeros((5, 2)), np.zeros(4), 0.2), "5 feature rows but 4 targets"),
        ((np.zeros(5), np.zeros(5), 0.2), "2-D feature array and a 1-D target array"),
        ((np.zeros((5, 2)), np.zeros((5, 1)), 0.2), "got 2-D and 2-D"),
        ((np.zeros((0, 2)), np.zeros(0), 0.2), "no rows to split"),
    ],
)
def test_split_bad_arguments(args, expected):
    with pytest.raises(DataError) as info:
        train_test_split(*args)
    assert expected in str(info.value)


# --- regression sets ------------------------------------------------------------------------


def _plane_at(p: float, q: float) -> float:
    return 0.6 * p - 0.4 * q


def _gaussians_at(p: float, q: float) -> float:
    bumps = [(-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0)]
    return sum(h * math.exp(-((p - a) ** 2 + (q - b) ** 2) / (2 * 0.3**2)) for a, b, h in bumps)


def test_regression_names_and_labels():
    assert REGRESSION_2D == ("plane", "gaussians")
    assert REGRESSION_LABELS == {"plane": "Plane", "gaussians": "Mixture of Gaussians"}


@pytest.mark.parametrize(("name", "oracle"), [("plane", _plane_at), ("gaussians", _gaussians_at)])
def test_regression_targets_follow_their_documented_function(name, oracle):
    X, t = make_regression_2d(name, n=150, noise=0.0, seed=3)
    assert X.shape == (150, 2) and t.shape == (150,) and t.dtype == np.float64
    assert np.abs(X).max() <= 1.0
    expected = [oracle(p, q) for p, q in X]
    np.testing.assert_allclose(t, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(regression_target(name, X), expected, rtol=1e-13, atol=1e-15)
    assert np.abs(t).max() <= 1.0 and t.std() > 0.2


@pytest.mark.parametrize("name", REGRESSION_2D)
def test_regression_noise_jitters_the_target_not_the_points(name):
    X0, t0 = make_regression_2d(name, n=500, noise=0.0, seed=1)
    X1, t1 = make_regression_2d(name, n=500, noise=1.0, seed=1)
    np.testing.assert_array_equal(X0, X1)
    assert 0.08 < np.std(t1 - t0) < 0.12  # the documented 0.1 at noise 1
    _, t2 = make_regression_2d(name, n=500, noise=1.0, seed=1)
    np.testing.assert_array_equal(t1, t2)
    assert not np.array_equal(make_regression_2d(name, n=500, seed=2)[0], X0)


# --- three classes --------------------------------------------------------------------------


def test_class_set_names_and_labels():
    assert CLASSES_2D == ("blobs3", "spirals3")
    assert CLASSES_LABELS == {"blobs3": "Three blobs", "spirals3": "Three spirals"}


@pytest.mark.parametrize("name", CLASSES_2D)
@pytest.mark.parametrize("n", [10, 301])
def test_three_class_sets_are_balanced_in_range_and_separable(name, n):
    X, labels = make_classes_2d(name, n=n, noise=0.1, seed=4)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert labels.shape == (n,) and labels.dtype == np.int64
    counts = np.bincount(labels, minlength=3)
    assert counts.tolist() == [n // 3 + (c < n % 3) for c in range(3)]
    assert np.abs(X).max() <= 1.5
    if n > 100:
        assert nearest_neighbour_accuracy(X, labels.astype(float)) > 0.9


@pytest.mark.parametrize("name", CLASSES_2D)
def test_three_class_sets_are_deterministic_and_noise_only_jitters(name):
    X1, l1 = make_classes_2d(name, seed=7)
    X2, l2 = make_classes_2d(name, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(l1, l2)
    Xc, lc = make_classes_2d(name, noise=0.0, seed=7)
    np.testing.assert_array_equal(lc, l1)
    assert 0 < np.abs(X1 - Xc).max() < 0.2
    assert not np.array_equal(make_classes_2d(name, seed=8)[1], l1)


def test_three_spirals_arms_follow_the_documented_curve():
    X, labels = make_classes_2d("spirals3", n=90, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    t = (r - 0.1) / 0.9
    theta = 2 * np.pi * t + 2 * np.pi * labels / 3
    np.testing.assert_allclose(
        X, np.column_stack([r * np.cos(theta), r * np.sin(theta)]), atol=1e-12
    )


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 1])), np.eye(3)[[2, 0, 1]])
    assert one_hot(np.array([0, 1]), 4).shape == (2, 4)
    assert one_hot(np.array([], dtype=int), 3).shape == (0, 3)
    with pytest.raises(DataError, match=r"0\.\.2"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(DataError, match="whole numbers"):
        one_hot(np.array([0.5]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_regression_2d("planes"),
        lambda: make_regression_2d("plane", n=5),
        lambda: make_classes_2d("spirals3", noise=2.0),
        lambda: make_classes_2d("blobs3", seed=-1),
        lambda: make_classes_2d("xor"),
    ],
)
def test_new_sets_refuse_bad_arguments(call):
    with pytest.raises(DataError):
        call()


def test_a_softmax_network_learns_three_spirals_and_an_identity_one_the_gaussians():
    from backprop_viz.core.network import Network
    from backprop_viz.core.training import train

    X, labels = make_classes_2d("spirals3", n=300, noise=0.1, seed=0)
    Xtr, ytr, Xte, yte = train_test_split(X, labels.astype(float), 0.2, seed=0)
    net = Network.random(
        [2, 8, 8, 3],
        seed=0,
        activations=["tanh", "tanh", "softmax"],
        loss="cross_entropy",
        biases=True,
    )
    res = train(
        net,
        Xtr,
        one_hot(ytr.astype(int), 3),
        epochs=3000,
        learning_rate=1.0,
        test_inputs=Xte,
        test_targets=one_hot(yte.astype(int), 3),
    )
    assert res.test_accuracy >= 0.95
    X, t = make_regression_2d("gaussians", n=200, noise=0.0, seed=0)
    net = Network.random([2, 8, 1], seed=0, activations=["tanh", "identity"], biases=True)
    res = train(net, X, t[:, None], epochs=2000, learning_rate=0.1)
    assert res.loss_history[-1] < 0.5 * np.var(t)  # explains over half the variance
