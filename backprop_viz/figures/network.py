"""The network diagram of one step, animated stage by stage: stages in, Plotly figure dict out.

A handful of traces whatever the network's size: edges are drawn as None-separated lines
binned by sign and width (a line trace has one colour and one width), labels and hover
markers sit on the edges, and units are one marker trace. Frames update only what changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backprop import StepTrace
from ..network import Network
from ..notation import fmt, layer_titles, param_symbol, sub, unit_symbols
from ..params import ParamRef
from ..stages import Stage, build_stages
from .style import HIGHLIGHT, NEGATIVE, NEUTRAL, NODE_SCALE, POSITIVE, play_controls

Array = np.ndarray

WIDTHS = (1.5, 3.5, 7.0)  # line widths by |value| third of the frame's maximum
N_EDGE_TRACES = 1 + 2 * len(WIDTHS)  # inactive, then positive and negative by width
# Trace order of the diagram: edge lines, edge labels, units (these change per frame),
# then unit names and edge hover targets (static).
LABELS, UNITS, NAMES, HOVER = range(N_EDGE_TRACES, N_EDGE_TRACES + 4)
LABEL_AT = 0.3  # edge labels sit this far along each edge from its source
MAX_EDGE_LABELS = 24  # beyond this many edges, values are in the hover only
MAX_STILL_LABELS = 10  # the still diagram labels fewer: its edges cross more


def node_positions(sizes: tuple[int, ...]) -> list[Array]:
    """(units, 2) x/y positions per unit layer: layers left to right, units centred."""
    return [
        np.column_stack([np.full(n, float(layer)), (n - 1) / 2.0 - np.arange(n, dtype=float)])
        for layer, n in enumerate(sizes)
    ]


def _edges(pos: list[Array]) -> list[tuple[int, int, int]]:
    """(weight layer, from unit, to unit) for every edge, in a fixed order."""
    return [
        (layer, j, k)
        for layer in range(len(pos) - 1)
        for j in range(len(pos[layer]))
        for k in range(len(pos[layer + 1]))
    ]


def _segments(pos: list[Array], edges: list[tuple[int, int, int]]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for layer, j, k in edges:
        (x0, y0), (x1, y1) = pos[layer][j], pos[layer + 1][k]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _edge_traces(stage: Stage, pos: list[Array], edges: list[tuple[int, int, int]]) -> list[dict]:
    """N_EDGE_TRACES line traces: inactive edges, then positive and negative by width."""
    vals = [
        None if stage.edge_values[layer] is None else float(stage.edge_values[layer][j, k])
        for layer, j, k in edges
    ]
    peak = max((abs(v) for v in vals if v is not None), default=0.0) or 1.0
    bins: list[list[tuple[int, int, int]]] = [[] for _ in range(1 + 2 * len(WIDTHS))]
    for e, v in zip(edges, vals, strict=True):
        if v is None:
            bins[0].append(e)
            continue
        width = min(int(abs(v) / peak * len(WIDTHS)), len(WIDTHS) - 1)
        bins[1 + width + (len(WIDTHS) if v < 0 else 0)].append(e)
    traces = []
    for members in bins:
        xs, ys = _segments(pos, members)
        traces.append({"x": xs, "y": ys})
    return traces


def _edge_trace_styles() -> list[dict]:
    styles = [{"line": {"color": NEUTRAL, "width": 1.0}, "name": "inactive"}]
    for sign, colour in (("+", POSITIVE), ("−", NEGATIVE)):
        for w in WIDTHS:
            styles.append({"line": {"color": colour, "width": w}, "name": f"{sign} {w}"})
    return styles


def _label_text(stage: Stage, edges: list[tuple[int, int, int]], show: bool) -> list[str]:
    if not show:
        return [""] * len(edges)
    return [
        "" if stage.edge_values[layer] is None else fmt(stage.edge_values[layer][j, k], 3)
        for layer, j, k in edges
    ]


def _node_colours(stage: Stage) -> list[float]:
    """Unit colours in [−1, 1]: the stage's values over the stage's own largest |value|, so
    small error terms show as clearly as activations. Units not reached yet get 0."""
    peak = (
        max(
            (float(np.max(np.abs(v))) for v in stage.node_values if v is not None and v.size),
            default=0.0,
        )
        or 1.0
    )
    out: list[float] = []
    for values, labels in zip(stage.node_values, stage.node_text, strict=True):
        out += [0.0] * len(labels) if values is None else [float(v) / peak for v in values]
    return out


def _edge_hover(trace: StepTrace, edges: list[tuple[int, int, int]], record: int) -> list[str]:
    net = trace.network
    names = unit_symbols(net.n_layers)
    out = []
    for layer, j, k in edges:
        lt = trace.layers[layer]
        w = net.weights[layer][j, k]
        src = f"{names[layer]}{sub(j + 1)}"
        dst = f"{names[layer + 1]}{sub(k + 1)}"
        label = param_symbol(ParamRef("weight", layer, (j, k)), net.n_layers)
        out.append(
            f"<b>{label}: {src} → {dst}</b> (click for its chain rule)<br>"
            f"w = {w:.10g}<br>"
            f"w·{names[layer]} = {lt.input[record, j] * w:.10g}<br>"
            f"δ·w = {lt.edge_error[record, j, k]:.10g}<br>"
            f"Δw = η·δ·{names[layer]} = {lt.weight_delta[j, k]:.10g}<br>"
            f"new w = {lt.new_weights[j, k]:.10g}"
        )
    return out


def _node_hover(trace: StepTrace, record: int) -> list[str]:
    net = trace.network
    names = unit_symbols(net.n_layers)
    out = [f"<b>{names[0]}{sub(j + 1)}</b> = {v:.10g}" for j, v in enumerate(trace.inputs[record])]
    for layer, lt in enumerate(trace.layers):
        for k in range(lt.output.shape[1]):
            lines = [
                f"<b>{names[layer + 1]}{sub(k + 1)}</b>",
                f"h = {lt.weighted_sum[record, k]:.10g}",
                f"a = f(h) = {lt.output[record, k]:.10g}",
            ]
            if net.biases is not None:
                lines.append(f"b = {net.biases[layer][k]:.10g}")
            if layer == net.n_layers - 1:
                lines.append(f"y = {trace.targets[record, k]:.10g}")
            lines += [f"error = {lt.error[record, k]:.10g}", f"δ = {lt.error_term[record, k]:.10g}"]
            out.append("<br>".join(lines))
    return out


def _title(stage: Stage, index: int, count: int) -> dict:
    return {
        "text": f"<b>{index + 1}/{count} · {stage.title}</b><br><span style='font-size:13px'>"
        f"{stage.caption}</span>",
        "x": 0.01,
        "xanchor": "left",
        "font": {"size": 15},
    }


def network_figure(trace: StepTrace, record: int = 0, frame_ms: int = 1400) -> dict[str, Any]:
    """The animated diagram of one step (about a dozen frames, a dozen traces)."""
    net = trace.network
    stages = build_stages(trace, record)
    sizes = net.sizes
    pos = node_positions(sizes)
    edges = _edges(pos)
    show_labels = len(edges) <= MAX_EDGE_LABELS
    mids = np.array(
        [pos[layer][j] + LABEL_AT * (pos[layer + 1][k] - pos[layer][j]) for layer, j, k in edges]
    )
    all_nodes = np.vstack(pos)
    names = unit_symbols(net.n_layers)
    node_names = [f"{names[layer]}{sub(j + 1)}" for layer, n in enumerate(sizes) for j in range(n)]

    def variable(stage: Stage) -> list[dict]:
        """Every property that changes between frames, trace by trace."""
        return [
            *_edge_traces(stage, pos, edges),
            {"text": _label_text(stage, edges, show_labels)},
            {
                "marker": {"color": _node_colours(stage)},
                "text": [t for layer in stage.node_text for t in layer],
            },
        ]

    first = variable(stages[-1])  # the figure rests on the whole step; see `diagram_at`
    data: list[dict] = []
    for style, edge in zip(_edge_trace_styles(), first[:N_EDGE_TRACES], strict=True):
        data.append({"type": "scatter", "mode": "lines", "hoverinfo": "skip", **style, **edge})
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": mids[:, 0].tolist(),
            "y": mids[:, 1].tolist(),
            "textfont": {"size": 11, "color": "#222", "shadow": "auto"},
            "hoverinfo": "skip",
            "name": "edge values",
            **first[LABELS],
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": all_nodes[:, 0].tolist(),
            "y": all_nodes[:, 1].tolist(),
            "textposition": "top center",
            "textfont": {"size": 12, "color": "#111"},
            "hovertext": _node_hover(trace, record),
            "hoverinfo": "text",
            "name": "units",
            **{k: v for k, v in first[UNITS].items() if k != "marker"},
            "marker": {
                "size": 34,
                "color": first[UNITS]["marker"]["color"],
                "colorscale": NODE_SCALE,
                "cmin": -1.0,
                "cmax": 1.0,
                "line": {"color": "#444", "width": 1.5},
            },
        }
    )
    # Static: unit names inside the markers, and hover targets on the edges.
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": all_nodes[:, 0].tolist(),
            "y": all_nodes[:, 1].tolist(),
            "text": node_names,
            "textfont": {"size": 12, "color": "#000"},
            "hoverinfo": "skip",
            "name": "names",
        }
    )
    edge_mid = np.array([(pos[layer][j] + pos[layer + 1][k]) / 2 for layer, j, k in edges])
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": edge_mid[:, 0].tolist(),
            "y": edge_mid[:, 1].tolist(),
            "marker": {"size": 9, "color": "rgba(0,0,0,0.08)"},
            "hovertext": _edge_hover(trace, edges, record),
            "hoverinfo": "text",
            "name": "edges",
        }
    )

    count = len(stages)
    frames = [
        {
            "name": s.key,
            "data": variable(s),
            "traces": list(range(NAMES)),
            "layout": {"title": _title(s, i, count)},
        }
        for i, s in enumerate(stages)
    ]
    tallest = max(sizes)
    titles = layer_titles(net.n_layers)
    layer_labels = [
        {
            "x": float(layer),
            "y": (tallest - 1) / 2.0 + 0.75,
            "text": f"<b>{titles[layer]}</b>",
            "showarrow": False,
            "font": {"size": 12, "color": "#555"},
        }
        for layer in range(len(sizes))
    ]
    layout = {
        "title": _title(stages[-1], count - 1, count),
        "height": int(max(430, 110 * tallest + 150)),
        "margin": {"l": 20, "r": 20, "t": 90, "b": 50},
        "showlegend": False,
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "dragmode": False,
        "xaxis": {
            "visible": False,
            "range": [-0.35, len(sizes) - 1 + 0.35],
            "fixedrange": True,
        },
        "yaxis": {
            "visible": False,
            "range": [-(tallest - 1) / 2.0 - 0.6, (tallest - 1) / 2.0 + 1.0],
            "fixedrange": True,
        },
        "annotations": layer_labels,
        # For `diagram_at` and `clicked_parameter`; Plotly ignores it.
        "meta": {"sizes": list(sizes), "biases": net.biases is not None},
        **play_controls(
            [s.key for s in stages], [str(i + 1) for i in range(count)], frame_ms, slider=False
        ),
    }
    return {"data": data, "layout": layout, "frames": frames}


def stage_keys(figure: dict[str, Any]) -> list[str]:
    """The diagram's stages, in order (the names of its frames)."""
    return [f["name"] for f in figure["frames"]]


