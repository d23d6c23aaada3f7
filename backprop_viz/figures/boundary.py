"""The decision-boundary chart of a 2-D run: the network's output over the plane, one frame
per checkpoint, with the data points on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.network import Network, forward_pass
from ..limits import MAX_SHOWN_POINTS
from ..trainer import Checkpoint
from ..trainer.units import DEFAULT_FEATURES, grid_inputs, plane_half_width
from .style import NEGATIVE, NODE_SCALE, POSITIVE, epoch_controls, frame_name, typed_array

Array = np.ndarray

GRID = 60  # decision-boundary cells per side
# ŷ in [0, 1] is sent as a byte 0..200. Not 0..255: a run of saturated 255 bytes is "////"
# in base64, and Plotly's JSON escapes every "/" as six characters.
LEVELS = 200
HEIGHT, TOP, BOTTOM = 560, 90, 150  # px; the top holds the legend, the bottom the controls
# Several classes: Okabe–Ito orange, sky blue and bluish green (told apart with any colour
# vision), the points in full colour over the plane in light tints of the same.
CLASS_COLOURS = ("#E69F00", "#56B4E9", "#009E73")
TINT = 0.55  # share of white in a class's tint


def tint(colour: str, white: float = TINT) -> str:
    """A hex colour mixed with `white` parts of white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + white * (255 - c)):02X}" for c in rgb)


def grid_outputs(
    network: Network,
    checkpoints: Sequence[Checkpoint],
    grid_x: Array,
    grid_y: Array,
    features: Sequence[str] = DEFAULT_FEATURES,
) -> Array:
    """Every output over the grid for every checkpoint, the grid's points mapped through
    the chosen input `features`: shape (checkpoints, len(grid_y), len(grid_x), outputs).

    One forward pass with the checkpoints' parameters stacked on a leading axis, in single
    precision: the result is drawn at one byte per cell, and float32 halves the time.
    """
    points = grid_inputs(grid_x, grid_y, features).astype(np.float32)
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
        out = forward_pass(network.with_parameters(ws, bs), points).output
    return out.reshape(len(checkpoints), len(grid_y), len(grid_x), out.shape[-1])


def boundary_outputs(
    network: Network,
    checkpoints: Sequence[Checkpoint],
    grid_x: Array,
    grid_y: Array,
    features: Sequence[str] = DEFAULT_FEATURES,
) -> Array:
    """ŷ (the first output) over the grid for every checkpoint: shape (checkpoints,
    len(grid_y), len(grid_x))."""
    return grid_outputs(network, checkpoints, grid_x, grid_y, features)[..., 0]


def predicted_classes(outputs: Array) -> Array:
    """The class a softmax output predicts at each cell: the argmax over the last axis."""
    return np.argmax(np.nan_to_num(outputs, nan=-np.inf), axis=-1).astype(np.uint8)


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


def _class_heatmap(axis: Array, z: Array, k: int) -> dict[str, Any]:
    """The class predicted over the plane (0..k−1 per cell) in the classes' tints."""
    scale = []
    for c in range(k):
        scale += [[c / k, tint(CLASS_COLOURS[c])], [(c + 1) / k, tint(CLASS_COLOURS[c])]]
    return {
        "type": "heatmap",
        "x": typed_array(axis),
        "y": typed_array(axis),
        "z": typed_array(z, "uint8"),
        "zmin": -0.5,
        "zmax": k - 0.5,
        "zsmooth": False,  # classes must not blend into colours of no class
        "colorscale": scale,
        "colorbar": {
            "title": {"text": "class"},
            "tickvals": list(range(k)),
            "ticktext": [str(c) for c in range(k)],
            "len": 0.8,
        },
        "hoverinfo": "skip",
        "name": "class predicted",
    }


def _value_heatmap(axis: Array, z: Array, peak: float, smooth: str) -> dict[str, Any]:
    """A regression's prediction ŷ over the plane, from −peak to peak (white: 0)."""
    trace = _heatmap(axis, z, smooth)
    trace["colorbar"]["ticktext"] = [f"{-peak:.3g}", "0", f"{peak:.3g}"]
    return trace


