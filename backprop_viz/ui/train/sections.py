"""The training page's results: the metrics, the charts and, for the lesson's network, the
lesson's own printed log beside the correct loss."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ...errors import BackpropVizError
from ...explain.notation import fmt
from ...figures.edges import N_EDGE_TRACES, edge_list, node_positions
from ...figures.training import boundary_view, live_captions, live_pictures, still_figures
from ...figures.weights_history import parameter_names
from ...limits import (
    STEP_MAX_ABS_WEIGHT,
    STEP_MAX_HIDDEN_LAYERS,
    STEP_MAX_INPUTS,
    STEP_MAX_OUTPUTS,
    STEP_MAX_UNITS,
)
from ...trainer import LESSON_SPEC, Run, TrainSpec
from ...trainer.export import history_csv, network_config
from ...trainer.runs import accuracies, with_weight
from .. import plain
from ..charts import show_figure, show_picture
from .state import TrainViewState, get_state


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _metrics(run: Run) -> None:
    """Accuracy (not for regression, where it means nothing), loss and epochs."""
    scored = run.spec.task != "regression"
    c = st.columns(5 if scored else 3)
    if scored:
        c[0].metric("Training accuracy", _fmt(run.accuracy))
        c[1].metric("Test accuracy", _fmt(run.test_accuracy))
    loss = run.loss_history[-1] if run.epochs_run else None
    test_loss = run.test_loss_history[-1] if run.test_loss_history.size else None
    c[-3].metric("Training loss", _fmt(loss, 4))
    c[-2].metric("Test loss", _fmt(test_loss, 4))
    c[-1].metric("Epochs", f"{run.epochs_run:,}")


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


def _boundary_toggles(state: TrainViewState, figures: dict[str, dict[str, Any]]) -> dict:
    """The playground's two toggles over the decision boundary; the figures with the
    boundary redrawn as they ask (kept in the session until the run or the toggles change)."""
    c1, c2, _ = st.columns([1, 1, 2])
    run, data = state.run, state.run_data
    discrete = False
    if run is not None and run.spec.task == "binary":  # classes are discrete already
        discrete = c1.toggle("Discretize output", key="train_discrete", help="Colour by class.")
        c1 = c2
    show_test = c1.toggle("Show test data", value=True, key="train_show_test")
    if state.live and run is not None and data is not None and data.is_2d:
        # Live: pixels, redrawn by the browser in milliseconds (a chart takes 50-200 ms).
        key = (run, run.epochs_run, discrete, show_test)
        if state.live_view is None or state.live_view[0] != key:
            pictures = live_pictures(run, data, discrete, show_test)
            state.live_view = (key, {**pictures, "captions": live_captions(run, data)})
        return {**figures, **state.live_view[1]}
    if (not discrete and show_test) or run is None or data is None:
        return figures
    key = (run, run.epochs_run, discrete, show_test)  # the run itself: eq is identity
    if state.boundary_view is None or state.boundary_view[0] != key:
        figure = boundary_view(run, data, discrete, show_test)
        state.boundary_view = (key, figure)
    return {**figures, "boundary": state.boundary_view[1]}


def _live_charts(figures: dict[str, dict[str, Any]]) -> None:
    """While live, few charts: the curves beside the boundary (2-D data, an image) or the
    network, then every unit's picture (an image); the rest comes back with Pause."""
    c1, c2 = st.columns(2)
    with c1:
        show_figure(figures["curves"], key="train_chart_curves")
    with c2:
        if "boundary" in figures:
            show_picture(figures["boundary"], figures["captions"]["boundary"])
        elif "network" in figures:
            show_figure(figures["network"], key="train_chart_network")
    if "units" in figures:
        show_picture(figures["units"], figures["captions"]["units"])
        st.caption(
            "The network diagram, the weights over the epochs and the charts' hover values "
            "return with Pause."
        )


