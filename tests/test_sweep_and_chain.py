"""The gradient views' core: one control swept in one batched pass, the chain rule for one
weight, the gradient size per layer; checked against `step()` and central differences."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_viz.core.network import Network
from backprop_viz.core.params import ParamRef, control_refs, weight_refs
from backprop_viz.core.step import step
from backprop_viz.core.sweep import sweep
from backprop_viz.errors import ConfigError
from backprop_viz.explain.chain import chain_rule, gradient_sizes
from backprop_viz.explain.notation import param_symbol
from backprop_viz.explain.presets import load_preset
from backprop_viz.figures.control import control_figure, largest_steps, rate_marks


def _set(net, x, y, lr, ref, value):
    """The step problem with one control set to `value` (the oracle's way: one at a time)."""
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    ws = [w.copy() for w in net.weights]
    bs = None if net.biases is None else [b.copy() for b in net.biases]
    if ref.kind == "weight":
        ws[ref.layer][ref.index] = value
    elif ref.kind == "bias":
        bs[ref.layer][ref.index] = value
    elif ref.kind == "input":
        x[..., ref.index[0]] = value
    elif ref.kind == "target":
        y[..., ref.index[0]] = value
    else:
        lr = value
    return net.with_parameters(ws, bs), x, y, lr


def _assert_sweep_matches_step(net, x, y, lr, ref, values):
    s = sweep(net, x, y, lr, ref, values)
    for i, v in enumerate(values):
        t = step(*_set(net, x, y, lr, ref, v))
        assert s.loss_before[i] == pytest.approx(t.loss_before, abs=1e-12)
        assert s.loss_after[i] == pytest.approx(t.loss_after, abs=1e-12)
        np.testing.assert_allclose(s.output[i], t.output, rtol=0, atol=1e-12)
        for layer, lt in enumerate(t.layers):
            np.testing.assert_allclose(s.weight_steps[layer][i], lt.weight_delta, atol=1e-12)
            if lt.bias_delta is not None:
                np.testing.assert_allclose(s.bias_steps[layer][i], lt.bias_delta, atol=1e-12)


@pytest.mark.parametrize("preset", ["lesson-step", "two-output-biases", "vanishing-sigmoid"])
def test_sweep_agrees_with_step_for_every_control(preset):
    cfg = load_preset(preset)
    net = cfg.network
    for ref in control_refs(net.sizes, net.biases is not None):
        if ref.kind == "learning_rate":
            values = np.geomspace(1e-4, 100, 101)
        else:
            values = np.linspace(-3, 3, 101)
        # 101 values in one call; step() at every tenth of them.
        s = sweep(net, cfg.inputs, cfg.targets, cfg.learning_rate, ref, values)
        assert s.loss_before.shape == (101,) and s.weight_steps[0].shape[0] == 101
        _assert_sweep_matches_step(
            net, cfg.inputs, cfg.targets, cfg.learning_rate, ref, values[::10]
        )


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=3),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 3),
    records=st.integers(1, 3),
    act=st.sampled_from(["sigmoid", "tanh", "relu", "identity"]),
    biases=st.booleans(),
    seed=st.integers(0, 10_000),
    pick=st.integers(0, 10_000),
)
def test_sweep_agrees_with_step_on_random_networks(
    hidden, n_in, n_out, records, act, biases, seed, pick
):
    rng = np.random.default_rng(seed)
    sizes = [n_in, *hidden, n_out]
    acts = [act] * len(hidden) + ["sigmoid"]
    net = Network.random(sizes, seed=seed, activations=acts, biases=biases)
    if biases:
        net = net.with_parameters(net.weights, [rng.normal(size=b.shape) for b in net.biases])
    x = rng.normal(size=(records, n_in))
    y = rng.uniform(size=(records, n_out))
    refs = control_refs(tuple(sizes), biases)
    ref = refs[pick % len(refs)]
    values = np.geomspace(0.01, 5, 5) if ref.kind == "learning_rate" else rng.normal(size=5)
    _assert_sweep_matches_step(net, x, y, 0.3, ref, values)


