"""The network diagram of one step, animated stage by stage: stages in, Plotly figure dict out.

A handful of traces whatever the network's size: edges are drawn as None-separated lines
binned by sign and width (a line trace has one colour and one width), labels and hover
markers sit on the edges, and units are one marker trace. Frames update only what changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.params import ParamRef
from ..core.step import StepTrace
from ..explain.chain import gradient_sizes
from ..explain.notation import fmt, layer_titles, param_symbol, unit_name, unit_symbols
from ..explain.stages import Stage, build_stages
from ..limits import MAX_EDGE_LABELS
from .edges import (
    N_EDGE_TRACES,
    Edge,
    edge_list,
    edge_trace_styles,
    edge_traces,
    node_positions,
)
from .style import GRADIENT_BAR, HIGHLIGHT, NODE_SCALE, play_controls

Array = np.ndarray

# Trace order of the diagram: edge lines, units, then one text trace of the edge labels and
# the unit names (these change per frame), edge hover targets, the gradient bars and their
# values (static). Few traces: Plotly computes and draws each trace on its own, so the
# texts that change per frame share one (each point has its own font).
UNITS, LABELS, HOVER, BARS, BAR_VALUES = range(N_EDGE_TRACES, N_EDGE_TRACES + 5)
NAMES = HOVER  # the traces a frame updates: range(NAMES)
BAR_HEIGHT = 0.45  # a gradient bar four decades tall, in the diagram's y units
LABEL_AT = 0.3  # edge labels sit this far along each edge from its source


def _label_text(stage: Stage, edges: list[Edge], show: bool) -> list[str]:
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


def _edge_hover(trace: StepTrace, edges: list[Edge], record: int) -> list[str]:
    net = trace.network
    names = unit_symbols(net.n_layers)
    out = []
    for layer, j, k in edges:
        lt = trace.layers[layer]
        w = net.weights[layer][j, k]
        src = unit_name(net.n_layers, layer, j)
        dst = unit_name(net.n_layers, layer + 1, k)
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
    out = [
        f"<b>{unit_name(net.n_layers, 0, j)}</b> = {v:.10g}"
        for j, v in enumerate(trace.inputs[record])
    ]
    for layer, lt in enumerate(trace.layers):
        for k in range(lt.output.shape[1]):
            lines = [
                f"<b>{unit_name(net.n_layers, layer + 1, k)}</b>",
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


def _px(size: float, scale: float) -> float:
    """A font size in px times `scale` (exactly `size` at scale 1: the default figure is
    unchanged)."""
    return size if scale == 1 else round(size * scale, 2)


def _title(stage: Stage, index: int, count: int, scale: float = 1.0) -> dict:
    return {
        "text": f"<b>{index + 1}/{count} · {stage.title}</b><br><span style='font-size:"
        f"{_px(13, scale)}px'>{stage.caption}</span>",
        "x": 0.01,
        "xanchor": "left",
        "font": {"size": _px(15, scale)},
    }


@dataclass(frozen=True)
class _Geometry:
    """Where everything of one diagram sits."""

    sizes: tuple[int, ...]
    pos: list[Array]  # per unit layer, (units, 2)
    edges: list[Edge]
    label_at: Array  # (edges, 2): each edge's label, LABEL_AT along it
    middle: Array  # (edges, 2): each edge's midpoint, where its hover (and click) target is
    nodes: Array  # (units, 2): every unit, inputs first
    names: list[str]  # every unit's name, inputs first

    @classmethod
    def of(cls, sizes: tuple[int, ...]) -> _Geometry:
        pos = node_positions(sizes)
        edges = edge_list(pos)
        src = np.array([pos[layer][j] for layer, j, _ in edges])
        dst = np.array([pos[layer + 1][k] for layer, _, k in edges])
        names = [unit_name(len(sizes) - 1, i, j) for i, n in enumerate(sizes) for j in range(n)]
        middle = (src + dst) / 2
        return cls(sizes, pos, edges, src + LABEL_AT * (dst - src), middle, np.vstack(pos), names)


def _variable(stage: Stage, g: _Geometry) -> list[dict]:
    """Every property that changes between frames, trace by trace (traces 0 … NAMES − 1)."""
    return [
        *edge_traces(stage.edge_values, g.pos, g.edges),
        {
            "marker": {"color": _node_colours(stage)},
            "text": [t for layer in stage.node_text for t in layer],
        },
        {"text": _label_text(stage, g.edges, len(g.edges) <= MAX_EDGE_LABELS) + g.names},
    ]


def _traces(
    trace: StepTrace, record: int, g: _Geometry, first: list[dict], scale: float = 1.0
) -> list[dict]:
    """The diagram's traces, showing the stage whose variable part is `first`; `scale`
    multiplies every font size (and the unit markers, which hold the unit names)."""
    data = [
        {"type": "scatter", "mode": "lines", "hoverinfo": "skip", **style, **edge}
        for style, edge in zip(edge_trace_styles(), first[:N_EDGE_TRACES], strict=True)
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": g.nodes[:, 0].tolist(),
            "y": g.nodes[:, 1].tolist(),
            "textposition": "top center",
            "textfont": {"size": _px(12, scale), "color": "#111"},
            "hovertext": _node_hover(trace, record),
            "hoverinfo": "text",
            "name": "units",
            "text": first[UNITS]["text"],
            "marker": {
                "size": _px(34, scale),
                "color": first[UNITS]["marker"]["color"],
                "colorscale": NODE_SCALE,
                "cmin": -1.0,
                "cmax": 1.0,
                "line": {"color": "#444", "width": 1.5},
            },
        }
    )
    # The edge labels, then the unit names inside the markers (drawn over them).
    n_edges, n_units = len(g.edges), len(g.names)
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": g.label_at[:, 0].tolist() + g.nodes[:, 0].tolist(),
            "y": g.label_at[:, 1].tolist() + g.nodes[:, 1].tolist(),
            "textfont": {
                "size": [_px(11, scale)] * n_edges + [_px(12, scale)] * n_units,
                "color": ["#222"] * n_edges + ["#000"] * n_units,
                "shadow": ["auto"] * n_edges + ["none"] * n_units,
            },
            "hoverinfo": "skip",
            "name": "edge values and unit names",
            **first[LABELS],
        }
    )
    # Static: hover (and click) targets on the edges.
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": g.middle[:, 0].tolist(),
            "y": g.middle[:, 1].tolist(),
            "marker": {"size": 9, "color": "rgba(0,0,0,0.08)"},
            "hovertext": _edge_hover(trace, g.edges, record),
            "hoverinfo": "text",
            "name": "edges",
        }
    )
    return data + _gradient_traces(gradient_sizes(trace), g, scale)


def _gradient_traces(sizes: tuple[float, ...], g: _Geometry, scale: float = 1.0) -> list[dict]:
    """Under each weight layer, a bar of its gradient size (RMS of ∂E/∂w) on a log scale
    spanning four decades below the largest, with its value: where the gradient vanishes."""
    base = _bars_base(g)
    top = max(sizes) if max(sizes) > 0 else 1.0
    xs, ys, tx, ty, text, hover = [], [], [], [], [], []
    for layer, v in enumerate(sizes):
        x = layer + 0.5
        decades = 0.0 if v <= 0 else max(0.0, 4.0 + np.log10(v / top))
        xs += [x, x, None]
        ys += [base, base + BAR_HEIGHT * decades / 4.0, None]
        tx.append(x)
        ty.append(base - 0.14)
        text.append(fmt(v, 3))
        hover.append(f"weight layer {layer + 1}: RMS ∂E/∂w = {v:.10g}")
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "line": {"color": GRADIENT_BAR, "width": 16},
            "hoverinfo": "skip",
            "name": "gradient size",
        },
        {
            "type": "scatter",
            "mode": "text",
            "x": tx,
            "y": ty,
            "text": text,
            "textfont": {"size": _px(11, scale), "color": "#333"},
            "hovertext": hover,
            "hoverinfo": "text",
            "name": "gradient sizes",
        },
    ]


def _bars_base(g: _Geometry) -> float:
    return -(max(g.sizes) - 1) / 2.0 - 0.55 - BAR_HEIGHT


def _layout(
    stages: list[Stage],
    g: _Geometry,
    has_biases: bool,
    frame_ms: int,
    sizes: tuple[float, ...],
    scale: float = 1.0,
) -> dict:
    """Axes, layer names, the gradient bars' caption and Play/Pause; the title is the last
    (resting) stage's."""
    count, tallest = len(stages), max(g.sizes)
    titles = layer_titles(len(g.sizes) - 1)
    caption = {
        "x": -0.3,
        "y": _bars_base(g) + BAR_HEIGHT / 2,
        "xanchor": "left",
        "text": "gradient size per<br>weight layer<br>(RMS ∂E/∂w, log)",
        "showarrow": False,
        "align": "left",
        "font": {"size": _px(11, scale), "color": "#555"},
    }
    layout = {
        "title": _title(stages[-1], count - 1, count, scale),
        "height": int(max(500, 110 * tallest + 230)),
        "margin": {"l": 20, "r": 20, "t": 90, "b": 50},
        "showlegend": False,
        "plot_bgcolor": "white",
        "hovermode": "closest",
        # What Streamlit sets on a chart with point selection anyway (the axes are fixed, so
        # nothing pans): said here, Streamlit has no change to make, and Plotly no redraw.
        "dragmode": "pan",
        "clickmode": "event+select",
        # Streamlit hands Plotly a deep copy of every new figure right after drawing it (its
        # theme pass). Without a data revision Plotly takes each copied array for new data
        # and computes and draws the whole figure a second time; with one that stays put,
        # it compares the rest and finds nothing to redraw. A new figure is a new chart in
        # Streamlit (its identity includes the figure), so the revision never needs to move.
        "datarevision": 0,
        "xaxis": {"visible": False, "range": [-0.35, len(g.sizes) - 0.65], "fixedrange": True},
        "yaxis": {
            "visible": False,
            "range": [_bars_base(g) - 0.3, (tallest - 1) / 2.0 + 1.0],
            "fixedrange": True,
        },
        "annotations": [
            {
                "x": float(layer),
                "y": (tallest - 1) / 2.0 + 0.75,
                "text": f"<b>{title}</b>",
                "showarrow": False,
                "font": {"size": _px(12, scale), "color": "#555"},
            }
            for layer, title in enumerate(titles)
        ]
        + [caption],
        # For `diagram_at`, `clicked_parameter` and tests (read it with `diagram_info`);
        # Plotly ignores it. In a list: Plotly's comparison of a copy, above, then passes
        # over it under the data revision (a copied dict would count as a change).
        "meta": [{"sizes": list(g.sizes), "biases": has_biases, "gradient_sizes": list(sizes)}],
        **play_controls(
            [s.key for s in stages], [str(i + 1) for i in range(count)], frame_ms, slider=False
        ),
    }
    if scale != 1:
        # Plotly's own defaults (hover 13 px, buttons 12 px), scaled too.
        layout["hoverlabel"] = {"font": {"size": _px(13, scale)}}
        layout["updatemenus"][0]["font"] = {"size": _px(12, scale)}
    return layout


