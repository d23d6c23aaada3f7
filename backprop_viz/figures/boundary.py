"""The decision-boundary chart of a 2-D run: the network's output over the plane, one frame
per checkpoint, with the data points on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.network import Network, forward_pass
from ..limits import MAX_SHOWN_POINTS
from ..trainer import Checkpoint
from ..trainer.units import plane_half_width
from .style import NEGATIVE, NODE_SCALE, POSITIVE, epoch_controls, frame_name, typed_array

Array = np.ndarray

GRID = 60  # decision-boundary cells per side
# ŷ in [0, 1] is sent as a byte 0..200. Not 0..255: a run of saturated 255 bytes is "////"
# in base64, and Plotly's JSON escapes every "/" as six characters.
LEVELS = 200
HEIGHT, TOP, BOTTOM = 560, 90, 150  # px; the top holds the legend, the bottom the controls


def boundary_outputs(
    network: Network, checkpoints: Sequence[Checkpoint], grid_x: Array, grid_y: Array
) -> Array:
    """ŷ over the grid for every checkpoint: shape (checkpoints, len(grid_y), len(grid_x)).

    One forward pass with the checkpoints' parameters stacked on a leading axis, in single
    precision: the result is drawn at one byte per cell, and float32 halves the time.
    """
    gx, gy = np.meshgrid(grid_x, grid_y)
    points = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    ws = [
        np.stack([c.weights[i] for c in checkpoints]).astype(np.float32)
        for i in range(network.n_layers)
    ]
    bs = None
    if checkpoints[0].biases is not None:
        bs = [
            np.stack([c.biases[i] for c in checkpoints]).astype(np.float32)
            for i in range(network.n_layers)
        ]
    with np.errstate(over="ignore", invalid="ignore"):
        out = forward_pass(network.with_parameters(ws, bs), points).output[..., 0]
    return out.reshape(len(checkpoints), len(grid_y), len(grid_x))


def _quantize(values: Array) -> Array:
    # An identity output can leave [0, 1]; NaN (a diverged network) shows as the midpoint.
    clean = np.nan_to_num(values, nan=0.5, posinf=1.0, neginf=0.0)
    return np.round(np.clip(clean, 0.0, 1.0) * LEVELS).astype(np.uint8)


def _shown(X: Array, y: Array, most: int) -> tuple[Array, Array]:
    if len(y) <= most:
        return X, y
    keep = np.linspace(0, len(y) - 1, most).astype(int)  # evenly, deterministic
    return X[keep], y[keep]


def _heatmap(axis: Array, z: Array, smooth: str) -> dict[str, Any]:
    """The output ŷ over the plane, quantized to LEVELS, as a heatmap trace."""
    return {
        "type": "heatmap",
        "x": typed_array(axis),
        "y": typed_array(axis),
        "z": typed_array(z, "uint8"),
        "zmin": 0,
        "zmax": LEVELS,
        "zsmooth": smooth,
        "colorscale": NODE_SCALE,
        "colorbar": {
            "title": {"text": "ŷ"},
            "tickvals": [0, LEVELS / 2, LEVELS],
            "ticktext": ["0", "0.5", "1"],
            "len": 0.8,
        },
        "hoverinfo": "skip",
        "name": "ŷ",
    }


def _point_traces(
    X_train: Array, y_train: Array, X_test: Array, y_test: Array, most: int = MAX_SHOWN_POINTS
) -> list[dict[str, Any]]:
    """The data points by class and split: training as circles, test as diamonds."""
    traces = []
    for split, X, y, symbol in (
        ("training", X_train, y_train, "circle"),
        ("test", X_test, y_test, "diamond"),
    ):
        Xs, ys = _shown(X, y, most)
        for cls, colour in ((0, NEGATIVE), (1, POSITIVE)):
            pts = Xs[ys == cls]
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"class {cls} ({split})",
                    "x": typed_array(pts[:, 0]),
                    "y": typed_array(pts[:, 1]),
                    "marker": {
                        "color": colour,
                        "symbol": symbol,
                        "size": 7 if split == "training" else 9,
                        "line": {"color": "white" if split == "training" else "#222", "width": 1},
                    },
                    "hovertemplate": f"class {cls} ({split})<br>(%{{x:.2f}}, %{{y:.2f}})"
                    "<extra></extra>",
                }
            )
    return traces


def _layout(half: float, epochs: Sequence[int]) -> dict[str, Any]:
    """A square plot from -half to half on both axes, with play controls over `epochs`
    when there are several."""
    controls = epoch_controls(epochs, below_px=50, plot_px=HEIGHT - TOP - BOTTOM)
    return {
        "height": HEIGHT,
        "margin": {"l": 50, "r": 20, "t": TOP, "b": BOTTOM},
        "title": {
            "text": "Decision boundary: ŷ over the plane (white: ŷ = 0.5)",
            "x": 0.01,
            "xanchor": "left",
            "y": 0.98,
            "yanchor": "top",
        },
        "plot_bgcolor": "white",
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": 11},
        },
        "xaxis": {"title": {"text": "x₁"}, "range": [-half, half], "constrain": "domain"},
        "yaxis": {
            "title": {"text": "x₂"},
            "range": [-half, half],
            "scaleanchor": "x",
            "constrain": "domain",
        },
        **(controls if len(epochs) > 1 else {}),
    }


def boundary_figure(
    network: Network,
    checkpoints: Sequence[Checkpoint],
    X_train: Array,
    y_train: Array,
    X_test: Array,
    y_test: Array,
    grid: int = GRID,
    max_points: int = MAX_SHOWN_POINTS,
    discrete: bool = False,
    show_test: bool = True,
) -> dict[str, Any]:
    """The network's output ŷ over the plane as a heatmap, one frame per checkpoint, with
    the data points on top (training as circles, test as diamonds). With one checkpoint
    (live training) the figure is still: no frames, no controls. At most `max_points`
    points per split are drawn, evenly picked (every redraw moves each one's SVG).
    `discrete` colours each cell by the class predicted (ŷ > 0.5) rather than by ŷ;
    without `show_test` the test points are left out (the plane stays the same)."""
    half = plane_half_width(X_train, X_test)
    axis = np.linspace(-half, half, grid)
    out = boundary_outputs(network, checkpoints, axis, axis)
    if discrete:
        out = (out > 0.5).astype(np.float32)
    z = _quantize(out)
    epochs = [c.epochs for c in checkpoints]
    frames = [
        {
            "name": frame_name(k),
            "data": [{"type": "heatmap", "z": typed_array(z[i], "uint8")}],
            "traces": [0],
        }
        for i, k in enumerate(epochs)
    ]
    figure = {
        # Interpolated per pixel for a run's figure; live, the browser's cheaper scaling.
        "data": [
            _heatmap(axis, z[-1], "best" if len(epochs) > 1 else "fast"),
            *_point_traces(
                X_train,
                y_train,
                X_test if show_test else X_test[:0],
                y_test if show_test else y_test[:0],
                max_points,
            ),
        ],
        "layout": _layout(half, epochs),
    }
    if len(epochs) > 1:
        figure["frames"] = frames
    return figure
