"""The loss as a function of one parameter, the others fixed: the slope backprop computes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backprop import as_problem, gradients
from .errors import ConfigError
from .network import Network, forward

Array = np.ndarray


@dataclass(frozen=True)
class LossSlice:
    """E(p) on a grid around the parameter's value p0, and backprop's slope at p0."""

    name: str
    values: Array  # parameter values on the grid
    losses: Array  # E at each
    value: float  # p0
    loss: float  # E(p0)
    slope: float  # ∂E/∂p at p0, from backprop


def loss_slice(
    network: Network,
    inputs: object,
    targets: object,
    kind: str,
    layer: int,
    index: tuple[int, ...],
    span: float | None = None,
    points: int = 121,
) -> LossSlice:
    """Sweep one weight (kind "weight", index (j, k)) or bias (kind "bias", index (k,)) of
    weight layer `layer` (0-based) over p0 ± span; all points in one stacked forward pass."""
    params = network.weights if kind == "weight" else network.biases
    if params is None or not 0 <= layer < len(params):
        raise ConfigError(f"There is no {kind} layer {layer + 1}.")
    target = params[layer]
    try:
        p0 = float(target[index])
    except (IndexError, TypeError):
        raise ConfigError(f"There is no {kind} at {index} in layer {layer + 1}.") from None
    x, y = as_problem(network, inputs, targets)
    span = float(span) if span else max(1.0, 2.0 * abs(p0))
    grid = p0 + np.linspace(-span, span, points)
    stacked = np.repeat(target[None], points, axis=0)
    stacked[(slice(None), *index)] = grid
    ws = list(network.weights)
    bs = None if network.biases is None else list(network.biases)
    if kind == "weight":
        ws[layer] = stacked
    else:
        bs[layer] = stacked
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = forward(network, ws, bs, x)
        losses = network.loss.mean(y, fwd.output, fwd.weighted_sums[-1])
        base = network.forward(x)
        loss0 = float(network.loss.mean(y, base.output, base.weighted_sums[-1]))
    gw, gb = gradients(network, x, y)
    slope = float((gw if kind == "weight" else gb)[layer][index])
    letter = "W" if kind == "weight" else "b"
    return LossSlice(
        name=f"{letter}{layer + 1}[{','.join(map(str, index))}]",
        values=grid,
        losses=losses,
        value=p0,
        loss=loss0,
        slope=slope,
    )
