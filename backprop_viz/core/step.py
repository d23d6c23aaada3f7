"""One training step (forward, backward, update) recorded layer by layer as a trace that a
page, a figure or a report can read.

Signs follow the lesson: an error term is δ = −∂E/∂h (h the weighted sum), so a weight
step is Δw = +η·δ·(input to that layer), averaged over the records of a batch. With L2 or
L1 regularization (rates λ₂, λ₁) the step descends E + (λ₂/2)·Σw² + λ₁·Σ|w| instead:
Δw = η·(mean of δ·input − λ₂·w − λ₁·sign(w)); the trace keeps the data's part beside it.
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
    updated,
)
from .validate import as_problem, check_class_targets, check_learning_rate, check_regularization

Array = np.ndarray


@dataclass(frozen=True)
class LayerTrace:
    """Everything one layer did in a step. Record-indexed arrays lead with the records axis."""

    input: Array  # (records, units in): the input to this layer
    weighted_sum: Array  # (records, units out): h = x·W (+ b)
    output: Array  # (records, units out): a = f(h)
    error: Array  # (records, units out): error at these units, before f′
    error_term: Array  # (records, units out): δ = error·f′(h)
    edge_error: Array  # (records, in, out): δ_k·w_jk, the error sent back along each edge
    weight_delta: Array  # (in, out): Δw = η·(mean δ·input − λ₂·w − λ₁·sign w), applied
    bias_delta: Array | None  # (out,): Δb = η·δ, averaged; zeros when biases are frozen
    new_weights: Array
    new_biases: Array | None
    data_weight_delta: Array | None = None  # η·mean δ·input alone; None: the same as Δw

    @property
    def data_delta(self) -> Array:
        """The data's part of Δw, η·(mean of δ·input), without the regularization's pull."""
        return self.weight_delta if self.data_weight_delta is None else self.data_weight_delta


@dataclass(frozen=True)
class StepTrace:
    """One forward pass, backward pass and update, layer by layer."""

    network: Network
    new_network: Network
    inputs: Array  # (records, n_in)
    targets: Array  # (records, n_out)
    learning_rate: float
    layers: tuple[LayerTrace, ...]
    loss_before: float  # E averaged over records (+ the penalty, if any), before the step
    loss_after: float  # the same with the new parameters
    l1: float = 0.0  # regularization rates λ₁, λ₂
    l2: float = 0.0
    data_loss_before: float | None = None  # E without the penalty; None: no penalty
    data_loss_after: float | None = None

    @property
    def regularized(self) -> bool:
        """Whether a penalty on the weights is part of the loss and the step."""
        return bool(self.l1 or self.l2)

    @property
    def output(self) -> Array:
        """ŷ before the step, (records, n_out)."""
        return self.layers[-1].output

    @property
    def error(self) -> Array:
        """The output error y − ŷ, (records, n_out)."""
        return self.targets - self.output


def step(
    network: Network,
    inputs: object,
    targets: object,
    learning_rate: float,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
) -> StepTrace:
    """One training step on the given record(s): forward, backward, update, with a trace.

    `inputs` is one record (n_in values) or several (records × n_in); `targets` likewise
    with n_out values. With several records the steps are averaged (a batch step). `l1` and
    `l2` (each in [0, 0.1]) regularize the weights, not the biases; at 0 every number is
    the unregularized step's, to the bit.
    """
    lr = check_learning_rate(learning_rate)
    l1, l2 = check_regularization(l1, "l1"), check_regularization(l2, "l2")
    x, y = as_problem(network, inputs, targets)
    if network.loss.categorical:
        check_class_targets(y)

    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward_pass(network, x)
        bwd = backward_pass(network, fwd, y)
        data_dw, db = parameter_steps(fwd, bwd, lr, with_biases=network.biases is not None)
        dw = regularized_steps(data_dw, network.weights, lr, l1, l2)
        if db is not None and not network.train_biases:
            db = [np.zeros_like(b) for b in db]  # frozen biases: reported as Δb = 0
        new_net = updated(network, dw, db)
        after = forward_pass(new_net, x)
        loss = network.loss
        before_e = float(loss.mean(y, fwd.output, fwd.weighted_sums[-1]))
        after_e = float(loss.mean(y, after.output, after.weighted_sums[-1]))
        data_before = data_after = None
        if l1 or l2:
            data_before, data_after = before_e, after_e
            before_e += float(penalty(network.weights, l1, l2))
            after_e += float(penalty(new_net.weights, l1, l2))
        sent_back = [
            bwd.error_terms[i][:, None, :] * w[None] for i, w in enumerate(network.weights)
        ]
    if not all(np.all(np.isfinite(a)) for a in (*new_net.weights, after.output)):
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
            edge_error=sent_back[i],
            weight_delta=dw[i],
            bias_delta=None if db is None else db[i],
            new_weights=new_net.weights[i],
            new_biases=None if new_net.biases is None else new_net.biases[i],
            data_weight_delta=data_dw[i] if (l1 or l2) else None,
        )
        for i in range(network.n_layers)
    )
    return StepTrace(
        network=network,
        new_network=new_net,
        inputs=x,
        targets=y,
        learning_rate=lr,
        layers=layers,
        loss_before=before_e,
        loss_after=after_e,
        l1=l1,
        l2=l2,
        data_loss_before=data_before,
        data_loss_after=data_after,
    )
