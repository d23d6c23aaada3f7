"""One step evaluated along one control: the loss, ŷ and every Δw as functions of that control.

The swept values go on a leading axis of the parameters (or of the inputs, the targets or
η), so a sweep of any length is one batched forward pass, one backward pass and one forward
pass after the step: no loop over the values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .network import (
    Network,
    backward_pass,
    forward_pass,
    parameter_steps,
    penalty,
    regularized_steps,
)
from .params import ParamRef
from .validate import as_problem, check_learning_rate, check_regularization

Array = np.ndarray


@dataclass(frozen=True)
class Sweep:
    """The step at every value of one control (arrays lead with the values axis)."""

    ref: ParamRef
    values: Array  # (V,)
    loss_before: Array  # (V,) E averaged over records, before the step
    loss_after: Array  # (V,) the same E after the step
    output: Array  # (V, records, n_out) ŷ before the step
    weight_steps: tuple[Array, ...]  # per layer (V, in, out): Δw
    bias_steps: tuple[Array, ...] | None  # per layer (V, out): Δb (zeros when frozen)


def _stacked(array: Array, index: tuple, values: Array) -> Array:
    """`array` repeated along a new leading axis, with array[index] set to each value."""
    out = np.repeat(np.asarray(array, dtype=float)[None], len(values), axis=0)
    target = out[(slice(None), *index)]
    target[...] = values.reshape(-1, *([1] * (target.ndim - 1)))
    return out


def sweep(
    network: Network,
    inputs: object,
    targets: object,
    learning_rate: float,
    ref: ParamRef,
    values: object,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Sweep:
    """The step of `backprop.step` with the control `ref` set to each of `values` in turn.

    Agrees with `step()` at each value (to rounding), with the same regularization rates
    (the losses then include the penalty); values that overflow give inf or NaN entries
    rather than an error, so a curve can show where the step breaks down.
    """
    lr = check_learning_rate(learning_rate)
    l1, l2 = check_regularization(l1, "l1"), check_regularization(l2, "l2")
    x, y = as_problem(network, inputs, targets)
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0 or not np.all(np.isfinite(v)):
        raise ConfigError("A sweep needs at least one finite value.")
    count = v.size
    weights = list(network.weights)
    biases = None if network.biases is None else list(network.biases)
    rate = np.full((count, 1, 1), lr)
    try:
        if ref.kind == "weight":
            weights[ref.layer] = _stacked(weights[ref.layer], ref.index, v)
        elif ref.kind == "bias":
            if biases is None:
                raise ConfigError("This network has no biases.")
            biases[ref.layer] = _stacked(biases[ref.layer], ref.index, v)
        elif ref.kind == "input":
            x = _stacked(x, (slice(None), *ref.index), v)
            y = np.broadcast_to(y, (count, *y.shape))
        elif ref.kind == "target":
            y = _stacked(y, (slice(None), *ref.index), v)
            x = np.broadcast_to(x, (count, *x.shape))
        else:
            if np.any(v <= 0):
                raise ConfigError("A learning rate must be positive.")
            rate = v[:, None, None]  # broadcasts over each layer's (in, out) step
    except IndexError:
        raise ConfigError(f"{ref.name} is not part of this network.") from None

    if x.ndim == 2:  # the values axis leads every result, whatever the control
        x = np.broadcast_to(x, (count, *x.shape))
    bias_on = biases is not None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        stacked = network.with_parameters(weights, biases)
        fwd = forward_pass(stacked, x)
        bwd = backward_pass(stacked, fwd, y)
        # η = 1 gives the mean of δ·input; the rate multiplies it after (it may be stacked).
        dw, db = parameter_steps(fwd, bwd, 1.0, with_biases=bias_on)
        dw = [rate * d for d in regularized_steps(dw, weights, 1.0, l1, l2)]
        if bias_on:
            db = [rate[:, 0] * d for d in db]
            if not network.train_biases:
                db = [np.zeros_like(d) for d in db]
        new_w = [w + d for w, d in zip(weights, dw, strict=True)]
        new_b = [b + d for b, d in zip(biases, db, strict=True)] if bias_on else None
        after = forward_pass(network.with_parameters(new_w, new_b), x)
        loss = network.loss
        before_e = loss.mean(y, fwd.output, fwd.weighted_sums[-1])
        after_e = loss.mean(y, after.output, after.weighted_sums[-1])
        if l1 or l2:
            before_e = before_e + penalty(weights, l1, l2)
            after_e = after_e + penalty(new_w, l1, l2)
    return Sweep(
        ref=ref,
        values=v,
        loss_before=before_e,
        loss_after=after_e,
        output=fwd.output,
        weight_steps=tuple(dw),
        bias_steps=tuple(db) if bias_on else None,
    )