def diagram_at(
    figure: dict[str, Any], stage: str, highlight: ParamRef | None = None
) -> dict[str, Any]:
    """The diagram resting on `stage` (its frame's traces and title), optionally with one
    weight's edge (or one bias's unit) ringed. A shallow copy: `figure` is not changed."""
    frame = next((f for f in figure["frames"] if f["name"] == stage), figure["frames"][-1])
    data = list(figure["data"])
    for index, update in zip(frame["traces"], frame["data"], strict=True):
        merged = {**data[index], **update}
        if "marker" in update:
            merged["marker"] = {**data[index].get("marker", {}), **update["marker"]}
        data[index] = merged
    layout = {**figure["layout"], "title": frame["layout"]["title"]}
    if highlight is not None:
        layout["shapes"] = [_ring(figure, highlight)]
    return {"data": data, "layout": layout, "frames": figure["frames"]}


def _ring(figure: dict[str, Any], ref: ParamRef) -> dict[str, Any]:
    """A wide translucent band under one edge, or a circle around one unit (a bias)."""
    sizes = figure["layout"]["meta"]["sizes"]
    pos = node_positions(tuple(sizes))
    style = {"layer": "below", "line": {"color": HIGHLIGHT, "width": 14}}
    if ref.kind == "weight":
        (x0, y0), (x1, y1) = pos[ref.layer][ref.index[0]], pos[ref.layer + 1][ref.index[1]]
        return {"type": "line", "x0": x0, "y0": y0, "x1": x1, "y1": y1, **style}
    x, y = pos[ref.layer + 1][ref.index[0]]
    r = 0.16
    return {"type": "circle", "x0": x - r, "y0": y - r, "x1": x + r, "y1": y + r, **style}


