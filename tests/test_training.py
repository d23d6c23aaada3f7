"""Training against per-record loop oracles, with histories, snapshots and divergence."""

import numpy as np
import pytest

from backprop_viz.core.network import Network
from backprop_viz.core.training import train
from backprop_viz.errors import ConfigError


def _sig(z):
    return 1 / (1 + np.exp(-z))


def lesson_loop(x, y, w_ih, w_ho, epochs, lr):
    """The lesson's per-record batch loop, written plainly (the oracle)."""
    w_ih, w_ho = w_ih.copy(), w_ho.copy()
    for _ in range(epochs):
        d_ih, d_ho = np.zeros_like(w_ih), np.zeros_like(w_ho)
        for xi, yi in zip(x, y, strict=True):
            h = _sig(xi @ w_ih)
            out = _sig(h @ w_ho)
            term = (yi - out) * out * (1 - out)
            d_ho += term * h
            d_ih += (term * w_ho * h * (1 - h)) * xi[:, None]
        w_ih += lr * d_ih / len(x)
        w_ho += lr * d_ho / len(x)
    return w_ih, w_ho


@pytest.fixture
def small():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    return x, y


def test_batch_training_matches_the_per_record_loop(small):
    x, y = small
    net = Network.random([4, 3, 1], seed=1)
    result = train(net, x, y, epochs=60, learning_rate=0.5)
    w_ih, w_ho = lesson_loop(x, y, net.weights[0], net.weights[1][:, 0], 60, 0.5)
    np.testing.assert_allclose(result.network.weights[0], w_ih, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.network.weights[1][:, 0], w_ho, rtol=0, atol=1e-12)


def test_minibatch_matches_a_shuffled_loop(small):
    x, y = small
    net = Network.random([4, 3, 1], seed=1, biases=True)
    result = train(net, x, y, epochs=5, learning_rate=0.3, mode="minibatch", batch_size=7, seed=9)
    # Oracle: the same seeded permutations, one record at a time within each batch.
    rng = np.random.default_rng(9)
    w1, w2 = net.weights[0].copy(), net.weights[1][:, 0].copy()
    b1, b2 = net.biases[0].copy(), net.biases[1][0].copy()
    for _ in range(5):
        order = rng.permutation(len(x))
        for s in range(0, len(x), 7):
            idx = order[s : s + 7]
            g1, g2, gb1, gb2 = np.zeros_like(w1), np.zeros_like(w2), np.zeros_like(b1), 0.0
            for i in idx:
                h = _sig(x[i] @ w1 + b1)
                out = _sig(h @ w2 + b2)
                t_o = (y[i] - out) * out * (1 - out)
                t_h = t_o * w2 * h * (1 - h)
                g2 += t_o * h
                gb2 += t_o
                g1 += t_h * x[i][:, None]
                gb1 += t_h
            w1 += 0.3 * g1 / len(idx)
            w2 += 0.3 * g2 / len(idx)
            b1 += 0.3 * gb1 / len(idx)
            b2 += 0.3 * gb2 / len(idx)
    np.testing.assert_allclose(result.network.weights[0], w1, atol=1e-12)
    np.testing.assert_allclose(result.network.weights[1][:, 0], w2, atol=1e-12)
    np.testing.assert_allclose(result.network.biases[0], b1, atol=1e-12)
    np.testing.assert_allclose(result.network.biases[1][0], b2, atol=1e-12)


def test_minibatch_of_everything_is_batch(small):
    x, y = small
    net = Network.random([4, 2, 1], seed=3)
    a = train(net, x, y, epochs=20, learning_rate=0.5)
    b = train(net, x, y, epochs=20, learning_rate=0.5, mode="minibatch", batch_size=1000)
    np.testing.assert_array_equal(a.network.weights[0], b.network.weights[0])


def test_stochastic_is_seeded(small):
    x, y = small
    net = Network.random([4, 2, 1], seed=3)
    a = train(net, x, y, epochs=3, learning_rate=0.5, mode="stochastic", seed=1)
    b = train(net, x, y, epochs=3, learning_rate=0.5, mode="stochastic", seed=1)
    c = train(net, x, y, epochs=3, learning_rate=0.5, mode="stochastic", seed=2)
    np.testing.assert_array_equal(a.network.weights[0], b.network.weights[0])
    assert not np.array_equal(a.network.weights[0], c.network.weights[0])


