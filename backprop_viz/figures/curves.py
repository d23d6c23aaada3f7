"""What the per-epoch line charts (loss, accuracy) share: which epochs they draw and how a
series is drawn as a line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..limits import MAX_CURVE_POINTS
from .style import TEST, TRAIN, typed_array

Array = np.ndarray

# The live chart's colour key, in its title: a legend is measured on every redraw.
KEY = f" (<span style='color:{TRAIN}'>training</span>, <span style='color:{TEST}'>test</span>)"


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


def live_curves_figure(
    train_loss: Array,
    test_loss: Array,
    train_accuracy: Array,
    test_accuracy: Array,
    loss_label: str = "loss",
) -> dict[str, Any]:
    """Loss (top) and accuracy (bottom) per epoch in one still figure, for live training:
    one chart for the browser to draw on every update instead of two. Without accuracies
    (a regression's would mean nothing) the loss takes the whole chart."""
    n = int(train_loss.size)
    idx = curve_indices(n, ())
    x = idx + 1
    data = []
    for axis, quantity, fmt, pairs in (
        ("y", "loss", ".6g", (("training", TRAIN, train_loss), ("test", TEST, test_loss))),
        (
            "y2",
            "accuracy",
            ".3f",
            (("training", TRAIN, train_accuracy), ("test", TEST, test_accuracy)),
        ),
    ):
        series = [(name, colour, np.asarray(v)[idx]) for name, colour, v in pairs if v.size]
        for trace in epoch_lines(series, x, quantity, fmt):
            trace["yaxis"] = axis
            trace["showlegend"] = axis == "y"
            trace["legendgroup"] = trace["name"].split()[0]
            data.append(trace)
    for trace in data:
        if trace["showlegend"]:
            trace["name"] = trace["name"].split()[0]
    scored = bool(train_accuracy.size)
    figure = {
        "data": data,
        "layout": {
            "height": 430,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
            "title": {"text": "Loss and accuracy per epoch" + KEY, "x": 0.01, "xanchor": "left"},
            "plot_bgcolor": "white",
            "hovermode": "x unified",
            "legend": {"orientation": "h", "x": 0.99, "xanchor": "right", "y": 1.08},
            "xaxis": {"title": {"text": "epoch"}, "range": [0, max(n, 1)], "gridcolor": "#eee"},
            "yaxis": {"title": {"text": loss_label}, "domain": [0.55, 1.0], "gridcolor": "#eee"},
            "yaxis2": {
                "title": {"text": "accuracy"},
                "domain": [0.0, 0.45],
                "range": [0, 1.02],
                "tickformat": ".0%",
                "gridcolor": "#eee",
                "anchor": "x",
            },
        },
    }
    if not scored:
        layout = figure["layout"]
        del layout["yaxis2"]
        layout["yaxis"]["domain"] = [0.0, 1.0]
        layout["height"] = 320
        layout["title"]["text"] = "Loss per epoch" + KEY
    return figure
