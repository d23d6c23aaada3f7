"""Loose input made valid, or refused in one clear sentence: a network's parameters,
activations and loss, records of inputs and targets, a learning rate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from ..limits import MAX_HIDDEN_LAYERS, MAX_HIDDEN_UNITS, MAX_LEARNING_RATE, MAX_REGULARIZATION
from .activations import Activation, get_activation
from .losses import Loss, get_loss, loss_for_output

if TYPE_CHECKING:
    from .network import Network

Array = np.ndarray


def _as_matrix(value: object, what: str) -> Array:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be numbers.") from None
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{what} contains NaN or an infinite value.")
    return arr


def network_parts(
    weights: Sequence[object],
    biases: Sequence[object] | None,
    activations: str | Sequence[str],
    loss: str,
) -> tuple[tuple[Array, ...], tuple[Array, ...] | None, tuple[Activation, ...], Loss]:
    """Weights, biases, activations and loss given as nested lists, arrays and names,
    checked and converted for `Network.build`; one clear ConfigError for anything wrong.

    The last weight may be a 1-D vector (one output), as in the lesson.
    """
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
        raise ConfigError("weights must be a non-empty list with one matrix per layer.")
    mats = []
    for i, w in enumerate(weights, start=1):
        arr = _as_matrix(w, f"Layer {i} weights")
        if arr.ndim == 1 and i == len(weights):
            arr = arr[:, None]  # the lesson's 1-D hidden-to-output vector
        if arr.ndim != 2 or arr.size == 0:
            raise ConfigError(
                f"Layer {i} weights must be a non-empty (units in × units out) matrix."
            )
        mats.append(arr)
    for i in range(1, len(mats)):
        if mats[i].shape[0] != mats[i - 1].shape[1]:
            raise ConfigError(
                f"Layer {i + 1} weights have {mats[i].shape[0]} rows but layer {i} "
                f"has {mats[i - 1].shape[1]} units: the shapes do not chain."
            )
    hidden = [m.shape[1] for m in mats[:-1]]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError(f"At most {MAX_HIDDEN_LAYERS} hidden layers (got {len(hidden)}).")
    if any(h > MAX_HIDDEN_UNITS for h in hidden):
        raise ConfigError(f"A hidden layer has at most {MAX_HIDDEN_UNITS} units.")

    names = [activations] * len(mats) if isinstance(activations, str) else list(activations)
    if len(names) != len(mats):
        raise ConfigError(
            f"Give one activation for all layers or one per layer ({len(mats)}); got {len(names)}."
        )
    acts = tuple(get_activation(n) for n in names)
    if any(a.name == "softmax" for a in acts[:-1]):
        raise ConfigError("Softmax may only be the last (output) layer's activation.")
    loss_obj = loss_for_output(get_loss(loss), acts[-1])
    if acts[-1].name == "softmax":
        if loss_obj.output_activation != "softmax":
            raise ConfigError("A softmax output layer needs the cross-entropy loss.")
        if mats[-1].shape[1] < 2:
            raise ConfigError("A softmax output layer needs at least 2 units (one per class).")
    needed = loss_obj.output_activation
    if needed and acts[-1].name != needed:
        raise ConfigError(
            f"{loss_obj.label} loss needs a {needed} output layer (or softmax, for classes)."
        )

    bias_arrays = None
    if biases is not None:
        if not isinstance(biases, Sequence) or len(biases) != len(mats):
            raise ConfigError(f"biases must be null or a list of {len(mats)} vectors.")
        bias_arrays = []
        for i, (b, w) in enumerate(zip(biases, mats, strict=True), start=1):
            arr = np.atleast_1d(_as_matrix(b, f"Layer {i} biases"))
            if arr.shape != (w.shape[1],):
                raise ConfigError(
                    f"Layer {i} biases must have {w.shape[1]} values (one per unit); "
                    f"got shape {arr.shape}."
                )
            bias_arrays.append(arr)
    return tuple(mats), None if bias_arrays is None else tuple(bias_arrays), acts, loss_obj


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


# How far a class-target row's sum may be from 1 (rows typed as decimals, e.g. thirds).
TARGET_SUM_TOLERANCE = 1e-6


def check_class_targets(y: Array) -> None:
    """Targets of a softmax output: per record a distribution over the classes (one-hot,
    usually), each value in [0, 1] and each row summing to 1; ConfigError otherwise."""
    outside = (y < 0.0) | (y > 1.0)
    if outside.any():
        raise ConfigError(
            f"Cross-entropy targets must lie in [0, 1]; got {float(y[outside][0]):g}."
        )
    sums = y.sum(axis=-1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > TARGET_SUM_TOLERANCE)
    if bad.size:
        raise ConfigError(
            f"Softmax targets must sum to 1 in each record (one-hot: 1 for the class, 0 "
            f"elsewhere); record {int(bad[0]) + 1} sums to {float(sums[bad[0]]):g}."
        )


def check_learning_rate(learning_rate: object) -> float:
    """A finite learning rate in (0, MAX_LEARNING_RATE]; ConfigError otherwise."""
    try:
        lr = float(learning_rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError("The learning rate must be a number.") from None
    if not np.isfinite(lr) or lr <= 0:
        raise ConfigError(f"The learning rate must be a positive number; got {learning_rate}.")
    if lr > MAX_LEARNING_RATE:
        raise ConfigError(
            f"A learning rate of {lr:g} is too large; use at most {MAX_LEARNING_RATE:g}."
        )
    return lr


def check_regularization(rate: object, name: str = "l2") -> float:
    """A regularization rate λ in [0, MAX_REGULARIZATION] (`name` is "l1" or "l2", for the
    message); ConfigError otherwise."""
    if isinstance(rate, bool):
        raise ConfigError(f"{name} must be a number from 0 to {MAX_REGULARIZATION:g}.")
    try:
        value = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number from 0 to {MAX_REGULARIZATION:g}.") from None
    if not (np.isfinite(value) and 0.0 <= value <= MAX_REGULARIZATION):
        raise ConfigError(
            f"{name} must be a number from 0 to {MAX_REGULARIZATION:g}; got {value:g}."
        )
    return value
