"""Backprop against central finite differences, for random shapes, activations and losses
(a softmax output with cross-entropy among them)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_viz.core.activations import ACTIVATIONS, get_activation, sigmoid
from backprop_viz.core.gradcheck import gradient_check
from backprop_viz.core.network import Network, forward_pass, gradients
from backprop_viz.core.step import step


@st.composite
def problems(draw):
    n_in = draw(st.integers(1, 5))
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=3))
    output = draw(st.sampled_from(["any", "sigmoid cross-entropy", "softmax"]))
    n_out = draw(st.integers(2 if output == "softmax" else 1, 3))
    sizes = [n_in, *hidden, n_out]
    loss = "squared_error" if output == "any" else "cross_entropy"
    names = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(len(sizes) - 1)]
    if output != "any":
        names[-1] = output.split()[0]
    biases = draw(st.booleans())
    seed = draw(st.integers(0, 10_000))
    records = draw(st.integers(1, 4))
    net = Network.random(sizes, seed=seed, activations=names, loss=loss, biases=biases)
    if biases:  # non-zero biases, so their slopes are exercised too
        rng = np.random.default_rng(seed + 1)
        net = net.with_parameters(net.weights, [rng.normal(size=b.shape) for b in net.biases])
    rng = np.random.default_rng(seed + 2)
    x = rng.normal(size=(records, n_in))
    if output == "softmax":  # one class per record
        y = np.eye(n_out)[rng.integers(0, n_out, size=records)]
    elif loss == "squared_error":
        y = rng.uniform(size=(records, n_out))
    else:
        y = rng.integers(0, 2, size=(records, n_out)).astype(float)
    return net, x, y


def _near_relu_kink(net, x, eps=1e-6):
    fwd = net.forward(x)
    return any(
        act.name == "relu" and np.any(np.abs(z) < 1e-4)
        for act, z in zip(net.activations, fwd.weighted_sums, strict=True)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(problems())
def test_backprop_matches_central_differences(problem):
    net, x, y = problem
    if _near_relu_kink(net, x):
        return  # f′ is undefined at the kink; finite differences straddle it
    rows = gradient_check(net, x, y)
    n_params = sum(w.size for w in net.weights) + (
        sum(b.size for b in net.biases) if net.biases is not None else 0
    )
    assert len(rows) == n_params
    for r in rows:
        # Absolute agreement for tiny slopes, relative for the rest.
        assert abs(r.analytic - r.numeric) <= 1e-6 * max(1.0, abs(r.numeric)), r


def test_gradient_check_flags_a_wrong_gradient():
    # The check must be able to fail: break the sigmoid derivative and see it caught.
    net = Network.random([3, 2, 1], seed=0)
    x, y = np.array([[0.5, 0.1, -0.2]]), np.array([[0.6]])
    good = max(r.relative_error for r in gradient_check(net, x, y))
    wrong = dataclasses.replace(
        get_activation("sigmoid"), derivative=lambda z, a: 1.1 * a * (1 - a)
    )
    broken = dataclasses.replace(net, activations=(wrong, wrong))
    bad = max(r.relative_error for r in gradient_check(broken, x, y))
    assert good < 1e-7
    assert bad > 1e-2


def test_gradient_signs_follow_the_lesson():
    # δ = −∂E/∂h, so the step Δw = η·δ·x is −η times the gradient.
    net = Network.random([3, 2, 1], seed=4)
    x, y = np.array([[0.5, 0.1, -0.2]]), np.array([[0.6]])
    gw, _ = gradients(net, x, y)
    trace = step(net, x, y, 0.5)
    for g, layer in zip(gw, trace.layers, strict=True):
        np.testing.assert_allclose(layer.weight_delta, -0.5 * g, rtol=1e-15)


def test_gradcheck_rows_name_parameters():
    net = Network.random([2, 2, 1], seed=0, biases=True)
    rows = gradient_check(net, [0.1, 0.2], [1.0])
    names = [r.name for r in rows]
    assert names[:4] == ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]"]
    assert "b2[0]" in names
    assert all(r.relative_error < 1e-6 for r in rows)


@pytest.mark.parametrize("z", [1e4, -1e4, 709.0, -709.0, -800.0, 800.0, 0.0])
def test_sigmoid_is_stable_at_extremes(z, recwarn):
    a = sigmoid(np.array([z]))
    assert np.all(np.isfinite(a))
    assert 0.0 <= a[0] <= 1.0
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_sigmoid_limits_and_symmetry():
    z = np.array([-1e4, -40.0, -1.0, 0.0, 1.0, 40.0, 1e4])
    a = sigmoid(z)
    assert a[0] < 1e-300 and a[-1] == 1.0 and a[3] == 0.5
    np.testing.assert_allclose(a[1:-1] + sigmoid(-z[1:-1]), 1.0, rtol=1e-15)
    assert float(sigmoid(0.0)) == 0.5  # scalars work too


def test_cross_entropy_is_finite_when_output_saturates(recwarn):
    net = Network.build([[[1e3]]], loss="cross_entropy")
    trace = step(net, [[20.0]], [[0.0]], 0.1)  # z = 2e4: ŷ rounds to 1 exactly
    assert np.isfinite(trace.loss_before) and trace.loss_before == pytest.approx(2e4)
    assert np.isfinite(trace.layers[0].error_term).all()
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_stacked_forward_matches_one_at_a_time():
    net = Network.random([3, 4, 2], seed=2, biases=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3))
    stacked_w = [np.stack([w, 2 * w]) for w in net.weights]
    stacked_b = [np.stack([b + 1, b - 1]) for b in net.biases]
    out = forward_pass(net.with_parameters(stacked_w, stacked_b), x).output
    for k, scale in enumerate((1, 2)):
        single = net.with_parameters(
            [scale * w for w in net.weights], [b + (1 if k == 0 else -1) for b in net.biases]
        )
        np.testing.assert_allclose(out[k], single.predict(x), rtol=1e-14)
