"""The step configuration: the project's one JSON interchange format, parsed and written.

    {"inputs": [...], "targets": [...], "learning_rate": 0.5,
     "weights": [[[...], ...], ...],          # one (in × out) matrix per layer
     "biases": null | [[...], ...], "train_biases": true,
     "activations": ["sigmoid", "sigmoid"],   # or one name for all layers
     "loss": "squared_error" | "cross_entropy",
     "l1": 0, "l2": 0}                         # optional regularization rates λ in [0, 0.1]

`inputs`/`targets` hold one record (a flat list) or several (a list of lists). The last
weight may be a flat vector for a single output, as in the lesson; output keeps that shape.
A softmax output layer (`"activations": [..., "softmax"]`) goes with cross-entropy over its
k ≥ 2 classes; its targets are one-hot (each row in [0, 1], summing to 1). `l1`/`l2` are
written back only when not 0, so a configuration without them reads and writes as before.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError, quoted
from ..limits import (
    MAX_CONFIG_BYTES,
    MAX_INTEGER_DIGITS,
    MAX_JSON_DEPTH,
    MAX_STRING_CHARS,
)
from .network import Network
from .step import StepTrace, step
from .validate import as_records, check_class_targets, check_learning_rate, check_regularization

Array = np.ndarray

REQUIRED_KEYS = ("inputs", "targets", "learning_rate", "weights")
OPTIONAL_KEYS = ("biases", "train_biases", "activations", "loss", "l1", "l2")

# --- Limits on configuration text, checked before the JSON parser runs ---------------------

# A JSON string literal; an unterminated one runs to the end of the text, so that every
# match attempt succeeds and the scan stays linear in the text's length.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
# A whole number (no fraction, no exponent) with too many digits, outside strings.
_LONG_INTEGER = re.compile(rf"(?<![\w.+-])-?\d{{{MAX_INTEGER_DIGITS + 1},}}(?![\w.])")


@dataclass(frozen=True)
class StepConfig:
    """A validated step problem: network, record(s), learning rate, and the shapes given."""

    network: Network
    inputs: Array  # (records, n_in)
    targets: Array  # (records, n_out)
    learning_rate: float
    single_record: bool = True  # inputs were one flat record
    vector_output: bool = False  # the last weight was a flat vector
    l1: float = 0.0  # regularization rates λ₁ (Σ|w|) and λ₂ (½Σw²), on weights only
    l2: float = 0.0

    def step(self) -> StepTrace:
        """Run the step this configuration describes."""
        return step(
            self.network, self.inputs, self.targets, self.learning_rate, l1=self.l1, l2=self.l2
        )


def parse_config(data: Mapping[str, Any]) -> StepConfig:
    """Validate a configuration mapping; ConfigError names the first problem found."""
    if not isinstance(data, Mapping):
        raise ConfigError("A configuration must be a JSON object.")
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise ConfigError(
            f"Unknown key {quoted(unknown[0])} in the configuration; allowed: {allowed}."
        )
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ConfigError(f"The configuration is missing {quoted(missing[0])}.")
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
    outside = (y < 0.0) | (y > 1.0)
    if network.loss.name == "cross_entropy" and outside.any():
        # Cross-entropy is a loss for probabilities: elsewhere it has no minimum, and a
        # step can drive it below zero without end.
        raise ConfigError(
            f"Cross-entropy targets must lie in [0, 1]; got {float(y[outside][0]):g}."
        )
    if network.loss.categorical:
        check_class_targets(y)
    if x.shape[0] != y.shape[0]:
        raise ConfigError(f"{x.shape[0]} input record(s) but {y.shape[0]} target record(s).")
    l1 = check_regularization(data.get("l1", 0.0), "l1")
    l2 = check_regularization(data.get("l2", 0.0), "l2")
    return StepConfig(
        network=network,
        inputs=x,
        targets=y,
        learning_rate=lr,
        single_record=np.ndim(data["inputs"]) <= 1,
        vector_output=np.ndim(weights[-1]) == 1,
        l1=l1,
        l2=l2,
    )


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:g} MB" if n_bytes >= 1_000_000 else f"{n_bytes / 1e3:g} KB"


def _check_shape_of_text(text: str, what: str) -> None:
    """Refuse text whose nesting, whole numbers or strings would make the JSON parser
    recurse too deeply, raise, or carry an unreadably long name into a message."""
    longest = 0

    def blank(match: re.Match[str]) -> str:
        nonlocal longest
        longest = max(longest, match.end() - match.start() - 2)
        return '""'

    # Brackets and digits inside strings do not count, so strings are blanked first.
    bare = _JSON_STRING.sub(blank, text)
    if longest > MAX_STRING_CHARS:
        raise ConfigError(
            f"{what} has a text value longer than {MAX_STRING_CHARS} characters; "
            "keys and names are short words."
        )
    codes = np.frombuffer(bare.encode("utf-8"), dtype=np.uint8)
    steps = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int32)
    steps -= (codes == ord("]")) | (codes == ord("}"))
    if int(np.cumsum(steps).max(initial=0)) > MAX_JSON_DEPTH:
        raise ConfigError(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep.")
    if _LONG_INTEGER.search(bare):
        raise ConfigError(f"{what} has a whole number with more than {MAX_INTEGER_DIGITS} digits.")


def read_json(
    text: str | bytes, max_bytes: int = MAX_CONFIG_BYTES, what: str = "The configuration"
) -> Any:
    """Parse JSON from an untrusted source: the one reader for files, pasted text and links.

    Raises ConfigError, one sentence starting with `what`, for text over `max_bytes` bytes
    (UTF-8), not UTF-8, nested over MAX_JSON_DEPTH levels, with a whole number over
    MAX_INTEGER_DIGITS digits or a string over MAX_STRING_CHARS characters (all checked
    before parsing), NaN or ±Infinity, a number too large to be finite, or invalid JSON.
    """
    # Characters never outnumber UTF-8 bytes, so an over-long text is refused unencoded.
    if len(text) > max_bytes or (isinstance(text, str) and len(text.encode()) > max_bytes):
        raise ConfigError(f"{what} is larger than {_size_text(max_bytes)}.")
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(f"{what} is not valid JSON (it is not UTF-8 text).") from None
    _check_shape_of_text(text, what)

    def no_constant(name: str) -> None:
        raise ConfigError(f"{what} contains {name}; every number must be finite.")

    def finite(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            shown = literal if len(literal) <= 20 else literal[:20] + "…"
            raise ConfigError(f"{what} has a number too large to be finite ({shown}).")
        return value

    try:
        return json.loads(text, parse_constant=no_constant, parse_float=finite)
    except ConfigError:
        raise
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply.") from None
    except ValueError:
        raise ConfigError(f"{what} is not valid JSON.") from None


def read_file_bytes(
    path: str | os.PathLike[str], max_bytes: int = MAX_CONFIG_BYTES, what: str = "The file"
) -> bytes:
    """The bytes of a regular file; ConfigError if it is missing, unreadable, a folder,
    a device or pipe, or larger than `max_bytes` (checked before reading).

    At most `max_bytes + 1` bytes are read, so a file that grows, or reports no size (as
    files under /proc do), is still caught by the caller's size check.
    """
    shown = os.fspath(path)
    # O_NONBLOCK: opening a pipe with no writer would otherwise wait forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ConfigError(f"Cannot read {shown}: {exc.strerror}.") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"Cannot read {shown}: it is a folder, not a file.")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"Cannot read {shown}: it is not a regular file (a device or a pipe cannot "
                "be read as a configuration)."
            )
        if info.st_size > max_bytes:
            raise ConfigError(f"{what} {shown} is larger than {_size_text(max_bytes)}.")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"Cannot read {shown}: {exc.strerror}.") from None
    finally:
        os.close(fd)


def loads_config(text: str | bytes) -> StepConfig:
    """Parse configuration JSON text (see `read_json` for what is refused)."""
    return parse_config(read_json(text))


def load_config(path: str | os.PathLike[str]) -> StepConfig:
    """Read and parse a configuration file (a regular file of at most MAX_CONFIG_BYTES)."""
    return loads_config(read_file_bytes(path, MAX_CONFIG_BYTES, "The configuration file"))


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
        **_rates(cfg.l1, cfg.l2),
    }


def _rates(l1: float, l2: float) -> dict[str, float]:
    # Only rates in use are written, so unregularized output is unchanged.
    return {k: v for k, v in (("l1", l1), ("l2", l2)) if v}


def trace_to_dict(
    trace: StepTrace, cfg: StepConfig, max_record_values: int | None = None
) -> dict[str, Any]:
    """The JSON-ready record of a step, in the shapes the configuration used.

    With `max_record_values`, the per-record arrays (forward, output, error,
    backprop_errors, error_terms, edge_errors) keep only the first records that fit in that
    many numbers (at least one); `records_shown` says how many, and a `note` says so
    whenever some are left out. Parameters, their changes and the losses always cover
    every record.

    With regularization, `weight_deltas` and `loss_before`/`loss_after` are the regularized
    ones (what the step applies and descends), and `l1`, `l2`, `data_weight_deltas`
    (η·mean of δ·input alone), `data_loss_before` and `data_loss_after` are added.
    """
    single = cfg.single_record
    layers = trace.layers
    n = trace.output.shape[0]
    per_record = 2 * trace.output[0].size + sum(
        t.input[0].size
        + 3 * t.output[0].size  # weighted sum, output, error
        + t.error_term[0].size
        + t.edge_error[0].size
        for t in layers
    )
    shown = n if max_record_values is None else min(n, max(1, max_record_values // per_record))

    def rec(a: Array) -> list:
        return _records(a[:shown], single)

    has_b = trace.network.biases is not None
    out: dict[str, Any] = {
        "records": n,
        "records_shown": shown,
        "forward": [
            {"input": rec(t.input), "weighted_sum": rec(t.weighted_sum), "output": rec(t.output)}
            for t in layers
        ],
        "output": rec(trace.output),
        "error": rec(trace.error),
        "backprop_errors": [rec(t.error) for t in layers],
        "error_terms": [rec(t.error_term) for t in layers],
        "edge_errors": [
            (t.edge_error[0] if single else t.edge_error[:shown]).tolist() for t in layers
        ],
        "weight_deltas": [_param(t.weight_delta, i, cfg) for i, t in enumerate(layers)],
        "bias_deltas": [t.bias_delta.tolist() for t in layers] if has_b else None,
        "new_weights": [_param(t.new_weights, i, cfg) for i, t in enumerate(layers)],
        "new_biases": [t.new_biases.tolist() for t in layers] if has_b else None,
        "loss": trace.network.loss.name,
        "loss_before": trace.loss_before,
        "loss_after": trace.loss_after,
    }
    if trace.regularized:
        out.update(_rates(trace.l1, trace.l2))
        out["data_weight_deltas"] = [_param(t.data_delta, i, cfg) for i, t in enumerate(layers)]
        out["data_loss_before"] = trace.data_loss_before
        out["data_loss_after"] = trace.data_loss_after
    if shown < n:
        out["note"] = (
            f"The per-record arrays (forward, output, error, backprop_errors, error_terms, "
            f"edge_errors) list the first {shown:,} of {n:,} records only, to keep the output "
            "small; the parameters, their changes and the losses cover every record."
        )
    return out
