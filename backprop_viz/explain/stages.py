"""A step trace told as an ordered story of stages, each with its equation and live numbers.

Forward (weighted sums, activations, layer by layer), the output error, the output error
term, the error flowing back along each edge scaled by its weight, the hidden error terms,
the weight steps, the new weights, and last the whole step on one picture. The diagram
animates these stages; the page prints their equations. Values are for one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.step import StepTrace
from .notation import (
    delta_tex,
    delta_txt,
    fmt,
    layer_titles,
    sub,
    tex,
    tex_symbol,
    texmat,
    texvec,
    unit_symbols,
    vec,
)

Array = np.ndarray

WHOLE = "whole"  # the key of the last stage: the whole step on one picture
WHOLE_TITLE = "The whole step"


@dataclass(frozen=True)
class Stage:
    """One moment of the step: what the units and edges show, and the equation behind it."""

    key: str
    title: str
    caption: str  # the equation with live numbers, plain text (for the figure)
    latex: str  # the same equation in LaTeX (for the page)
    node_text: tuple[tuple[str, ...], ...]  # per unit layer, per unit: the shown value
    node_values: tuple[Array | None, ...]  # per unit layer: numbers that colour the units
    edge_values: tuple[Array | None, ...]  # per weight layer: (in × out) values lit, or None
    edge_quantity: str  # what lit edges carry: "w", "w·x", "δ·w", "Δw", "new w"


@dataclass
class _Story:
    """The stages told so far, and what each unit layer shows now (the next stage changes
    some of it and keeps the rest)."""

    trace: StepTrace
    record: int
    text: list[list[str]] = field(default_factory=list)
    values: list[Array | None] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)

    def __post_init__(self) -> None:
        x = self.trace.inputs[self.record]
        n = self.trace.network.n_layers
        self.text = [[f"x={fmt(v)}" for v in x]] + [
            [""] * w.shape[1] for w in self.trace.network.weights
        ]
        self.values = [x] + [None] * n

    def show(self, layer: int, text: list[str], values: Array | None) -> None:
        """Unit layer `layer` shows `text`, coloured by `values`, from the next stage on."""
        self.text[layer] = text
        self.values[layer] = values

    def add(
        self,
        key: str,
        title: str,
        caption: str,
        latex: str,
        edges: list[Array | None] | None = None,
        quantity: str = "w",
    ) -> None:
        n = self.trace.network.n_layers
        self.stages.append(
            Stage(
                key=key,
                title=title,
                caption=caption,
                latex=latex,
                node_text=tuple(tuple(t) for t in self.text),
                node_values=tuple(self.values),
                edge_values=tuple(edges) if edges is not None else (None,) * n,
                edge_quantity=quantity,
            )
        )

    def lit(self, layer: int, values: Array) -> list[Array | None]:
        """Edge values with only weight layer `layer` lit."""
        edges: list[Array | None] = [None] * self.trace.network.n_layers
        edges[layer] = values
        return edges


def build_stages(trace: StepTrace, record: int = 0) -> list[Stage]:
    """The stages of one step, in the order the animation plays them."""
    story = _Story(trace, record)
    _inputs(story)
    for i in range(trace.network.n_layers):
        _forward_layer(story, i)
    _output_error(story)
    for i in range(trace.network.n_layers - 1, 0, -1):
        _backward_layer(story, i)
    _update(story)
    _whole(story)
    return story.stages


def _inputs(story: _Story) -> None:
    t, r = story.trace, story.record
    x, y, lr = t.inputs[r], t.targets[r], t.learning_rate
    story.add(
        "inputs",
        "Inputs",
        f"x = {vec(x)}   target y = {vec(y)}   η = {fmt(lr)}",
        rf"x = {texvec(x)},\quad y = {texvec(y)},\quad \eta = {tex(lr)}",
        list(t.network.weights),
        "w",
    )


def _forward_layer(story: _Story, i: int) -> None:
    """Weight layer i: the weighted sums into its units, then their activations."""
    net, r = story.trace.network, story.record
    lt = story.trace.layers[i]
    sym, titles = unit_symbols(net.n_layers), layer_titles(net.n_layers)
    src, dst = sym[i], sym[i + 1]
    inp, h, a, w = lt.input[r], lt.weighted_sum[r], lt.output[r], net.weights[i]
    has_b = net.biases is not None
    terms = " + ".join(
        f"{tex(w[j, 0], paren=True)}\\cdot{tex(inp[j], paren=True)}"
        for j in range(min(len(inp), 4))
    )
    if len(inp) > 4:
        terms += r" + \dots"
    bias_tex = rf" + {tex(net.biases[i][0], paren=True)}" if has_b else ""
    story.show(i + 1, [f"h={fmt(v)}" for v in h], h)
    story.add(
        f"sum-{i + 1}",
        f"Weighted sums into the {titles[i + 1]} layer",
        f"h = Σ w·{src}{' + b' if has_b else ''} = {vec(h)}   (edges: w·{src})",
        rf"h_1 = \sum_j w_{{j1}}\,{tex_symbol(src)}_j{' + b_1' if has_b else ''} = "
        rf"{terms}{bias_tex} = {tex(h[0])}" + (rf",\qquad h = {texvec(h)}" if len(h) > 1 else ""),
        story.lit(i, inp[:, None] * w),
        "w·x" if i == 0 else f"w·{src}",
    )
    act = net.activations[i]
    story.show(i + 1, [f"{dst}={fmt(v)}" for v in a], a)
    story.add(
        f"act-{i + 1}",
        f"Activations of the {titles[i + 1]} layer",
        f"{dst} = {act.label}(h) = {vec(a)}",
        rf"{tex_symbol(dst)} = f(h) = {act.latex} = {texvec(a)}",
    )


def _output_error(story: _Story) -> None:
    """The output error y − ŷ with the loss, then the output error term δᵒ."""
    t, r = story.trace, story.record
    net, out = t.network, t.layers[-1]
    n = net.n_layers
    y, y_hat = t.targets[r], out.output[r]
    err = y - y_hat
    loss_r = float(net.loss.per_record(y[None], y_hat[None], out.weighted_sum[r][None])[0])
    story.show(n, [f"y−ŷ={fmt(v)}" for v in err], err)
    story.add(
        "error",
        "Output error",
        f"y − ŷ = {vec(y)} − {vec(y_hat)} = {vec(err)}   E = {fmt(loss_r)}",
        rf"y-\hat y = {texvec(y)} - {texvec(y_hat)} = {texvec(err)},\qquad "
        rf"{net.loss.latex} = {tex(loss_r)}",
    )
    d_out = out.error_term[r]
    act_out = net.activations[-1]
    if net.loss.categorical:
        cap = f"δᵒ_k = y_k − ŷ_k for each class k = {vec(d_out)}   (softmax with cross-entropy)"
        ltx = (
            rf"\delta^o_k = y_k-\hat y_k\ \text{{for each class }}k = {texvec(d_out)}"
            r"\quad\text{(softmax with cross-entropy: } -\partial E/\partial h_k"
            r" = y_k-\hat y_k\text{)}"
        )
    elif net.loss.derivative_cancels:
        cap = f"δᵒ = y − ŷ = {vec(d_out)}   (cross-entropy: f′ cancels)"
        ltx = (
            rf"\delta^o = y-\hat y = {texvec(d_out)}"
            r"\quad\text{(cross-entropy with a sigmoid output: } f'\text{ cancels)}"
        )
    else:
        fprime = act_out.derivative(out.weighted_sum[r], y_hat)
        cap = f"δᵒ = (y − ŷ)·f′(h) = {vec(err)}·{vec(fprime)} = {vec(d_out)}"
        ltx = (
            rf"\delta^o = (y-\hat y)\,f'(h),\quad f'(h) = {act_out.derivative_latex} = "
            rf"{texvec(fprime)},\quad \delta^o = {texvec(err)}\cdot{texvec(fprime)} = "
            rf"{texvec(d_out)}"
        )
    story.show(n, [f"δ={fmt(v)}" for v in d_out], d_out)
    story.add("delta-out", "Output error term", cap, ltx)


def _backward_layer(story: _Story, i: int) -> None:
    """The error terms of weight layer i flow back along its edges into unit layer i, then
    become that layer's error terms."""
    t, r = story.trace, story.record
    net = t.network
    n = net.n_layers
    titles = layer_titles(n)
    lt, below = t.layers[i], t.layers[i - 1]
    e = below.error[r]
    story.show(i, [f"err={fmt(v)}" for v in e], e)
    story.add(
        f"back-{i}",
        f"Error flows back into the {titles[i]} layer, scaled by the weights",
        f"error_j = Σ_k δ_k·w_jk = {vec(e)}   (edges: δ·w)",
        rf"\text{{error}}_j = \sum_k {delta_tex(i, n)}_k\, w_{{jk}} = {texvec(e)}",
        story.lit(i, lt.edge_error[r]),
        "δ·w",
    )
    d = below.error_term[r]
    act = net.activations[i - 1]
    fprime = act.derivative(below.weighted_sum[r], below.output[r])
    d_tex = delta_tex(i - 1, n)
    story.show(i, [f"δ={fmt(v)}" for v in d], d)
    story.add(
        f"delta-{i}",
        f"Error terms of the {titles[i]} layer",
        f"{delta_txt(i - 1, n)} = error·f′(h) = {vec(e)}·{vec(fprime)} = {vec(d)}",
        rf"{d_tex} = \text{{error}}\cdot f'(h),\quad f'(h) = "
        rf"{act.derivative_latex} = {texvec(fprime)},\quad {d_tex} = {texvec(d)}",
    )


