"""What every unit of a network computes over the plane, for 2-D data: one forward pass over
a grid of points gives each hidden unit's and the output unit's activation at every point."""

from __future__ import annotations

import numpy as np

from ..core.network import Network, forward_pass

Array = np.ndarray


def plane_half_width(*point_sets: Array) -> float:
    """Half the side of the square, centred on 0, that the pictures of 2-D data cover: the
    largest |coordinate| among the points (at least 1), plus a margin."""
    every = [np.abs(p).max() for p in point_sets if p.size]
    return max([1.0, *(float(v) for v in every)]) + 0.15


def unit_outputs(network: Network, axis: Array) -> list[Array]:
    """Each layer's activations over the grid `axis` × `axis` (x₁ along columns, x₂ along
    rows), for a network with two inputs: per weight layer an array shaped
    (units, len(axis), len(axis)), the last layer's being the output ŷ."""
    if network.sizes[0] != 2:
        raise ValueError("unit pictures over the plane need a network with two inputs")
    gx, gy = np.meshgrid(axis, axis)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(over="ignore", invalid="ignore"):
        outputs = forward_pass(network, points).outputs
    n = len(axis)
    # (points, units) -> (units, rows, columns): one picture per unit.
    return [a.T.reshape(a.shape[1], n, n) for a in outputs]
