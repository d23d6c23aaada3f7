"""The lesson's printed numbers, and hand-worked examples, reproduced by the core."""

import numpy as np
import pytest

from backprop_viz.core.activations import sigmoid
from backprop_viz.core.network import Network
from backprop_viz.core.step import step
from backprop_viz.explain.presets import load_preset


def test_lesson_one_step_weight_changes():
    trace = load_preset("lesson-step").step()
    # The lesson prints these two arrays (8 significant digits).
    np.testing.assert_allclose(
        trace.layers[1].weight_delta[:, 0], [0.00804047, 0.00555918], rtol=0, atol=5e-9
    )
    np.testing.assert_allclose(
        trace.layers[0].weight_delta,
        [
            [1.77005547e-04, -5.11178506e-04],
            [3.54011093e-05, -1.02235701e-04],
            [-7.08022187e-05, 2.04471402e-04],
        ],
        rtol=5e-9,
    )


def test_lesson_one_step_by_hand():
    # An independent re-derivation with the lesson's formulas, written out by hand.
    x = np.array([0.5, 0.1, -0.2])
    w_ih = np.array([[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]])
    w_ho = np.array([0.1, -0.3])
    h = 1 / (1 + np.exp(-(x @ w_ih)))
    out = 1 / (1 + np.exp(-(h @ w_ho)))
    delta_o = (0.6 - out) * out * (1 - out)
    delta_h = delta_o * w_ho * h * (1 - h)
    trace = load_preset("lesson-step").step()
    hidden, output = trace.layers
    np.testing.assert_allclose(hidden.output[0], h, rtol=1e-15)
    np.testing.assert_allclose(output.output[0, 0], out, rtol=1e-15)
    np.testing.assert_allclose(output.error_term[0, 0], delta_o, rtol=1e-15)
    np.testing.assert_allclose(hidden.error_term[0], delta_h, rtol=1e-15)
    # The error reaching hidden unit j is Σ_k δ_k·w_jk; each edge carries δ_k·w_jk.
    np.testing.assert_allclose(output.edge_error[0, :, 0], delta_o * w_ho, rtol=1e-15)
    np.testing.assert_allclose(hidden.error[0], delta_o * w_ho, rtol=1e-15)
    np.testing.assert_allclose(trace.error[0, 0], 0.6 - out, rtol=1e-15)


def test_worked_example_exact_chain():
    trace = load_preset("worked-example").step()
    hidden, output = trace.layers
    assert hidden.weighted_sum[0, 0] == pytest.approx(-0.02, abs=1e-15)
    assert hidden.output[0, 0] == pytest.approx(0.49500017, abs=5e-9)
    assert output.output[0, 0] == pytest.approx(0.51237248, abs=5e-9)
    assert output.error_term[0, 0] == pytest.approx(0.12183224, abs=5e-9)
    assert hidden.error_term[0, 0] == pytest.approx(0.00304550, abs=5e-9)
    assert output.weight_delta[0, 0] == pytest.approx(0.03015349, abs=5e-9)
    np.testing.assert_allclose(hidden.weight_delta[:, 0], [1.5227507e-04, 4.5682520e-04], rtol=1e-7)
    # The lesson's text rounds these to 0.495, 0.512, 0.122, 0.003, 0.0302, (0.00015, 0.00045).
    assert round(float(hidden.output[0, 0]), 3) == 0.495
    assert round(float(output.weight_delta[0, 0]), 4) == 0.0302


def test_two_output_biases_published_walkthrough():
    # The widely published 2-2-2 example: total error 0.298371109; updated
    # w5..w8 = 0.35891648, 0.408666186, 0.511301270, 0.561370121 and
    # w1..w4 = 0.149780716, 0.19956143, 0.24975114, 0.29950229 (biases not updated).
    trace = load_preset("two-output-biases").step()
    assert trace.loss_before == pytest.approx(0.298371109, abs=1e-9)
    hidden, output = trace.layers
    np.testing.assert_allclose(hidden.output[0], [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(output.output[0], [0.75136507, 0.772928465], atol=1e-8)
    # Our matrices are (from × to): w5 = h1→o1, w6 = h2→o1, w7 = h1→o2, w8 = h2→o2.
    np.testing.assert_allclose(
        output.new_weights, [[0.35891648, 0.511301270], [0.408666186, 0.561370121]], atol=1e-8
    )
    np.testing.assert_allclose(
        hidden.new_weights, [[0.149780716, 0.24975114], [0.19956143, 0.29950229]], atol=1e-8
    )
    np.testing.assert_array_equal(hidden.new_biases, [0.35, 0.35])
    np.testing.assert_array_equal(output.bias_delta, [0.0, 0.0])


def test_trainable_biases_move_by_eta_delta():
    cfg = load_preset("two-output-biases")
    net = Network.build(list(cfg.network.weights), list(cfg.network.biases), train_biases=True)
    trace = step(net, cfg.inputs, cfg.targets, 0.5)
    for layer, old in zip(trace.layers, cfg.network.biases, strict=True):
        np.testing.assert_allclose(layer.bias_delta, 0.5 * layer.error_term[0], rtol=1e-15)
        np.testing.assert_allclose(layer.new_biases, old + 0.5 * layer.error_term[0], rtol=1e-15)
        assert np.all(layer.bias_delta != 0)


def test_step_lowers_loss_for_small_rate():
    trace = load_preset("lesson-step").step()
    assert trace.loss_after < trace.loss_before
    assert trace.loss_before == pytest.approx(0.5 * float(trace.error[0, 0]) ** 2, rel=1e-15)


def test_batch_step_averages_record_steps():
    net = Network.random([3, 4, 2], seed=3)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    batch = step(net, x, y, 0.3)
    singles = [step(net, x[i], y[i], 0.3) for i in range(5)]
    for li in range(2):
        mean = np.mean([s.layers[li].weight_delta for s in singles], axis=0)
        np.testing.assert_allclose(batch.layers[li].weight_delta, mean, rtol=1e-12, atol=1e-16)


def test_sigmoid_matches_lesson_formula_bitwise():
    z = np.linspace(-50, 50, 1001)
    np.testing.assert_array_equal(sigmoid(z), 1 / (1 + np.exp(-z)))
