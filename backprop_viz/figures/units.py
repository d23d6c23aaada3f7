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
    0 for tanh; ReLU and identity units (a regression's output too) get ±their layer's
    largest |value|."""
    if activation in ("sigmoid", "softmax") or (output and activation != "identity"):
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    finite = np.abs(values[np.isfinite(values)])
    peak = float(finite.max()) if finite.size else 1.0
    return -(peak or 1.0), peak or 1.0


def picture_rows(n_units: int, grid: int) -> list[int]:
    """The first row of each unit's picture in its layer's heatmap (pictures stacked from
    the top, UNIT_GAP empty rows apart)."""
    return [j * (grid + unit_gap(grid)) for j in range(n_units)]


def unit_gap(grid: int) -> int:
    """Empty rows (and columns) between two pictures."""
    return max(2, grid // 6)


def units_figure(
    axis: Array,
    layers: Sequence[Array],
    names: Sequence[Sequence[str]],
    ranges: Sequence[tuple[float, float]],
    titles: Sequence[str],
    title: str = "What every unit computes over the plane",
) -> dict[str, Any]:
    """One small picture per unit, for each layer in `layers` (arrays shaped (units, rows,
    columns) over `axis` × `axis`, x₂ along rows), coloured over that layer's `ranges`
    entry, named by `names` beside each picture and headed by `titles` per column.

    One heatmap trace per layer, its units' pictures stacked with empty (NaN) rows between
    them and centred like the network diagram's layers, all on one pair of axes: a redraw
    costs a few traces, not a subplot per unit. The axes count picture cells, the y axis
    downwards; each picture is flipped so that x₂ still grows upwards in it. Hover names
    the layer and unit and gives the value.
    """
    grid = len(axis)
    gap = unit_gap(grid)
    cell = grid + gap
    column = grid + 3 * gap  # layers further apart than units
    sizes = [int(values.shape[0]) for values in layers]
    rows = max(sizes)
    data: list[dict[str, Any]] = []
    labels: list[tuple[str, float, float, str]] = []  # (text, x, y, position)
    for c, (values, (low, high)) in enumerate(zip(layers, ranges, strict=True)):
        n = sizes[c]
        z = np.full((n * cell - gap, grid), np.nan, dtype=np.float32)
        unit = np.zeros(z.shape, dtype=np.uint8)
        for j, start in enumerate(picture_rows(n, grid)):
            z[start : start + grid] = values[j][::-1]  # row 0 is drawn on top
            unit[start : start + grid] = j + 1
        top = (rows - n) * cell / 2.0  # centre a short layer
        data.append(
            {
                "type": "heatmap",
                "z": typed_array(z, "float32"),
                "customdata": typed_array(unit, "uint8"),
                "x0": c * column,
                "dx": 1,
                "y0": top,
                "dy": 1,
                "zmin": low,
                "zmax": high,
                # The browser scales the image smoothly: far cheaper than "best"
                # (interpolated per pixel) when the pictures redraw live.
                "zsmooth": "fast",
                "colorscale": NODE_SCALE,
                "showscale": False,
                "hoverongaps": False,
                "name": titles[c],
                "hovertemplate": (
                    f"<b>{titles[c]}, unit %{{customdata}}</b><br>value %{{z:.4f}}<extra></extra>"
                ),
            }
        )
        labels.append((titles[c], c * column + (grid - 1) / 2, -0.5, "top center"))
        for j, start in enumerate(picture_rows(n, grid)):
            labels.append(
                (names[c][j], c * column - 0.5, top + start + (grid - 1) / 2, "middle left")
            )
    data.append(_labels(labels))
    width = (len(sizes) - 1) * column + grid
    height = rows * cell - gap
    layout = {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top"},
        "height": int(cell_px(rows) * rows + TOP_PX + BOTTOM_PX),
        "margin": {"l": 40, "r": 10, "t": TOP_PX, "b": BOTTOM_PX},
        "showlegend": False,
        "plot_bgcolor": "white",
        "dragmode": False,
        "xaxis": {"visible": False, "fixedrange": True, "range": [-0.5, width - 0.5]},
        "yaxis": {
            "visible": False,
            "fixedrange": True,
            "range": [height - 0.5, -0.5],  # downwards: the first unit on top
            "scaleanchor": "x",
            "constrain": "domain",
        },
        # Where the pictures lie in the plane (x₁ and x₂ from..to, cells per side). In a
        # list: Plotly compares a list's items under a data revision, a dict always differs.
        "meta": [{"plane": [float(axis[0]), float(axis[-1])], "grid": grid}],
    }
    return {"data": data, "layout": layout}


def _labels(labels: list[tuple[str, float, float, str]]) -> dict[str, Any]:
    """The layers' titles above their pictures and each unit's name left of its picture,
    as one text trace (Plotly measures every annotation on each redraw; a trace's text it
    only places)."""
    text, x, y, position = zip(*labels, strict=True)
    return {
        "type": "scatter",
        "mode": "text",
        "name": "labels",
        "x": list(x),
        "y": list(y),
        "text": list(text),
        "textposition": list(position),
        "textfont": {"size": 11, "color": "#444"},
        "hoverinfo": "skip",
        "cliponaxis": False,
    }
