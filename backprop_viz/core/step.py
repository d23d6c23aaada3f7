"""One training step (forward, backward, update) recorded layer by layer as a trace that a
page, a figure or a report can read.

Signs follow the lesson: an error term is δ = −∂E/∂h (h the weighted sum), so a weight
step is Δw = +η·δ·(input to that layer), averaged over the records of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .network import Network, backward_pass, forward_pass, parameter_steps, updated
from .validate import as_problem, check_learning_rate

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


def step(network: Network, inputs: object, targets: object, learning_rate: float) -> StepTrace:
    """One training step on the given record(s): forward, backward, update, with a trace.

    `inputs` is one record (n_in values) or several (records × n_in); `targets` likewise
    with n_out values. With several records the steps are averaged (a batch step).
    """
    lr = check_learning_rate(learning_rate)
    x, y = as_problem(network, inputs, targets)

    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward_pass(network, x)
        bwd = backward_pass(network, fwd, y)
        dw, db = parameter_steps(fwd, bwd, lr, with_biases=network.biases is not None)
        if db is not None and not network.train_biases:
            db = [np.zeros_like(b) for b in db]  # frozen biases: reported as Δb = 0
        new_net = updated(network, dw, db)
        after = forward_pass(new_net, x)
        loss = network.loss
        before_e = float(loss.mean(y, fwd.output, fwd.weighted_sums[-1]))
        after_e = float(loss.mean(y, after.output, after.weighted_sums[-1]))
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
    )
