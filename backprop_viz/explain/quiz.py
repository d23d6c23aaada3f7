"""Predict-then-reveal questions drawn from a live step, each answered by the step's own
numbers and never posed where a tie would make its answer wrong."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ..core.params import ParamRef
from ..core.step import StepTrace
from ..errors import ConfigError
from ..limits import MAX_SEED
from .notation import (
    delta_txt,
    fmt,
    layer_titles,
    param_symbol,
    sub,
    unit_name,
)

# The kinds of question, in the order a seed cycles through those that apply.
WEIGHT_SIGN = "weight_sign"  # will this weight go up or down?
LARGER_DELTA = "larger_delta"  # which of two hidden units gets the larger |δ|?
LOSS_CHANGE = "loss_change"  # will this step lower or raise the loss?
OUTPUT_VS_HIDDEN = "output_vs_hidden"  # is an output |δ| bigger than a hidden one?
KINDS = (WEIGHT_SIGN, LARGER_DELTA, LOSS_CHANGE, OUTPUT_VS_HIDDEN)

UP, DOWN = "up", "down"
LOWER, RAISE, UNCHANGED = "lower", "raise", "leave it unchanged"
BIGGER, SMALLER = "bigger", "smaller"

_CLEAR = 0.01  # a difference under 1% of the larger value is a poor question: asked last


@dataclass(frozen=True)
class Question:
    """One question about a step: what to ask, the choices, which is right, and what to show
    when revealing it.

    `units` names the units the question is about as (unit layer, unit), unit layer 0 being
    the inputs: an edge's two ends, the two units compared (in the order of `options` for
    `larger_delta`; output unit first for `output_vs_hidden`), or none.
    """

    kind: str
    prompt: str
    options: tuple[str, ...]
    answer: int  # index into options
    reveal: str  # the deciding number(s), e.g. "Δw¹₁₂ = −0.00177"
    stage: str  # the key of the diagram's stage that shows them
    param: ParamRef | None = None  # the highlighted control, if any
    units: tuple[tuple[int, int], ...] = ()


def question(trace: StepTrace, seed: int) -> Question:
    """A question about this step, the same for the same seed; consecutive seeds take turns
    among the kinds that apply to this network and step.

    Raises ConfigError for a seed outside 0…MAX_SEED.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ConfigError("A question's seed must be a whole number.")
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"A question's seed must be from 0 to {MAX_SEED}; got {seed}.")
    found = (
        _weight_sign(trace),
        _larger_delta(trace),
        _loss_change(trace),
        _output_vs_hidden(trace),
    )
    makers = [m for m in found if m is not None]  # in the order of KINDS
    if not makers:
        # Only a step whose loss is not finite leaves nothing to ask; the core refuses most.
        raise ConfigError("This step has nothing to ask about: its loss is not finite.")
    rng = np.random.default_rng(int(seed))
    return makers[int(seed) % len(makers)](rng)


Maker = Callable[[np.random.Generator], Question]
T = TypeVar("T")


def _pick(rng: np.random.Generator, candidates: list[T], clear: list[bool]) -> T:
    """One candidate, drawn among the clear ones when there are any."""
    pool = [c for c, ok in zip(candidates, clear, strict=True) if ok] or candidates
    return pool[int(rng.integers(len(pool)))]


def _is_clear(a: float, b: float) -> bool:
    return abs(a - b) >= _CLEAR * max(abs(a), abs(b))


def _pair(a: float, b: float) -> tuple[str, str]:
    """Two different numbers written with as few digits (at least 3) as tell them apart."""
    digits = 3
    while digits < 17 and fmt(a, digits) == fmt(b, digits):
        digits += 1
    return fmt(a, digits), fmt(b, digits)


def _record_note(trace: StepTrace) -> str:
    # Error terms differ from record to record; the diagram shows the first record's.
    return " (first record)" if trace.inputs.shape[0] > 1 else ""


def _delta_name(trace: StepTrace, layer: int, unit: int) -> str:
    """A unit's error term by weight layer: δᵒ₁, δʰ₂ or δ¹₂ (units from 1)."""
    return f"{delta_txt(layer, trace.network.n_layers)}{sub(unit + 1)}"


# --- (a) will this weight go up or down? ----------------------------------------------------


def _weight_sign(trace: StepTrace) -> Maker | None:
    net = trace.network
    # A step too small to change a weight's value in floating point asks nothing.
    edges = [
        (i, j, k)
        for i, (old, new) in enumerate(zip(net.weights, trace.new_network.weights, strict=True))
        for j, k in itertools.product(range(old.shape[0]), range(old.shape[1]))
        if new[j, k] != old[j, k]
    ]
    if not edges:
        return None
    steps = [abs(float(trace.layers[i].weight_delta[j, k])) for i, j, k in edges]
    largest = max(steps)

    def make(rng: np.random.Generator) -> Question:
        i, j, k = _pick(rng, edges, [s >= _CLEAR * largest for s in steps])
        n = net.n_layers
        ref = ParamRef("weight", i, (j, k))
        sym = param_symbol(ref, n)
        old = float(net.weights[i][j, k])
        new = float(trace.new_network.weights[i][j, k])
        before, after = _pair(old, new)
        return Question(
            kind=WEIGHT_SIGN,
            prompt=(
                f"The weight {sym} joins {unit_name(n, i, j)} to {unit_name(n, i + 1, k)} and "
                f"is now {before}. Will this step make it go up or down?"
            ),
            options=(UP, DOWN),
            answer=0 if new > old else 1,
            reveal=(
                f"Δ{sym} = {fmt(trace.layers[i].weight_delta[j, k], 3)}, "
                f"so {sym}: {before} → {after}"
            ),
            stage="steps",
            param=ref,
            units=((i, j), (i + 1, k)),
        )

    return make


