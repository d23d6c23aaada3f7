"""The step page's address is its state: read once when a session opens, written after every
change, so the address bar is always a link to exactly what is on screen.

The configuration travels as short parameters (see `address`); the view as `stage`,
`section`, `present=1` (presenter mode) and `quiz=1` with `qs` (the question's seed). Old
links (`?config=`, `?preset=`) still open.
"""

from __future__ import annotations

import streamlit as st

from ...errors import BackpropVizError
from ...limits import MAX_ADDRESS_CHARS, MAX_SEED
from .address import CONFIG_KEYS, from_query, query_text_length, to_query
from .edits import decode_link
from .state import CUSTOM, StepState, load

# Parameters of the view (every other one describes the configuration).
VIEW_KEYS = ("stage", "section", "present", "quiz", "qs")
SECTION_KEY = "step_section"  # the section control's widget key
DEFAULT_SECTION = "Lesson printout"
OLD_KEYS = ("config", "preset")
_MAX_STAGE_CHARS = 40  # the longest stage key has 8 characters


def _query() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}  # noqa: SIM118 (not a dict)


def read_link(state: StepState) -> None:
    """Adopt what the address asks for (once per session); a bad address gets a notice and
    the default page."""
    state.link_checked = True
    query = _query()
    if not query:
        return
    if query_text_length(query) > MAX_ADDRESS_CHARS:
        state.notice = (
            f"Showing the lesson's example: the address is longer than "
            f"{MAX_ADDRESS_CHARS:,} characters."
        )
        return
    try:
        if any(k in query for k in OLD_KEYS):
            old = {k: query[k][-1] for k in OLD_KEYS if k in query}
            cfg = decode_link(old)
            name = old.get("preset", CUSTOM) if "config" not in old else CUSTOM
            found = None if cfg is None else (cfg, name)
        else:
            found = from_query(query)
    except BackpropVizError as exc:
        state.notice = f"Showing the lesson's example: {exc}"
        return
    if found is not None:
        load(state, *found)
    _read_view(state, query)


def _read_view(state: StepState, query: dict[str, list[str]]) -> None:
    stage = (query.get("stage") or [""])[-1]
    if stage and len(stage) <= _MAX_STAGE_CHARS and stage.isascii():
        state.stage = stage  # a stage this network lacks falls back to the whole step
    section = (query.get("section") or [""])[-1]
    if section and len(section) <= _MAX_STAGE_CHARS:
        state.section = section  # checked against the sections when they are drawn
    state.present = (query.get("present") or [""])[-1] == "1"
    if (query.get("quiz") or [""])[-1] == "1":
        state.quiz = True
        seed = (query.get("qs") or [""])[-1]
        if seed.isdigit() and len(seed) <= 10 and int(seed) <= MAX_SEED:
            state.quiz_seed = int(seed)


def address_of(state: StepState) -> dict[str, list[str]]:
    """The parameters that describe the page as it stands."""
    out = to_query(state.cfg, state.preset)
    if out == {"ex": ["lesson-step"]}:
        out = {}  # the default page has a bare address
    if state.stage != "whole":
        out["stage"] = [state.stage]
    section = st.session_state.get(SECTION_KEY)
    if section and section != DEFAULT_SECTION:
        out["section"] = [section]
    if state.present:
        out["present"] = ["1"]
    if state.quiz:
        out["quiz"] = ["1"]
        out["qs"] = [str(state.quiz_seed)]
    return out


def write_address(state: StepState) -> None:
    """Make the browser's address describe the page (only the parameters that changed)."""
    wanted = address_of(state)
    qp = st.query_params
    for key in (*CONFIG_KEYS, *VIEW_KEYS, *OLD_KEYS):
        have = qp.get_all(key)
        want = wanted.get(key, [])
        if have == want:
            continue
        if want:
            qp[key] = want if len(want) > 1 else want[0]
        else:
            del qp[key]
