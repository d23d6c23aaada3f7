"""How numbers and symbols are written: significant digits, real minus signs, LaTeX, and the
lesson's names for units (x₁, a₁, ŷ₁), layers, error terms (δᵒ, δʰ) and parameters (w¹₁₂)."""

from __future__ import annotations

import math

import numpy as np

from ..core.params import ParamRef

Array = np.ndarray

MINUS = "\u2212"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sub(i: int | str) -> str:
    """Digits as subscripts: 12 → ₁₂."""
    return str(i).translate(_SUB)


def sup(i: int | str) -> str:
    """Digits as superscripts: 2 → ²."""
    return str(i).translate(_SUP)


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


def duration(seconds: float) -> str:
    """A time as a person says it: "90 seconds", "1 minute", "3 minutes", "2 hours"."""

    def count(n: float, unit: str) -> str:
        n = round(n)
        return f"{n} {unit}" if n == 1 else f"{n} {unit}s"

    if seconds < 120:
        return count(seconds, "second")
    if seconds < 7200:
        return count(seconds / 60, "minute")
    return count(seconds / 3600, "hour")


def unit_symbols(n_layers: int) -> list[str]:
    """Plain-text symbols for each unit layer's values: x, a¹ (or a), ..., ŷ."""
    hidden = n_layers - 1
    mids = ["a"] if hidden == 1 else [f"a{sup(i)}" for i in range(1, hidden + 1)]
    return ["x", *mids, "ŷ"]


def unit_name(n_layers: int, layer: int, unit: int) -> str:
    """One unit's name: x₁ for inputs, a₁ (a¹₁ with several hidden layers), ŷ₁ for outputs;
    `layer` counts unit layers from 0 (the inputs), `unit` from 0."""
    return f"{unit_symbols(n_layers)[layer]}{sub(unit + 1)}"


def unit_names(sizes: tuple[int, ...]) -> list[list[str]]:
    """Every unit's name, layer by layer, for a network of these sizes."""
    return [[unit_name(len(sizes) - 1, i, j) for j in range(n)] for i, n in enumerate(sizes)]


def layer_titles(n_layers: int) -> list[str]:
    """Names of the unit layers: input, hidden (numbered if several), output."""
    hidden = n_layers - 1
    mids = ["hidden"] if hidden == 1 else [f"hidden {i}" for i in range(1, hidden + 1)]
    return ["input", *mids, "output"]


def param_symbol(ref: ParamRef, n_layers: int) -> str:
    """A control's symbol as the page and the diagram write it: w₁₂ (w¹₁₂ with several
    weight layers), b₁, x₁, y₁, η; units count from 1 as in the lesson."""
    units = sub("".join(str(i + 1) for i in ref.index))
    layer = "" if n_layers == 1 else sup(ref.layer + 1)
    if ref.kind == "weight":
        return f"w{layer}{units}"
    if ref.kind == "bias":
        return f"b{layer}{units}"
    if ref.kind == "learning_rate":
        return "η"
    return f"{'x' if ref.kind == 'input' else 'y'}{units}"


def param_place(ref: ParamRef, sizes: tuple[int, ...]) -> str:
    """Where a weight or bias sits, by its units: "w(x₁ → a₂)" or "b(ŷ₁)"."""
    names = unit_names(sizes)
    if ref.kind == "weight":
        return f"w({names[ref.layer][ref.index[0]]} → {names[ref.layer + 1][ref.index[1]]})"
    return f"b({names[ref.layer + 1][ref.index[0]]})"


def delta_tex(layer: int, n_layers: int) -> str:
    """δ of a weight layer (0-based) in the lesson's notation: δ^o, δ^h, else δ^(l)."""
    if layer == n_layers - 1:
        return r"\delta^o"
    return r"\delta^h" if n_layers == 2 else rf"\delta^{{({layer + 1})}}"


def delta_txt(layer: int, n_layers: int) -> str:
    if layer == n_layers - 1:
        return "δᵒ"
    return "δʰ" if n_layers == 2 else f"δ{sup(layer + 1)}"


def tex_symbol(symbol: str) -> str:
    table = {"x": "x", "ŷ": r"\hat y", "a": "a"}
    if symbol in table:
        return table[symbol]
    digits = symbol[1:].translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
    return rf"a^{{({digits})}}"


def texmat(m: Array) -> str:
    rows = r" \\ ".join(" & ".join(tex(v) for v in row) for row in np.atleast_2d(m))
    return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"
