"""The step page's address: a configuration written as short query parameters, and read back.

A configuration that differs from its example only in values is written as the example's
name plus the values that changed (`?ex=lesson-step&x=0.6_0.1_-0.2`); any other is written
whole (`shape`, `f`, `loss`, then every value). Numbers are exact: each list is written as
shortest round-trip decimals joined by `_`, or, when shorter, as `~` and the URL-safe base64
of its float64 bytes. Pure functions: no Streamlit.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from ...errors import ConfigError, quoted
from ...explain.presets import STEP_PRESETS
from ...limits import MAX_ADDRESS_CHARS, STEP_MAX_HIDDEN_LAYERS
from .edits import Config, preset_config, validated

# The parameters that carry a configuration (every other key in an address is the view's).
CONFIG_KEYS = ("ex", "shape", "f", "loss", "x", "y", "lr", "w", "b", "tb", "l1", "l2")
_LOSS_CODES = {"squared_error": "se", "cross_entropy": "ce"}
_LOSS_NAMES = {v: k for k, v in _LOSS_CODES.items()}
_OPTIONAL_RATES = ("l1", "l2")  # regularization rates: written only when not zero

Query = dict[str, list[str]]


def encode_numbers(values: Sequence[float] | np.ndarray) -> str:
    """A list of floats, exactly: shortest decimals joined by `_`, or `~` + base64 when
    that is shorter (long fractions after steps)."""
    flat = np.asarray(values, dtype=float).ravel()
    decimal = "_".join(_decimal(float(v)) for v in flat)
    packed = "~" + base64.urlsafe_b64encode(flat.astype("<f8").tobytes()).decode().rstrip("=")
    return decimal if len(decimal) <= len(packed) else packed


def _decimal(v: float) -> str:
    text = repr(v)
    if text.endswith(".0"):
        text = text[:-2]  # 1.0 -> "1"
    return text.replace("e+", "e")


def decode_numbers(text: str, what: str) -> list[float]:
    """The floats `encode_numbers` wrote; ConfigError naming `what` when they are not."""
    bad = ConfigError(f"The address's {what} is not a list of numbers: {quoted(text)}.")
    if text.startswith("~"):
        body = text[1:]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise bad from None
        if not raw or len(raw) % 8:
            raise bad
        values = np.frombuffer(raw, dtype="<f8").tolist()
    else:
        try:
            values = [float(part) for part in text.split("_")] if text else []
        except ValueError:
            raise bad from None
    if not values:
        raise bad
    if not all(math.isfinite(v) for v in values):
        raise ConfigError(f"The address's {what} holds a number that is not finite.")
    return values


def to_query(cfg: Config, preset: str) -> Query:
    """The query parameters that describe `cfg` (a valid step configuration) exactly.

    `preset` is the example it came from (or anything else for a custom network): when
    `cfg` has that example's shape and functions, only the values that differ are written.
    """
    base = preset_config(preset) if preset in STEP_PRESETS else None
    same_shape = base is not None and _structure(base) == _structure(cfg)
    out: Query = {"ex": [preset if same_shape else "custom"]}
    if not same_shape:
        sizes = [len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"])]
        out["shape"] = ["-".join(map(str, sizes))]
        out["f"] = ["-".join(cfg["activations"])]
        out["loss"] = [_LOSS_CODES.get(cfg["loss"], cfg["loss"])]
        base = None

    def differs(key: str) -> bool:
        return base is None or _flat(base.get(key)) != _flat(cfg.get(key))

    for key, name in (("inputs", "x"), ("targets", "y")):
        if differs(key):
            out[name] = [encode_numbers(cfg[key])]
    if differs("learning_rate"):
        out["lr"] = [encode_numbers([cfg["learning_rate"]])]
    if differs("weights"):
        out["w"] = [encode_numbers(w) for w in cfg["weights"]]
    if cfg.get("biases") is not None and differs("biases"):
        out["b"] = [encode_numbers(b) for b in cfg["biases"]]
    if base is None or bool(base.get("train_biases", True)) != bool(cfg.get("train_biases", True)):
        out["tb"] = ["1" if cfg.get("train_biases", True) else "0"]
    for rate in _OPTIONAL_RATES:
        if cfg.get(rate):
            out[rate] = [encode_numbers([cfg[rate]])]
    return out


def _structure(cfg: Config) -> tuple:
    sizes = (len(cfg["weights"][0]), *(len(w[0]) for w in cfg["weights"]))
    return sizes, tuple(cfg["activations"]), cfg["loss"], cfg.get("biases") is not None


def _flat(value: object) -> list[float] | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return [float(value)]
    # Ragged lists (one matrix per layer) flatten layer by layer.
    out: list[float] = []
    for item in value:  # type: ignore[union-attr]
        out.extend(_flat(item) or [])
    return out


def query_text_length(query: Mapping[str, Sequence[str]]) -> int:
    """Characters the query takes in an address (before percent-encoding of the few
    characters that need it)."""
    return sum(len(k) + 2 + len(v) for k, values in query.items() for v in values)


def from_query(query: Mapping[str, Sequence[str]]) -> tuple[Config, str] | None:
    """The valid configuration an address describes and the example it names ("custom" for
    none), or None when the address names no configuration.

    Raises ConfigError, in one sentence, for an address that is too long, malformed,
    inconsistent or outside what the step page draws.
    """
    query = {k: list(v) for k, v in query.items() if k in CONFIG_KEYS and v}
    if not query:
        return None
    if query_text_length(query) > MAX_ADDRESS_CHARS:
        raise ConfigError(f"The address is longer than {MAX_ADDRESS_CHARS:,} characters.")
    ex = _one(query, "ex") or "lesson-step"  # the bare address is the lesson's example
    if "shape" in query:
        cfg = _whole(query)
        ex = "custom"
    elif ex in STEP_PRESETS:
        cfg = preset_config(ex)
        _values(cfg, query)
    else:
        raise ConfigError(
            f"The address names an unknown example {quoted(ex)}; use one of: "
            f"{', '.join(STEP_PRESETS)}, or give the network's shape."
        )
    norm, _ = validated(cfg)
    return norm, ex


def _one(query: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = query.get(key)
    if not values:
        return None
    if len(values) > 1:
        raise ConfigError(f"The address gives {quoted(key)} more than once.")
    return values[-1]


def _whole(query: Query) -> Config:
    """A configuration written whole: its shape, functions and every value."""
    text = _one(query, "shape") or ""
    parts = text.split("-")
    if not 2 <= len(parts) <= STEP_MAX_HIDDEN_LAYERS + 2 or not all(p.isdigit() for p in parts):
        raise ConfigError(f"The address's shape {quoted(text)} is not like 3-2-1.")
    sizes = [int(p) for p in parts]
    layers = len(sizes) - 1
    acts = (_one(query, "f") or "").split("-")
    if len(acts) != layers:
        raise ConfigError(f"The address needs {layers} activation names in f, one per layer.")
    loss = _one(query, "loss") or "se"
    for key in ("x", "y", "lr", "w"):
        if key not in query:
            raise ConfigError(f"The address gives a shape but no {quoted(key)}.")
    cfg: Config = {
        "inputs": [0.0] * sizes[0],
        "targets": [0.0] * sizes[-1],
        "learning_rate": 0.5,
        "weights": [[[0.0] * n_out for _ in range(n_in)] for n_in, n_out in pairwise(sizes)],
        "biases": None,
        "train_biases": True,
        "activations": acts,
        "loss": _LOSS_NAMES.get(loss, loss),
    }
    if "b" in query:
        cfg["biases"] = [[0.0] * n for n in sizes[1:]]
    _values(cfg, query)
    return cfg


def _values(cfg: Config, query: Query) -> None:
    """Overwrite `cfg`'s values with those the address gives, checking every length."""
    sizes = [len(cfg["inputs"]), *(len(w[0]) for w in cfg["weights"])]
    for key, name, what in (("x", "inputs", "inputs"), ("y", "targets", "targets")):
        if key in query:
            values = decode_numbers(_one(query, key) or "", what)
            _check_count(values, len(cfg[name]), what)
            cfg[name] = values
    if "lr" in query:
        values = decode_numbers(_one(query, "lr") or "", "learning rate")
        _check_count(values, 1, "learning rate")
        cfg["learning_rate"] = values[0]
    if "w" in query:
        layers = query["w"]
        _check_count(layers, len(sizes) - 1, "weight layers")
        cfg["weights"] = [
            _matrix(decode_numbers(text, f"weights of layer {i + 1}"), n_in, n_out, i)
            for i, (text, n_in, n_out) in enumerate(zip(layers, sizes, sizes[1:], strict=False))
        ]
    if "b" in query:
        if cfg.get("biases") is None:
            raise ConfigError("The address gives biases to an example that has none.")
        layers = query["b"]
        _check_count(layers, len(sizes) - 1, "bias layers")
        cfg["biases"] = []
        for i, (text, n_out) in enumerate(zip(layers, sizes[1:], strict=False)):
            values = decode_numbers(text, f"biases of layer {i + 1}")
            _check_count(values, n_out, f"biases of layer {i + 1}")
            cfg["biases"].append(values)
    if "tb" in query:
        flag = _one(query, "tb")
        if flag not in ("0", "1"):
            raise ConfigError("The address's tb (train the biases) must be 0 or 1.")
        cfg["train_biases"] = flag == "1"
    for rate in _OPTIONAL_RATES:
        if rate in query:
            values = decode_numbers(_one(query, rate) or "", rate)
            _check_count(values, 1, rate)
            cfg[rate] = values[0]


def _check_count(values: Sequence[object], expected: int, what: str) -> None:
    if len(values) != expected:
        raise ConfigError(f"The address gives {len(values)} {what} where {expected} belong.")


def _matrix(values: list[float], n_in: int, n_out: int, layer: int) -> list[list[float]]:
    _check_count(values, n_in * n_out, f"weights of layer {layer + 1}")
    return [values[r * n_out : (r + 1) * n_out] for r in range(n_in)]
