"""Every unit's picture over the plane, for 2-D data: each hidden unit's activation and the
output ŷ as small heatmaps, laid out like the network (one column per layer, its units
stacked and centred as in the diagram), in the decision boundary's palette.

Numbers in, a Plotly figure dict out: the values come from `trainer.units.unit_outputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..limits import MAX_UNIT_PICTURES
from .style import NODE_SCALE, typed_array

Array = np.ndarray

UNIT_GRID = 24  # cells per side of one unit's picture
UNIT_GRID_COARSE = 16  # ... when there are more than MAX_UNIT_PICTURES pictures
CELL_PX = 62  # one picture's height, gaps included, in a tall layer...
LAYER_PX = 420  # ...and a short layer's pictures share this height, up to CELL_MAX_PX each
CELL_MAX_PX = 110
TOP_PX, BOTTOM_PX = 56, 10


def unit_grid_size(n_units: int) -> int:
    """Cells per side of each picture, for a network with `n_units` hidden and output units."""
    return UNIT_GRID if n_units <= MAX_UNIT_PICTURES else UNIT_GRID_COARSE


def cell_px(rows: int) -> int:
    """One picture's height (gaps included) when the tallest layer has `rows` units."""
    return max(CELL_PX, min(CELL_MAX_PX, LAYER_PX // max(rows, 1)))


def value_range(activation: str, values: Array, output: bool) -> tuple[float, float]:
    """The colour range of one layer's pictures, with its midpoint (white) at the
    activation's middle: 0.5 for a sigmoid (and the output, as in the decision boundary),
    0 for tanh; ReLU and identity hidden units get ±their layer's largest |value|."""
    if output or activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    finite = np.abs(values[np.isfinite(values)])
    peak = float(finite.max()) if finite.size else 1.0
    return -(peak or 1.0), peak or 1.0


def _cell_domains(sizes: Sequence[int]) -> list[list[tuple[list[float], list[float]]]]:
    """(x domain, y domain) of every unit's picture: a column per layer, units stacked from
    the top and centred vertically like the network diagram."""
    rows = max(sizes)
    cols = len(sizes)
    gap_x, gap_y = 0.35 / cols, 0.18 / rows
    width, height = 1.0 / cols, 1.0 / rows
    domains = []
    for c, n in enumerate(sizes):
        offset = (rows - n) / 2.0  # centre a short layer
        x0 = c * width + gap_x / 2
        column = []
        for j in range(n):
            top = 1.0 - (offset + j) * height
            column.append(([x0, x0 + width - gap_x], [top - height + gap_y, top]))
        domains.append(column)
    return domains


def units_figure(
    axis: Array,
    layers: Sequence[Array],
    names: Sequence[Sequence[str]],
    ranges: Sequence[tuple[float, float]],
    titles: Sequence[str],
    title: str = "What every unit computes over the plane",
) -> dict[str, Any]:
    """One small heatmap per unit, for each layer in `layers` (arrays shaped (units, rows,
    columns) over `axis` × `axis`), coloured over that layer's `ranges` entry, named by
    `names` in the hover and headed by `titles` per column."""
    sizes = [int(values.shape[0]) for values in layers]
    domains = _cell_domains(sizes)
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    annotations = []
    n = 0
    for c, (values, (low, high)) in enumerate(zip(layers, ranges, strict=True)):
        for j in range(sizes[c]):
            n += 1
            suffix = "" if n == 1 else str(n)
            xd, yd = domains[c][j]
            name = names[c][j]
            data.append(
                {
                    "type": "heatmap",
                    "x": typed_array(axis, "float32"),
                    "y": typed_array(axis, "float32"),
                    "z": typed_array(values[j], "float32"),
                    "zmin": low,
                    "zmax": high,
                    # The browser scales a small image smoothly: far cheaper than "best"
                    # (interpolated per pixel) when many pictures redraw live.
                    "zsmooth": "fast",
                    "colorscale": NODE_SCALE,
                    "showscale": False,
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "name": name,
                    "hovertemplate": (
                        f"<b>{name}</b><br>x₁ = %{{x:.2f}}, x₂ = %{{y:.2f}}<br>"
                        f"{name} = %{{z:.4f}}<extra></extra>"
                    ),
                }
            )
            hidden = {"visible": False, "fixedrange": True}
            layout[f"xaxis{suffix}"] = {**hidden, "domain": xd, "range": [axis[0], axis[-1]]}
            layout[f"yaxis{suffix}"] = {
                **hidden,
                "domain": yd,
                "range": [axis[0], axis[-1]],
                "scaleanchor": f"x{suffix}",
                "constrain": "domain",
            }
        x_mid = (domains[c][0][0][0] + domains[c][0][0][1]) / 2
        annotations.append(
            {
                "text": titles[c],
                "x": x_mid,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": "#444"},
            }
        )
    layout.update(
        {
            "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top"},
            "height": int(cell_px(max(sizes)) * max(sizes) + TOP_PX + BOTTOM_PX),
            "margin": {"l": 10, "r": 10, "t": TOP_PX, "b": BOTTOM_PX},
            "showlegend": False,
            "plot_bgcolor": "white",
            "dragmode": False,
            "annotations": annotations,
        }
    )
    return {"data": data, "layout": layout}
