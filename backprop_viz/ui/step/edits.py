"""Pure edits of a step configuration dict: resize, randomize, take steps, share as a link."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import itertools
import json
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core.config import StepConfig, config_to_dict, parse_config, read_json
from ...core.step import step
from ...errors import BackpropVizError, ConfigError, quoted
from ...explain.presets import STEP_PRESETS, preset_dict
from ...limits import (
    MAX_LEARNING_RATE,
    MAX_LINK_CHARS,
    MAX_LINK_JSON_BYTES,
    STEP_MAX_ABS_VALUE,
    STEP_MAX_ABS_WEIGHT,
    STEP_MAX_HIDDEN_LAYERS,
    STEP_MAX_INPUTS,
    STEP_MAX_OUTPUTS,
    STEP_MAX_UNITS,
    STEP_MIN_LEARNING_RATE,
)

Config = dict[str, Any]

# The step view's limits (the core itself allows larger networks).


def _normalized(cfg: Config) -> tuple[Config, StepConfig]:
    parsed = parse_config(cfg)
    if not parsed.single_record:
        raise ConfigError("The step view shows one record: give inputs as one flat list.")
    out = config_to_dict(parsed)
    out["weights"] = [w.tolist() for w in parsed.network.weights]
    return out, parsed


def normalize(cfg: Config) -> Config:
    """The step view's canonical form: 2-D weight matrices, flat single-record inputs and
    targets, one activation name per layer, explicit biases flag. Validates first."""
    return _normalized(cfg)[0]


def check_limits(cfg: Config) -> None:
    """Raise ConfigError when a configuration is outside what the step view draws."""
    n_in = len(cfg["inputs"])
    sizes = [len(w[0]) for w in cfg["weights"]]
    hidden = sizes[:-1]
    if not 1 <= n_in <= STEP_MAX_INPUTS:
        raise ConfigError(f"The step view takes 1 to {STEP_MAX_INPUTS} inputs; got {n_in}.")
    if len(hidden) > STEP_MAX_HIDDEN_LAYERS:
        raise ConfigError(f"The step view takes at most {STEP_MAX_HIDDEN_LAYERS} hidden layers.")
    if any(h > STEP_MAX_UNITS for h in hidden):
        raise ConfigError(f"The step view takes at most {STEP_MAX_UNITS} units per hidden layer.")
    if not 1 <= sizes[-1] <= STEP_MAX_OUTPUTS:
        raise ConfigError(f"The step view takes 1 to {STEP_MAX_OUTPUTS} outputs.")
    for name, values in (("Inputs", cfg["inputs"]), ("Targets", cfg["targets"])):
        if any(abs(v) > STEP_MAX_ABS_VALUE for v in values):
            raise ConfigError(
                f"{name} must lie between −{STEP_MAX_ABS_VALUE:g} and {STEP_MAX_ABS_VALUE:g}."
            )
    params = [np.asarray(w) for w in cfg["weights"]] + [
        np.asarray(b) for b in (cfg.get("biases") or [])
    ]
    if any(np.any(np.abs(p) > STEP_MAX_ABS_WEIGHT) for p in params):
        raise ConfigError(
            f"Weights and biases must lie between −{STEP_MAX_ABS_WEIGHT:g} and "
            f"{STEP_MAX_ABS_WEIGHT:g}."
        )
    lr = cfg["learning_rate"]
    if not STEP_MIN_LEARNING_RATE <= lr <= MAX_LEARNING_RATE:
        raise ConfigError(
            f"The learning rate must be between {STEP_MIN_LEARNING_RATE:g} and "
            f"{MAX_LEARNING_RATE:g}; got {lr:g}."
        )


def validated(cfg: Config, run_step: bool = True) -> tuple[Config, StepConfig]:
    """Normalize, check the step view's limits, and (with `run_step`) make sure the step
    itself runs without overflow: (canonical dict, the parsed configuration)."""
    norm, parsed = _normalized(cfg)  # parsed once: the canonical dict describes the same
    check_limits(norm)
    if run_step:
        parsed.step()
    return norm, parsed


def _random_matrix(rng: np.random.Generator, n_in: int, n_out: int) -> list[list[float]]:
    # Two decimals: numbers a student can read and retype.
    return np.round(rng.normal(scale=1.0 / np.sqrt(n_in), size=(n_in, n_out)), 2).tolist()


def resize(cfg: Config, n_inputs: int, hidden: list[int], n_outputs: int, seed: int = 0) -> Config:
    """A configuration of a new shape that keeps every value whose position still exists.

    New weights are seeded random draws (two decimals), new inputs 0.5, new targets 0.5,
    new layers sigmoid, new biases 0.
    """
    old = copy.deepcopy(cfg)
    sizes = [n_inputs, *hidden, n_outputs]
    rng = np.random.default_rng(seed)
    old_w = [np.asarray(w, dtype=float) for w in old["weights"]]
    old_b = [np.asarray(b, dtype=float) for b in old["biases"]] if old.get("biases") else None
    weights, biases, acts = [], [], []
    old_acts = old["activations"]
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        w = np.asarray(_random_matrix(rng, n_in, n_out))
        # Keep the old layer at the same position from the input side; the output layer
        # stays the output layer.
        src = i if i < len(sizes) - 2 else len(old_w) - 1
        if src < len(old_w) and (i < len(old_w) - 1 or i == len(sizes) - 2):
            o = old_w[src]
            r, c = min(n_in, o.shape[0]), min(n_out, o.shape[1])
            w[:r, :c] = o[:r, :c]
        weights.append(w.tolist())
        b = np.zeros(n_out)
        if old_b is not None and src < len(old_b):
            c = min(n_out, old_b[src].shape[0])
            b[:c] = old_b[src][:c]
        biases.append(b.tolist())
        acts.append(old_acts[src] if src < len(old_acts) else "sigmoid")
    if old["loss"] == "cross_entropy":
        acts[-1] = "sigmoid"
    inputs = (list(old["inputs"]) + [0.5] * n_inputs)[:n_inputs]
    targets = (list(old["targets"]) + [0.5] * n_outputs)[:n_outputs]
    return {
        **old,
        "inputs": inputs,
        "targets": targets,
        "weights": weights,
        "biases": biases if old.get("biases") is not None else None,
        "activations": acts,
    }


def randomize(cfg: Config, seed: int) -> Config:
    """The same configuration with every weight (and bias) drawn afresh, seeded."""
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(cfg)
    out["weights"] = [_random_matrix(rng, len(w), len(w[0])) for w in cfg["weights"]]
    if cfg.get("biases") is not None:
        out["biases"] = [
            np.round(rng.normal(scale=0.5, size=len(b)), 2).tolist() for b in cfg["biases"]
        ]
    return out


def set_biases(cfg: Config, on: bool) -> Config:
    """Add zero biases or drop them."""
    out = copy.deepcopy(cfg)
    if on and out.get("biases") is None:
        out["biases"] = [[0.0] * len(w[0]) for w in out["weights"]]
    elif not on:
        out["biases"] = None
    return out


def with_parameters(
    cfg: Config, weights: list[np.ndarray], biases: list[np.ndarray] | None
) -> Config:
    """The configuration with new parameter values (e.g. after a step)."""
    out = dict(cfg)
    out["weights"] = [np.asarray(w).tolist() for w in weights]
    out["biases"] = None if biases is None else [np.asarray(b).tolist() for b in biases]
    return out


@dataclass(frozen=True)
class Steps:
    """What taking steps did: the parameters reached, E before each step taken, and why
    it stopped early (None when it took them all)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray] | None
    losses: list[float]
    stopped: str | None


