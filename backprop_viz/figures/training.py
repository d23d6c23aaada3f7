"""Figures of a training run: loss curves, accuracy, decision boundary, weights over epochs.

Pure functions from results to Plotly figure dicts. Numeric arrays are written as Plotly's
base64 typed arrays (`{"dtype", "bdata"}`), which take about half the room of decimal text,
and the decision boundary's outputs are quantized to one byte per grid cell. Only the loss
curves and the decision boundary have frames; both name their frames after the same
checkpoints ("epoch k"), so their sliders read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.network import Network, forward_pass
from ..explain.stages import unit_symbols
from ..trainer import Checkpoint, Dataset, Run, frame_checkpoints
from .style import NEGATIVE, NODE_SCALE, POSITIVE, TEST, TRAIN, play_controls, typed_array
from .weights import weights_figure

Array = np.ndarray

FRAME_MS = 100  # 60 frames play in about six seconds
MAX_CURVE_POINTS = 300  # drawn per curve; frame epochs are always among them
GRID = 60  # decision-boundary cells per side
MAX_SHOWN_POINTS = 1000  # data points drawn per split on the decision boundary
PER_PARAMETER_LINES = 24  # up to this many parameters, one named line each
# ŷ in [0, 1] is sent as a byte 0..200. Not 0..255: a run of saturated 255 bytes is "////"
# in base64, and Plotly's JSON escapes every "/" as six characters.
LEVELS = 200
MAX_LINE_POINTS = 120  # checkpoints drawn per weight line
# Okabe–Ito colours for lines that only need telling apart.
LINE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
DASHES = ("solid", "dot", "dash", "longdash", "dashdot")


def frame_name(epochs: int) -> str:
    """The name of the animation frame showing the state after `epochs` epochs."""
    return f"epoch {epochs}"


def _controls(frame_epochs: Sequence[int], below_px: float, plot_px: float) -> dict[str, Any]:
    controls = play_controls(
        [frame_name(k) for k in frame_epochs],
        [str(k) for k in frame_epochs],
        FRAME_MS,
        prefix="Epoch ",
    )
    # The figure opens on the trained state; Play starts again from the first frame.
    controls["sliders"][0]["active"] = len(frame_epochs) - 1
    # Below the x axis's ticks and title, not over them; the slider starts clear of the
    # buttons, so its "Epoch k" label does not run into them in a half-width chart.
    for part in (controls["updatemenus"][0], controls["sliders"][0]):
        part["y"] = -below_px / plot_px
    slider = controls["sliders"][0]
    slider.update(x=0.36, len=0.64)
    slider["currentvalue"]["xanchor"] = "right"
    return controls


def _curve_indices(n: int, frame_epochs: Sequence[int]) -> Array:
    """0-based history indices to draw: evenly spread, plus every frame's last epoch."""
    if n == 0:
        return np.zeros(0, dtype=int)
    spread = np.round(np.linspace(0, n - 1, min(n, MAX_CURVE_POINTS))).astype(int)
    ends = np.asarray([k - 1 for k in frame_epochs if 1 <= k <= n], dtype=int)
    return np.unique(np.concatenate([spread, ends]))


def _loss_range(*series: Array) -> list[float]:
    """A y range fitted to the curves: a loss falling from 0.269 to 0.253, as in the lesson,
    would look flat on an axis starting at 0."""
    values = np.concatenate([s[np.isfinite(s)] for s in series]) if series else np.zeros(0)
    if not values.size:
        return [0.0, 1.0]
    low, high = float(values.min()), float(values.max())
    pad = max(high - low, 1e-3 * max(abs(high), 1e-12)) * 0.08
    return [max(low - pad, 0.0) if low >= 0 else low - pad, high + pad]


def _lines(
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


def loss_figure(
    train_loss: Array,
    test_loss: Array,
    frame_epochs: Sequence[int],
    loss_label: str = "loss",
) -> dict[str, Any]:
    """Training and test loss per epoch, growing epoch by epoch over the frames.

    `frame_epochs` are completed-epoch counts (0 = before training), ascending; the figure
    shows the whole run, and Play replays it from the first frame.
    """
    n = int(train_loss.size)
    idx = _curve_indices(n, frame_epochs)
    x = idx + 1  # the loss after epoch idx + 1
    series = [("training", TRAIN, np.asarray(train_loss)[idx])]
    if test_loss.size:
        series.append(("test", TEST, np.asarray(test_loss)[idx]))
    data = _lines(series, x, "loss", ".6g")
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
    layout = {
        "height": 430,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 150},
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
        **_controls(frame_epochs, below_px=50, plot_px=430 - 40 - 150),
    }
    return {"data": data, "layout": layout, "frames": frames}


