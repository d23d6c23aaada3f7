"""Small charts of the step view: the loss along one weight with its tangent, loss per step."""

from __future__ import annotations

from typing import Any

from ..core.landscape import LossSlice
from ..explain.notation import fmt
from .style import NEGATIVE, POSITIVE


def loss_slice_figure(s: LossSlice, label: str) -> dict[str, Any]:
    """E(w) around the current w, the tangent whose slope is backprop's ∂E/∂w, and the point."""
    lo, hi = float(s.values[0]), float(s.values[-1])
    # Draw the tangent over the middle half of the range, so it stays readable.
    t0, t1 = s.value - (hi - lo) / 4, s.value + (hi - lo) / 4
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": s.values.tolist(),
                "y": s.losses.tolist(),
                "name": "E(w), others fixed",
                "line": {"color": POSITIVE, "width": 2.5},
                "hovertemplate": "w = %{x:.4g}<br>E = %{y:.6g}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": [t0, t1],
                "y": [s.loss + s.slope * (t0 - s.value), s.loss + s.slope * (t1 - s.value)],
                "name": f"tangent, slope ∂E/∂w = {fmt(s.slope)} (backprop)",
                "line": {"color": NEGATIVE, "width": 2, "dash": "dash"},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [s.value],
                "y": [s.loss],
                "name": f"current w = {fmt(s.value)}",
                "marker": {"size": 11, "color": "#000"},
                "hovertemplate": "w = %{x:.10g}<br>E = %{y:.10g}<extra></extra>",
            },
        ],
        "layout": {
            "title": {"text": f"Loss along {label}", "x": 0.01, "xanchor": "left"},
            "height": 340,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
            "xaxis": {"title": {"text": label}},
            "yaxis": {"title": {"text": "E"}},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }


def loss_steps_figure(losses: list[float], viewing: int | None = None) -> dict[str, Any]:
    """E before each applied step, and after the last one; with `viewing`, that step marked
    (the one the step history shows)."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(losses) <= 60 else "lines",
            "x": list(range(len(losses))),
            "y": list(losses),
            "line": {"color": POSITIVE, "width": 2},
            "hovertemplate": "after %{x} steps<br>E = %{y:.10g}<extra></extra>",
        }
    ]
    if viewing is not None and 0 <= viewing < len(losses):
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [viewing],
                "y": [losses[viewing]],
                "marker": {"color": NEGATIVE, "size": 14, "symbol": "diamond"},
                "text": [f"step {viewing} shown"],
                "textposition": "top center",
                "hovertemplate": "shown: step %{x}<br>E = %{y:.10g}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": "Loss per step", "x": 0.01, "xanchor": "left"},
            "height": 300,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
            "xaxis": {"title": {"text": "steps applied"}, "rangemode": "tozero"},
            "yaxis": {"title": {"text": "E"}},
            "showlegend": False,
        },
    }