def _update(story: _Story) -> None:
    """The weight steps Δw = η·δ·input, then the new weights."""
    t = story.trace
    net, layers = t.network, t.layers
    n = net.n_layers
    sym = unit_symbols(n)
    parts = [f"Δw{sub(i + 1)} = {vec(lt.weight_delta)}" for i, lt in enumerate(layers)]
    rule, rule_tex = "Δw = η·δ·input", ""
    if t.regularized:
        rule, rule_tex = _penalty_rule(t.l1, t.l2)
    steps_latex = (
        r"\begin{gathered}"
        + rule_tex
        + r" \\ ".join(
            rf"\Delta W^{{({i + 1})}} = "
            + ("" if t.regularized else rf"\eta\,{delta_tex(i, n)}\,{tex_symbol(sym[i])} = ")
            + texmat(lt.weight_delta)
            for i, lt in enumerate(layers)
        )
        + r"\end{gathered}"
    )
    if net.biases is not None:
        parts.append("Δb = η·δ" + ("" if net.train_biases else " (biases frozen: not applied)"))
    story.add(
        "steps",
        "Weight steps",
        f"{rule}   " + "   ".join(parts),
        steps_latex,
        [lt.weight_delta for lt in layers],
        "Δw",
    )
    e_txt, e_tex = ("E + penalty", r"E+\text{penalty}") if t.regularized else ("E", "E")
    story.add(
        "new",
        "New weights",
        f"w ← w + Δw   {e_txt}: {fmt(t.loss_before)} → {fmt(t.loss_after)}",
        rf"w \leftarrow w + \Delta w,\qquad {e_tex}:\ {tex(t.loss_before)} \rightarrow "
        rf"{tex(t.loss_after)}",
        [lt.new_weights for lt in layers],
        "new w",
    )