def accuracy_figure(train_accuracy: Array, test_accuracy: Array) -> dict[str, Any]:
    """Training and test accuracy per epoch (a still chart)."""
    n = int(train_accuracy.size)
    idx = _curve_indices(n, ())
    series = [("training", TRAIN, np.asarray(train_accuracy)[idx])]
    if test_accuracy.size:
        series.append(("test", TEST, np.asarray(test_accuracy)[idx]))
    data = _lines(series, idx + 1, "accuracy", ".3f")
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


def _shown(X: Array, y: Array) -> tuple[Array, Array]:
    if len(y) <= MAX_SHOWN_POINTS:
        return X, y
    keep = np.linspace(0, len(y) - 1, MAX_SHOWN_POINTS).astype(int)  # evenly, deterministic
    return X[keep], y[keep]


def boundary_figure(
    network: Network,
    checkpoints: Sequence[Checkpoint],
    X_train: Array,
    y_train: Array,
    X_test: Array,
    y_test: Array,
    grid: int = GRID,
) -> dict[str, Any]:
    """The network's output ŷ over the plane as a heatmap, one frame per checkpoint, with
    the data points on top (training as circles, test as diamonds)."""
    every = np.vstack([X_train, X_test]) if len(X_test) else X_train
    half = max(float(np.max(np.abs(every))), 1.0) + 0.15
    axis = np.linspace(-half, half, grid)
    z = _quantize(boundary_outputs(network, checkpoints, axis, axis))
    epochs = [c.epochs for c in checkpoints]
    data: list[dict[str, Any]] = [
        {
            "type": "heatmap",
            "x": typed_array(axis),
            "y": typed_array(axis),
            "z": typed_array(z[-1], "uint8"),
            "zmin": 0,
            "zmax": LEVELS,
            "zsmooth": "best",
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
    ]
    for split, X, y, symbol in (
        ("training", X_train, y_train, "circle"),
        ("test", X_test, y_test, "diamond"),
    ):
        Xs, ys = _shown(X, y)
        for cls, colour in ((0, NEGATIVE), (1, POSITIVE)):
            pts = Xs[ys == cls]
            data.append(
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
    frames = [
        {
            "name": frame_name(k),
            "data": [{"type": "heatmap", "z": typed_array(z[i], "uint8")}],
            "traces": [0],
        }
        for i, k in enumerate(epochs)
    ]
    layout = {
        "height": 560,
        "margin": {"l": 50, "r": 20, "t": 90, "b": 150},
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
        **_controls(epochs, below_px=50, plot_px=560 - 90 - 150),
    }
    return {"data": data, "layout": layout, "frames": frames}


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def parameter_names(network: Network, input_names: Sequence[str] | None = None) -> list[str]:
    """Names of every weight, then every bias, in the order of `parameter_matrix`."""
    sym = unit_symbols(network.n_layers)
    units = [
        [f"{sym[layer]}{_sub(j + 1)}" for j in range(n)] for layer, n in enumerate(network.sizes)
    ]
    if input_names:
        units[0] = list(input_names)
    names = [
        f"w({units[layer][j]} → {units[layer + 1][k]})"
        for layer, w in enumerate(network.weights)
        for j in range(w.shape[0])
        for k in range(w.shape[1])
    ]
    if network.biases is not None:
        names += [
            f"b({units[layer + 1][k]})"
            for layer, b in enumerate(network.biases)
            for k in range(b.size)
        ]
    return names


def parameter_matrix(checkpoints: Sequence[Checkpoint]) -> tuple[Array, list[int]]:
    """Every checkpoint's parameters as a row (weights layer by layer, then biases), and
    the layer of each column."""
    first = checkpoints[0]
    layers = [i for i, w in enumerate(first.weights) for _ in range(w.size)]
    if first.biases is not None:
        layers += [i for i, b in enumerate(first.biases) for _ in range(b.size)]
    rows = []
    for c in checkpoints:
        parts = [w.ravel() for w in c.weights]
        if c.biases is not None:
            parts += [b.ravel() for b in c.biases]
        rows.append(np.concatenate(parts))
    return np.vstack(rows), layers


def weights_history_figure(
    network: Network, checkpoints: Sequence[Checkpoint], input_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """Every weight (and bias) over the epochs: a named line each for small networks,
    one line per layer otherwise (its weights drawn as separate strokes). At most
    MAX_LINE_POINTS checkpoints are drawn, evenly spread, the first and last included."""
    if len(checkpoints) > MAX_LINE_POINTS:
        keep = np.unique(np.round(np.linspace(0, len(checkpoints) - 1, MAX_LINE_POINTS)))
        checkpoints = [checkpoints[int(i)] for i in keep]
    epochs = np.array([c.epochs for c in checkpoints], dtype=float)
    values, layers = parameter_matrix(checkpoints)
    names = parameter_names(network, input_names)
    n_weights = sum(w.size for w in network.weights)
    data: list[dict[str, Any]] = []
    if len(names) <= PER_PARAMETER_LINES:
        for col, name in enumerate(names):
            bias = col >= n_weights
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": typed_array(epochs, "int32"),
                    "y": typed_array(values[:, col], "float32"),
                    "line": {
                        "color": LINE_COLOURS[col % len(LINE_COLOURS)],
                        "width": 2,
                        "dash": "dot" if bias else DASHES[layers[col] % len(DASHES)],
                    },
                    "hovertemplate": f"{name}<br>epoch %{{x}}: %{{y:.6g}}<extra></extra>",
                }
            )
    else:
        kinds = [("weights", list(range(n_weights)))]
        if len(names) > n_weights:
            kinds.append(("biases", list(range(n_weights, len(names)))))
        for kind, cols in kinds:
            for layer in sorted({layers[c] for c in cols}):
                mine = [c for c in cols if layers[c] == layer]
                # Strokes separated by NaN: one trace holds many lines.
                ys = np.column_stack([values[:, mine].T, np.full(len(mine), np.nan)]).ravel()
                xs = np.tile(np.append(epochs, np.nan), len(mine))
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": f"layer {layer + 1} {kind} ({len(mine)})",
                        "x": typed_array(xs, "float32"),
                        "y": typed_array(ys, "float32"),
                        "line": {
                            "color": LINE_COLOURS[layer % len(LINE_COLOURS)],
                            "width": 1.2,
                            "dash": "dot" if kind == "biases" else "solid",
                        },
                        "opacity": 0.8,
                        "hovertemplate": f"layer {layer + 1} {kind[:-1]}<br>epoch %{{x}}: "
                        "%{y:.4g}<extra></extra>",
                    }
                )
    return {
        "data": data,
        "layout": {
            "height": 360,
            "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
            "title": {"text": "Weights over the epochs", "x": 0.01, "xanchor": "left"},
            "plot_bgcolor": "white",
            "xaxis": {"title": {"text": "epoch"}, "gridcolor": "#eee"},
            "yaxis": {"title": {"text": "value"}, "gridcolor": "#eee", "zerolinecolor": "#bbb"},
            "legend": {"font": {"size": 11}},
        },
    }


def training_figures(run: Run, data: Dataset) -> dict[str, dict[str, Any]]:
    """Every figure of the training view for a run: "loss", "accuracy", "weights",
    "network" and, for 2-D data, "boundary"."""
    frames = frame_checkpoints(run)
    epochs = [c.epochs for c in frames]
    figures = {
        "loss": loss_figure(
            run.loss_history, run.test_loss_history, epochs, run.network.loss.report_label
        ),
        "accuracy": accuracy_figure(run.accuracy_history, run.test_accuracy_history),
        "weights": weights_history_figure(run.network, run.checkpoints, data.feature_names),
        "network": weights_figure(
            run.network,
            f"The trained network after {run.epochs_run:,} epochs",
            list(data.feature_names),
        ),
    }
    # Room on the left for the input names (one-hot names such as "city_Lyon" are long).
    longest = max((len(n) for n in data.feature_names), default=0)
    margin = figures["network"]["layout"]["margin"]
    margin["l"] = max(margin.get("l", 0), 7 * longest + 30)
    if data.is_2d:
        figures["boundary"] = boundary_figure(
            run.network, frames, data.X_train, data.y_train, data.X_test, data.y_test
        )
    return figures
