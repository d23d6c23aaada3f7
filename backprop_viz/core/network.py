"""A dense network, as architecture plus parameters, and the three things backpropagation does
with it: the forward pass, the backward pass and the weight steps, in the lesson's notation.

Weights are shaped (units in, units out), as in the lesson (`weights_input_hidden` is
n_features × n_hidden), so a layer computes h = x·W (+ b) and a = f(h). Arrays of values are
shaped (..., records, units); parameters may carry leading axes too (several networks
stacked, one forward pass for all: the gradient check and the sweeps use that).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .activations import Activation
from .losses import Loss
from .validate import network_parts

Array = np.ndarray
MatMul = Callable[[Array, Array], Array]


@dataclass(frozen=True, eq=False)
class Network:
    """Architecture (activations, loss, whether biases train) plus parameters (weights,
    biases). Build one with `Network.build` (validates and converts) or `Network.random`."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None
    activations: tuple[Activation, ...]
    loss: Loss
    train_biases: bool = True

    @classmethod
    def build(
        cls,
        weights: Sequence[object],
        biases: Sequence[object] | None = None,
        activations: str | Sequence[str] = "sigmoid",
        loss: str = "squared_error",
        train_biases: bool = True,
    ) -> Network:
        """A network from parameters given as nested lists or arrays and functions by name.

        The last weight may be a 1-D vector (one output), as in the lesson. Raises
        ConfigError with one clear sentence for anything malformed.
        """
        w, b, acts, loss_fn = network_parts(weights, biases, activations, loss)
        return cls(w, b, acts, loss_fn, bool(train_biases))

    @classmethod
    def random(
        cls,
        sizes: Sequence[int],
        *,
        seed: int = 0,
        activations: str | Sequence[str] = "sigmoid",
        loss: str = "squared_error",
        biases: bool = False,
        train_biases: bool = True,
    ) -> Network:
        """Weights drawn from normal(0, 1/√(units in)) per layer, biases zero; seeded."""
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ConfigError("sizes must list at least inputs and outputs, each ≥ 1.")
        rng = np.random.default_rng(seed)
        weights = [
            rng.normal(scale=1.0 / np.sqrt(n_in), size=(n_in, n_out))
            for n_in, n_out in itertools.pairwise(sizes)
        ]
        bias_list = [np.zeros(n) for n in sizes[1:]] if biases else None
        return cls.build(weights, bias_list, activations, loss, train_biases)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, inputs first: (n_in, hidden..., n_out)."""
        return (self.weights[0].shape[-2], *(w.shape[-1] for w in self.weights))

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def with_parameters(
        self, weights: Sequence[Array], biases: Sequence[Array] | None = None
    ) -> Network:
        """The same architecture with other parameters (of the same shapes, possibly stacked
        on leading axes); not re-validated, not copied: parameters are never changed in
        place."""
        return Network(
            weights=tuple(np.asarray(w, dtype=float) for w in weights),
            biases=None if biases is None else tuple(np.asarray(b, dtype=float) for b in biases),
            activations=self.activations,
            loss=self.loss,
            train_biases=self.train_biases,
        )

    def forward(self, inputs: Array) -> Forward:
        """The forward pass for records shaped (records, n_in): every layer's values."""
        with np.errstate(over="ignore", invalid="ignore"):  # absurd weights give inf, not noise
            return forward_pass(self, np.asarray(inputs, dtype=float))

    def predict(self, inputs: Array) -> Array:
        """The output ŷ for records shaped (records, n_in)."""
        return self.forward(inputs).output


# --- forward: h = x·W (+ b), a = f(h), layer by layer -----------------------------------


@dataclass(frozen=True)
class Forward:
    """Per layer: its input, its weighted sum h and its activation a = f(h)."""

    inputs: tuple[Array, ...]
    weighted_sums: tuple[Array, ...]
    outputs: tuple[Array, ...]

    @property
    def output(self) -> Array:
        """The network's output ŷ."""
        return self.outputs[-1]


def forward_pass(
    net: Network, x: Array, matmul: MatMul = np.matmul, silenced: bool = False
) -> Forward:
    """Send records x through the layers: h = x·W (+ b), a = f(h), each layer's a the next
    layer's input.

    No floating-point state is changed here (training silences overflow once for its whole
    loop and checks finiteness itself; it says so with `silenced`, which lets an activation
    skip its own overflow guard). `matmul` forms each x·W; the lesson's exact run passes one
    that sums in a fixed order rather than BLAS's.
    """
    inputs, sums, outputs = [], [], []
    a = x
    for i, (w, f) in enumerate(zip(net.weights, net.activations, strict=True)):
        inputs.append(a)
        h = matmul(a, w)
        if net.biases is not None:
            b = net.biases[i]
            if b.ndim == 1:
                h += b  # h is fresh from the product: add in place
            else:  # stacked biases may add a leading axis that h lacks
                h = h + b[..., None, :]
        a = f.silenced(h) if silenced and f.silenced is not None else f.fn(h)
        sums.append(h)
        outputs.append(a)
    return Forward(tuple(inputs), tuple(sums), tuple(outputs))


