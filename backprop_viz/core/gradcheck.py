"""Gradient check: backprop's ∂E/∂w against central finite differences, for every parameter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network, forward_pass, gradients, penalty
from .params import ParamRef
from .validate import as_problem, check_regularization

Array = np.ndarray


@dataclass(frozen=True)
class GradCheckRow:
    """One parameter: where it is, backprop's slope, the numeric slope, their relative error."""

    ref: ParamRef
    value: float
    analytic: float
    numeric: float
    relative_error: float

    @property
    def name(self) -> str:
        """ "W1[0,1]" (weight layer 1, from unit 0 to unit 1) or "b2[0]"."""
        return self.ref.name

    @property
    def kind(self) -> str:
        """ "weight" or "bias"."""
        return self.ref.kind

    @property
    def layer(self) -> int:
        """The weight layer, counted from 1."""
        return self.ref.layer + 1

    @property
    def index(self) -> tuple[int, ...]:
        """(from unit, to unit) for a weight, (unit,) for a bias; from 0."""
        return self.ref.index


def _relative_error(a: Array, b: Array) -> Array:
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)
    # Both slopes below 1e-12 agree as far as double precision can tell.
    return np.where(np.maximum(np.abs(a), np.abs(b)) < 1e-12, 0.0, np.abs(a - b) / scale)


def _numeric(
    network: Network,
    x: Array,
    y: Array,
    layer: int,
    kind: str,
    eps: float,
    rates: tuple[float, float] = (0.0, 0.0),
) -> Array:
    """Central differences (E(p + ε) − E(p − ε)) / 2ε for every parameter of one array,
    evaluated for all of them at once by stacking the perturbed copies on a leading axis.
    E includes the (λ₁, λ₂) penalty on the weights."""
    target = network.weights[layer] if kind == "weight" else network.biases[layer]
    count = target.size
    bump = np.eye(count).reshape(count, *target.shape) * eps
    results = []
    for sign in (1.0, -1.0):
        ws = list(network.weights)
        bs = None if network.biases is None else list(network.biases)
        if kind == "weight":
            ws[layer] = target[None] + sign * bump
        else:
            bs[layer] = target[None] + sign * bump
        fwd = forward_pass(network.with_parameters(ws, bs), x)
        e = network.loss.mean(y, fwd.output, fwd.weighted_sums[-1])
        results.append(e + penalty(ws, *rates) if rates[0] or rates[1] else e)
    return ((results[0] - results[1]) / (2.0 * eps)).reshape(target.shape)


def gradient_check(
    network: Network,
    inputs: object,
    targets: object,
    eps: float = 1e-6,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
) -> list[GradCheckRow]:
    """Compare backprop's gradient of the record-averaged loss E (plus the penalty
    λ₁·Σ|w| + (λ₂/2)·Σw² when `l1`/`l2` are given) with central differences.

    Every weight and every bias (frozen ones too: the slope exists even if not trained).
    L1's slope is not defined at w = 0 (backprop takes sign(0) = 0 there).
    """
    x, y = as_problem(network, inputs, targets)
    rates = (check_regularization(l1, "l1"), check_regularization(l2, "l2"))
    gw, gb = gradients(network, x, y, *rates)
    rows: list[GradCheckRow] = []
    kinds = [("weight", network.weights, gw)]
    if network.biases is not None:
        kinds.append(("bias", network.biases, gb))
    for kind, params, grads in kinds:
        for layer, (p, g) in enumerate(zip(params, grads, strict=True)):
            num = _numeric(network, x, y, layer, kind, eps, rates)
            rel = _relative_error(g, num)
            for idx in np.ndindex(p.shape):
                rows.append(
                    GradCheckRow(
                        ref=ParamRef(kind, layer, tuple(int(i) for i in idx)),
                        value=float(p[idx]),
                        analytic=float(g[idx]),
                        numeric=float(num[idx]),
                        relative_error=float(rel[idx]),
                    )
                )
    return rows