def test_target_through_y_hat_flips_every_step_at_exactly_y_hat():
    cfg = load_preset("lesson-step")
    y_hat = float(cfg.step().output[0, 0])
    values = [y_hat - 0.05, y_hat, y_hat + 0.05]
    s = sweep(cfg.network, cfg.inputs, cfg.targets, 0.5, ParamRef("target", 0, (0,)), values)
    for dw in s.weight_steps:
        below, at, above = dw
        assert np.all(at == 0.0)  # y = ŷ: no error, no step anywhere
        assert np.all(np.sign(below) == -np.sign(above)) and np.all(below != 0)


def test_a_saturating_weight_silences_the_layers_below():
    cfg = load_preset("lesson-step")
    ref = ParamRef("weight", 0, (0, 0))  # x₁ → a₁
    s = sweep(cfg.network, cfg.inputs, cfg.targets, 0.5, ref, [-10.0, 0.5, 10.0])
    # At ±10 (x₁ = 0.5: h ≈ ±5) a₁'s sigmoid is near flat, so the steps into a₁ shrink.
    into_a1 = np.abs(s.weight_steps[0][:, :, 0]).max(axis=1)
    assert into_a1[0] < into_a1[1] / 10 and into_a1[2] < into_a1[1] / 10
    # Pushing the output weight to ±10 with a big hidden input saturates ŷ instead: every
    # step below the output shrinks by orders of magnitude.
    big = cfg.network.with_parameters(cfg.network.weights)
    out = sweep(big, [3.0, 3.0, 3.0], cfg.targets, 0.5, ParamRef("weight", 1, (0, 0)), [0.1, 10])
    small, saturated = np.abs(out.weight_steps[0]).max(axis=(1, 2))
    assert saturated < small / 10


def test_the_lessons_step_overshoots_for_large_rates():
    cfg = load_preset("lesson-step")
    values = np.geomspace(1e-4, 100, 241)
    s = sweep(cfg.network, cfg.inputs, cfg.targets, 0.5, ParamRef("learning_rate"), values)
    marks = rate_marks(s)
    assert 20 < marks.best < 60  # the best η on this range
    assert marks.overshoot is not None and 60 < marks.overshoot < 100
    first = int(np.flatnonzero(values == marks.overshoot)[0])
    assert s.loss_after[first] > s.loss_before[first]  # that step raises the loss
    assert np.all(s.loss_after[:first] <= s.loss_before[:first])  # none before it does
    assert s.loss_after[-1] > s.loss_after.min()  # the loss rises again past the best η


def test_sweep_refuses_what_is_not_there():
    cfg = load_preset("lesson-step")
    args = (cfg.network, cfg.inputs, cfg.targets, 0.5)
    with pytest.raises(ConfigError):
        sweep(*args, ParamRef("bias", 0, (0,)), [0.0])
    with pytest.raises(ConfigError):
        sweep(*args, ParamRef("weight", 0, (5, 0)), [0.0])
    with pytest.raises(ConfigError):
        sweep(*args, ParamRef("learning_rate"), [0.0, 1.0])
    with pytest.raises(ConfigError):
        sweep(*args, ParamRef("input", 0, (0,)), [np.nan])


def test_a_sweep_that_overflows_gives_gaps_not_errors():
    cfg = load_preset("lesson-step")
    net = Network.build(cfg.network.weights, activations="identity")
    s = sweep(net, cfg.inputs, cfg.targets, 1.0, ParamRef("weight", 0, (0, 0)), [1e300, 0.1])
    assert not np.isfinite(s.loss_after[0]) and np.isfinite(s.loss_after[1])
    fig = control_figure(s, 0.1, "w", 2)
    assert fig["data"][0]["y"]["dtype"] == "f4"  # NaN travels in the typed array


def test_largest_steps_are_ordered_and_at_most_eight():
    net = Network.random([3, 4, 3], seed=2, biases=True)
    s = sweep(net, [0.2, -0.5, 0.9], [0.1, 0.5, 0.9], 0.5, ParamRef("input", 0, (0,)), [0.0, 1.0])
    top = largest_steps(s, 1)
    assert len(top) == 8
    sizes = [abs(c[1]) for _, c in top]
    assert sizes == sorted(sizes, reverse=True)
    every = np.concatenate([np.abs(d[1]).ravel() for d in (*s.weight_steps, *s.bias_steps)])
    assert sizes[0] == every.max()


