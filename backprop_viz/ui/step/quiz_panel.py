"""Predict, then reveal: one question about the live step before its backward stages show,
answered with the number that decides it, and a running score for the session."""

from __future__ import annotations

import streamlit as st

from ...errors import BackpropVizError
from ...explain.quiz import Question, question
from ...limits import MAX_SEED
from .classroom import state_toggle
from .results import Computed
from .state import StepState, get_state, set_stage

ANSWER_KEY = "step_quiz_choice"


def asked_id(cfg_json: str, seed: int) -> str:
    """What an answer belongs to: a new configuration or seed asks afresh."""
    return f"{seed}:{cfg_json}"


def live_question(state: StepState, comp: Computed, cfg_json: str) -> Question | None:
    """The question for the step on screen (None when the quiz is off or has nothing to
    ask); forgets an answer given to another step."""
    if not state.quiz:
        return None
    ident = asked_id(cfg_json, state.quiz_seed)
    if state.quiz_asked != ident:
        state.quiz_asked = ident
        state.quiz_answer = None
    try:
        return question(comp.trace, state.quiz_seed)
    except BackpropVizError:
        return None


def forward_stage(keys: list[str]) -> str:
    """The last stage before the output error: all of the forward pass, none of the backward."""
    return keys[keys.index("error") - 1] if "error" in keys else keys[0]


def _on_quiz(widget_key: str) -> None:
    state = get_state()
    state.quiz = bool(st.session_state[widget_key])
    state.quiz_asked = ""  # turning it on asks afresh


def _on_answer(q: Question, choice_key: str) -> None:
    state = get_state()
    chosen = st.session_state.get(choice_key)
    if chosen is None or state.quiz_answer is not None:
        return
    state.quiz_answer = q.options.index(chosen)
    state.quiz_total += 1
    state.quiz_right += int(state.quiz_answer == q.answer)
    set_stage(state, q.stage)  # reveal the stage that shows the deciding number


def _on_next() -> None:
    state = get_state()
    state.quiz_seed = (state.quiz_seed + 1) % (MAX_SEED + 1)
    state.quiz_asked = ""


def quiz_toggle(state: StepState) -> None:
    state_toggle(
        "Quiz: predict, then reveal",
        "step_quiz",
        state.quiz,
        _on_quiz,
        "A question about this step before its backward stages are shown",
    )


def quiz_panel(state: StepState, q: Question | None) -> None:
    """The question (with its options) or, once answered, right or wrong and why."""
    if q is None:
        st.info("Nothing to ask about this step.")
        return
    score = f"Score this session: {state.quiz_right} of {state.quiz_total}"
    with st.container(border=True, key="step_quiz_box"):
        st.markdown(f"**Predict:** {q.prompt}")
        if state.quiz_answer is None:
            choice_key = f"{ANSWER_KEY}_{hash(state.quiz_asked) & 0xFFFFFFFF:x}"
            left, right = st.columns([3, 1], vertical_alignment="bottom")
            left.radio("Your answer", q.options, index=None, key=choice_key, horizontal=True)
            right.button(
                "Answer",
                key="step_quiz_answer",
                on_click=_on_answer,
                args=(q, choice_key),
                type="primary",
                width="stretch",
            )
            st.caption(f"The backward stages are hidden until you answer. {score}")
            return
        chosen = q.options[state.quiz_answer]
        verdict = "Right" if state.quiz_answer == q.answer else "Not quite"
        body = f"{verdict}: you said “{chosen}”; the answer is “{q.options[q.answer]}”. {q.reveal}"
        if state.quiz_answer == q.answer:
            st.success(body)
        else:
            st.error(body)
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(score)
        right.button("Next question", key="step_quiz_next", on_click=_on_next, width="stretch")