def _penalty_rule(l1: float, l2: float) -> tuple[str, str]:
    """The regularized step rule, in text and as a LaTeX line before the steps."""
    pull = [f"{fmt(l2)}·w"] if l2 else []
    pull += [f"{fmt(l1)}·sign(w)"] if l1 else []
    pull_tex = [rf"{tex(l2)}\,w"] if l2 else []
    pull_tex += [rf"{tex(l1)}\,\operatorname{{sign}}(w)"] if l1 else []
    text = "Δw = η·(δ·input − " + " − ".join(pull) + ")"
    latex = r"\Delta w = \eta\,(\delta\,\text{input} - " + " - ".join(pull_tex) + r")\\ "
    return text, latex


def _whole(story: _Story) -> None:
    """The resting picture: every unit's activation and error term, every edge's step."""
    t, r = story.trace, story.record
    sym = unit_symbols(t.network.n_layers)
    story.show(0, [f"x={fmt(v)}" for v in t.inputs[r]], None)
    for i, lt in enumerate(t.layers):
        text = [
            f"{sym[i + 1]}={fmt(a)}<br>δ={fmt(d)}"
            for a, d in zip(lt.output[r], lt.error_term[r], strict=True)
        ]
        story.show(i + 1, text, lt.error_term[r])
    story.add(
        WHOLE,
        WHOLE_TITLE,
        f"units: a and δ · edges: Δw = η·δ·input (colour: sign, width: size) · "
        f"E: {fmt(t.loss_before)} → {fmt(t.loss_after)}",
        rf"\Delta w = \eta\,\delta\,\text{{input}}\ \text{{on every edge}},\qquad E:\ "
        rf"{tex(t.loss_before)} \rightarrow {tex(t.loss_after)}",
        [lt.weight_delta for lt in t.layers],
        "Δw",
    )
