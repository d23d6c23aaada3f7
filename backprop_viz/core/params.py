"""ParamRef: one number of a step problem (a weight, a bias, an input, a target or η), named.

Weights and biases are named as in the gradient check, "W2[0,1]" (weight layer 2, from unit
0 to unit 1, 0-based) and "b1[0]"; the other controls are "x[0]", "y[0]" and "eta". A name
parses back to the same reference, so a page can keep one in a widget or a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import ConfigError

Kind = Literal["weight", "bias", "input", "target", "learning_rate"]

_NAME = re.compile(r"^(?:(W|b)([1-9]\d?)\[(\d{1,2}(?:,\d{1,2})?)\]|(x|y)\[(\d{1,2})\]|(eta))$")


@dataclass(frozen=True)
class ParamRef:
    """Where one number sits: `layer` is the 0-based weight layer (weights and biases),
    `index` its (from, to) unit for a weight, (unit,) for a bias, input or target."""

    kind: Kind
    layer: int = 0
    index: tuple[int, ...] = ()

    @property
    def is_parameter(self) -> bool:
        """A weight or a bias: something a step changes."""
        return self.kind in ("weight", "bias")

    @property
    def name(self) -> str:
        """The compact name: "W1[0,1]", "b2[0]", "x[0]", "y[1]" or "eta"."""
        idx = ",".join(map(str, self.index))
        if self.kind == "weight":
            return f"W{self.layer + 1}[{idx}]"
        if self.kind == "bias":
            return f"b{self.layer + 1}[{idx}]"
        if self.kind == "learning_rate":
            return "eta"
        return f"{'x' if self.kind == 'input' else 'y'}[{idx}]"

    @classmethod
    def parse(cls, name: str) -> ParamRef:
        """The reference a `name` gives; ConfigError for anything else."""
        m = _NAME.match(str(name)[:20])
        if m is None:
            raise ConfigError('A parameter is named like "W1[0,1]", "b1[0]", "x[0]", "y[0]".')
        letter, layer, idx, xy, xy_idx, eta = m.groups()
        if eta:
            return cls("learning_rate")
        if xy:
            return cls("input" if xy == "x" else "target", 0, (int(xy_idx),))
        index = tuple(int(i) for i in idx.split(","))
        if (letter == "W") != (len(index) == 2):
            raise ConfigError(f"{name}: a weight has two indices, a bias one.")
        return cls("weight" if letter == "W" else "bias", int(layer) - 1, index)


def weight_refs(sizes: tuple[int, ...], biases: bool) -> list[ParamRef]:
    """Every weight (layer by layer, row by row), then every bias, of a network's shape."""
    refs = [
        ParamRef("weight", layer, (j, k))
        for layer in range(len(sizes) - 1)
        for j in range(sizes[layer])
        for k in range(sizes[layer + 1])
    ]
    if biases:
        refs += [
            ParamRef("bias", layer, (k,))
            for layer in range(len(sizes) - 1)
            for k in range(sizes[layer + 1])
        ]
    return refs


def control_refs(sizes: tuple[int, ...], biases: bool) -> list[ParamRef]:
    """Every number a step page can set: inputs, targets, η, then weights and biases."""
    return [
        *(ParamRef("input", 0, (i,)) for i in range(sizes[0])),
        *(ParamRef("target", 0, (k,)) for k in range(sizes[-1])),
        ParamRef("learning_rate"),
        *weight_refs(sizes, biases),
    ]
