"""L1 and L2 regularization: a step worked by hand, central differences of the penalized
loss, and every unregularized number unchanged."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_viz.cli import main
from backprop_viz.core.config import config_to_dict, parse_config, trace_to_dict
from backprop_viz.core.gradcheck import gradient_check
from backprop_viz.core.network import Network, gradients
from backprop_viz.core.step import step
from backprop_viz.core.training import train
from backprop_viz.errors import ConfigError
from backprop_viz.explain.presets import load_preset


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_l2_step_of_a_two_one_network_worked_by_hand():
    # 2 inputs, 1 sigmoid output, squared error, no biases; one record.
    w1, w2, x1, x2, y, eta, lam = 0.5, -0.5, 1.0, 0.5, 1.0, 0.5, 0.1
    h = w1 * x1 + w2 * x2  # 0.25
    y_hat = _sig(h)
    delta = (y - y_hat) * y_hat * (1.0 - y_hat)
    data_dw = [eta * delta * x1, eta * delta * x2]
    dw = [eta * (delta * x1 - lam * w1), eta * (delta * x2 - lam * w2)]
    e_before = 0.5 * (y - y_hat) ** 2 + lam / 2 * (w1**2 + w2**2)
    n1, n2 = w1 + dw[0], w2 + dw[1]
    y_after = _sig(n1 * x1 + n2 * x2)
    e_after = 0.5 * (y - y_after) ** 2 + lam / 2 * (n1**2 + n2**2)

    net = Network.build([[w1, w2]])
    t = step(net, [x1, x2], [y], eta, l2=lam)
    assert t.layers[0].weight_delta[:, 0] == pytest.approx(dw, rel=1e-14)
    assert t.layers[0].data_delta[:, 0] == pytest.approx(data_dw, rel=1e-14)
    assert t.loss_before == pytest.approx(e_before, rel=1e-14)
    assert t.loss_after == pytest.approx(e_after, rel=1e-14)
    assert t.data_loss_before == pytest.approx(0.5 * (y - y_hat) ** 2, rel=1e-14)
    assert t.new_network.weights[0][:, 0] == pytest.approx([n1, n2], rel=1e-14)
    # The penalty pulls the positive weight down and the negative one up.
    assert dw[0] < data_dw[0] and dw[1] > data_dw[1]


def test_l1_step_pulls_by_the_sign_and_leaves_biases_alone():
    w = np.array([[0.3, -0.2], [0.0, 0.4]])
    net = Network.build([w], biases=[[0.5, -0.5]])
    x, y = [[1.0, 2.0]], [[0.2, 0.7]]
    plain = step(net, x, y, 0.25)
    reg = step(net, x, y, 0.25, l1=0.08)
    expected = plain.layers[0].weight_delta - 0.25 * 0.08 * np.array([[1, -1], [0, 1]])
    np.testing.assert_allclose(reg.layers[0].weight_delta, expected, rtol=0, atol=1e-16)
    np.testing.assert_array_equal(reg.layers[0].bias_delta, plain.layers[0].bias_delta)
    assert reg.loss_before == pytest.approx(plain.loss_before + 0.08 * 0.9, rel=1e-14)


def test_rates_of_zero_change_nothing_to_the_bit():
    cfg = load_preset("lesson-step")
    a = step(cfg.network, cfg.inputs, cfg.targets, cfg.learning_rate)
    b = step(cfg.network, cfg.inputs, cfg.targets, cfg.learning_rate, l1=0.0, l2=0.0)
    assert not b.regularized and b.data_loss_before is None
    assert a.loss_before == b.loss_before and a.loss_after == b.loss_after
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert lb.data_weight_delta is None
        np.testing.assert_array_equal(la.weight_delta, lb.weight_delta)
    out = trace_to_dict(b, cfg)
    assert "data_weight_deltas" not in out and "l2" not in out
    assert "l1" not in config_to_dict(cfg)


def _penalized_loss(net: Network, x, y, l1: float, l2: float) -> float:
    # The oracle's penalty, written out here; the data loss from the forward pass.
    out = net.forward(x)
    e = float(net.loss.mean(y, out.output, out.weighted_sums[-1]))
    return e + sum(l1 * np.abs(w).sum() + l2 / 2 * (w * w).sum() for w in net.weights)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    act=st.sampled_from(["sigmoid", "tanh", "identity"]),
    l1=st.floats(0.0, 0.1),
    l2=st.floats(0.0, 0.1),
    seed=st.integers(0, 1000),
)
def test_regularized_gradient_matches_central_differences(sizes, act, l1, l2, seed):
    net = Network.random(sizes, seed=seed, activations=act, biases=True)
    rng = np.random.default_rng(seed)
    # Keep weights away from 0, where |w| has no slope.
    ws = [np.where(np.abs(w) < 1e-3, 0.1, w) for w in net.weights]
    net = net.with_parameters(ws, [rng.normal(size=b.shape) for b in net.biases])
    x, y = rng.normal(size=(3, sizes[0])), rng.uniform(size=(3, sizes[-1]))
    gw, _ = gradients(net, x, y, l1, l2)
    eps = 1e-6
    for i, w in enumerate(net.weights):
        for idx in np.ndindex(w.shape):
            values = []
            for sign in (1, -1):
                moved = [v.copy() for v in net.weights]
                moved[i][idx] += sign * eps
                values.append(_penalized_loss(net.with_parameters(moved, net.biases), x, y, l1, l2))
            numeric = (values[0] - values[1]) / (2 * eps)
            assert gw[i][idx] == pytest.approx(numeric, abs=1e-6, rel=1e-6)
    rows = gradient_check(net, x, y, l1=l1, l2=l2)
    for r in rows:
        # Absolute as well as relative: a slope near 0 (a bias here) makes any relative
        # error of a central difference large.
        assert r.analytic == pytest.approx(r.numeric, rel=1e-5, abs=1e-8), r.name


def test_gradient_check_without_the_penalty_disagrees_with_it():
    # The check can fail: the regularized backprop against an unregularized E is caught.
    net = Network.random([2, 3, 1], seed=3)
    x, y = np.array([[0.3, -0.7]]), np.array([[0.4]])
    regularized = gradients(net, x, y, 0.0, 0.1)[0]
    plain = gradients(net, x, y)[0]
    assert max(np.abs(r - p).max() for r, p in zip(regularized, plain, strict=True)) > 1e-3
    assert max(r.relative_error for r in gradient_check(net, x, y, l2=0.1)) < 1e-6


def test_the_step_descends_the_penalized_loss():
    net = Network.random([3, 4, 2], seed=5, activations="tanh")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    t = step(net, x, y, 0.01, l1=0.05, l2=0.1)
    gw, _ = gradients(net, x, y, 0.05, 0.1)
    for lt, g in zip(t.layers, gw, strict=True):
        np.testing.assert_allclose(lt.weight_delta, -0.01 * g, rtol=1e-12, atol=1e-18)
    assert t.loss_after < t.loss_before
    expected_after = _penalized_loss(t.new_network, x, y, 0.05, 0.1)
    assert t.loss_after == pytest.approx(expected_after, rel=1e-13)


def test_training_with_l2_keeps_the_weights_smaller_and_matches_the_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 2))
    y = (x[:, :1] * x[:, 1:] > 0).astype(float)
    net = Network.random([2, 6, 1], seed=2, activations=["tanh", "sigmoid"])
    plain = train(net, x, y, epochs=300, learning_rate=1.0)
    reg = train(net, x, y, epochs=300, learning_rate=1.0, l2=0.05)
    norm = [sum(float((w * w).sum()) for w in r.network.weights) for r in (plain, reg)]
    assert norm[1] < 0.8 * norm[0]
    # One batch epoch is one step of the step page, with the same rates.
    one = train(net, x, y, epochs=1, learning_rate=1.0, l1=0.02, l2=0.05)
    t = step(net, x, y, 1.0, l1=0.02, l2=0.05)
    for a, b in zip(one.network.weights, t.new_network.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    same = train(net, x, y, epochs=300, learning_rate=1.0, l1=0.0, l2=0.0)
    np.testing.assert_array_equal(same.loss_history, plain.loss_history)
    with pytest.raises(ConfigError, match=r"l1 must be a number from 0 to 0\.1"):
        train(net, x, y, epochs=1, learning_rate=1.0, l1=0.5)


def test_config_writes_the_rates_back_and_the_cli_reports_the_regularized_step(tmp_path, capsys):
    data = config_to_dict(load_preset("lesson-step"))
    data.update(l1=0.01, l2=0.05)
    cfg = parse_config(data)
    assert (cfg.l1, cfg.l2) == (0.01, 0.05)
    back = config_to_dict(cfg)
    assert (back["l1"], back["l2"]) == (0.01, 0.05)
    path = tmp_path / "reg.json"
    path.write_text(json.dumps(data))
    assert main(["step", "--config", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["l2"] == 0.05
    weights = [np.array(w) for w in data["weights"]]
    pen = sum(0.01 * np.abs(w).sum() + 0.025 * (w * w).sum() for w in weights)
    assert out["loss_before"] == pytest.approx(out["data_loss_before"] + pen, rel=1e-14)
    eta = data["learning_rate"]
    for dw, data_dw, w in zip(
        out["weight_deltas"], out["data_weight_deltas"], weights, strict=True
    ):
        expected = np.array(data_dw) - eta * (0.05 * w + 0.01 * np.sign(w))
        np.testing.assert_allclose(np.array(dw), expected, rtol=1e-13, atol=1e-17)


def test_the_stages_and_tables_show_the_penalty_only_when_there_is_one():
    from backprop_viz.explain.stages import build_stages
    from backprop_viz.explain.tables import step_tables

    cfg = load_preset("lesson-step")
    data = config_to_dict(cfg)
    data["l2"] = 0.05
    t = parse_config(data).step()
    stages = {s.key: s for s in build_stages(t)}
    assert stages["steps"].caption.startswith("Δw = η·(δ·input − 0.05·w)")
    from backprop_viz.explain.notation import fmt

    assert f"E + penalty: {fmt(t.loss_before)} → {fmt(t.loss_after)}" in stages["new"].caption
    assert t.loss_before > t.data_loss_before
    titles = [title for title, _ in step_tables(t)]
    assert "Δw from the data, layer 1 (η·δ·input)" in titles
    plain = {s.key: s for s in build_stages(cfg.step())}
    assert plain["steps"].caption.startswith("Δw = η·δ·input")
    assert "penalty" not in plain["new"].caption
    assert not any("from the data" in title for title, _ in step_tables(cfg.step()))


@pytest.mark.parametrize(
    "ref",
    [("weight", 0, (1, 0)), ("bias", 1, (0,)), ("input", 0, (1,)), ("learning_rate", 0, ())],
)
def test_a_regularized_sweep_agrees_with_the_step_at_every_value(ref):
    from backprop_viz.core.params import ParamRef
    from backprop_viz.core.sweep import sweep

    net = Network.random([2, 3, 2], seed=4, activations=["tanh", "sigmoid"], biases=True)
    x, y = np.array([[0.4, -0.9], [1.2, 0.3]]), np.array([[0.1, 0.8], [0.6, 0.2]])
    pref = ParamRef(*ref)
    values = np.array([0.05, 0.5, 1.5]) if ref[0] == "learning_rate" else np.array([-1.0, 0.3])
    s = sweep(net, x, y, 0.5, pref, values, l1=0.03, l2=0.07)
    for k, v in enumerate(values):
        ws, bs, xv, lr = [w.copy() for w in net.weights], [b.copy() for b in net.biases], x, 0.5
        if ref[0] == "weight":
            ws[ref[1]][ref[2]] = v
        elif ref[0] == "bias":
            bs[ref[1]][ref[2]] = v
        elif ref[0] == "input":
            xv = x.copy()
            xv[:, ref[2][0]] = v  # the input unit, in every record
        else:
            lr = v
        t = step(net.with_parameters(ws, bs), xv, y, lr, l1=0.03, l2=0.07)
        assert s.loss_before[k] == pytest.approx(t.loss_before, rel=1e-13)
        assert s.loss_after[k] == pytest.approx(t.loss_after, rel=1e-13)
        for dw, lt in zip(s.weight_steps, t.layers, strict=True):
            np.testing.assert_allclose(dw[k], lt.weight_delta, rtol=1e-12, atol=1e-16)
