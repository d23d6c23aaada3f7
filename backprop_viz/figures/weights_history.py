"""The weights chart of a run: every weight (and bias) over the epochs, from its checkpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.network import Network
from ..explain.stages import unit_symbols
from ..limits import MAX_LINE_POINTS
from ..trainer import Checkpoint
from .style import typed_array

Array = np.ndarray

PER_PARAMETER_LINES = 24  # up to this many parameters, one named line each
# Okabe–Ito colours for lines that only need telling apart.
LINE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
DASHES = ("solid", "dot", "dash", "longdash", "dashdot")


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


def _named_lines(
    epochs: Array, values: Array, layers: list[int], names: list[str], n_weights: int
) -> list[dict[str, Any]]:
    """One named line per parameter: a colour each, dashes by layer, biases dotted."""
    lines = []
    for col, name in enumerate(names):
        bias = col >= n_weights
        lines.append(
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
    return lines


def _layer_lines(
    epochs: Array, values: Array, layers: list[int], n_names: int, n_weights: int
) -> list[dict[str, Any]]:
    """One line per layer's weights (and biases), its parameters drawn as separate strokes."""
    kinds = [("weights", list(range(n_weights)))]
    if n_names > n_weights:
        kinds.append(("biases", list(range(n_weights, n_names))))
    lines = []
    for kind, cols in kinds:
        for layer in sorted({layers[c] for c in cols}):
            mine = [c for c in cols if layers[c] == layer]
            # Strokes separated by NaN: one trace holds many lines.
            ys = np.column_stack([values[:, mine].T, np.full(len(mine), np.nan)]).ravel()
            xs = np.tile(np.append(epochs, np.nan), len(mine))
            lines.append(
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
    return lines


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
    if len(names) <= PER_PARAMETER_LINES:
        data = _named_lines(epochs, values, layers, names, n_weights)
    else:
        data = _layer_lines(epochs, values, layers, len(names), n_weights)
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
