"""A step configuration written out as a self-contained NumPy script that trains the network
as the core does and prints the lesson's report of the first step."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.config import StepConfig, parse_config
from ..core.step import step
from ..errors import ConfigError
from ..limits import STEP_MAX_TAKE
from .notation import delta_txt
from .report import layer_names

Array = np.ndarray

_WIDTH = 96  # wrap generated lines longer than this (a readable script, near ruff's 100)
_FROZEN = " (biases frozen: not trained)"  # the report's note for frozen biases

# Each activation's source, its derivative's, and which value the derivative reads: the
# sigmoid's and tanh's are written from the activation a, as the lesson writes f′.
_ACTIVATION_CODE: dict[str, tuple[str, str, str]] = {
    "sigmoid": (
        '''def sigmoid(h):
    """Sigmoid: f(h) = 1 / (1 + e^(−h))."""
    # −h is capped at 709 so that e^(−h) stays a finite float (e^710 would overflow).
    return 1.0 / (1.0 + np.exp(np.minimum(-h, 709.0)))''',
        '''def sigmoid_prime(a):
    """The sigmoid's slope f′(h) = f(h)·(1 − f(h)), from the activation a = f(h)."""
    return a * (1.0 - a)''',
        "a",
    ),
    "tanh": (
        '''def tanh(h):
    """tanh: f(h) = (e^h − e^(−h)) / (e^h + e^(−h))."""
    return np.tanh(h)''',
        '''def tanh_prime(a):
    """tanh's slope f′(h) = 1 − f(h)², from the activation a = f(h)."""
    return 1.0 - a * a''',
        "a",
    ),
    "relu": (
        '''def relu(h):
    """ReLU: f(h) = max(0, h)."""
    return np.maximum(h, 0.0)''',
        '''def relu_prime(h):
    """ReLU's slope f′(h): 1 where h > 0, else 0 (0 at the kink, by convention)."""
    return (h > 0.0).astype(float)''',
        "h",
    ),
    "identity": (
        '''def identity(h):
    """Identity: f(h) = h."""
    return h''',
        '''def identity_prime(h):
    """The identity's slope f′(h) = 1."""
    return np.ones_like(h)''',
        "h",
    ),
}

# softmax: its units share one sum, so it has no per-unit slope; it comes only with
# cross-entropy, where δᵒ = y − ŷ and no f′ is needed.
_ACTIVATION_CODE["softmax"] = (
    '''def softmax(h):
    """softmax: ŷ_k = e^(h_k) / Σ_j e^(h_j), with h shifted by its largest value first (no
    exponential overflows; the shift cancels in the ratio)."""
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)''',
    "",
    "h",
)

_LOSS_CODE: dict[str, tuple[str, str]] = {
    # (the function, which forward value it reads: the output ŷ or its weighted sum h)
    "squared_error": (
        '''def error_function(output):
    """E = ½Σ(y − ŷ)² for each record (summed over the outputs), averaged over the records."""
    return float(np.sum(0.5 * (y - output) ** 2, axis=1).mean())''',
        "output",
    ),
    "cross_entropy": (
        '''def error_function(output_layer_input):
    """E = −Σ[y·ln ŷ + (1 − y)·ln(1 − ŷ)] for each record, averaged over the records.

    Written with the weighted sum h of the sigmoid output: ln ŷ = −ln(1 + e^(−h)) and
    ln(1 − ŷ) = −ln(1 + e^h), which np.logaddexp(0, ·) computes without ever taking ln 0.
    """
    h = output_layer_input
    per_output = y * np.logaddexp(0.0, -h) + (1.0 - y) * np.logaddexp(0.0, h)
    return float(np.sum(per_output, axis=1).mean())''',
        "output_layer_input",
    ),
    "softmax_cross_entropy": (
        '''def error_function(output_layer_input):
    """E = −Σ_k y_k·ln ŷ_k for each record, averaged over the records.

    Written with the weighted sums h of the softmax output: ln ŷ_k = h_k − ln Σ_j e^(h_j),
    with h shifted by its largest value first (never ln 0, never an overflow).
    """
    h = output_layer_input
    shifted = h - h.max(axis=1, keepdims=True)
    log_output = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(np.sum(-(y * log_output), axis=1).mean())''',
        "output_layer_input",
    ),
}


def _loss_key(cfg: StepConfig) -> str:
    """Which error function the script writes: the softmax form for k classes."""
    loss = cfg.network.loss
    return "softmax_cross_entropy" if loss.categorical else loss.name


def python_script(config: Mapping[str, Any], steps: int = 1) -> str:
    """A Python script (NumPy only) that builds the configured network, takes `steps`
    training steps exactly as the core does, and prints `describe_step`'s report of the
    first step, then (for several steps) the loss after each step and after the last.

    Raises ConfigError for a malformed configuration, for `steps` outside 1…STEP_MAX_TAKE,
    and for a run the core refuses (a step that overflows).
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise ConfigError("The number of steps must be a whole number.")
    if not 1 <= steps <= STEP_MAX_TAKE:
        raise ConfigError(f"The number of steps must be from 1 to {STEP_MAX_TAKE}; got {steps}.")
    cfg = parse_config(config)
    # The script has no guard of its own: take the run here first, so that a run the core
    # refuses (it overflows) is refused before any script is written for it.
    with np.errstate(all="ignore"):  # a refused run gets the core's message, no warnings
        trace = cfg.step()
        for _ in range(int(steps) - 1):
            trace = step(trace.new_network, cfg.inputs, cfg.targets, cfg.learning_rate)
    return _Script(cfg, int(steps)).text()


class _Script:
    """The generated script's parts, with the lesson's names for every variable."""

    def __init__(self, cfg: StepConfig, steps: int) -> None:
        self.cfg = cfg
        self.steps = steps
        net = cfg.network
        self.n = net.n_layers
        hidden = self.n - 1
        mids = ["hidden"] if hidden == 1 else [f"hidden{i}" for i in range(1, hidden + 1)]
        self.word = ["input", *mids, "output"]  # unit layers, as variable names spell them
        self.has_b = net.biases is not None
        self.train_b = self.has_b and net.train_biases

    # --- names ------------------------------------------------------------------------

    def weights(self, i: int) -> str:
        return f"weights_{self.word[i]}_{self.word[i + 1]}"

    def bias(self, i: int) -> str:
        return f"bias_{self.word[i + 1]}"

    def summed(self, i: int) -> str:  # h of weight layer i
        return "output_layer_input" if i == self.n - 1 else f"{self.word[i + 1]}_input"

    def activated(self, i: int) -> str:  # a = f(h) of weight layer i
        return "output" if i == self.n - 1 else f"{self.word[i + 1]}_output"

    def layer_input(self, i: int) -> str:
        return "x" if i == 0 else self.activated(i - 1)

    def error(self, i: int) -> str:
        return "error" if i == self.n - 1 else f"{self.word[i + 1]}_error"

    def term(self, i: int) -> str:
        return "output_error_term" if i == self.n - 1 else f"{self.word[i + 1]}_error_term"

    def params(self) -> list[str]:
        names = [self.weights(i) for i in range(self.n)]
        return names + ([self.bias(i) for i in range(self.n)] if self.has_b else [])

    # --- the script, section by section -------------------------------------------------

    def text(self) -> str:
        sections = [
            self.docstring() + "\n\nimport numpy as np\n\n" + self.problem(),
            *self.functions(),
            self.forward(),
            self.training(),
            self.summary(),
        ]
        return "\n\n\n".join(s for s in sections if s) + "\n"

    def docstring(self) -> str:
        net = self.cfg.network
        sizes = "-".join(map(str, net.sizes))
        acts = ", ".join(f"{a.name} ({self.word[i + 1]})" for i, a in enumerate(net.activations))
        records = self.cfg.inputs.shape[0]
        if not self.has_b:
            biases = "No biases."
        else:
            biases = "Biases" + (
                " (trained)." if net.train_biases else ", frozen: they do not train."
            )
        loss = "E = ½Σ(y − ŷ)²" if net.loss.name == "squared_error" else "cross-entropy"
        sums = (
            "`output_layer_input`"
            if self.n == 1
            else f"`{self.summed(0)}`, …, `output_layer_input`"
        )
        header = textwrap.fill(
            f"Activations: {acts}. Loss: {loss}. {biases} {_count(records, 'record')}, "
            f"{_count(self.steps, 'training step')} (`n_steps`).",
            88,
        )
        h = "h = x·W + b    " if self.has_b else "h = x·W        "
        return f'''"""Backpropagation written out with NumPy, on a {sizes} network.

{header}

Made by backprop-viz from a step configuration. It prints the app's report of the first
step: the weight steps, the forward values of the first record, the error y − ŷ and the
loss before and after; with several steps, then the loss after each of them.

The lesson's notation, as the variable names spell it:
    x               the inputs, one record per row; y the targets
    {h} a layer's weighted sum ({sums})
    a = f(h)        a layer's activation (`…_output`); the network's output ŷ is `output`
    E               the error the step lowers, averaged over the records
    δ = −∂E/∂h      a unit's error term (`…_error_term`): which way, and how hard, to push h
    η               the learning rate (`learnrate`)
    Δw = η·δ·input  a weight's step (`del_w_…`), averaged over the records; w ← w + Δw
"""'''

    def problem(self) -> str:
        cfg, net = self.cfg, self.cfg.network
        lines = [
            "# The problem: one record per row of x (the inputs) and y (the targets).",
            _assign("x", cfg.inputs),
            _assign("y", cfg.targets),
            f"learnrate = {float(cfg.learning_rate)!r}  # η",
            "n_records = x.shape[0]",
            f"n_steps = {self.steps}",
            "",
            "# Weights are (units in × units out): row j, column k is the weight w_jk on the edge",
            "# from unit j of one layer to unit k of the next.",
        ]
        lines += [_assign(self.weights(i), w) for i, w in enumerate(net.weights)]
        if self.has_b:
            note = "" if net.train_biases else " They are frozen: a step leaves them as they are."
            lines += ["", f"# One bias per unit, added to its weighted sum.{note}"]
            lines += [_assign(self.bias(i), b) for i, b in enumerate(net.biases)]
        return "\n".join(lines)

    def functions(self) -> list[str]:
        used = list(dict.fromkeys(a.name for a in self.cfg.network.activations))
        parts = ["\n\n\n".join(p for p in _ACTIVATION_CODE[name][:2] if p) for name in used]
        return [*parts, _LOSS_CODE[_loss_key(self.cfg)][0]]

    def forward(self) -> str:
        net = self.cfg.network
        lines = [
            f"def forward({', '.join(self.params())}):",
            '    """The forward pass: each layer\'s weighted sum h and activation a = f(h),',
            '    layer by layer (each layer\'s activations are the next layer\'s inputs)."""',
        ]
        returned = []
        for i, act in enumerate(net.activations):
            bias = f" + {self.bias(i)}" if self.has_b else ""
            lines.append(
                f"    {self.summed(i)} = {self.layer_input(i)} @ {self.weights(i)}{bias}"
                f"  # h = {'x' if i == 0 else 'a'}·W{' + b' if self.has_b else ''}"
            )
            comment = "ŷ = f(h)" if i == self.n - 1 else "a = f(h)"
            lines.append(f"    {self.activated(i)} = {act.name}({self.summed(i)})  # {comment}")
            returned += [self.summed(i), self.activated(i)]
        lines += _return("    ", returned)
        if len(lines[0]) > _WIDTH:
            lines[0:1] = ["def forward(", *(f"    {p}," for p in self.params()), "):"]
        return "\n".join(lines)

    def training(self) -> str:
        net = self.cfg.network
        ind = "    "
        values = [v for i in range(self.n) for v in (self.summed(i), self.activated(i))]
        lines = [
            "# Train: every step takes all the records at once (a batch step).",
            "losses = []  # E after each step",
            "for step in range(1, n_steps + 1):",
            f"{ind}# Forward pass.",
            *_call(ind, values, "forward", self.params()),
            f"{ind}loss_before = error_function({_LOSS_CODE[_loss_key(self.cfg)][1]})",
            "",
            f"{ind}# Backward pass: the error terms δ = −∂E/∂h, from the output layer back.",
            f"{ind}error = y - output  # y − ŷ",
        ]
        out = self.n - 1
        if net.loss.derivative_cancels:
            output = net.activations[-1].name
            lines += [
                f"{ind}# Cross-entropy with a {output} output: f′(h) cancels out of −∂E/∂h,",
                f"{ind}# so δᵒ is the output error itself"
                + (" (per class)." if output == "softmax" else "."),
                f"{ind}output_error_term = error  # δᵒ = y − ŷ",
            ]
        else:
            lines.append(
                f"{ind}output_error_term = {self.slope(out, 'error')}  # δᵒ = (y − ŷ)·f′(h)"
            )
        if self.n > 1:
            lines += [
                f"{ind}# Each hidden unit j gets the error terms of the layer above it, weighted",
                f"{ind}# by the edges between: error_j = Σ_k δ_k·w_jk (a product with W.T).",
            ]
        for i in range(self.n - 2, -1, -1):
            lines += [
                f"{ind}{self.error(i)} = {self.term(i + 1)} @ {self.weights(i + 1)}.T",
                f"{ind}{self.term(i)} = {self.slope(i, self.error(i))}"
                f"  # {delta_txt(i, self.n)} = error·f′(h)",
            ]
        lines += ["", *self.update_lines(ind), "", *self.loss_after_lines(ind), "", *self.report()]
        return "\n".join(lines)

    def slope(self, i: int, error: str) -> str:
        """`error` times f′ of weight layer i's units, from h or a as that f′ reads."""
        name = self.cfg.network.activations[i].name
        reads = self.summed(i) if _ACTIVATION_CODE[name][2] == "h" else self.activated(i)
        return f"{error} * {name}_prime({reads})"

    def update_lines(self, ind: str) -> list[str]:
        lines = [
            f"{ind}# Update: Δw = η·δ·input on every edge, summed over the records and divided",
            f"{ind}# by their number (x.T @ δ sums input_j·δ_k over the records for every edge).",
        ]
        for i in range(self.n - 1, -1, -1):
            lines.append(
                f"{ind}del_w_{self.word[i]}_{self.word[i + 1]} = "
                f"learnrate * ({self.layer_input(i)}.T @ {self.term(i)}) / n_records"
            )
        if self.train_b:
            lines.append(f"{ind}# Δb = η·δ: a bias is a weight from an input that is always 1.")
            for i in range(self.n):
                lines.append(
                    f"{ind}del_b_{self.word[i + 1]} = "
                    f"learnrate * {self.term(i)}.sum(axis=0) / n_records"
                )
        elif self.has_b:
            lines.append(f"{ind}# The biases are frozen: they do not move, so their step is 0.")
            for i in range(self.n):
                lines.append(f"{ind}del_b_{self.word[i + 1]} = np.zeros_like({self.bias(i)})")
        lines.append(f"{ind}# w ← w + Δw")
        for i in range(self.n - 1, -1, -1):
            w = self.weights(i)
            lines.append(f"{ind}{w} = {w} + del_w_{self.word[i]}_{self.word[i + 1]}")
        if self.train_b:
            lines.append(f"{ind}# b ← b + Δb")
            for i in range(self.n - 1, -1, -1):
                lines.append(f"{ind}{self.bias(i)} = {self.bias(i)} + del_b_{self.word[i + 1]}")
        return lines

    def loss_after_lines(self, ind: str) -> list[str]:
        reads = _LOSS_CODE[_loss_key(self.cfg)][1]
        pick = "[-1]" if reads == "output" else "[-2]"  # forward returns …, h, ŷ
        return [
            f"{ind}# E again, with the new weights: did the step lower it?",
            *_call(ind, [f"new_{reads}"], "forward", self.params(), pick),
            f"{ind}loss_after = error_function(new_{reads})",
            f"{ind}losses.append(loss_after)",
        ]

    def report(self) -> list[str]:
        """The first step's report, line for line as the app's `describe_step` prints it."""
        net = self.cfg.network
        ind = "        "
        names = layer_names(self.n)
        lines = [
            "    if step == 1:",
            f"{ind}# The report of the first step (values of the first record, x[0]).",
            f"{ind}loss_at_start = loss_before",
        ]
        for i in range(self.n - 1, -1, -1):
            delta = f"del_w_{self.word[i]}_{self.word[i + 1]}"
            one_unit = net.weights[i].shape[1] == 1
            lines.append(f'{ind}print("Change in weights for {names[i]} to {names[i + 1]}:")')
            # A layer of one unit is printed as a flat vector, as the lesson prints it.
            lines.append(f"{ind}print({delta}[:, 0])" if one_unit else f"{ind}print({delta})")
        if self.has_b:
            frozen = "" if net.train_biases else _FROZEN
            for i in range(self.n):
                lines.append(
                    f'{ind}print(f"Change in biases of {names[i + 1]}: '
                    f'{{del_b_{self.word[i + 1]}}}{frozen}")'
                )
        lines.append(f"{ind}print()")
        for i in range(self.n):
            text = (
                f"{names[i + 1]}: weighted sum {{{self.summed(i)}[0]}}, "
                f"output {{{self.activated(i)}[0]}}"
            )
            lines.append(f'{ind}print(f"{text}")')
        lines += [
            f'{ind}print(f"error y - y_hat: {{error[0]}}")',
            f'{ind}print(f"loss before: {{loss_before!r}}  after: {{loss_after!r}}")',
        ]
        return lines

    def summary(self) -> str:
        return "\n".join(
            [
                "# After several steps: the loss after each step, then before and after them all.",
                "if n_steps > 1:",
                "    print()",
                "    for step, loss in enumerate(losses, start=1):",
                '        print(f"loss after step {step}: {loss!r}")',
                '    print(f"loss before: {loss_at_start!r}  '
                'after {n_steps} steps: {losses[-1]!r}")',
            ]
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _literal(a: Array) -> str:
    """An array's values as a Python list literal; repr round-trips every float exactly."""
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(_literal(row) for row in a) + "]"


def _assign(name: str, a: Array) -> str:
    """`name = np.array(...)`, on one line if it fits, else one row per line."""
    line = f"{name} = np.array({_literal(a)})"
    if len(line) <= _WIDTH or a.ndim == 1:
        return line
    rows = "\n".join(f"        {_literal(row)}," for row in a)
    return f"{name} = np.array(\n    [\n{rows}\n    ]\n)"


def _call(ind: str, targets: list[str], func: str, args: list[str], after: str = "") -> list[str]:
    """`targets = func(args)after` at indent `ind`: on one line if it fits, else with the
    arguments one per line (and the targets too, when they alone are too long)."""
    lhs = ", ".join(targets)
    line = f"{ind}{lhs} = {func}({', '.join(args)}){after}"
    if len(line) <= _WIDTH:
        return [line]
    opening = f"{ind}{lhs} = {func}("
    left: list[str] = []
    if len(targets) > 1 and len(opening) > _WIDTH:
        left = [f"{ind}(", *(f"{ind}    {t}," for t in targets)]
        opening = f"{ind}) = {func}("
    return [*left, opening, *(f"{ind}    {a}," for a in args), f"{ind}){after}"]


def _return(ind: str, names: list[str]) -> list[str]:
    """`return a, b, c` at indent `ind`, the names one per line when too long."""
    line = f"{ind}return {', '.join(names)}"
    if len(line) <= _WIDTH:
        return [line]
    return [f"{ind}return (", *(f"{ind}    {n}," for n in names), f"{ind})"]
