"""Quiz questions: every answer re-derived from the core's numbers, seeds repeatable and
covering every kind that applies, and ties never asked with a wrong answer."""

import re

import numpy as np
import pytest
from hypothesis import given, settings

from backprop_viz.core.config import parse_config
from backprop_viz.core.params import ParamRef
from backprop_viz.errors import ConfigError
from backprop_viz.explain.presets import STEP_PRESETS, load_preset, preset_dict
from backprop_viz.explain.quiz import KINDS, Question, question
from backprop_viz.explain.stages import build_stages
from tests.strategies import step_configs

SEEDS = (*range(12), 2**31 + 5, 2**32 - 1)
SUB = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉", strict=True))
SUP = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True))


def sub(i: int) -> str:
    return "".join(SUB[c] for c in str(i))


def sup(i: int) -> str:
    return "".join(SUP[c] for c in str(i))


# --- the oracle: what each question must say, from the trace's own numbers ----------------


def deltas(trace, unit_layer):
    """|δ| of the first record's units in unit layer 1…n (the inputs have none)."""
    return np.abs(trace.layers[unit_layer - 1].error_term[0])


def unit_label(n_layers: int, unit_layer: int, unit: int) -> str:
    """The lesson's name of a unit, spelled out here independently of the notation module."""
    if unit_layer == 0:
        return "x" + sub(unit + 1)
    if unit_layer == n_layers:
        return "ŷ" + sub(unit + 1)
    return "a" + (sup(unit_layer) if n_layers > 2 else "") + sub(unit + 1)


def applicable(trace) -> set[str]:
    """The kinds a step allows: a weight that changes value, two hidden units of one layer
    with unequal |δ|, a finite loss, an output and a hidden unit with unequal |δ|."""
    n = trace.network.n_layers
    kinds = {"loss_change"}
    old, new = trace.network.weights, trace.new_network.weights
    if any(np.any(a != b) for a, b in zip(old, new, strict=True)):
        kinds.add("weight_sign")
    hidden = [deltas(trace, u) for u in range(1, n)]
    if any(len(set(d.tolist())) > 1 for d in hidden):
        kinds.add("larger_delta")
    out = deltas(trace, n)
    if any(o != h for o in out for d in hidden for h in d):
        kinds.add("output_vs_hidden")
    return kinds


def parse_number(text: str) -> float:
    return float(text.replace("−", "-"))


def check(trace, q: Question) -> None:
    """`q`'s answer, options, stage, names and numbers, against the trace."""
    n = trace.network.n_layers
    stage_keys = [s.key for s in build_stages(trace)]
    assert q.kind in KINDS and q.kind in applicable(trace)
    assert q.stage in stage_keys
    assert 0 <= q.answer < len(q.options) and len(set(q.options)) == len(q.options)
    assert q.prompt and "\n" not in q.prompt
    first = " (first record)" in q.prompt
    assert first == (q.kind in ("larger_delta", "output_vs_hidden") and len(trace.inputs) > 1)

    if q.kind == "weight_sign":
        ref = q.param
        assert ref is not None and ref.kind == "weight"
        i, (j, k) = ref.layer, ref.index
        old = trace.network.weights[i][j, k]
        new = trace.new_network.weights[i][j, k]
        assert new != old  # a tie is never asked
        assert q.options[q.answer] == ("up" if new > old else "down")
        assert q.stage == "steps"
        assert q.units == ((i, j), (i + 1, k))
        symbol = "w" + (sup(i + 1) if n > 1 else "") + sub(j + 1) + sub(k + 1)
        assert symbol in q.prompt
        assert unit_label(n, i, j) in q.prompt and unit_label(n, i + 1, k) in q.prompt
        # The revealed step has the step's sign and size (3 significant digits).
        m = re.match(rf"^Δ{symbol} = (\S+), so {symbol}: (\S+) → (\S+)$", q.reveal)
        assert m, q.reveal
        dw = trace.layers[i].weight_delta[j, k]
        assert parse_number(m[1]) == pytest.approx(dw, rel=5e-3)
        assert parse_number(m[2]) == pytest.approx(old, rel=5e-3)
        assert parse_number(m[3]) == pytest.approx(new, rel=5e-3)
        assert (parse_number(m[3]) > parse_number(m[2])) == (new > old)
    elif q.kind == "larger_delta":
        (l1, j1), (l2, j2) = q.units
        assert l1 == l2 and 1 <= l1 < n and j1 != j2
        d = deltas(trace, l1)
        assert d[j1] != d[j2]
        assert q.answer == (0 if d[j1] > d[j2] else 1)
        assert q.options == (unit_label(n, l1, j1), unit_label(n, l1, j2))
        assert q.stage == f"delta-{l1}"
        assert q.param is None
        shown = [parse_number(v) for v in re.findall(r"\| = (\S+?)(?:,|$)", q.reveal)]
        assert shown == pytest.approx([d[j1], d[j2]], rel=5e-3)
    elif q.kind == "loss_change":
        before, after = trace.loss_before, trace.loss_after
        right = "lower" if after < before else "raise" if after > before else "leave it unchanged"
        assert q.options[q.answer] == right
        assert set(q.options) == {"lower", "raise", "leave it unchanged"}
        assert q.stage == "new"
        assert q.param == ParamRef("learning_rate")
        m = re.match(r"^E: (\S+) → (\S+)$", q.reveal)
        assert m, q.reveal
        assert parse_number(m[1]) == pytest.approx(before, rel=5e-3)
        assert parse_number(m[2]) == pytest.approx(after, rel=5e-3)
    else:
        (lo, k), (lh, j) = q.units
        assert lo == n and 1 <= lh < n
        d_out, d_hidden = deltas(trace, n)[k], deltas(trace, lh)[j]
        assert d_out != d_hidden
        assert q.options[q.answer] == ("bigger" if d_out > d_hidden else "smaller")
        assert q.stage == f"delta-{lh}"
        assert unit_label(n, n, k) in q.prompt and unit_label(n, lh, j) in q.prompt
        shown = [parse_number(v) for v in re.findall(r"\| = (\S+?)(?:,|$)", q.reveal)]
        assert shown == pytest.approx([d_out, d_hidden], rel=5e-3)


