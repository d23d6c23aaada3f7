"""A step trace told as an ordered story of stages, each with its equation and live numbers.

Forward (weighted sums, activations, layer by layer), the output error, the output error
term, the error flowing back along each edge scaled by its weight, the hidden error terms,
the weight steps and the new weights. The diagram animates these stages; the page prints
their equations. Values are for one record of the trace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .backprop import StepTrace

Array = np.ndarray

MINUS = "\u2212"
WHOLE = "whole"  # the key of the last stage: the whole step on one picture
WHOLE_TITLE = "The whole step"


def fmt(value: float, digits: int = 4) -> str:
    """A number to `digits` significant digits, with a real minus sign."""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    text = f"{v:.{digits}g}"
    return text.replace("-", MINUS)


def tex(value: float, digits: int = 4, paren: bool = False) -> str:
    """A number for LaTeX: 4 significant digits, powers of ten written out."""
    text = f"{float(value):.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant}\times 10^{{{int(exp)}}}"
    if paren and float(value) < 0:
        text = f"({text})"
    return text


def vec(values: Array, digits: int = 4) -> str:
    """A vector as (a, b, c) in plain text."""
    items = [fmt(v, digits) for v in np.ravel(values)]
    return items[0] if len(items) == 1 else "(" + ", ".join(items) + ")"


def texvec(values: Array) -> str:
    """A vector as a LaTeX row."""
    items = [tex(v) for v in np.ravel(values)]
    return items[0] if len(items) == 1 else r"\big(" + ",\\ ".join(items) + r"\big)"


def unit_symbols(n_layers: int) -> list[str]:
    """Plain-text symbols for each unit layer's values: x, a¹ (or a), ..., ŷ."""
    hidden = n_layers - 1
    mids = ["a"] if hidden == 1 else [f"a{_sup(i)}" for i in range(1, hidden + 1)]
    return ["x", *mids, "ŷ"]


