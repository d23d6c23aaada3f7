"""The loss curves chart: training and test loss per epoch, replayed frame by frame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .curves import curve_indices, epoch_lines
from .style import TEST, TRAIN, epoch_controls, frame_name, typed_array

Array = np.ndarray

HEIGHT, TOP, BOTTOM = 430, 40, 150  # px; the bottom margin holds the play controls


def _loss_range(*series: Array) -> list[float]:
    """A y range fitted to the curves: a loss falling from 0.269 to 0.253, as in the lesson,
    would look flat on an axis starting at 0."""
    values = np.concatenate([s[np.isfinite(s)] for s in series]) if series else np.zeros(0)
    if not values.size:
        return [0.0, 1.0]
    low, high = float(values.min()), float(values.max())
    pad = max(high - low, 1e-3 * max(abs(high), 1e-12)) * 0.08
    return [max(low - pad, 0.0) if low >= 0 else low - pad, high + pad]


def _frames(
    series: list[tuple[str, str, Array]], x: Array, frame_epochs: Sequence[int]
) -> list[dict[str, Any]]:
    """One frame per epoch count: each curve up to that epoch."""
    frames = []
    for k in frame_epochs:
        m = int(np.searchsorted(x, k, side="right"))
        # Only y: a trace draws min(len(x), len(y)) points, so the full x can stay.
        frames.append(
            {
                "name": frame_name(k),
                "data": [
                    {"type": "scatter", "y": typed_array(y[:m], "float32")} for _, _, y in series
                ],
                "traces": list(range(len(series))),
            }
        )
    return frames


def loss_figure(
    train_loss: Array,
    test_loss: Array,
    frame_epochs: Sequence[int],
    loss_label: str = "loss",
) -> dict[str, Any]:
    """Training and test loss per epoch, growing epoch by epoch over the frames.

    `frame_epochs` are completed-epoch counts (0 = before training), ascending; the figure
    shows the whole run, and Play replays it from the first frame. Without frame epochs
    (live training) the figure is still: no frames, no controls, the same plot area.
    """
    n = int(train_loss.size)
    idx = curve_indices(n, frame_epochs)
    x = idx + 1  # the loss after epoch idx + 1
    series = [("training", TRAIN, np.asarray(train_loss)[idx])]
    if test_loss.size:
        series.append(("test", TEST, np.asarray(test_loss)[idx]))
    layout = {
        "height": HEIGHT,
        "margin": {"l": 60, "r": 20, "t": TOP, "b": BOTTOM},
        "title": {"text": "Loss per epoch", "x": 0.01, "xanchor": "left"},
        "plot_bgcolor": "white",
        "hovermode": "x unified",
        # Inside, top right: a falling loss leaves that corner empty, and above the plot
        # the legend would sit under Plotly's tool bar.
        "legend": {
            "x": 0.99,
            "xanchor": "right",
            "y": 0.99,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
        "xaxis": {
            "title": {"text": "epoch"},
            "range": [0, max(n, 1)],
            "gridcolor": "#eee",
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": loss_label},
            "range": _loss_range(*(s[2] for s in series)),
            "gridcolor": "#eee",
        },
    }
    figure = {"data": epoch_lines(series, x, "loss", ".6g"), "layout": layout}
    if frame_epochs:
        layout.update(epoch_controls(frame_epochs, below_px=50, plot_px=HEIGHT - TOP - BOTTOM))
        figure["frames"] = _frames(series, x, frame_epochs)
    return figure
