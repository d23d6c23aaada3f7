"""A softmax output with cross-entropy over k classes: against a per-record loop oracle,
central differences of that oracle, δ = y − ŷ, validation and argmax accuracy."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_viz.core.activations import softmax
from backprop_viz.core.config import parse_config
from backprop_viz.core.gradcheck import gradient_check
from backprop_viz.core.network import Network, gradients
from backprop_viz.core.step import step
from backprop_viz.core.training import accuracy, train
from backprop_viz.errors import ConfigError


def _loop_loss(net: Network, x, y) -> float:
    """E = −Σ_k y_k ln ŷ_k per record, averaged: a plain loop over records and units."""
    total = 0.0
    for rec, target in zip(x, y, strict=True):
        a = list(rec)
        for i, w in enumerate(net.weights):
            b = net.biases[i] if net.biases is not None else np.zeros(w.shape[1])
            h = [sum(a[j] * w[j, k] for j in range(w.shape[0])) + b[k] for k in range(w.shape[1])]
            if i < net.n_layers - 1:
                a = [math.tanh(v) for v in h]
        top = max(h)
        log_norm = top + math.log(sum(math.exp(v - top) for v in h))
        total -= sum(t * (v - log_norm) for t, v in zip(target, h, strict=True))
    return total / len(x)


@st.composite
def problems(draw):
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    k = draw(st.integers(2, 4))
    records = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 10_000))
    acts = ["tanh"] * len(hidden) + ["softmax"]
    net = Network.random(
        [n_in, *hidden, k], seed=seed, activations=acts, loss="cross_entropy", biases=True
    )
    rng = np.random.default_rng(seed + 1)
    net = net.with_parameters(
        [w * draw(st.sampled_from([1.0, 3.0])) for w in net.weights],
        [rng.normal(size=b.shape) for b in net.biases],
    )
    x = rng.normal(size=(records, n_in))
    if draw(st.booleans()):
        y = np.eye(k)[rng.integers(0, k, size=records)]  # one-hot
    else:
        y = rng.dirichlet(np.ones(k), size=records)  # soft targets, summing to 1
    return net, x, y


@settings(max_examples=100, deadline=None)
@given(problems())
def test_loss_and_gradient_match_a_loop_oracle_and_its_central_differences(problem):
    net, x, y = problem
    out = net.forward(x)
    assert float(net.loss.mean(y, out.output, out.weighted_sums[-1])) == pytest.approx(
        _loop_loss(net, x, y), rel=1e-12, abs=1e-12
    )
    gw, gb = gradients(net, x, y)
    eps = 1e-6
    for kind, params, grads in (("w", net.weights, gw), ("b", net.biases, gb)):
        for i, p in enumerate(params):
            for idx in np.ndindex(p.shape):
                vals = []
                for sign in (1, -1):
                    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
                    (ws if kind == "w" else bs)[i][idx] += sign * eps
                    vals.append(_loop_loss(net.with_parameters(ws, bs), x, y))
                numeric = (vals[0] - vals[1]) / (2 * eps)
                assert grads[i][idx] == pytest.approx(numeric, abs=1e-6, rel=1e-6)
    for r in gradient_check(net, x, y):  # absolute for tiny slopes, relative otherwise
        assert abs(r.analytic - r.numeric) <= 1e-6 * max(1.0, abs(r.numeric)), r


@settings(max_examples=50, deadline=None)
@given(problems())
def test_the_output_error_term_is_y_minus_y_hat_per_class(problem):
    net, x, y = problem
    t = step(net, x, y, 0.1)
    z = t.layers[-1].weighted_sum
    e = np.exp(z - z.max(axis=1, keepdims=True))
    y_hat = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.output, y_hat, rtol=1e-13)
    np.testing.assert_allclose(t.layers[-1].error_term, y - y_hat, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.output.sum(axis=1), 1.0, rtol=1e-14)


def test_softmax_and_its_loss_stay_finite_for_huge_weighted_sums():
    z = np.array([[1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(softmax(z), [[1.0, 0.0, 0.0]])
    net = Network.build([[[500.0, 0.0, -500.0]]], activations="softmax", loss="cross_entropy")
    out = net.forward([[2.0]])
    wrong = np.array([[0.0, 0.0, 1.0]])  # the class the network rules out
    e = float(net.loss.mean(wrong, out.output, out.weighted_sums[-1]))
    assert e == pytest.approx(2000.0)  # h₀ − h₂, exactly, not inf
    assert np.all(np.isfinite(gradients(net, np.array([[2.0]]), wrong)[0][0]))


def _config(**changes):
    data = {
        "inputs": [[0.5, -0.2], [0.1, 0.3]],
        "targets": [[1, 0, 0], [0, 0, 1]],
        "learning_rate": 0.5,
        "weights": [[[0.1, 0.2], [0.3, -0.4]], [[0.5, -0.1, 0.2], [0.3, 0.2, -0.6]]],
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"targets": [[1, 0, 1], [0, 0, 1]]}, "record 1 sums to 2"),
        ({"targets": [[0.5, 0.4, 0], [0, 0, 1]]}, "must sum to 1"),
        ({"targets": [[1.5, -0.5, 0], [0, 0, 1]]}, "in [0, 1]"),
        ({"activations": ["softmax", "softmax"]}, "only be the last"),
        ({"loss": "squared_error"}, "needs the cross-entropy loss"),
        ({"activations": ["tanh", "sigmoid"], "loss": "cross_entropy"}, None),
    ],
)
def test_softmax_configurations_are_validated(changes, message):
    if message is None:
        assert parse_config(_config(**changes)).network.loss.categorical is False
        return
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(_config(**changes))


def test_a_softmax_config_round_trips_and_names_its_loss_cross_entropy():
    from backprop_viz.core.config import config_to_dict

    cfg = parse_config(_config())
    assert cfg.network.loss.categorical and cfg.network.activations[-1].name == "softmax"
    back = config_to_dict(cfg)
    assert back["activations"] == ["tanh", "softmax"] and back["loss"] == "cross_entropy"
    assert parse_config(back).step().loss_before == cfg.step().loss_before


def test_training_three_blobs_scores_accuracy_by_argmax():
    rng = np.random.default_rng(0)
    centers = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]])
    labels = rng.integers(0, 3, size=150)
    x = centers[labels] + 0.3 * rng.normal(size=(150, 2))
    y = np.eye(3)[labels]
    net = Network.random(
        [2, 5, 3], seed=1, activations=["tanh", "softmax"], loss="cross_entropy", biases=True
    )
    res = train(
        net,
        x[:100],
        y[:100],
        epochs=400,
        learning_rate=0.5,
        test_inputs=x[100:],
        test_targets=y[100:],
    )
    final = res.network.predict(x[100:])
    by_hand = np.mean(np.argmax(final, axis=1) == labels[100:])
    assert res.test_accuracy == by_hand
    assert res.accuracy == np.mean(np.argmax(res.network.predict(x[:100]), axis=1) == labels[:100])
    assert res.test_accuracy > 0.9
    assert res.loss_history[-1] < 0.5 * res.loss_history[0]
    # The reported loss is E per record (summed over classes), averaged over records.
    out = res.network.forward(x[:100])
    assert res.loss_history[-1] == pytest.approx(_loop_loss(res.network, x[:100], y[:100]))
    assert out.output.shape == (100, 3)


def test_argmax_accuracy_differs_from_thresholding():
    y = np.eye(3)[[0, 1, 2]]
    y_hat = np.array([[0.4, 0.3, 0.3], [0.2, 0.45, 0.35], [0.5, 0.1, 0.4]])
    assert accuracy(y, y_hat, categorical=True) == pytest.approx(2 / 3)
    # Thresholding at 0.5 would score each output, not each record.
    assert accuracy(y, y_hat) == pytest.approx(6 / 9)


def test_the_stages_and_tables_say_delta_is_y_minus_y_hat_per_class():
    from backprop_viz.explain.stages import build_stages
    from backprop_viz.explain.tables import step_tables

    t = parse_config(_config()).step()
    stages = {s.key: s for s in build_stages(t)}
    d = t.layers[-1].error_term[0]
    expected = t.targets[0] - t.output[0]
    np.testing.assert_allclose(d, expected, rtol=1e-14)
    cap = stages["delta-out"].caption
    assert cap.startswith("δᵒ_k = y_k − ŷ_k for each class k")
    assert "softmax" in cap and "f′ cancels" not in cap
    assert r"y_k-\hat y_k" in stages["delta-out"].latex
    errors = dict(step_tables(t))["Errors and error terms"]
    softmax_rows = [row for row in errors.splitlines() if "softmax: δ = y − ŷ" in row]
    assert len(softmax_rows) == 3  # one per class; the hidden rows keep their f′
    assert "softmax" not in "".join(r for r in errors.splitlines() if r not in softmax_rows)


def test_step_and_train_refuse_softmax_targets_that_are_not_distributions():
    net = Network.random([2, 3], seed=0, activations="softmax", loss="cross_entropy")
    x = np.zeros((2, 2))
    with pytest.raises(ConfigError, match="record 2 sums to 0"):
        step(net, x, [[1, 0, 0], [0, 0, 0]], 0.1)
    with pytest.raises(ConfigError, match="must lie in"):
        train(net, x, [[1, 0, 0], [0, 2, -1]], epochs=1, learning_rate=0.1)
    with pytest.raises(ConfigError, match="record 1 sums to 2"):
        train(
            net,
            x,
            np.eye(3)[[0, 1]],
            epochs=1,
            learning_rate=0.1,
            test_inputs=x[:1],
            test_targets=[[1, 1, 0]],
        )
