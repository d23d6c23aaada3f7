"""The training page's results: the metrics, the charts and, for the lesson's network, the
lesson's own printed log beside the correct loss."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd
import streamlit as st

from ...trainer import LESSON_SPEC, Run, TrainSpec
from .. import plain
from ..charts import show_figure
from .state import TrainViewState


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _metrics(run: Run) -> None:
    c = st.columns(5)
    c[0].metric("Training accuracy", _fmt(run.accuracy))
    c[1].metric("Test accuracy", _fmt(run.test_accuracy))
    loss = run.loss_history[-1] if run.epochs_run else None
    test_loss = run.test_loss_history[-1] if run.test_loss_history.size else None
    c[2].metric("Training loss", _fmt(loss, 4))
    c[3].metric("Test loss", _fmt(test_loss, 4))
    c[4].metric("Epochs", f"{run.epochs_run:,}")


def _lesson_table(run: Run) -> None:
    """The lesson's printed losses beside the whole-training-set loss, epoch by epoch."""
    st.dataframe(
        pd.DataFrame(
            {
                "after epoch": [e.epoch + 1 for e in run.lesson_log],
                "lesson's printed loss": [e.train_loss for e in run.lesson_log],
                "whole-training-set loss": [
                    float(run.loss_history[e.epoch]) for e in run.lesson_log
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "lesson's printed loss": st.column_config.NumberColumn(format="%.10f"),
            "whole-training-set loss": st.column_config.NumberColumn(format="%.10f"),
        },
    )


def _lesson_panel(run: Run, synthetic: bool) -> None:
    st.subheader("The lesson's run")
    own = run.spec == LESSON_SPEC.normalized()
    if synthetic:
        st.warning(
            "These numbers come from synthetic admissions-like data, not the lesson's: "
            "they have the lesson's form but not its values."
        )
    elif own:
        st.caption(
            "The lesson's own settings on real admissions data: with the lesson's "
            "binary.csv, these are exactly the numbers the lesson prints."
        )
    else:
        st.caption("The lesson's log for these settings (the lesson itself used the preset).")
    if len(run.segments) > 1:
        st.caption(
            f"The log covers the first {run.lesson_epochs:,} epochs; this run has since "
            f"gone on to {run.epochs_run:,}."
        )
    accuracy = run.lesson_test_accuracy
    lines = [e.line() for e in run.lesson_log]
    lines.append(f"Prediction accuracy: {_fmt(accuracy)}")
    left, right = st.columns([1.1, 1])
    with left:
        st.markdown("**What the lesson prints**")
        st.code("\n".join(lines), language=None)
    with right:
        st.markdown("**Beside the loss over the whole training set**")
        _lesson_table(run)
    st.markdown(
        "**The lesson's quirk.** After each epoch the lesson computes its printed loss from "
        "`x`, the loop variable left over from the epoch: the output for the *last training "
        "record only*, compared with every training target, mean((ŷ_last − y)²). The "
        "correct training loss compares each record's own output with its own target, "
        "mean((ŷ − y)²) over all records; that is the loss the curves above show and the "
        "one gradient descent lowers. Both fall here, but the printed values are not the "
        "training loss."
    )
    st.metric(
        f"Prediction accuracy on the test set after {run.lesson_epochs:,} epochs",
        _fmt(accuracy),
    )


def _charts(figures: dict[str, dict[str, Any]]) -> None:
    """The run's charts: loss beside the boundary (2-D data) or the accuracy, then the
    network beside its weights over the epochs."""
    if "boundary" in figures:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            show_figure(figures["boundary"], key="train_chart_boundary")
        show_figure(figures["accuracy"], key="train_chart_accuracy")
    else:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            show_figure(figures["accuracy"], key="train_chart_accuracy")
    c1, c2 = st.columns([1, 1.3])
    with c1:
        show_figure(figures["network"], key="train_chart_network")
    with c2:
        show_figure(figures["weights"], key="train_chart_weights")


def results(state: TrainViewState, spec: TrainSpec, data_key: Hashable) -> None:
    """The results column: the current run (and whether the settings still match it), or
    what to do to get one."""
    if state.notice:
        plain.error(state.notice)
    run, figures = state.run, state.figures
    if run is None or figures is None:
        st.info(
            "Choose a dataset and a network, then press **Train**. The loss curves, the "
            "accuracy, the weights and, for 2-D data, the decision boundary appear here; "
            "press ▶ Play under a chart to watch training unfold."
        )
        return
    same_data = data_key == state.run_data_key
    if not same_data or run.spec != spec.normalized():
        st.info(
            "The settings have changed since this run. Press **Train** to train with them; "
            "**Train N more epochs** goes on with this run's own settings."
        )
    if run.diverged:
        st.error(
            f"{run.message} The charts show the training up to epoch {run.epochs_run:,}, "
            "the last with a finite loss."
        )
    _metrics(run)
    _charts(figures)
    if run.lesson_log:
        _lesson_panel(run, state.run_synthetic)