def clicked_parameter(figure: dict[str, Any], points: list[dict[str, Any]]) -> ParamRef | None:
    """The weight whose edge marker, or the bias whose unit, was clicked (None otherwise)."""
    sizes = tuple(figure["layout"]["meta"]["sizes"])
    has_biases = figure["layout"]["meta"]["biases"]
    for point in points:
        curve, index = point.get("curve_number"), point.get("point_index")
        if not isinstance(index, int):
            continue
        if curve == HOVER:
            edges = _edges(node_positions(sizes))
            if 0 <= index < len(edges):
                layer, j, k = edges[index]
                return ParamRef("weight", layer, (j, k))
        if curve == UNITS and has_biases and index >= sizes[0]:
            layer, unit = 0, index - sizes[0]
            while unit >= sizes[layer + 1]:
                unit -= sizes[layer + 1]
                layer += 1
            return ParamRef("bias", layer, (unit,))
    return None


def weights_figure(network: Network, title: str = "", input_names: list[str] | None = None) -> dict:
    """A still diagram of a network's weights: edges coloured by sign, sized by magnitude."""
    sizes = network.sizes
    pos = node_positions(sizes)
    edges = _edges(pos)
    stage = Stage(
        key="weights",
        title=title,
        caption="",
        latex="",
        node_text=tuple(("",) * n for n in sizes),
        node_values=(None,) * len(sizes),
        edge_values=tuple(network.weights),
        edge_quantity="w",
    )
    data = [
        {"type": "scatter", "mode": "lines", "hoverinfo": "skip", **style, **edge}
        for style, edge in zip(_edge_trace_styles(), _edge_traces(stage, pos, edges), strict=True)
    ]
    names = unit_symbols(network.n_layers)
    labels = [f"{names[layer]}{sub(j + 1)}" for layer, n in enumerate(sizes) for j in range(n)]
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