def _chain_cases():
    lesson = load_preset("lesson-step").step()
    biases = load_preset("two-output-biases").step()
    deep = Network.random(
        [3, 4, 3, 2],
        seed=3,
        activations=["tanh", "sigmoid", "sigmoid"],
        loss="cross_entropy",
        biases=True,
    )
    deep = deep.with_parameters(deep.weights, [np.full(b.shape, 0.2) for b in deep.biases])
    return [lesson, biases, step(deep, [0.3, -0.5, 0.9], [1.0, 0.0], 0.3)]


@pytest.mark.parametrize("trace", _chain_cases(), ids=["lesson", "biases", "deep"])
def test_chain_rule_product_is_backprop_and_the_finite_difference(trace):
    net = trace.network
    for ref in weight_refs(net.sizes, net.biases is not None):
        c = chain_rule(trace, ref)
        assert c.product == pytest.approx(c.backprop, rel=1e-9, abs=1e-15)
        assert c.numeric == pytest.approx(c.backprop, rel=1e-5, abs=1e-10)
        if not c.output_layer:
            # The first factor is the error flowing back: the sum of its terms.
            assert sum(t.value for t in c.terms) == pytest.approx(c.factors[0].value)
            assert len(c.terms) == net.sizes[ref.layer + 2]


def test_chain_rule_of_the_lessons_output_weight_has_the_lessons_factors():
    trace = load_preset("lesson-step").step()
    c = chain_rule(trace, ParamRef("weight", 1, (0, 0)))
    y_hat = trace.output[0, 0]
    assert [f.value for f in c.factors] == pytest.approx(
        [0.6 - y_hat, y_hat * (1 - y_hat), trace.layers[0].output[0, 0]]
    )
    assert -c.product * 0.5 == pytest.approx(0.00804047394805, abs=1e-14)  # the lesson's Δw
    assert c.label == "w²₁₁"


def test_gradient_sizes_are_the_rms_of_the_gradient():
    trace = load_preset("two-output-biases").step()
    for size, lt in zip(gradient_sizes(trace), trace.layers, strict=True):
        grad = -lt.weight_delta / trace.learning_rate
        assert size == pytest.approx(np.sqrt(np.mean(grad**2)), rel=1e-12)


def test_vanishing_gradients_example_and_its_contrasts():
    sig = gradient_sizes(load_preset("vanishing-sigmoid").step())
    assert len(sig) == 4 and sig[-1] >= 10 * sig[0]
    assert all(a < b for a, b in itertools.pairwise(sig))  # shrinks layer by layer
    for contrast in ("vanishing-tanh", "vanishing-relu"):
        sizes = gradient_sizes(load_preset(contrast).step())
        assert sizes[-1] < 3 * sizes[0]


def test_param_names_parse_back():
    for ref in control_refs((3, 2, 2), True):
        assert ParamRef.parse(ref.name) == ref
    for bad in ["W0[0,0]", "W1[0]", "b1[0,1]", "z[0]", "W1[0,0]" + "x" * 50, "", "eta "]:
        with pytest.raises(ConfigError):
            ParamRef.parse(bad)
    assert param_symbol(ParamRef("weight", 0, (0, 1)), 1) == "w₁₂"
    assert param_symbol(ParamRef("bias", 1, (0,)), 2) == "b²₁"


def test_chain_rule_with_regularization_adds_the_penalty_slope_and_still_agrees():
    from backprop_viz.core.config import parse_config
    from backprop_viz.core.params import weight_refs
    from backprop_viz.ui.step.edits import preset_config

    cfg = {**preset_config("two-output-biases"), "l1": 0.03, "l2": 0.07, "train_biases": True}
    trace = parse_config(cfg).step()
    net = trace.network
    for ref in weight_refs(net.sizes, True):
        c = chain_rule(trace, ref)
        data = -float(np.prod([f.value for f in c.factors]))
        if ref.kind == "weight":
            w = float(net.weights[ref.layer][ref.index])
            assert c.penalty == pytest.approx(0.07 * w + 0.03 * np.sign(w), rel=1e-15)
        else:
            assert c.penalty == 0.0  # biases are not regularized
        assert c.product == pytest.approx(data + c.penalty, rel=1e-14)
        assert c.product == pytest.approx(c.backprop, rel=1e-9, abs=1e-15)
        assert c.product == pytest.approx(c.numeric, rel=1e-6, abs=1e-10)
