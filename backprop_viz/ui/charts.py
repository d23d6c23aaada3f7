"""Hands prebuilt Plotly figure dicts to Streamlit without re-validating them, and pixel
pictures as images carried in the page's own messages."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image


class _PrebuiltFigure(go.Figure):
    """A Figure that hands back a dict it was given, as is.

    `st.plotly_chart` validates a plain dict by building a full `go.Figure` from it (25–40 ms
    for the step diagram, on every rerun); for a Figure it only calls `to_dict()`. Our
    figure builders emit plain JSON-ready dicts checked by their tests, so that
    validation is skipped.
    """

    _spec: dict[str, Any]

    @classmethod
    def of(cls, spec: dict[str, Any]) -> _PrebuiltFigure:
        """Wrap a dict. Skips Figure.__init__ (3 ms per chart): only to_dict() is used."""
        fig = cls.__new__(cls)
        fig._spec = spec
        return fig

    def to_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return self._spec


def show_figure(spec: dict[str, Any], key: str, **kwargs: Any) -> None:
    """Draw a figure dict with a stable key (the chart keeps its identity across reruns)."""
    st.plotly_chart(
        _PrebuiltFigure.of(spec),
        key=key,
        config={
            "displaylogo": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d"],
            # Streamlit sizes the chart to its column itself; Plotly's own window-resize
            # handling only adds layout work to every redraw (measured: ~10-25% of the
            # browser's CPU per slider step on the step page).
            "responsive": False,
        },
        **kwargs,
    )


def png_address(pixels: np.ndarray) -> str:
    """An RGB pixel array as a `data:` address holding its PNG (fast compression: a live
    picture is sent a few times a second and never stored)."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def show_picture(pixels: np.ndarray, caption: str) -> None:
    """Draw an RGB pixel array, lossless, inside the page's message rather than as a file
    Streamlit serves: a picture redrawn several times a second would otherwise be dropped
    by the server at the next redraw, sometimes before the browser has fetched it."""
    st.image(png_address(pixels), caption=caption)
