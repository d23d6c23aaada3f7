"""How a network diagram is laid out and its edges drawn: unit positions, the edge list, and
edges as a handful of line traces binned by sign and width (a line trace has one colour and
one width)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .style import NEGATIVE, NEUTRAL, POSITIVE

Array = np.ndarray
Edge = tuple[int, int, int]  # (weight layer, from unit, to unit)

WIDTHS = (1.5, 3.5, 7.0)  # line widths by |value| third of the largest
N_EDGE_TRACES = 1 + 2 * len(WIDTHS)  # not lit, then positive and negative by width


def node_positions(sizes: tuple[int, ...]) -> list[Array]:
    """(units, 2) x/y positions per unit layer: layers left to right, units centred."""
    return [
        np.column_stack([np.full(n, float(layer)), (n - 1) / 2.0 - np.arange(n, dtype=float)])
        for layer, n in enumerate(sizes)
    ]


def edge_list(pos: list[Array]) -> list[Edge]:
    """(weight layer, from unit, to unit) for every edge, in a fixed order."""
    return [
        (layer, j, k)
        for layer in range(len(pos) - 1)
        for j in range(len(pos[layer]))
        for k in range(len(pos[layer + 1]))
    ]


def segments(pos: list[Array], edges: list[Edge]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for layer, j, k in edges:
        (x0, y0), (x1, y1) = pos[layer][j], pos[layer + 1][k]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def edge_traces(
    edge_values: Sequence[Array | None], pos: list[Array], edges: list[Edge]
) -> list[dict]:
    """N_EDGE_TRACES line traces (x, y only): edges not lit (None), then lit edges positive
    and negative by width, the width by |value| in thirds of the largest."""
    vals = [
        None if edge_values[layer] is None else float(edge_values[layer][j, k])
        for layer, j, k in edges
    ]
    peak = max((abs(v) for v in vals if v is not None), default=0.0) or 1.0
    bins: list[list[Edge]] = [[] for _ in range(1 + 2 * len(WIDTHS))]
    for e, v in zip(edges, vals, strict=True):
        if v is None:
            bins[0].append(e)
            continue
        width = min(int(abs(v) / peak * len(WIDTHS)), len(WIDTHS) - 1)
        bins[1 + width + (len(WIDTHS) if v < 0 else 0)].append(e)
    traces = []
    for members in bins:
        xs, ys = segments(pos, members)
        traces.append({"x": xs, "y": ys})
    return traces


def edge_trace_styles() -> list[dict]:
    styles = [{"line": {"color": NEUTRAL, "width": 1.0}, "name": "inactive"}]
    for sign, colour in (("+", POSITIVE), ("−", NEGATIVE)):
        for w in WIDTHS:
            styles.append({"line": {"color": colour, "width": w}, "name": f"{sign} {w}"})
    return styles
