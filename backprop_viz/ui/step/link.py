"""The step page's link: the example or configuration a page address asks for, read once."""

from __future__ import annotations

import streamlit as st

from ...errors import BackpropVizError
from .edits import decode_link
from .state import CUSTOM, StepState, load


def read_link(state: StepState) -> None:
    state.link_checked = True
    params = {k: st.query_params[k] for k in ("preset", "config") if k in st.query_params}
    if not params:
        return
    try:
        cfg = decode_link(params)
    except BackpropVizError as exc:
        state.notice = f"{exc} Showing the lesson's example instead."
        return
    if cfg is not None:
        name = params.get("preset", CUSTOM) if "config" not in params else CUSTOM
        load(state, cfg, name)
