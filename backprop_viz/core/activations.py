"""Activation functions, each beside its derivative, by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, quoted

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """Logistic function 1 / (1 + e^(−z)), without overflow warnings or NaN.

    e^(−z) would overflow for z < −709.78, so z is first clamped at −709: below that the
    result is ~1e-308 instead of a smaller subnormal, an absolute error under 1e-307.
    Elsewhere this is the lesson's formula, so its numbers reproduce to the bit.
    """
    t = np.negative(z, out=np.empty(np.shape(z)))  # an array even for a scalar z
    np.minimum(t, 709.0, out=t)  # in place: this is the hottest function in training
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


def _sigmoid_silenced(z: Array) -> Array:
    # For a caller that has silenced overflow: e^(−z) = inf gives 1/(1 + inf) = 0, within
    # 1e-308 of the true value, so the clamp (a fifth of the cost) is not needed.
    t = np.negative(z)
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


def _sigmoid_prime(z: Array, a: Array) -> Array:
    return a * (1.0 - a)  # the lesson's f'(h) = f(h)(1 − f(h))


def _tanh(z: Array) -> Array:
    return np.tanh(z)


def _tanh_prime(z: Array, a: Array) -> Array:
    return 1.0 - a * a


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_prime(z: Array, a: Array) -> Array:
    return (z > 0.0).astype(float)  # 0 at the kink, by convention


def _identity(z: Array) -> Array:
    return z


def _identity_prime(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def softmax(z: Array) -> Array:
    """e^(h_k) / Σ_j e^(h_j) over the last axis, shifted by the largest h first so that no
    exponential overflows (the shift cancels in the ratio)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)  # e is fresh: divide in place
    return e


def _softmax_diagonal(z: Array, a: Array) -> Array:
    # ∂a_k/∂h_k only: softmax units share one sum, so its Jacobian is not diagonal. Backprop
    # never uses this (softmax comes only with cross-entropy, where δ = y − ŷ); it is what a
    # table of per-unit slopes can show.
    return a * (1.0 - a)


@dataclass(frozen=True)
class Activation:
    """An activation f with its derivative f′ given (z, f(z)), and how to write it."""

    name: str
    label: str
    fn: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]
    latex: str  # f(h) in LaTeX, with h the weighted sum
    derivative_latex: str  # f′(h) in LaTeX, in terms of the activation a
    # f for a caller that has silenced floating-point overflow (training's loop): the same
    # values, faster where f guards against overflow itself. None: f.
    silenced: Callable[[Array], Array] | None = None

    def __call__(self, z: Array) -> Array:
        return self.fn(z)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            "Sigmoid",
            sigmoid,
            _sigmoid_prime,
            r"\frac{1}{1+e^{-h}}",
            r"a\,(1-a)",
            _sigmoid_silenced,
        ),
        Activation("tanh", "tanh", _tanh, _tanh_prime, r"\tanh h", r"1-a^2"),
        Activation("relu", "ReLU", _relu, _relu_prime, r"\max(0, h)", r"[h>0]"),
        Activation("identity", "Identity", _identity, _identity_prime, r"h", r"1"),
    )
}

# Softmax couples a layer's units (each output divides by the sum of all), so it is kept
# apart from the unit-by-unit activations above: it may only be a network's last layer, with
# cross-entropy (see validate.network_parts). Pages list ACTIVATIONS for every layer and may
# add SOFTMAX for the output layer.
SOFTMAX = Activation(
    "softmax",
    "Softmax",
    softmax,
    _softmax_diagonal,
    r"\frac{e^{h_k}}{\sum_j e^{h_j}}",
    r"a_k\,(1-a_k)\ \text{(diagonal; with cross-entropy } \delta=y-\hat y\text{)}",
)
ALL_ACTIVATIONS: dict[str, Activation] = {**ACTIVATIONS, SOFTMAX.name: SOFTMAX}


def get_activation(name: str) -> Activation:
    """The activation called `name`; a ConfigError names the valid ones otherwise."""
    try:
        return ALL_ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(ALL_ACTIVATIONS)
        raise ConfigError(f"Unknown activation {quoted(name)}; use one of: {valid}.") from None
