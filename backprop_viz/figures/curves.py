"""What the per-epoch line charts (loss, accuracy) share: which epochs they draw and how a
series is drawn as a line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..limits import MAX_CURVE_POINTS
from .style import typed_array

Array = np.ndarray


def curve_indices(n: int, frame_epochs: Sequence[int]) -> Array:
    """0-based history indices to draw: evenly spread, plus every frame's last epoch."""
    if n == 0:
        return np.zeros(0, dtype=int)
    spread = np.round(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS))).astype(int)
    ends = np.asarray([k - 1 for k in frame_epochs if 1 <= k <= n], dtype=int)
    return np.unique(np.concatenate([spread, ends]))


def epoch_lines(
    series: list[tuple[str, str, Array]], x: Array, quantity: str, y_format: str
) -> list[dict[str, Any]]:
    """One line per (name, colour, values) series over epochs `x`."""
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{name} {quantity}",
            "line": {"color": colour, "width": 2.5},
            "x": typed_array(x, "int32"),
            "y": typed_array(y),
            "hovertemplate": f"epoch %{{x}}<br>{name} {quantity} %{{y:{y_format}}}<extra></extra>",
        }
        for name, colour, y in series
    ]
