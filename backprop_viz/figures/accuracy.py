"""The accuracy chart: training and test accuracy per epoch, a still chart."""

from __future__ import annotations

from typing import Any

import numpy as np

from .curves import curve_indices, epoch_lines
from .style import TEST, TRAIN

Array = np.ndarray


def accuracy_figure(train_accuracy: Array, test_accuracy: Array) -> dict[str, Any]:
    """Training and test accuracy per epoch (a still chart)."""
    n = int(train_accuracy.size)
    idx = curve_indices(n, ())
    series = [("training", TRAIN, np.asarray(train_accuracy)[idx])]
    if test_accuracy.size:
        series.append(("test", TEST, np.asarray(test_accuracy)[idx]))
    data = epoch_lines(series, idx + 1, "accuracy", ".3f")
    return {
        "data": data,
        "layout": {
            "height": 300,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
            "title": {"text": "Accuracy per epoch", "x": 0.01, "xanchor": "left"},
            "plot_bgcolor": "white",
            "hovermode": "x unified",
            # Inside, bottom right: a rising accuracy leaves that corner empty.
            "legend": {
                "x": 0.99,
                "xanchor": "right",
                "y": 0.03,
                "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.8)",
            },
            "xaxis": {"title": {"text": "epoch"}, "range": [0, max(n, 1)], "gridcolor": "#eee"},
            "yaxis": {
                "title": {"text": "accuracy"},
                "range": [0, 1.02],
                "gridcolor": "#eee",
                "tickformat": ".0%",
            },
        },
    }
