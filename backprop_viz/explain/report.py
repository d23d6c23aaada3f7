"""Plain-text reports of a step, in the form the lesson prints them."""

from __future__ import annotations

import numpy as np

from ..core.step import StepTrace
from .notation import layer_titles


def layer_names(n_layers: int) -> list[str]:
    """Names of the unit layers, inputs first: input, hidden (numbered if several), output."""
    return [f"{t} layer" for t in layer_titles(n_layers)]


def _shown(a: np.ndarray) -> str:
    # One output: a flat vector, as the lesson's `weights_hidden_output` is.
    return str(a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a)


def describe_step(trace: StepTrace, record: int = 0) -> str:
    """The lesson's two "Change in weights" blocks first, then forward values and the loss."""
    names = layer_names(trace.network.n_layers)
    lines = []
    for i in range(trace.network.n_layers - 1, -1, -1):
        lines.append(f"Change in weights for {names[i]} to {names[i + 1]}:")
        lines.append(_shown(trace.layers[i].weight_delta))
    frozen = "" if trace.network.train_biases else " (biases frozen: not trained)"
    for i, layer in enumerate(trace.layers):
        if layer.bias_delta is not None:
            lines.append(f"Change in biases of {names[i + 1]}: {layer.bias_delta}{frozen}")
    lines.append("")
    for i, layer in enumerate(trace.layers):
        lines.append(
            f"{names[i + 1]}: weighted sum {layer.weighted_sum[record]}, "
            f"output {layer.output[record]}"
        )
    lines.append(f"error y - y_hat: {trace.error[record]}")
    lines.append(f"loss before: {trace.loss_before!r}  after: {trace.loss_after!r}")
    return "\n".join(lines)
