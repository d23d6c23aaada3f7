"""The step page's gradient views: the diagram at its kept stage, what one control does, and
the gradient size per layer."""

from __future__ import annotations

import streamlit as st

from ...core.params import ParamRef, control_refs, weight_refs
from ...explain.notation import fmt, param_symbol
from ...explain.presets import CONTRASTS, PRESET_LABELS
from ...explain.stages import WHOLE
from ...figures.network import clicked_parameter, diagram_at, diagram_info, stage_keys
from ..charts import show_figure
from .edits import preset_config
from .results import Computed, cfg_json_of, compute, control_chart
from .state import StepState, get_state, load

AUTO = "auto"  # the "what this control does" choice that follows the last control moved
SWEEP_OPEN = "step_sweep_open"  # the toggle that shows "what this control does"
CHAIN_SECTION = "Chain rule"


def _shape_tag(comp: Computed) -> str:
    """A widget-key suffix for the network's shape: options change only with it."""
    net = comp.trace.network
    return "x".join(map(str, net.sizes)) + ("b" if net.biases is not None else "")


def _stage_key(comp: Computed) -> str:
    return f"step_stage_{comp.trace.network.n_layers}"


def _remember_stage(widget_key: str) -> None:
    get_state().stage = st.session_state[widget_key]


def _on_diagram_click() -> None:
    # A click on an edge (or on a unit with a bias) explains that parameter.
    state = get_state()
    event = st.session_state.get("step_diagram")
    points = list(getattr(getattr(event, "selection", None), "points", None) or [])
    ref = clicked_parameter(compute(cfg_json_of(state.cfg)).figure, points)
    if ref is not None:
        state.explain = ref.name
        st.session_state["step_section"] = CHAIN_SECTION


def shape_tag(comp: Computed) -> str:
    """A widget-key suffix for the network's shape: options change only with it."""
    return _shape_tag(comp)


def explained(state: StepState, comp: Computed) -> ParamRef:
    """The parameter whose chain rule is shown: the one chosen, if this network has it."""
    net = comp.trace.network
    refs = weight_refs(net.sizes, net.biases is not None)
    names = {r.name for r in refs}
    if state.explain in names:
        return ParamRef.parse(state.explain)
    return ParamRef("weight", net.n_layers - 1, (0, 0))  # the lesson's w_ho[0]


def diagram(state: StepState, comp: Computed) -> None:
    """The diagram at the stage the user chose (kept across every change), and that choice."""
    keys = stage_keys(comp.figure)
    titles = {f["name"]: f["layout"]["title"]["text"] for f in comp.figure["frames"]}
    wkey = _stage_key(comp)
    if st.session_state.get(wkey) not in keys:
        # A new shape: the kept stage if this network has it, else the whole step.
        st.session_state[wkey] = state.stage if state.stage in keys else WHOLE
    state.stage = st.session_state[wkey]
    highlight = (
        explained(state, comp) if st.session_state.get("step_section") == CHAIN_SECTION else None
    )
    show_figure(
        diagram_at(comp.figure, state.stage, highlight),
        key="step_diagram",
        on_select=_on_diagram_click,
        selection_mode="points",
    )
    st.select_slider(
        "Stage shown (kept while you change values)",
        keys,
        key=wkey,
        on_change=_remember_stage,
        args=(wkey,),
        format_func=lambda k: _plain_title(titles[k]),
    )


def _plain_title(html: str) -> str:
    """ "3/12 · Activations of the hidden layer" from the figure's title markup."""
    return html.split("</b>")[0].removeprefix("<b>")


def control_panel(state: StepState, comp: Computed, cfg_json: str) -> None:
    """What one control does to the loss, ŷ and the largest steps, across its whole range
    (under a toggle, off at first)."""
    net = comp.trace.network
    n = net.n_layers
    refs = control_refs(net.sizes, net.biases is not None)
    names = [r.name for r in refs]
    last = state.last_control if state.last_control in names else names[0]
    options = [AUTO, *names]
    labels = {r.name: _control_label(r, n) for r in refs}
    labels[AUTO] = f"the last control moved ({labels[last]})"
    # Drawn on request: a chart whose figure changes is a new chart to the browser, drawn
    # from scratch on every slider step (about a third of the page's browser work per step).
    if not st.toggle(
        "What this control does",
        key=SWEEP_OPEN,
        help="A chart of the loss, ŷ and the largest weight steps across one control's whole "
        "range (for η: the loss after one step), with the current value marked.",
    ):
        return
    wkey = f"step_sweep_{_shape_tag(comp)}"
    st.selectbox(
        "What this control does",
        options,
        key=wkey,
        format_func=labels.__getitem__,
        help="Across the control's whole range, with the current value marked: the loss, ŷ "
        "and the weight steps that matter most now (for η: the loss after one step).",
    )
    choice = st.session_state[wkey]
    ref_name = last if choice == AUTO else choice
    show_figure(control_chart(cfg_json, ref_name), key="step_control_chart")


def _control_label(ref: ParamRef, n_layers: int) -> str:
    kinds = {
        "input": "input",
        "target": "target",
        "learning_rate": "learning rate",
        "weight": "weight",
        "bias": "bias",
    }
    return f"{param_symbol(ref, n_layers)} ({kinds[ref.kind]})"


def _load_contrast(name: str) -> None:
    load(get_state(), preset_config(name), name)


def gradient_panel(state: StepState, comp: Computed) -> None:
    """What the gradient-size bars under the diagram say, and for the deep examples their
    one-click contrasts."""
    sizes = diagram_info(comp.figure)["gradient_sizes"]  # as drawn under the diagram
    text = (
        "**Gradient size per layer**: the bars under the diagram, the root mean square of "
        "∂E/∂w of each weight layer on a log scale (four decades)."
    )
    if len(sizes) > 1 and sizes[0] > 0:
        text += f" The last layer's is {fmt(sizes[-1] / sizes[0], 3)}× the first's."
    st.markdown(text)
    for other in CONTRASTS.get(state.preset, ()):
        st.button(
            f"Compare: {PRESET_LABELS[other]}",
            key=f"step_contrast_{other}",
            on_click=_load_contrast,
            args=(other,),
        )
