"""A still diagram of a network's weights: edges coloured by sign and sized by magnitude."""

from __future__ import annotations

import numpy as np

from ..core.network import Network
from ..explain.notation import fmt, unit_name
from ..limits import MAX_STILL_LABELS
from .edges import edge_list, edge_trace_styles, edge_traces, node_positions


def weights_figure(network: Network, title: str = "", input_names: list[str] | None = None) -> dict:
    """A still diagram of a network's weights: edges coloured by sign, sized by magnitude."""
    sizes = network.sizes
    pos = node_positions(sizes)
    edges = edge_list(pos)
    data = [
        {"type": "scatter", "mode": "lines", "hoverinfo": "skip", **style, **edge}
        for style, edge in zip(
            edge_trace_styles(), edge_traces(network.weights, pos, edges), strict=True
        )
    ]
    labels = [
        unit_name(network.n_layers, layer, j) for layer, n in enumerate(sizes) for j in range(n)
    ]
    if input_names:
        labels[: sizes[0]] = list(input_names)
    nodes = np.vstack(pos)
    mid = np.array([(pos[layer][j] + pos[layer + 1][k]) / 2 for layer, j, k in edges])
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": nodes[:, 0].tolist(),
            "y": nodes[:, 1].tolist(),
            "text": labels,
            "textposition": "middle left",
            "marker": {"size": 22, "color": "#F7F7F7", "line": {"color": "#444", "width": 1.5}},
            "hoverinfo": "skip",
            "name": "units",
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text" if len(edges) <= MAX_STILL_LABELS else "markers",
            "x": mid[:, 0].tolist(),
            "y": mid[:, 1].tolist(),
            "text": [fmt(network.weights[layer][j, k], 3) for layer, j, k in edges],
            "textfont": {"size": 10, "color": "#333"},
            "marker": {"size": 8, "color": "rgba(0,0,0,0.08)"},
            "hovertext": [
                f"{labels[sum(sizes[:layer]) + j]} → {labels[sum(sizes[: layer + 1]) + k]}: "
                f"w = {network.weights[layer][j, k]:.10g}"
                for layer, j, k in edges
            ],
            "hoverinfo": "text",
            "name": "weights",
        }
    )
    tallest = max(sizes)
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "x": 0.01, "xanchor": "left"},
            "height": int(max(300, 70 * tallest + 120)),
            "margin": {"l": 70, "r": 20, "t": 50 if title else 20, "b": 20},
            "showlegend": False,
            "plot_bgcolor": "white",
            "dragmode": False,
            "xaxis": {"visible": False, "range": [-0.5, len(sizes) - 0.7], "fixedrange": True},
            "yaxis": {
                "visible": False,
                "range": [-(tallest - 1) / 2.0 - 0.5, (tallest - 1) / 2.0 + 0.5],
                "fixedrange": True,
            },
        },
    }
