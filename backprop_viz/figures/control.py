"""What one control does: a sweep in, a figure dict out (the loss, ŷ and the largest Δw along
the control's range, or for η the loss after one step), with the current value marked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.params import ParamRef, weight_refs
from ..core.sweep import Sweep
from ..explain.notation import fmt, param_symbol
from ..limits import MAX_STEP_LINES
from .style import NEGATIVE, POSITIVE, typed_array

Array = np.ndarray
LOSS_COLOUR = "#222222"
OUTPUT_COLOURS = ("#009E73", "#CC79A7", "#56B4E9")  # Okabe–Ito green, purple, sky


@dataclass(frozen=True)
class RateMarks:
    """On a sweep of η: the η (of those swept) with the lowest loss after one step, and the
    first η whose step raises the loss (None if none does)."""

    best: float
    best_loss: float
    overshoot: float | None


def rate_marks(s: Sweep) -> RateMarks:
    """The best η and the overshoot point of a learning-rate sweep."""
    after = np.where(np.isfinite(s.loss_after), s.loss_after, np.inf)
    best = int(np.argmin(after))
    raised = np.flatnonzero(~(after <= s.loss_before))
    return RateMarks(
        best=float(s.values[best]),
        best_loss=float(after[best]),
        overshoot=float(s.values[raised[0]]) if raised.size else None,
    )


def largest_steps(s: Sweep, at: int, count: int = MAX_STEP_LINES) -> list[tuple[ParamRef, Array]]:
    """The `count` weights and biases with the largest |Δ| at sample `at`: (ref, Δ along the
    sweep), largest first."""
    sizes = (s.weight_steps[0].shape[1], *(d.shape[2] for d in s.weight_steps))
    refs = weight_refs(sizes, s.bias_steps is not None)
    curves = []
    for ref in refs:
        steps = s.weight_steps if ref.kind == "weight" else s.bias_steps
        curves.append(steps[ref.layer][(slice(None), *ref.index)])
    size = np.array([abs(c[at]) if math.isfinite(c[at]) else -1.0 for c in curves])
    order = np.argsort(-size, kind="stable")[:count]
    return [(refs[i], curves[i]) for i in order]


def _finite(values: Array) -> list[float | None]:
    """A list for JSON: None where a value is not finite (Plotly leaves a gap)."""
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _curve(values: Array) -> dict[str, str]:
    """A curve as float32 base64 (a fifth of decimal text); NaN (a gap) where a value is
    not finite or beyond float32's range."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return typed_array(np.where(np.abs(v) < 3e38, v, np.nan), "float32")


def _marker_trace(x: float, ys: list[float], yaxis: str, colours: list[str]) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [x] * len(ys),
        "y": _finite(ys),
        "yaxis": yaxis,
        "marker": {"size": 9, "color": colours, "line": {"color": "#fff", "width": 1}},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def control_figure(
    s: Sweep, current: float, label: str, n_layers: int, height: int = 420
) -> dict[str, Any]:
    """The figure for one control's sweep; `current` is the control's value now."""
    at = int(np.argmin(np.abs(s.values - current)))
    if s.ref.kind == "learning_rate":
        return _rate_figure(s, current, at, height)
    top = largest_steps(s, at)
    colours = [POSITIVE if c[at] >= 0 else NEGATIVE for _, c in top]
    loss_now = float(s.loss_before[at])
    data = [
        *_loss_and_output_traces(s, label),
        *_step_traces(s, top, colours, label, n_layers),
        _marker_trace(float(current), [loss_now], "y", [LOSS_COLOUR]),
        _marker_trace(float(current), [float(c[at]) for _, c in top], "y3", colours),
    ]
    title = (
        f"What {label} does · now {label} = {fmt(current)}: E = {fmt(loss_now)}, "
        f"largest step Δ{param_symbol(top[0][0], n_layers)} = {fmt(top[0][1][at], 3)}"
        if top
        else f"What {label} does"
    )
    return {"data": data, "layout": _two_panel_layout(s, current, label, title, height)}


def _loss_and_output_traces(s: Sweep, label: str) -> list[dict[str, Any]]:
    """The top panel: E before the step (left axis) and each ŷ (right axis)."""
    x = _curve(s.values)
    outputs = s.output[:, 0, :]  # one record on the step page
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": _curve(s.loss_before),
            "name": "E before the step",
            "line": {"color": LOSS_COLOUR, "width": 2.5},
            "hovertemplate": f"{label} = %{{x:.4g}}<br>E = %{{y:.6g}}<extra></extra>",
        }
    ]
    for k in range(outputs.shape[1]):
        name = "ŷ" if outputs.shape[1] == 1 else f"ŷ{k + 1}"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": _curve(outputs[:, k]),
                "yaxis": "y2",
                "name": name,
                "line": {"color": OUTPUT_COLOURS[k % 3], "width": 2, "dash": "dot"},
                "hovertemplate": f"{label} = %{{x:.4g}}<br>{name} = %{{y:.6g}}<extra></extra>",
            }
        )
    return data