def _charts(figures: dict[str, dict[str, Any]], live: bool) -> None:
    """The run's charts: loss beside the boundary (2-D data) or the accuracy, every unit's
    picture (2-D data), then the network beside its weights over the epochs (not while
    live: the weight lines come with the replay)."""
    if "curves" in figures:
        _live_charts(figures)
        return
    if "boundary" in figures:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            show_figure(figures["boundary"], key="train_chart_boundary")
        if "accuracy" in figures:  # not for regression
            show_figure(figures["accuracy"], key="train_chart_accuracy")
    else:
        c1, c2 = st.columns(2)
        with c1:
            show_figure(figures["loss"], key="train_chart_loss")
        with c2:
            if "accuracy" in figures:
                show_figure(figures["accuracy"], key="train_chart_accuracy")
    if "units" in figures:
        c1, c2 = st.columns([1.2, 1])
        with c1:
            show_figure(figures["units"], key="train_chart_units")
        with c2:
            _network_chart(figures["network"])
        if "weights" in figures and not live:
            show_figure(figures["weights"], key="train_chart_weights")
        return
    c1, c2 = st.columns([1, 1.3])
    with c1:
        _network_chart(figures["network"])
    with c2:
        if "weights" in figures and not live:
            show_figure(figures["weights"], key="train_chart_weights")


def _network_chart(figure: dict[str, Any]) -> None:
    """The network diagram; clicking an edge's midpoint picks that weight to change."""
    show_figure(
        figure,
        key="train_chart_network",
        on_select=pick_clicked_weight,
        selection_mode="points",
    )


# --- changing one weight by hand ---------------------------------------------------------

WEIGHT_KEY = "train_edit_weight"  # with the run's token: a new run, a new list of names
# The diagram's traces: the edge bins, the units, then the edges' midpoints (clickable).
MIDPOINTS_TRACE = N_EDGE_TRACES + 1


def _weight_key(state: TrainViewState) -> str:
    return f"{WEIGHT_KEY}_{state.run_token}"


def _edges(run: Run) -> list[tuple[int, int, int]]:
    return edge_list(node_positions(run.network.sizes))


def pick_clicked_weight() -> None:
    """A click on an edge's midpoint in the diagram picks that weight in the weight box."""
    event = st.session_state.get("train_chart_network")
    points = list(getattr(getattr(event, "selection", None), "points", None) or [])
    for point in points:
        get = point.get if isinstance(point, dict) else lambda k, p=point: getattr(p, k, None)
        if get("curve_number") == MIDPOINTS_TRACE and get("point_index") is not None:
            st.session_state[_weight_key(get_state())] = int(get("point_index"))
            return


def _set_weight(index: int, key: str) -> None:
    state = get_state()
    run, data = state.run, state.run_data
    value = st.session_state.get(key)
    if run is None or data is None or value is None:
        return
    layer, j, k = _edges(run)[index]
    old = float(run.network.weights[layer][j, k])
    value = float(value)
    if not (abs(value) <= STEP_MAX_ABS_WEIGHT):  # also refuses NaN
        state.notice = (
            f"A weight must lie between −{STEP_MAX_ABS_WEIGHT:g} and {STEP_MAX_ABS_WEIGHT:g}."
        )
        return
    run = with_weight(run, layer, j, k, value)
    state.run = run
    state.figures = still_figures(run, data)
    name = parameter_names(run.network, data.feature_names)[index]
    if run.spec.task == "regression":  # accuracy would mean nothing: the loss instead
        loss = np.mean((data.y_train - run.network.predict(data.X_train)[:, 0]) ** 2)
        scores = f"training loss {loss:.4f}"
    else:
        train_acc, test_acc = accuracies(run.network, data)
        scores = f"training accuracy {train_acc:.3f}" + (
            "" if test_acc is None else f", test accuracy {test_acc:.3f}"
        )
    state.notice = None
    state.edited = (
        f"You set {name} from {fmt(old, 4)} to {fmt(value, 4)}: the boundary, the network "
        f"and every unit's picture show the changed network ({scores}); the curves and "
        "metrics are the run's. ▶ Train live or Step one epoch goes on from it."
    )


def weight_editor(state: TrainViewState) -> None:
    """Pick a weight (from the list, or by clicking its edge on the diagram) and set it:
    every picture downstream of it changes."""
    run = state.run
    assert run is not None
    edges = _edges(run)
    names = parameter_names(run.network, state.run_data.feature_names if state.run_data else None)
    with st.expander("Change one weight by hand", expanded=state.edited is not None):
        index = st.selectbox(
            "Weight (or click an edge's midpoint on the network diagram)",
            range(len(edges)),
            format_func=lambda i: names[i],
            key=_weight_key(state),
        )
        layer, j, k = edges[index]
        key = f"train_edit_value_{index}_{state.run_token}"
        st.number_input(
            "Its value",
            value=float(run.network.weights[layer][j, k]),
            step=0.1,
            format="%.4f",
            key=key,
            on_change=_set_weight,
            args=(index, key),
            help=f"From −{STEP_MAX_ABS_WEIGHT:g} to {STEP_MAX_ABS_WEIGHT:g}.",
        )