# --- (b) which hidden unit gets the larger |δ|? ---------------------------------------------


def _larger_delta(trace: StepTrace) -> Maker | None:
    n = trace.network.n_layers
    pairs = [
        (i, j1, j2)
        for i in range(n - 1)  # the hidden layers, by the weight layer that feeds them
        for j1, j2 in itertools.combinations(range(trace.layers[i].error_term.shape[1]), 2)
        if abs(trace.layers[i].error_term[0, j1]) != abs(trace.layers[i].error_term[0, j2])
    ]
    if not pairs:
        return None
    sizes = [
        (
            abs(float(trace.layers[i].error_term[0, j1])),
            abs(float(trace.layers[i].error_term[0, j2])),
        )
        for i, j1, j2 in pairs
    ]

    def make(rng: np.random.Generator) -> Question:
        i, j1, j2 = _pick(rng, pairs, [_is_clear(a, b) for a, b in sizes])
        d1, d2 = (abs(float(trace.layers[i].error_term[0, j])) for j in (j1, j2))
        u1, u2 = unit_name(n, i + 1, j1), unit_name(n, i + 1, j2)
        t1, t2 = _pair(d1, d2)
        return Question(
            kind=LARGER_DELTA,
            prompt=(
                f"In the {layer_titles(n)[i + 1]} layer, which unit gets the larger error term "
                f"|δ|{_record_note(trace)}: {u1} or {u2}?"
            ),
            options=(u1, u2),
            answer=0 if d1 > d2 else 1,
            reveal=f"|{_delta_name(trace, i, j1)}| = {t1}, |{_delta_name(trace, i, j2)}| = {t2}",
            stage=f"delta-{i + 1}",
            units=((i + 1, j1), (i + 1, j2)),
        )

    return make


# --- (c) will this step lower or raise the loss? --------------------------------------------


def _loss_change(trace: StepTrace) -> Maker | None:
    before, after = trace.loss_before, trace.loss_after
    if not (np.isfinite(before) and np.isfinite(after)):
        return None

    def make(rng: np.random.Generator) -> Question:
        shown = _pair(before, after) if before != after else (fmt(before),) * 2
        return Question(
            kind=LOSS_CHANGE,
            prompt=(
                f"With η = {fmt(trace.learning_rate)}, will this step lower or raise the "
                f"loss E (now {shown[0]})?"
            ),
            # An unchanged loss is rare but possible (no error left, or dead units): it has
            # its own option, so the question is never asked with no right answer.
            options=(LOWER, RAISE, UNCHANGED),
            answer=0 if after < before else 1 if after > before else 2,
            reveal=f"E: {shown[0]} → {shown[1]}",
            stage="new",
            param=ParamRef("learning_rate"),
        )

    return make


# --- (d) is an output |δᵒ| bigger or smaller than a hidden |δ|? ---------------------------


def _output_vs_hidden(trace: StepTrace) -> Maker | None:
    n = trace.network.n_layers
    out = trace.layers[-1].error_term[0]
    pairs = [
        (k, i, j)
        for k in range(out.size)
        for i in range(n - 1)
        for j in range(trace.layers[i].error_term.shape[1])
        if abs(out[k]) != abs(trace.layers[i].error_term[0, j])
    ]
    if not pairs:
        return None
    sizes = [
        (abs(float(out[k])), abs(float(trace.layers[i].error_term[0, j]))) for k, i, j in pairs
    ]

    def make(rng: np.random.Generator) -> Question:
        k, i, j = _pick(rng, pairs, [_is_clear(a, b) for a, b in sizes])
        d_out, d_hidden = abs(float(out[k])), abs(float(trace.layers[i].error_term[0, j]))
        t_out, t_hidden = _pair(d_out, d_hidden)
        o_name, h_name = _delta_name(trace, n - 1, k), _delta_name(trace, i, j)
        return Question(
            kind=OUTPUT_VS_HIDDEN,
            prompt=(
                f"Is the output error term |{o_name}| (at {unit_name(n, n, k)}) bigger or "
                f"smaller than the error term |{h_name}| of the hidden unit "
                f"{unit_name(n, i + 1, j)}{_record_note(trace)}?"
            ),
            options=(BIGGER, SMALLER),
            answer=0 if d_out > d_hidden else 1,
            reveal=f"|{o_name}| = {t_out}, |{h_name}| = {t_hidden}",
            # The hidden unit's δ is found after the output's: its stage shows both.
            stage=f"delta-{i + 1}",
            units=((n, k), (i + 1, j)),
        )

    return make
