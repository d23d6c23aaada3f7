"""Shared look of every figure: a colour-blind-safe diverging palette, play controls (also
over a training chart's epoch frames), and the compact encoding of number arrays."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

# Okabe–Ito blue and vermillion: distinguishable with the common colour-vision deficiencies.
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
NEUTRAL = "#C9C9C9"
GRADIENT_BAR = "#56B4E9"  # Okabe–Ito sky blue: the gradient-size bars under the diagram
HIGHLIGHT = "rgba(240, 228, 66, 0.75)"  # Okabe–Ito yellow: the weight being explained
TRAIN = "#0072B2"
TEST = "#E69F00"
# Lighter tints for filled units, so the black text on them stays readable.
NODE_SCALE = [[0.0, "#F2A97E"], [0.5, "#F7F7F7"], [1.0, "#7FB3D8"]]


def play_controls(
    frame_names: list[str],
    labels: list[str],
    frame_ms: int,
    prefix: str = "Stage ",
    slider: bool = True,
) -> dict[str, Any]:
    """Play/Pause buttons and a slider over the frames, for a figure layout.

    Without the slider (the page keeps the frame shown in a control of its own), Play
    always runs every frame from the first.
    """

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

    play_frames = None if slider else list(frame_names)
    play = {"label": "▶ Play", "method": "animate", "args": animate(play_frames, frame_ms, True)}
    pause = {"label": "❚❚ Pause", "method": "animate", "args": animate([None], 0, False)}
    buttons = {
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
    if not slider:
        return {"updatemenus": [buttons]}
    steps = [
        {"label": label, "method": "animate", "args": animate([name], 0, True)}
        for name, label in zip(frame_names, labels, strict=True)
    ]
    slider_spec = {
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
        slider_spec["font"] = {"color": "rgba(0,0,0,0)"}
    return {"updatemenus": [buttons], "sliders": [slider_spec]}


_CODES = {"float64": "f8", "float32": "f4", "int32": "i4", "uint8": "u1"}


def typed_array(values: object, dtype: str = "float64") -> dict[str, str]:
    """A NumPy array as Plotly's base64 typed-array spec (little-endian, with its shape)."""
    arr = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    spec = {"dtype": _CODES[dtype], "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in arr.shape)
    return spec


EPOCH_FRAME_MS = 100  # an epoch frame's time on screen: 60 frames play in about six seconds


def frame_name(epochs: int) -> str:
    """The name of the animation frame showing the state after `epochs` epochs."""
    return f"epoch {epochs}"


def epoch_controls(frame_epochs: Sequence[int], below_px: float, plot_px: float) -> dict[str, Any]:
    """Play controls over a training chart's epoch frames, below its x axis (`below_px`
    under a plot `plot_px` high), opening on the last frame."""
    controls = play_controls(
        [frame_name(k) for k in frame_epochs],
        [str(k) for k in frame_epochs],
        EPOCH_FRAME_MS,
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