def _value_points(
    X_train: Array, y_train: Array, X_test: Array, y_test: Array, peak: float, most: int
) -> list[dict[str, Any]]:
    """Regression points coloured by their target on the heatmap's scale."""
    traces = []
    for split, X, y, symbol in (
        ("training", X_train, y_train, "circle"),
        ("test", X_test, y_test, "diamond"),
    ):
        Xs, ys = _shown(X, y, most)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"target ({split})",
                "x": typed_array(Xs[:, 0]),
                "y": typed_array(Xs[:, 1]),
                "customdata": typed_array(ys),
                "marker": {
                    "color": typed_array(ys),
                    "cmin": -peak,
                    "cmax": peak,
                    "colorscale": [[0.0, NEGATIVE], [0.5, "#F7F7F7"], [1.0, POSITIVE]],
                    "symbol": symbol,
                    "size": 7 if split == "training" else 9,
                    "line": {"color": "#444" if split == "training" else "#111", "width": 1},
                },
                "hovertemplate": f"target %{{customdata:.3f}} ({split})<br>"
                "(%{x:.2f}, %{y:.2f})<extra></extra>",
            }
        )
    return traces


def _point_traces(
    X_train: Array,
    y_train: Array,
    X_test: Array,
    y_test: Array,
    most: int = MAX_SHOWN_POINTS,
    colours: Sequence[str] = (NEGATIVE, POSITIVE),
) -> list[dict[str, Any]]:
    """The data points by class and split: training as circles, test as diamonds."""
    traces = []
    for split, X, y, symbol in (
        ("training", X_train, y_train, "circle"),
        ("test", X_test, y_test, "diamond"),
    ):
        Xs, ys = _shown(X, y, most)
        for cls, colour in enumerate(colours):
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


TITLES = {
    "binary": "Decision boundary: ŷ over the plane (white: ŷ = 0.5)",
    "classes": "Decision boundary: the class predicted (argmax ŷ)",
    "regression": "Prediction ŷ over the plane (white: ŷ = 0)",
}


def _layout(half: float, epochs: Sequence[int], task: str = "binary") -> dict[str, Any]:
    """A square plot from -half to half on both axes, with play controls over `epochs`
    when there are several."""
    controls = epoch_controls(epochs, below_px=50, plot_px=HEIGHT - TOP - BOTTOM)
    return {
        "height": HEIGHT,
        "margin": {"l": 50, "r": 20, "t": TOP, "b": BOTTOM},
        "title": {
            "text": TITLES[task],
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
    features: Sequence[str] = DEFAULT_FEATURES,
    task: str = "binary",
    peak: float = 1.0,
) -> dict[str, Any]:
    """The network's output ŷ over the plane as a heatmap, one frame per checkpoint, with
    the data points on top (training as circles, test as diamonds). With one checkpoint
    (live training) the figure is still: no frames, no controls. At most `max_points`
    points per split are drawn, evenly picked (every redraw moves each one's SVG).
    `discrete` colours each cell by the class predicted (ŷ > 0.5) rather than by ŷ;
    without `show_test` the test points are left out (the plane stays the same).

    X are the points in the plane; the grid goes through the network as the chosen input
    `features` of its points. `task` "classes": y are class numbers, the plane is coloured
    by the class predicted (argmax of the outputs); "regression": y are real targets, the
    plane shows ŷ from −`peak` to `peak`."""
    half = plane_half_width(X_train, X_test)
    axis = np.linspace(-half, half, grid)
    outputs = grid_outputs(network, checkpoints, axis, axis, features)
    if task == "classes":
        z = predicted_classes(outputs)
    elif task == "regression":
        z = _quantize((outputs[..., 0] + peak) / (2 * peak))
    else:
        out = outputs[..., 0]
        z = _quantize((out > 0.5).astype(np.float32) if discrete else out)
    epochs = [c.epochs for c in checkpoints]
    frames = [
        {
            "name": frame_name(k),
            "data": [{"type": "heatmap", "z": typed_array(z[i], "uint8")}],
            "traces": [0],
        }
        for i, k in enumerate(epochs)
    ]
    # Interpolated per pixel for a run's figure; live, the browser's cheaper scaling.
    smooth = "best" if len(epochs) > 1 else "fast"
    points = (
        X_train,
        y_train,
        X_test if show_test else X_test[:0],
        y_test if show_test else y_test[:0],
    )
    if task == "classes":
        k = outputs.shape[-1]
        traces = [
            _class_heatmap(axis, z[-1], k),
            *_point_traces(*points, max_points, colours=CLASS_COLOURS[:k]),
        ]
    elif task == "regression":
        traces = [
            _value_heatmap(axis, z[-1], peak, smooth),
            *_value_points(*points, peak, max_points),
        ]
    else:
        traces = [_heatmap(axis, z[-1], smooth), *_point_traces(*points, max_points)]
    figure = {"data": traces, "layout": _layout(half, epochs, task)}
    if len(epochs) > 1:
        figure["frames"] = frames
    return figure