def test_histories_match_independent_evaluation(small):
    x, y = small
    xt, yt = x[:9] * 1.1, 1 - y[:9]
    net = Network.random([4, 3, 1], seed=2, biases=True)
    epochs = 600  # more than one scoring chunk
    result = train(
        net,
        x,
        y,
        epochs=epochs,
        learning_rate=0.8,
        test_inputs=xt,
        test_targets=yt,
        snapshot_epochs=range(epochs),
    )
    assert result.epochs_run == epochs and len(result.snapshots) == epochs
    for e in (0, 1, 255, 256, 257, 599):
        snap = result.snapshots[e]
        assert snap.epoch == e
        model = net.with_parameters(snap.weights, snap.biases)
        out, out_t = model.predict(x)[:, 0], model.predict(xt)[:, 0]
        assert result.loss_history[e] == pytest.approx(np.mean((out - y) ** 2), rel=1e-12)
        assert result.test_loss_history[e] == pytest.approx(np.mean((out_t - yt) ** 2), rel=1e-12)
        assert result.accuracy_history[e] == np.mean((out > 0.5) == y)
        assert result.test_accuracy_history[e] == np.mean((out_t > 0.5) == yt)
    assert result.loss_history[-1] < result.loss_history[0]


def test_cross_entropy_history(small):
    x, y = small
    net = Network.random([4, 3, 1], seed=2, loss="cross_entropy")
    result = train(net, x, y, epochs=50, learning_rate=0.5)
    out = result.network.predict(x)[:, 0]
    expected = -np.mean(y * np.log(out) + (1 - y) * np.log(1 - out))
    assert result.loss_history[-1] == pytest.approx(expected, rel=1e-10)


def test_no_test_set_gives_empty_test_history(small):
    x, y = small
    result = train(Network.random([4, 1], seed=0), x, y, epochs=3, learning_rate=0.1)
    assert result.test_loss_history.size == 0 and result.test_accuracy is None
    assert result.accuracy is not None


def test_progress_is_reported(small):
    x, y = small
    calls = []
    train(
        Network.random([4, 1], seed=0),
        x,
        y,
        epochs=250,
        learning_rate=0.1,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (250, 250) and 50 <= len(calls) <= 130


def test_divergence_stops_and_keeps_finite_weights(small, recwarn):
    x, y = small
    net = Network.random([4, 3, 1], seed=0, activations=["relu", "identity"])
    result = train(net, x * 100, y * 100, epochs=500, learning_rate=50)
    assert result.diverged and result.epochs_run < 500
    assert "smaller learning rate" in result.message
    assert all(np.all(np.isfinite(w)) for w in result.network.weights)
    assert np.all(np.isfinite(result.loss_history))
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_determinism_same_seed_same_numbers(small):
    x, y = small

    def run():
        net = Network.random([4, 3, 1], seed=7)
        return train(
            net, x, y, epochs=10, learning_rate=0.5, mode="minibatch", batch_size=4, seed=3
        )

    a, b = run(), run()
    np.testing.assert_array_equal(a.loss_history, b.loss_history)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "Epochs must be between"),
        ({"epochs": 10**7}, "Epochs must be between"),
        ({"mode": "online"}, "Unknown update mode"),
        ({"mode": "minibatch", "batch_size": 0}, "batch size"),
        ({"learning_rate": -1.0}, "positive"),
        ({"learning_rate": float("inf")}, "positive"),
    ],
)
def test_bad_training_settings(small, kwargs, message):
    x, y = small
    args = {"epochs": 5, "learning_rate": 0.1, **kwargs}
    with pytest.raises(ConfigError, match=message):
        train(Network.random([4, 1], seed=0), x, y, **args)


def test_bad_training_data(small):
    x, y = small
    x = x.copy()
    x[3, 1] = np.nan
    with pytest.raises(ConfigError, match="NaN"):
        train(Network.random([4, 1], seed=0), x, y, epochs=2, learning_rate=0.1)
    with pytest.raises(ConfigError, match="targets"):
        train(Network.random([4, 1], seed=0), small[0], y[:5], epochs=2, learning_rate=0.1)


