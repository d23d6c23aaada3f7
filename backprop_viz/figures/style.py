"""Shared look of every figure: a colour-blind-safe diverging palette and play controls."""

from __future__ import annotations

from typing import Any

# Okabe–Ito blue and vermillion: distinguishable with the common colour-vision deficiencies.
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
NEUTRAL = "#C9C9C9"
TRAIN = "#0072B2"
TEST = "#E69F00"
# Lighter tints for filled units, so the black text on them stays readable.
NODE_SCALE = [[0.0, "#F2A97E"], [0.5, "#F7F7F7"], [1.0, "#7FB3D8"]]


def play_controls(
    frame_names: list[str], labels: list[str], frame_ms: int, prefix: str = "Stage "
) -> dict[str, Any]:
    """Play/Pause buttons and a slider over the frames, for a figure layout."""

    def animate(frames: list[str | None] | None, duration: int, redraw: bool) -> list:
        return [
            frames,
            {
                "frame": {"duration": duration, "redraw": redraw},
                "transition": {"duration": 0},
                "mode": "immediate",
                **({"fromcurrent": True} if frames is None else {}),
            },
        ]

    play = {"label": "▶ Play", "method": "animate", "args": animate(None, frame_ms, True)}
    pause = {"label": "❚❚ Pause", "method": "animate", "args": animate([None], 0, False)}
    steps = [
        {"label": label, "method": "animate", "args": animate([name], 0, True)}
        for name, label in zip(frame_names, labels, strict=True)
    ]
    slider = {
        "active": 0,
        "x": 0.3,
        "len": 0.7,
        "y": -0.04,
        "yanchor": "top",
        "pad": {"t": 0},
        "currentvalue": {"prefix": prefix, "font": {"size": 12, "color": "#444"}},
        "steps": steps,
    }
    if len(steps) > 15:
        # Dozens of tick labels overlap; the current value above the slider says it all.
        slider["font"] = {"color": "rgba(0,0,0,0)"}
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "y": -0.04,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 0},
                "buttons": [play, pause],
            }
        ],
        "sliders": [slider],
    }