def _sup(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def layer_titles(n_layers: int) -> list[str]:
    """Names of the unit layers: input, hidden (numbered if several), output."""
    hidden = n_layers - 1
    mids = ["hidden"] if hidden == 1 else [f"hidden {i}" for i in range(1, hidden + 1)]
    return ["input", *mids, "output"]


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


def build_stages(trace: StepTrace, record: int = 0) -> list[Stage]:
    """The stages of one step, in the order the animation plays them."""
    net = trace.network
    n = net.n_layers
    sym = unit_symbols(n)
    titles = layer_titles(n)
    layers = trace.layers
    r = record
    x = trace.inputs[r]
    y = trace.targets[r]
    lr = trace.learning_rate
    has_b = net.biases is not None

    # What each unit layer currently shows; updated as the story goes on.
    text: list[list[str]] = [[f"x={fmt(v)}" for v in x]] + [[""] * w.shape[1] for w in net.weights]
    values: list[Array | None] = [x] + [None] * n
    stages: list[Stage] = []

    def add(key, title, caption, latex, edges=None, quantity="w"):
        stages.append(
            Stage(
                key=key,
                title=title,
                caption=caption,
                latex=latex,
                node_text=tuple(tuple(t) for t in text),
                node_values=tuple(values),
                edge_values=tuple(edges) if edges is not None else (None,) * n,
                edge_quantity=quantity,
            )
        )

    add(
        "inputs",
        "Inputs",
        f"x = {vec(x)}   target y = {vec(y)}   η = {fmt(lr)}",
        rf"x = {texvec(x)},\quad y = {texvec(y)},\quad \eta = {tex(lr)}",
        list(net.weights),
        "w",
    )

    for i, lt in enumerate(layers):
        src, dst = sym[i], sym[i + 1]
        inp = lt.input[r]
        h = lt.weighted_sum[r]
        a = lt.output[r]
        w = net.weights[i]
        contrib = inp[:, None] * w
        terms = " + ".join(
            f"{tex(w[j, 0], paren=True)}\\cdot{tex(inp[j], paren=True)}"
            for j in range(min(len(inp), 4))
        )
        if len(inp) > 4:
            terms += r" + \dots"
        bias_tex = rf" + {tex(net.biases[i][0], paren=True)}" if has_b else ""
        bias_txt = " + b" if has_b else ""
        edges = [None] * n
        edges[i] = contrib
        text[i + 1] = [f"h={fmt(v)}" for v in h]
        values[i + 1] = h
        add(
            f"sum-{i + 1}",
            f"Weighted sums into the {titles[i + 1]} layer",
            f"h = Σ w·{src}{bias_txt} = {vec(h)}   (edges: w·{src})",
            rf"h_1 = \sum_j w_{{j1}}\,{_tex_sym(src)}_j{' + b_1' if has_b else ''} = "
            rf"{terms}{bias_tex} = {tex(h[0])}"
            + (rf",\qquad h = {texvec(h)}" if len(h) > 1 else ""),
            edges,
            "w·x" if i == 0 else f"w·{src}",
        )
        act = net.activations[i]
        text[i + 1] = [f"{dst}={fmt(v)}" for v in a]
        values[i + 1] = a
        add(
            f"act-{i + 1}",
            f"Activations of the {titles[i + 1]} layer",
            f"{dst} = {act.label}(h) = {vec(a)}",
            rf"{_tex_sym(dst)} = f(h) = {act.latex} = {texvec(a)}",
        )

    out = layers[-1]
    y_hat = out.output[r]
    err = y - y_hat
    text[n] = [f"y−ŷ={fmt(v)}" for v in err]
    values[n] = err
    loss_r = float(net.loss.per_record(y[None], y_hat[None], out.weighted_sum[r][None])[0])
    add(
        "error",
        "Output error",
        f"y − ŷ = {vec(y)} − {vec(y_hat)} = {vec(err)}   E = {fmt(loss_r)}",
        rf"y-\hat y = {texvec(y)} - {texvec(y_hat)} = {texvec(err)},\qquad "
        rf"{net.loss.latex} = {tex(loss_r)}",
    )

    d_out = out.error_term[r]
    text[n] = [f"δ={fmt(v)}" for v in d_out]
    values[n] = d_out
    act_out = net.activations[-1]
    if net.loss.derivative_cancels:
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
    add("delta-out", "Output error term", cap, ltx)

    for i in range(n - 1, 0, -1):
        lt = layers[i]
        below = layers[i - 1]
        back = lt.edge_error[r]
        e = below.error[r]
        edges = [None] * n
        edges[i] = back
        text[i] = [f"err={fmt(v)}" for v in e]
        values[i] = e
        dsym = _delta_tex(i, n)
        add(
            f"back-{i}",
            f"Error flows back into the {titles[i]} layer, scaled by the weights",
            f"error_j = Σ_k δ_k·w_jk = {vec(e)}   (edges: δ·w)",
            rf"\text{{error}}_j = \sum_k {dsym}_k\, w_{{jk}} = {texvec(e)}",
            edges,
            "δ·w",
        )
        d = below.error_term[r]
        act = net.activations[i - 1]
        fprime = act.derivative(below.weighted_sum[r], below.output[r])
        dsym_below = _delta_tex(i - 1, n)
        text[i] = [f"δ={fmt(v)}" for v in d]
        values[i] = d
        add(
            f"delta-{i}",
            f"Error terms of the {titles[i]} layer",
            f"{_delta_txt(i - 1, n)} = error·f′(h) = {vec(e)}·{vec(fprime)} = {vec(d)}",
            rf"{dsym_below} = \text{{error}}\cdot f'(h),\quad f'(h) = "
            rf"{act.derivative_latex} = {texvec(fprime)},\quad {dsym_below} = {texvec(d)}",
        )

    dws = [lt.weight_delta for lt in layers]
    parts = [f"Δw{_sub(i + 1)} = {vec(lt.weight_delta)}" for i, lt in enumerate(layers)]
    steps_latex = (
        r"\begin{gathered}"
        + r" \\ ".join(
            rf"\Delta W^{{({i + 1})}} = \eta\,{_delta_tex(i, n)}\,{_tex_sym(sym[i])} = "
            + _texmat(lt.weight_delta)
            for i, lt in enumerate(layers)
        )
        + r"\end{gathered}"
    )
    if has_b:
        parts.append("Δb = η·δ" + ("" if net.train_biases else " (biases frozen: not applied)"))
    add(
        "steps",
        "Weight steps",
        "Δw = η·δ·input   " + "   ".join(parts),
        steps_latex,
        dws,
        "Δw",
    )

    news = [lt.new_weights for lt in layers]
    add(
        "new",
        "New weights",
        f"w ← w + Δw   E: {fmt(trace.loss_before)} → {fmt(trace.loss_after)}",
        rf"w \leftarrow w + \Delta w,\qquad E:\ {tex(trace.loss_before)} \rightarrow "
        rf"{tex(trace.loss_after)}",
        news,
        "new w",
    )

    # The resting picture: every unit's activation and error term, every edge's step.
    text[0] = [f"x={fmt(v)}" for v in x]
    values[0] = None
    for i, lt in enumerate(layers):
        text[i + 1] = [
            f"{sym[i + 1]}={fmt(a)}<br>δ={fmt(d)}"
            for a, d in zip(lt.output[r], lt.error_term[r], strict=True)
        ]
        values[i + 1] = lt.error_term[r]
    add(
        WHOLE,
        WHOLE_TITLE,
        f"units: a and δ · edges: Δw = η·δ·input (colour: sign, width: size) · "
        f"E: {fmt(trace.loss_before)} → {fmt(trace.loss_after)}",
        rf"\Delta w = \eta\,\delta\,\text{{input}}\ \text{{on every edge}},\qquad E:\ "
        rf"{tex(trace.loss_before)} \rightarrow {tex(trace.loss_after)}",
        dws,
        "Δw",
    )
    return stages


def _delta_tex(layer: int, n_layers: int) -> str:
    """δ of a weight layer (0-based) in the lesson's notation: δ^o, δ^h, else δ^(l)."""
    if layer == n_layers - 1:
        return r"\delta^o"
    return r"\delta^h" if n_layers == 2 else rf"\delta^{{({layer + 1})}}"


def _delta_txt(layer: int, n_layers: int) -> str:
    if layer == n_layers - 1:
        return "δᵒ"
    return "δʰ" if n_layers == 2 else f"δ{_sup(layer + 1)}"


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _tex_sym(symbol: str) -> str:
    table = {"x": "x", "ŷ": r"\hat y", "a": "a"}
    if symbol in table:
        return table[symbol]
    digits = symbol[1:].translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
    return rf"a^{{({digits})}}"


def _texmat(m: Array) -> str:
    rows = r" \\ ".join(" & ".join(tex(v) for v in row) for row in np.atleast_2d(m))
    return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"