# --- export ------------------------------------------------------------------------------


def _config_text(state: TrainViewState) -> str | None:
    """The shown network as the project's configuration JSON, made once per network shown
    (None, with the reason noted, if it cannot be written)."""
    run, data = state.run, state.run_data
    assert run is not None and data is not None
    # By identity: a new run, or a weight changed by hand, is a new network.
    kept = state.export_view
    if kept is None or kept[0][0] is not run or kept[0][1] is not run.network:
        key = (run, run.network)
        try:
            text: str | None = network_config(run, data)
            state.export_problem = None
        except BackpropVizError as exc:
            text, state.export_problem = None, str(exc)
        state.export_view = (key, text)
    return state.export_view[1]


def _fits_step_page(sizes: tuple[int, ...]) -> bool:
    """Whether the step page can load a network of these layer sizes."""
    hidden = sizes[1:-1]
    return (
        sizes[0] <= STEP_MAX_INPUTS
        and len(hidden) <= STEP_MAX_HIDDEN_LAYERS
        and all(h <= STEP_MAX_UNITS for h in hidden)
        and sizes[-1] <= STEP_MAX_OUTPUTS
    )


def export_buttons(state: TrainViewState) -> None:
    """Download the network shown as a configuration (for the step page's Load box and
    `python -m backprop_viz step --config`) and the run's history as CSV."""
    run = state.run
    assert run is not None
    c1, c2 = st.columns(2)
    text = _config_text(state)
    if text is None:
        plain.error(f"The network cannot be exported: {state.export_problem}")
    else:
        c1.download_button(
            "Download the network (JSON)",
            text,
            file_name="trained-network.json",
            mime="application/json",
            key="train_download_config",
            on_click="ignore",
            help="The project's configuration file, with the first training record as "
            "its inputs and targets: load it on the One step page or run "
            "python -m backprop_viz step --config trained-network.json.",
        )
    if text is not None and not _fits_step_page(run.network.sizes):
        st.caption(
            f"This network is larger than the One step page draws (at most {STEP_MAX_INPUTS} "
            f"inputs, {STEP_MAX_HIDDEN_LAYERS} hidden layers of {STEP_MAX_UNITS} units and "
            f"{STEP_MAX_OUTPUTS} outputs); the command line steps it as it is."
        )
    c2.download_button(
        "Download the history (CSV)",
        lambda: history_csv(run),  # made only when pressed
        file_name="training-history.csv",
        mime="text/csv",
        key="train_download_history",
        on_click="ignore",
        help="Epoch, training and test loss (and accuracy, but for regression) per epoch.",
    )


def results(state: TrainViewState, spec: TrainSpec, data_key: Hashable) -> None:
    """The results column: the current run (and whether the settings still match it), or
    what to do to get one."""
    if state.notice:
        plain.error(state.notice)
    if state.info:
        st.info(state.info)
    run, figures = state.run, state.figures
    if run is None or figures is None:
        st.info(
            "Choose a dataset and a network, then press **▶ Train live** or **Train**. The "
            "loss curves, the accuracy, the weights and, for 2-D data, the decision "
            "boundary and every unit's picture appear here."
        )
        return
    same_data = data_key == state.run_data_key
    if state.live:
        st.caption(
            f"Training live: epoch {run.epochs_run:,} of {run.spec.epochs:,}. Press ❚❚ "
            "Pause to stop and replay the run so far."
        )
    elif not same_data or run.spec != spec.normalized():
        st.info(
            "The settings have changed since this run. Press **Train** or **▶ Train live** "
            "to train with them; **Train N more epochs** goes on with this run's own "
            "settings."
        )
    if run.diverged:
        st.error(
            f"{run.message} The charts show the training up to epoch {run.epochs_run:,}, "
            "the last with a finite loss."
        )
    _metrics(run)
    if state.edited:
        st.caption(state.edited)
    live_2d = state.live and state.run_data is not None and state.run_data.is_2d
    if "boundary" in figures or live_2d:
        figures = _boundary_toggles(state, figures)
    _charts(figures, state.live)
    if not state.live and state.run_data is not None and same_data:
        weight_editor(state)
    if not state.live and state.run_data is not None and run.epochs_run:
        export_buttons(state)
    if run.lesson_log:
        _lesson_panel(run, state.run_synthetic)