def take_steps(cfg: Config, count: int) -> Steps:
    """Up to `count` steps from a valid configuration. Every state reached is one the step
    view can draw and share: its own step is finite and its parameters lie within the
    view's limits; stepping stops at the last such state and says why."""
    parsed = parse_config(cfg)
    x, y, lr = parsed.inputs, parsed.targets, parsed.learning_rate
    net = parsed.network
    trace = step(net, x, y, lr)  # a valid configuration's own step is finite
    losses: list[float] = []
    stopped = None
    for _ in range(count):
        nxt = trace.new_network
        params = (*nxt.weights, *(nxt.biases or ()))
        if any(np.max(np.abs(p)) > STEP_MAX_ABS_WEIGHT for p in params):
            stopped = (
                f"the next step would take a weight or bias beyond ±{STEP_MAX_ABS_WEIGHT:g}, the "
                "largest a configuration may hold."
            )
            break
        try:
            following = step(nxt, x, y, lr)  # the state after this step must step too
        except BackpropVizError as exc:
            stopped = f"the state after the next step could not step again: {exc}"
            break
        losses.append(trace.loss_before)
        net, trace = nxt, following
    biases = None if net.biases is None else list(net.biases)
    return Steps(list(net.weights), biases, losses, stopped)


@functools.cache
def _preset_json(name: str) -> str:
    return json.dumps(normalize(preset_dict(name)))


def preset_config(name: str) -> Config:
    """A preset in the step view's canonical form (a fresh dict each call)."""
    return json.loads(_preset_json(name))


# --- Share links: ?preset=NAME or ?config=<url-safe base64 of deflated JSON> -------------


def encode_link(cfg: Config) -> str:
    """The query value that carries this configuration in a link."""
    raw = json.dumps(cfg, separators=(",", ":"), allow_nan=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_link(params: dict[str, str]) -> Config | None:
    """The configuration a link's query parameters describe; None when they name none.

    Raises ConfigError with a clear sentence for a malformed link.
    """
    if "config" in params:
        text = params["config"]
        if not text or len(text) > MAX_LINK_CHARS:
            raise ConfigError("The link's configuration is empty or too long.")

        damaged = ConfigError("The link's configuration is damaged (it is not a valid code).")
        inflate = zlib.decompressobj()
        try:
            packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            # At most one byte over the limit is inflated: a small link cannot expand to
            # megabytes in memory.
            raw = inflate.decompress(packed, MAX_LINK_JSON_BYTES + 1)
        except (binascii.Error, ValueError, zlib.error):
            raise damaged from None
        if len(raw) <= MAX_LINK_JSON_BYTES and (not inflate.eof or inflate.unused_data):
            raise damaged
        data = read_json(raw, MAX_LINK_JSON_BYTES, "The link's configuration")
        norm, _ = validated(data)
        return norm
    if "preset" in params:
        name = params["preset"]
        if name not in STEP_PRESETS:
            raise ConfigError(
                f"The link names an unknown preset {quoted(name)}; "
                f"use one of: {', '.join(STEP_PRESETS)}."
            )
        return preset_config(name)
    return None
