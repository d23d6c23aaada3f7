"""What every unit of a network computes over the plane, for 2-D data: one forward pass over
a grid of points gives each hidden unit's and the output unit's activation at every point."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.network import Network, forward_pass
from ..data.features import DEFAULT_FEATURES, feature_matrix

Array = np.ndarray


def plane_half_width(*point_sets: Array) -> float:
    """Half the side of the square, centred on 0, that the pictures of 2-D data cover: the
    largest |coordinate| among the points (at least 1), plus a margin."""
    every = [np.abs(p).max() for p in point_sets if p.size]
    return max([1.0, *(float(v) for v in every)]) + 0.15


def grid_inputs(grid_x: Array, grid_y: Array, features: Sequence[str]) -> Array:
    """The network's inputs at every point of the grid `grid_x` × `grid_y` (x₁ along
    columns, x₂ along rows, row by row): the chosen features of each point."""
    gx, gy = np.meshgrid(grid_x, grid_y)
    return feature_matrix(np.column_stack([gx.ravel(), gy.ravel()]), features)


def unit_outputs(
    network: Network, axis: Array, features: Sequence[str] = DEFAULT_FEATURES
) -> list[Array]:
    """Each layer's activations over the grid `axis` × `axis` (x₁ along columns, x₂ along
    rows), for a network whose inputs are the chosen `features` of each point: per weight
    layer an array shaped (units, len(axis), len(axis)), the last layer's being ŷ."""
    if network.sizes[0] != len(features):
        raise ValueError("the network's inputs must be the chosen features of the plane")
    points = grid_inputs(axis, axis, features)
    with np.errstate(over="ignore", invalid="ignore"):
        outputs = forward_pass(network, points).outputs
    n = len(axis)
    # (points, units) -> (units, rows, columns): one picture per unit.
    return [a.T.reshape(a.shape[1], n, n) for a in outputs]