def check_all_seeds(trace) -> None:
    kinds = set()
    for seed in SEEDS:
        q = question(trace, seed)
        check(trace, q)
        assert question(trace, seed) == q  # the same seed, the same question
        kinds.add(q.kind)
    assert kinds == applicable(trace)  # the seeds reach every kind that applies


# --- presets and random networks ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STEP_PRESETS))
def test_every_preset(name):
    check_all_seeds(load_preset(name).step())


def test_the_lesson_allows_every_kind():
    trace = load_preset("lesson-step").step()
    assert {question(trace, s).kind for s in range(4)} == set(KINDS)


def test_a_fresh_trace_of_the_same_step_gives_the_same_questions():
    for seed in range(8):
        a = question(load_preset("two-output-biases").step(), seed)
        b = question(parse_config(preset_dict("two-output-biases")).step(), seed)
        assert a == b


traces = step_configs().map(lambda config: parse_config(config).step())


@settings(max_examples=100, deadline=None)
@given(traces)
def test_random_networks(trace):
    check_all_seeds(trace)


# --- ties -----------------------------------------------------------------------------------


def trace_of(**config):
    return parse_config(config).step()


def test_no_error_left_asks_only_about_the_loss_and_says_unchanged():
    # ŷ = 0.5·1 = y exactly: every δ is 0, no weight moves, E stays 0.
    trace = trace_of(
        inputs=[1.0], targets=[0.5], learning_rate=0.5, weights=[[0.5]], activations="identity"
    )
    assert trace.loss_before == trace.loss_after == 0.0
    for seed in SEEDS:
        q = question(trace, seed)
        assert q.kind == "loss_change" and q.options[q.answer] == "leave it unchanged"


def test_twin_hidden_units_are_never_compared():
    # Two hidden units with the same weights in and out: their δ are equal, so the only
    # hidden pair is a tie and "which is larger" must not be asked.
    trace = trace_of(
        inputs=[0.7],
        targets=[0.1],
        learning_rate=0.5,
        weights=[[[0.3, 0.3]], [0.8, 0.8]],
    )
    d = trace.layers[0].error_term[0]
    assert d[0] == d[1] != 0
    kinds = {question(trace, s).kind for s in SEEDS}
    assert kinds == {"weight_sign", "loss_change", "output_vs_hidden"}
    check_all_seeds(trace)


def test_equal_output_and_hidden_deltas_are_never_compared():
    # Identity units, one each, w = 1 out: the hidden δ equals the output δ exactly.
    trace = trace_of(
        inputs=[1.0],
        targets=[2.0],
        learning_rate=0.1,
        weights=[[[0.5]], [1.0]],
        activations="identity",
    )
    assert trace.layers[0].error_term[0, 0] == trace.layers[1].error_term[0, 0]
    assert "output_vs_hidden" not in {question(trace, s).kind for s in SEEDS}
    check_all_seeds(trace)


def test_a_step_too_small_to_change_a_weight_is_not_asked_about():
    # Inputs of 1e-20: the weights' steps are ~1e-21, nonzero, yet lost when added to w, so
    # no weight moves and the loss stays the same to the last bit.
    trace = trace_of(
        inputs=[1e-20, 2e-20], targets=[1.0], learning_rate=0.5, weights=[[[0.5], [0.2]]]
    )
    assert np.all(trace.layers[0].weight_delta != 0)
    assert np.array_equal(trace.new_network.weights[0], trace.network.weights[0])
    assert trace.loss_after == trace.loss_before
    for seed in SEEDS:
        q = question(trace, seed)
        assert q.kind == "loss_change" and q.options[q.answer] == "leave it unchanged"


def test_the_weights_of_a_dead_relu_unit_are_not_asked_about():
    # Hidden unit 2 has h = −2 < 0: it passes no error back and sends out a = 0, so neither
    # its incoming weights nor its outgoing one move; only the other three can be asked.
    trace = trace_of(
        inputs=[1.0, 1.0],
        targets=[1.0],
        learning_rate=0.5,
        weights=[[[1.0, -1.0], [1.0, -1.0]], [0.5, 0.5]],
        activations=["relu", "sigmoid"],
    )
    asked = {question(trace, s).param for s in range(200)}
    moved = {ParamRef("weight", 0, (0, 0)), ParamRef("weight", 0, (1, 0))}
    moved.add(ParamRef("weight", 1, (0, 0)))
    assert asked - {None, ParamRef("learning_rate")} == moved


# --- seeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, 2**32, True, 1.5, "3", None])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ConfigError):
        question(load_preset("lesson-step").step(), seed)


def test_numpy_integer_seeds_are_accepted():
    trace = load_preset("lesson-step").step()
    assert question(trace, np.int64(3)) == question(trace, 3)