def _step_traces(
    s: Sweep,
    top: list[tuple[ParamRef, Array]],
    colours: list[str],
    label: str,
    n_layers: int,
) -> list[dict[str, Any]]:
    """The bottom panel: a line per weight step, each named at its right end.

    The lines of one colour are one trace (NaN gaps between them): every trace costs the
    browser a fixed few milliseconds on each redraw, whatever its length, and the colour
    (the sign now) is all that tells the lines apart besides their names.
    """
    n = len(s.values)
    data = []
    for colour in (POSITIVE, NEGATIVE):
        members = [(ref, c) for (ref, c), k in zip(top, colours, strict=True) if k == colour]
        if not members:
            continue
        gap = np.full(1, np.nan)
        xs = np.concatenate([np.concatenate([s.values, gap]) for _ in members])
        ys = np.concatenate([np.concatenate([np.asarray(c, dtype=float), gap]) for _, c in members])
        names = [f"Δ{param_symbol(ref, n_layers)}" for ref, _ in members]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": _curve(xs),
                "y": _curve(ys),
                "yaxis": "y3",
                "name": "Δ, " + ("positive" if colour == POSITIVE else "negative") + " now",
                # Each point's line name, for the hover (one name per point, gap included).
                "text": [name for name in names for _ in range(n + 1)],
                "line": {"color": colour, "width": 1.5},
                "hovertemplate": f"{label} = %{{x:.4g}}<br>%{{text}} = %{{y:.4g}}<extra></extra>",
                "showlegend": False,
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": [float(s.values[-1])] * len(top),
            "y": _finite([c[-1] for _, c in top]),
            "yaxis": "y3",
            "text": [f" {param_symbol(ref, n_layers)}" for ref, _ in top],
            "textposition": "middle right",
            "textfont": {"size": 11, "color": colours},
            "hoverinfo": "skip",
            "showlegend": False,
            "cliponaxis": False,
        }
    )
    return data


def _two_panel_layout(
    s: Sweep, current: float, label: str, title: str, height: int
) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 13}},
        "height": height,
        # Fixed margins, wide enough for the ticks: margins that grow to fit them cost the
        # browser a second layout pass on every slider step.
        "margin": {"l": 78, "r": 78, "t": 60, "b": 56},
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": label},
            "range": [float(s.values[0]), float(s.values[-1])],
            "anchor": "y3",
            "automargin": False,
        },
        "yaxis": {"domain": [0.56, 1.0], "title": {"text": "E"}, "automargin": False},
        "yaxis2": {
            "overlaying": "y",
            "side": "right",
            "title": {"text": "ŷ"},
            "showgrid": False,
            "automargin": False,
        },
        "yaxis3": {
            "domain": [0.0, 0.44],
            "title": {"text": "Δw"},
            "zeroline": True,
            "zerolinecolor": "#888",
            "automargin": False,
        },
        "legend": {"orientation": "h", "x": 0.0, "y": 1.01, "yanchor": "bottom"},
        "shapes": [_now_line(current)],
        "showlegend": True,
    }


def _now_line(current: float, log: bool = False) -> dict[str, Any]:
    # Shapes on a log axis are placed in log10 units.
    x = math.log10(current) if log else current
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": "#777", "width": 1, "dash": "dash"},
    }


def _rate_figure(s: Sweep, current: float, at: int, height: int) -> dict[str, Any]:
    marks = rate_marks(s)
    before = float(s.loss_before[0])
    lo, hi = float(s.values[0]), float(s.values[-1])
    points = [("best η", marks.best, marks.best_loss, POSITIVE)]
    if marks.overshoot is not None:
        i = int(np.argmin(np.abs(s.values - marks.overshoot)))
        points.append(("overshoot", marks.overshoot, float(s.loss_after[i]), NEGATIVE))
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": _curve(s.values),
            "y": _curve(s.loss_after),
            "name": "E after one step",
            "line": {"color": LOSS_COLOUR, "width": 2.5},
            "hovertemplate": "η = %{x:.4g}<br>E after = %{y:.6g}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": [lo, hi],
            "y": [before, before],
            "name": "E before the step",
            "line": {"color": "#888", "width": 1.5, "dash": "dash"},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [p[1] for p in points],
            "y": _finite([p[2] for p in points]),
            "text": [f"{p[0]} {fmt(p[1], 3)}" for p in points],
            "textposition": "top center",
            "marker": {"size": 10, "color": [p[3] for p in points], "symbol": "diamond"},
            "name": "marks",
            "showlegend": False,
            "hovertemplate": "η = %{x:.6g}<br>E after = %{y:.6g}<extra></extra>",
        },
        _marker_trace(float(current), [float(s.loss_after[at])], "y", [LOSS_COLOUR]),
    ]
    over = (
        "never raises the loss"
        if marks.overshoot is None
        else (f"overshoots from η ≈ {fmt(marks.overshoot, 3)}")
    )
    return {
        "data": data,
        "layout": {
            "title": {
                "text": f"What η does · best η ≈ {fmt(marks.best, 3)} on this range; a step {over}",
                "x": 0.01,
                "xanchor": "left",
                "font": {"size": 13},
            },
            "height": height,
            "margin": {"l": 60, "r": 30, "t": 40, "b": 40},
            "hovermode": "closest",
            "xaxis": {"type": "log", "title": {"text": "learning rate η (log scale)"}},
            "yaxis": {"title": {"text": "E after one step"}},
            "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
            "shapes": [_now_line(current, log=True)],
        },
    }