def network_figure(
    trace: StepTrace,
    record: int = 0,
    frame_ms: int = 1400,
    stages: list[Stage] | None = None,
    *,
    text_scale: float = 1.0,
) -> dict[str, Any]:
    """The animated diagram of one step (about a dozen frames, a dozen traces), resting on
    its last stage, the whole step; `diagram_at` rests it on another.

    `text_scale` multiplies every font size in the figure (edge labels, unit text and
    names, titles, layer names, hover, buttons) and the unit markers that hold the names,
    e.g. for a presenter's screen; at 1.0 the figure is the default one.
    """
    if not (math.isfinite(text_scale) and text_scale > 0):
        raise ValueError(f"text_scale must be a positive number, got {text_scale!r}")
    if stages is None:  # a caller that already told the story passes it in
        stages = build_stages(trace, record)
    g = _Geometry.of(trace.network.sizes)
    count = len(stages)
    frames = [
        {
            "name": s.key,
            "data": _variable(s, g),
            "traces": list(range(NAMES)),
            "layout": {"title": _title(s, i, count, text_scale)},
        }
        for i, s in enumerate(stages)
    ]
    return {
        "data": _traces(trace, record, g, frames[-1]["data"], text_scale),
        "layout": _layout(
            stages,
            g,
            trace.network.biases is not None,
            frame_ms,
            gradient_sizes(trace),
            text_scale,
        ),
        "frames": frames,
    }


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


def diagram_info(figure: dict[str, Any]) -> dict[str, Any]:
    """What a diagram records about itself: the network's `sizes`, whether it has `biases`,
    and the `gradient_sizes` drawn under its weight layers."""
    return figure["layout"]["meta"][0]


def _ring(figure: dict[str, Any], ref: ParamRef) -> dict[str, Any]:
    """A wide translucent band under one edge, or a circle around one unit (a bias)."""
    sizes = diagram_info(figure)["sizes"]
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
    info = diagram_info(figure)
    sizes, has_biases = tuple(info["sizes"]), info["biases"]
    for point in points:
        curve, index = point.get("curve_number"), point.get("point_index")
        if not isinstance(index, int):
            continue
        if curve == HOVER:
            edges = edge_list(node_positions(sizes))
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