# --- backward: the error terms δ = −∂E/∂h, from the output back --------------------------


@dataclass(frozen=True)
class Backward:
    """Per layer: the error arriving at its units (before f′) and its error term δ."""

    errors: tuple[Array, ...]
    error_terms: tuple[Array, ...]


def backward_pass(
    net: Network,
    fwd: Forward,
    y: Array,
    with_errors: bool = True,
    matmul: MatMul = np.matmul,
) -> Backward:
    """Send the output error back through the layers.

    At the output, error = y − ŷ (for squared error; −∂E/∂ŷ in general) and the output error
    term δᵒ = error·f′(h) (cross-entropy: δᵒ = y − ŷ, f′ cancels). A hidden unit j's error
    is Σ_k δ_k·w_jk, the error terms of the layer above scaled back by the weights, and its
    error term δʰ = error·f′(h). With `with_errors=False` the output layer's error before
    f′ may be None when only the error terms are needed (training).
    """
    error, term = net.loss.signal(
        y, fwd.outputs[-1], fwd.weighted_sums[-1], net.activations[-1], with_errors
    )
    errors, terms = [error], [term]  # output first; reversed at the end
    for i in range(net.n_layers - 2, -1, -1):
        error = matmul(term, net.weights[i + 1].mT)
        term = error * net.activations[i].derivative(fwd.weighted_sums[i], fwd.outputs[i])
        errors.append(error)
        terms.append(term)
    return Backward(tuple(reversed(errors)), tuple(reversed(terms)))


# --- the update: Δw = η·δ·input, summed over records, divided by their number ---------------


def parameter_steps(
    fwd: Forward,
    bwd: Backward,
    learning_rate: float,
    with_biases: bool = True,
    matmul: MatMul = np.matmul,
) -> tuple[list[Array], list[Array] | None]:
    """Δw = η·Σ_records(input ⊗ δ) / records and Δb = η·Σ δ / records, per layer: the
    lesson's batch rule (the steps summed with the weights fixed, then divided)."""
    n = fwd.inputs[0].shape[-2]
    dw = [
        learning_rate * matmul(x.mT, d) / n
        for x, d in zip(fwd.inputs, bwd.error_terms, strict=True)
    ]
    if not with_biases:
        return dw, None
    return dw, [learning_rate * np.add.reduce(d, axis=-2) / n for d in bwd.error_terms]


def penalty(weights: Sequence[Array], l1: float = 0.0, l2: float = 0.0) -> Array | float:
    """The regularization added to the record-averaged E: λ₁·Σ|w| + (λ₂/2)·Σw² over every
    weight (biases are not regularized); per stacked network when the weights carry leading
    axes. Exactly 0.0 when both rates are 0."""
    if not (l1 or l2):
        return 0.0
    total: Array | float = 0.0
    for w in weights:
        if l1:
            total = total + l1 * np.sum(np.abs(w), axis=(-2, -1))
        if l2:
            total = total + 0.5 * l2 * np.sum(w * w, axis=(-2, -1))
    return total


def regularized_steps(
    dw: Sequence[Array],
    weights: Sequence[Array],
    learning_rate: float,
    l1: float = 0.0,
    l2: float = 0.0,
) -> list[Array]:
    """Δw = η·(mean of δ·input − λ₂·w − λ₁·sign(w)) from the data's steps η·mean(δ·input):
    gradient descent on E + penalty. The data's steps themselves when both rates are 0."""
    if not (l1 or l2):
        return list(dw)
    out = []
    for d, w in zip(dw, weights, strict=True):
        pull = 0.0
        if l2:
            pull = l2 * w
        if l1:
            pull = pull + l1 * np.sign(w)  # sign(0) = 0: a zero weight stays at zero
        out.append(d - learning_rate * pull)
    return out


def updated(net: Network, dw: Sequence[Array], db: Sequence[Array] | None) -> Network:
    """w ← w + Δw (and b ← b + Δb when the biases train)."""
    weights = [w + d for w, d in zip(net.weights, dw, strict=True)]
    biases = net.biases
    if biases is not None and net.train_biases and db is not None:
        biases = [b + d for b, d in zip(biases, db, strict=True)]
    return net.with_parameters(weights, biases)


def gradients(
    net: Network, x: Array, y: Array, l1: float = 0.0, l2: float = 0.0
) -> tuple[list[Array], list[Array]]:
    """∂E/∂W and ∂E/∂b of the record-averaged loss plus the penalty λ₁·Σ|w| + (λ₂/2)·Σw²,
    per layer (the negated steps for η = 1)."""
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward_pass(net, x)
        bwd = backward_pass(net, fwd, y)
        dw, db = parameter_steps(fwd, bwd, 1.0)
        dw = regularized_steps(dw, net.weights, 1.0, l1, l2)
    return [-g for g in dw], [-g for g in db]
