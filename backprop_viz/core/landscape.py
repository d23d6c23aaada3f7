"""The loss as a function of one parameter, the others fixed: the slope backprop computes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .network import Network, gradients
from .params import ParamRef
from .sweep import sweep
from .validate import as_problem

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
    *,
    l1: float = 0.0,
    l2: float = 0.0,
) -> LossSlice:
    """Sweep one weight (kind "weight", index (j, k)) or bias (kind "bias", index (k,)) of
    weight layer `layer` (0-based) over p0 ± span; all points in one stacked forward pass.
    With `l1`/`l2`, the loss is the regularized one and so is its slope."""
    params = network.weights if kind == "weight" else network.biases
    if params is None or not 0 <= layer < len(params):
        raise ConfigError(f"There is no {kind} layer {layer + 1}.")
    try:
        p0 = float(params[layer][index])
    except (IndexError, TypeError):
        raise ConfigError(f"There is no {kind} at {index} in layer {layer + 1}.") from None
    ref = ParamRef(kind, layer, tuple(index))  # type: ignore[arg-type]
    x, y = as_problem(network, inputs, targets)
    span = float(span) if span else max(1.0, 2.0 * abs(p0))
    grid = p0 + np.linspace(-span, span, points)
    # The loss before a step, along the grid and at p0, in one batched pass (η unused).
    along = sweep(network, x, y, 1.0, ref, np.append(grid, p0), l1=l1, l2=l2).loss_before
    gw, gb = gradients(network, x, y)
    slope = float((gw if kind == "weight" else gb)[layer][index])
    if kind == "weight":  # the penalty's own slope (biases are not regularized)
        slope += l2 * p0 + l1 * float(np.sign(p0))
    return LossSlice(
        name=ref.name,
        values=grid,
        losses=along[:-1],
        value=p0,
        loss=float(along[-1]),
        slope=slope,
    )
