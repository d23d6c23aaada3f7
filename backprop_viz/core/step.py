"""The backward pass and one full training step, recorded as a trace a view can draw.

Signs follow the lesson: an error term is δ = −∂E/∂h (h the weighted sum), so a weight
step is Δw = +η·δ·(input to that layer), averaged over the records of a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .network import Forward, Network, forward

Array = np.ndarray


@dataclass(frozen=True)
class Backward:
    """Per layer: the error arriving at its units (before f′) and its error term δ."""

    errors: tuple[Array, ...]
    error_terms: tuple[Array, ...]


def backward(
    network: Network,
    weights: Sequence[Array],
    fwd: Forward,
    targets: Array,
    with_errors: bool = True,
    matmul: Callable[[Array, Array], Array] = np.matmul,
) -> Backward:
    """Send the output error back through the layers (`with_errors=False`: the output
    layer's error before f′ may be None when only the error terms are needed).

    The output layer's error is −∂E/∂ŷ (y − ŷ for squared error); a hidden unit j's error
    is Σ_k δ_k·w_jk, the next layer's error terms scaled back by the weights; δ = error·f′(h).
    `matmul` forms those sums (as in `forward`).
    """
    error, term = network.loss.output_signal(
        targets, fwd.outputs[-1], fwd.weighted_sums[-1], network.activations[-1], with_errors
    )
    errors, terms = [error], [term]  # built output-first, reversed at the end
    for i in range(len(weights) - 2, -1, -1):
        error = matmul(term, weights[i + 1].mT)
        term = error * network.activations[i].derivative(fwd.weighted_sums[i], fwd.outputs[i])
        errors.append(error)
        terms.append(term)
    return Backward(tuple(reversed(errors)), tuple(reversed(terms)))


def parameter_steps(
    fwd: Forward,
    bwd: Backward,
    learning_rate: float,
    with_biases: bool = True,
    matmul: Callable[[Array, Array], Array] = np.matmul,
) -> tuple[list[Array], list[Array] | None]:
    """Δw = η·Σ_records(input ⊗ δ) / records and Δb = η·Σ δ / records, per layer.

    Summing first and dividing by the number of records is the lesson's batch rule.
    `matmul` forms the sums over records (as in `forward`).
    """
    n = fwd.inputs[0].shape[-2]
    dw = [
        learning_rate * matmul(x.mT, d) / n
        for x, d in zip(fwd.inputs, bwd.error_terms, strict=True)
    ]
    if not with_biases:
        return dw, None
    return dw, [learning_rate * np.add.reduce(d, axis=-2) / n for d in bwd.error_terms]


def gradients(network: Network, inputs: Array, targets: Array) -> tuple[list[Array], list[Array]]:
    """∂E/∂W and ∂E/∂b of the record-averaged loss, per layer (the negated steps for η = 1)."""
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward(network, network.weights, network.biases, inputs)
        bwd = backward(network, network.weights, fwd, targets)
        dw, db = parameter_steps(fwd, bwd, 1.0)
    return [-g for g in dw], [-g for g in db]


@dataclass(frozen=True)
class LayerTrace:
    """Everything one layer did in a step. Record-indexed arrays lead with the records axis."""

    input: Array  # (records, units in): the input to this layer
    weighted_sum: Array  # (records, units out): h = x·W (+ b)
    output: Array  # (records, units out): a = f(h)
    error: Array  # (records, units out): error at these units, before f′
    error_term: Array  # (records, units out): δ = error·f′(h)
    edge_error: Array  # (records, in, out): δ_k·w_jk, the error sent back along each edge
    weight_delta: Array  # (in, out): Δw = η·δ·input, averaged over records
    bias_delta: Array | None  # (out,): Δb = η·δ, averaged; zeros when biases are frozen
    new_weights: Array
    new_biases: Array | None


@dataclass(frozen=True)
class StepTrace:
    """One forward pass, backward pass and update, layer by layer."""

    network: Network
    new_network: Network
    inputs: Array  # (records, n_in)
    targets: Array  # (records, n_out)
    learning_rate: float
    layers: tuple[LayerTrace, ...]
    loss_before: float  # E averaged over records, before the step
    loss_after: float  # the same E with the new parameters

    @property
    def output(self) -> Array:
        """ŷ before the step, (records, n_out)."""
        return self.layers[-1].output

    @property
    def error(self) -> Array:
        """The output error y − ŷ, (records, n_out)."""
        return self.targets - self.output


def as_records(values: object, width: int, what: str) -> Array:
    """Coerce one record (1-D) or several (2-D) to a finite (records, width) float array."""
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be numbers.") from None
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(-1, width) if width == 1 and arr.size != 1 else arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width or arr.shape[0] == 0:
        raise ConfigError(f"{what} must have {width} value(s) per record; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{what} contains NaN or an infinite value.")
    return arr


def as_problem(
    network: Network, inputs: object, targets: object, kind: str = ""
) -> tuple[Array, Array]:
    """(inputs, targets) as (records, n_in) and (records, n_out) arrays with as many
    records each; `kind` ("training", "test") names them in messages."""
    what = f"{kind} " if kind else ""
    x = as_records(inputs, network.sizes[0], f"{what}inputs".capitalize())
    y = as_records(targets, network.sizes[-1], f"{what}targets".capitalize())
    if x.shape[0] != y.shape[0]:
        raise ConfigError(f"{x.shape[0]} {what}input records but {y.shape[0]} {what}targets.")
    return x, y


def check_learning_rate(learning_rate: object) -> float:
    """A finite learning rate in (0, 100]; ConfigError otherwise."""
    try:
        lr = float(learning_rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError("The learning rate must be a number.") from None
    if not np.isfinite(lr) or lr <= 0:
        raise ConfigError(f"The learning rate must be a positive number; got {learning_rate}.")
    if lr > 100:
        raise ConfigError(f"A learning rate of {lr:g} is too large; use at most 100.")
    return lr


def step(network: Network, inputs: object, targets: object, learning_rate: float) -> StepTrace:
    """One training step on the given record(s): forward, backward, update, with a trace.

    `inputs` is one record (n_in values) or several (records × n_in); `targets` likewise
    with n_out values. With several records the steps are averaged (a batch step).
    """
    lr = check_learning_rate(learning_rate)
    x, y = as_problem(network, inputs, targets)

    bias_on = network.biases is not None
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward(network, network.weights, network.biases, x)
        bwd = backward(network, network.weights, fwd, y)
        dw, db = parameter_steps(fwd, bwd, lr)
        if bias_on and not network.train_biases:
            db = [np.zeros_like(b) for b in db]
        new_w = [w + d for w, d in zip(network.weights, dw, strict=True)]
        new_b = [b + d for b, d in zip(network.biases, db, strict=True)] if bias_on else None
        new_net = network.with_parameters(new_w, new_b)
        after = forward(new_net, new_net.weights, new_net.biases, x)
    if not all(np.all(np.isfinite(a)) for a in (*new_w, after.output)):
        raise ConfigError(
            "This step overflows (a value became infinite or NaN); use smaller weights, "
            "inputs or learning rate."
        )

    layers = tuple(
        LayerTrace(
            input=fwd.inputs[i],
            weighted_sum=fwd.weighted_sums[i],
            output=fwd.outputs[i],
            error=bwd.errors[i],
            error_term=bwd.error_terms[i],
            edge_error=bwd.error_terms[i][:, None, :] * network.weights[i][None, :, :],
            weight_delta=dw[i],
            bias_delta=db[i] if bias_on else None,
            new_weights=new_w[i],
            new_biases=new_b[i] if new_b is not None else None,
        )
        for i in range(network.n_layers)
    )
    loss = network.loss
    return StepTrace(
        network=network,
        new_network=new_net,
        inputs=x,
        targets=y,
        learning_rate=lr,
        layers=layers,
        loss_before=float(loss.mean(y, fwd.output, fwd.weighted_sums[-1])),
        loss_after=float(loss.mean(y, after.output, after.weighted_sums[-1])),
    )