def test_infinite_weight_behind_a_saturated_output_is_caught(monkeypatch):
    # An infinite output weight saturates the sigmoid at ŷ = 1 = y, so the loss stays
    # finite (0): only the chunk's finiteness check can see it.
    import backprop_viz.core.training as training

    real = training.parameter_steps
    calls = {"n": 0}

    def poisoned(fwd, bwd, lr, with_biases=True, **sums):
        dw, db = real(fwd, bwd, lr, with_biases, **sums)
        calls["n"] += 1
        if calls["n"] == 3:
            dw[1] = np.full_like(dw[1], np.inf)
        return dw, db

    monkeypatch.setattr(training, "parameter_steps", poisoned)
    net = Network.build([[[1.0]], [[1.0]]])
    result = train(
        net, [[1.0], [2.0]], [[1.0], [1.0]], epochs=20, learning_rate=0.5, snapshot_epochs=range(20)
    )
    assert result.diverged and "weight became NaN or infinite" in result.message
    assert result.epochs_run == 2 and len(result.snapshots) == 2
    assert all(np.all(np.isfinite(w)) for w in result.network.weights)
    np.testing.assert_array_equal(result.network.weights[1], result.snapshots[-1].weights[1])
    assert result.accuracy_history.shape == (2,)


def test_mismatched_test_set_is_refused(small):
    x, y = small
    with pytest.raises(ConfigError, match="9 test input records but 4 test targets"):
        train(
            Network.random([4, 1], seed=0),
            x,
            y,
            epochs=2,
            learning_rate=0.1,
            test_inputs=x[:9],
            test_targets=y[:4],
        )


# --- regularization and softmax in training -------------------------------------------------


def _loop_epoch(w1, w2, x, y, eta, l1, l2):
    """One batch epoch of a sigmoid 2-layer network, record by record as the lesson loops,
    then the penalty's pull: Δw = η·(Σ δ·x / n − λ₂·w − λ₁·sign w)."""
    d1, d2 = np.zeros_like(w1), np.zeros_like(w2)
    for rec, target in zip(x, y, strict=True):
        hid = 1 / (1 + np.exp(-(rec @ w1)))
        out = 1 / (1 + np.exp(-(hid @ w2)))
        term = (target - out) * out * (1 - out)
        hid_term = (term @ w2.T) * hid * (1 - hid)
        d2 += np.outer(hid, term)
        d1 += np.outer(rec, hid_term)
    n = len(x)
    new1 = w1 + eta * (d1 / n - l2 * w1 - l1 * np.sign(w1))
    new2 = w2 + eta * (d2 / n - l2 * w2 - l1 * np.sign(w2))
    return new1, new2


@pytest.mark.parametrize("ordered", [False, True])
def test_regularized_batch_epochs_match_a_per_record_loop(ordered):
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(30, 3)), rng.integers(0, 2, size=(30, 1)).astype(float)
    net = Network.random([3, 4, 1], seed=6)
    res = train(net, x, y, epochs=5, learning_rate=0.7, l1=0.02, l2=0.08, ordered_sums=ordered)
    w1, w2 = net.weights
    for _ in range(5):
        w1, w2 = _loop_epoch(w1, w2, x, y, 0.7, 0.02, 0.08)
    np.testing.assert_allclose(res.network.weights[0], w1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.network.weights[1], w2, rtol=1e-12, atol=1e-15)


def test_l1_in_minibatch_softmax_training_shrinks_the_weights():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 2))
    y = np.eye(3)[rng.integers(0, 3, size=64)]
    net = Network.random(
        [2, 5, 3], seed=0, activations=["relu", "softmax"], loss="cross_entropy", biases=True
    )
    net = net.with_parameters(net.weights, [b + 0.3 for b in net.biases])
    res = train(net, x, y, epochs=50, learning_rate=0.3, mode="minibatch", batch_size=16, l1=0.1)
    assert res.epochs_run == 50 and not res.diverged
    # L1 pulls every weight toward 0 on every step.
    assert sum(np.abs(w).sum() for w in res.network.weights) < sum(
        np.abs(w).sum() for w in net.weights
    )
    plain = train(net, x, y, epochs=50, learning_rate=0.3, mode="minibatch", batch_size=16)
    assert not np.array_equal(plain.network.weights[0], res.network.weights[0])
