"""The step configuration: the project's one JSON interchange format, parsed and written.

    {"inputs": [...], "targets": [...], "learning_rate": 0.5,
     "weights": [[[...], ...], ...],          # one (in × out) matrix per layer
     "biases": null | [[...], ...], "train_biases": true,
     "activations": ["sigmoid", "sigmoid"],   # or one name for all layers
     "loss": "squared_error" | "cross_entropy"}

`inputs`/`targets` hold one record (a flat list) or several (a list of lists). The last
weight may be a flat vector for a single output, as in the lesson; output keeps that shape.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backprop import StepTrace, as_records, check_learning_rate, step
from .errors import ConfigError
from .network import Network

Array = np.ndarray

REQUIRED_KEYS = ("inputs", "targets", "learning_rate", "weights")
OPTIONAL_KEYS = ("biases", "train_biases", "activations", "loss")
MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class StepConfig:
    """A validated step problem: network, record(s), learning rate, and the shapes given."""

    network: Network
    inputs: Array  # (records, n_in)
    targets: Array  # (records, n_out)
    learning_rate: float
    single_record: bool = True  # inputs were one flat record
    vector_output: bool = False  # the last weight was a flat vector

    def step(self) -> StepTrace:
        """Run the step this configuration describes."""
        return step(self.network, self.inputs, self.targets, self.learning_rate)


def parse_config(data: Mapping[str, Any]) -> StepConfig:
    """Validate a configuration mapping; ConfigError names the first problem found."""
    if not isinstance(data, Mapping):
        raise ConfigError("A configuration must be a JSON object.")
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise ConfigError(f"Unknown key {unknown[0]!r} in the configuration; allowed: {allowed}.")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ConfigError(f"The configuration is missing {missing[0]!r}.")
    weights = data["weights"]
    if not isinstance(weights, list | tuple) or not weights:
        raise ConfigError("weights must be a non-empty list with one matrix per layer.")
    train_biases = data.get("train_biases", True)
    if not isinstance(train_biases, bool):
        raise ConfigError("train_biases must be true or false.")
    network = Network.build(
        weights,
        data.get("biases"),
        data.get("activations", "sigmoid"),
        data.get("loss", "squared_error"),
        train_biases,
    )
    lr = check_learning_rate(data["learning_rate"])
    x = as_records(data["inputs"], network.sizes[0], "inputs")
    n_out = network.sizes[-1]
    flat_targets = isinstance(data["targets"], list) and not any(
        isinstance(t, list) for t in data["targets"]
    )
    if np.ndim(data["inputs"]) <= 1 and flat_targets and len(data["targets"]) != n_out:
        raise ConfigError(
            f"targets must have {n_out} value(s) per record (one per output); "
            f"got {len(data['targets'])}."
        )
    y = as_records(data["targets"], network.sizes[-1], "targets")
    if x.shape[0] != y.shape[0]:
        raise ConfigError(f"{x.shape[0]} input record(s) but {y.shape[0]} target record(s).")
    return StepConfig(
        network=network,
        inputs=x,
        targets=y,
        learning_rate=lr,
        single_record=np.ndim(data["inputs"]) <= 1,
        vector_output=np.ndim(weights[-1]) == 1,
    )


def loads_config(text: str | bytes) -> StepConfig:
    """Parse configuration JSON text."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError("The configuration is larger than 1 MB.")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise ConfigError(f"The configuration is not valid JSON{where}.") from None
    return parse_config(data)


def load_config(path: str | os.PathLike[str]) -> StepConfig:
    """Read and parse a configuration file."""
    try:
        with open(path, "rb") as fh:
            text = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"Cannot read {os.fspath(path)}: {exc.strerror}.") from None
    return loads_config(text)


def _records(arr: Array, single: bool) -> list:
    return arr[0].tolist() if single else arr.tolist()


def _param(arr: Array, layer: int, cfg: StepConfig) -> list:
    last = layer == cfg.network.n_layers - 1
    return arr[:, 0].tolist() if last and cfg.vector_output and arr.ndim == 2 else arr.tolist()


def config_to_dict(cfg: StepConfig, network: Network | None = None) -> dict[str, Any]:
    """The JSON-ready configuration, optionally with another network's parameters."""
    net = network or cfg.network
    return {
        "inputs": _records(cfg.inputs, cfg.single_record),
        "targets": _records(cfg.targets, cfg.single_record),
        "learning_rate": cfg.learning_rate,
        "weights": [_param(w, i, cfg) for i, w in enumerate(net.weights)],
        "biases": None if net.biases is None else [b.tolist() for b in net.biases],
        "train_biases": net.train_biases,
        "activations": [a.name for a in net.activations],
        "loss": net.loss.name,
    }


def trace_to_dict(trace: StepTrace, cfg: StepConfig) -> dict[str, Any]:
    """The JSON-ready record of a step, in the shapes the configuration used."""
    single = cfg.single_record

    def rec(a: Array) -> list:
        return _records(a, single)

    layers = trace.layers
    has_b = trace.network.biases is not None
    return {
        "forward": [
            {"input": rec(t.input), "weighted_sum": rec(t.weighted_sum), "output": rec(t.output)}
            for t in layers
        ],
        "output": rec(trace.output),
        "error": rec(trace.error),
        "backprop_errors": [rec(t.error) for t in layers],
        "error_terms": [rec(t.error_term) for t in layers],
        "edge_errors": [(t.edge_error[0] if single else t.edge_error).tolist() for t in layers],
        "weight_deltas": [_param(t.weight_delta, i, cfg) for i, t in enumerate(layers)],
        "bias_deltas": [t.bias_delta.tolist() for t in layers] if has_b else None,
        "new_weights": [_param(t.new_weights, i, cfg) for i, t in enumerate(layers)],
        "new_biases": [t.new_biases.tolist() for t in layers] if has_b else None,
        "loss": trace.network.loss.name,
        "loss_before": trace.loss_before,
        "loss_after": trace.loss_after,
    }
