"""How one step's gradients come about: the chain rule for one weight, and each layer's size.

Signs follow the lesson: δ = −∂E/∂h, so ∂E/∂w_jk = −δ_k·a_j, where a_j is the input the
weight multiplies. For an output weight δ_k = (y_k − ŷ_k)·f′(h_k) (cross-entropy with a
sigmoid output: δ_k = y_k − ŷ_k, f′ cancels); for a hidden weight δ_j = (Σ_k δ_k·w_jk)·f′(h_j),
the error terms of the layer above scaled back by the weights. A bias multiplies 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.params import ParamRef
from ..core.step import StepTrace
from ..core.sweep import sweep
from ..errors import ConfigError
from .notation import param_symbol, unit_name

Array = np.ndarray

NUMERIC_EPS = 1e-6


@dataclass(frozen=True)
class Factor:
    """One local factor of the chain: its symbol, what it is, its value."""

    symbol: str
    meaning: str
    value: float


@dataclass(frozen=True)
class ChainRule:
    """∂E/∂p = −(product of `factors`), for one weight or bias of a one-record step.

    For a hidden-layer parameter the first factor is the error Σ_k δ_k·w_jk, and `terms`
    lists its summands δ_k·w_jk (one per unit of the layer above).
    """

    ref: ParamRef
    label: str  # w₁₂, w¹₁₂, b₁ ... as on the diagram
    output_layer: bool
    factors: tuple[Factor, ...]
    terms: tuple[Factor, ...]
    product: float  # −Π factors (+ the penalty's slope, with regularization)
    backprop: float  # ∂E/∂p from the step itself: −Δp/η
    numeric: float  # central difference (E(p + ε) − E(p − ε)) / 2ε
    penalty: float = 0.0  # a weight's λ₂·w + λ₁·sign(w) (0 for biases and without rates)


def chain_rule(trace: StepTrace, ref: ParamRef) -> ChainRule:
    """The chain rule for the weight or bias `ref` of a one-record step, with its numbers."""
    _check(trace, ref)
    net, lt, k = trace.network, trace.layers[ref.layer], ref.index[-1]
    factors, terms = _factors(trace, ref)
    if ref.kind == "bias" and not net.train_biases:
        # A frozen bias reports Δb = 0; its slope still exists: −δ.
        backprop = -float(lt.error_term[0, k])
    else:
        step_ = lt.weight_delta[ref.index] if ref.kind == "weight" else lt.bias_delta[k]
        backprop = -float(step_) / trace.learning_rate
    penalty = 0.0
    if ref.kind == "weight" and trace.regularized:
        # E + λ₁Σ|w| + (λ₂/2)Σw²: the penalty adds its own slope to the data's chain.
        w = float(net.weights[ref.layer][ref.index])
        penalty = trace.l2 * w + trace.l1 * float(np.sign(w))
    return ChainRule(
        ref=ref,
        label=param_symbol(ref, net.n_layers),
        output_layer=ref.layer == net.n_layers - 1,
        factors=factors,
        terms=terms,
        product=-float(np.prod([f.value for f in factors])) + penalty,
        backprop=backprop,
        numeric=_central_difference(trace, ref),
        penalty=penalty,
    )


def _check(trace: StepTrace, ref: ParamRef) -> None:
    net = trace.network
    if trace.inputs.shape[0] != 1:
        raise ConfigError("The chain rule is written out for one record.")
    if not ref.is_parameter or not 0 <= ref.layer < net.n_layers:
        raise ConfigError(f"{ref.name} is not a weight or bias of this network.")
    if ref.kind == "bias" and net.biases is None:
        raise ConfigError("This network has no biases.")
    lt = trace.layers[ref.layer]
    if not (0 <= ref.index[-1] < lt.output.shape[1]) or (
        ref.kind == "weight" and not 0 <= ref.index[0] < lt.input.shape[1]
    ):
        raise ConfigError(f"{ref.name} is not part of this network.")


def _factors(trace: StepTrace, ref: ParamRef) -> tuple[tuple[Factor, ...], tuple[Factor, ...]]:
    """The local factors of ∂E/∂p (error, f′, input), and for a hidden-layer parameter the
    terms δ_k·w_jk of its error."""
    net, n = trace.network, trace.network.n_layers
    lt, k = trace.layers[ref.layer], ref.index[-1]
    dst = unit_name(n, ref.layer + 1, k)
    fprime = float(net.activations[ref.layer].derivative(lt.weighted_sum[0, k], lt.output[0, k]))
    slope = Factor(f"f′(h) at {dst}", "the slope of its activation", fprime)
    if ref.kind == "weight":
        j = ref.index[0]
        src = unit_name(n, ref.layer, j)
        feed = Factor(src, "the input this weight multiplies", float(lt.input[0, j]))
    else:
        feed = Factor("1", "a bias multiplies 1", 1.0)
    if ref.layer == n - 1:
        y, y_hat = float(trace.targets[0, k]), float(lt.output[0, k])
        error = Factor(f"(y{dst[1:]} − {dst})", "the output error", y - y_hat)
        if net.loss.derivative_cancels:  # cross-entropy: δ = y − ŷ
            return (error, feed), ()
        return (error, slope, feed), ()
    above = trace.layers[ref.layer + 1]
    w_up = net.weights[ref.layer + 1][k]
    terms = tuple(
        Factor(
            f"δ({unit_name(n, ref.layer + 2, m)})·w({dst}→{unit_name(n, ref.layer + 2, m)})",
            "error term above × the weight it flows back along",
            float(above.error_term[0, m] * w_up[m]),
        )
        for m in range(w_up.size)
    )
    error = Factor(
        f"Σ δ·w into {dst}", "the error flowing back to this unit", float(lt.error[0, k])
    )
    return (error, slope, feed), terms


def _central_difference(trace: StepTrace, ref: ParamRef) -> float:
    """(E(p + ε) − E(p − ε)) / 2ε for the parameter `ref`, from one sweep of two values."""
    net = trace.network
    params = net.weights if ref.kind == "weight" else net.biases
    p0 = float(params[ref.layer][ref.index])
    s = sweep(
        net,
        trace.inputs,
        trace.targets,
        trace.learning_rate,
        ref,
        [p0 + NUMERIC_EPS, p0 - NUMERIC_EPS],
        l1=trace.l1,
        l2=trace.l2,
    )
    return float((s.loss_before[0] - s.loss_before[1]) / (2 * NUMERIC_EPS))


def gradient_sizes(trace: StepTrace) -> tuple[float, ...]:
    """Per weight layer, the root mean square of ∂E/∂w over its weights (= |Δw|/η)."""
    return tuple(
        float(np.sqrt(np.mean(np.square(lt.weight_delta)))) / trace.learning_rate
        for lt in trace.layers
    )
