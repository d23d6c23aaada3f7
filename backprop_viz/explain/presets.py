"""Named step configurations: the lesson's examples and a two-output network with biases."""

from __future__ import annotations

import copy
from typing import Any

from ..core.config import StepConfig, parse_config
from ..errors import ConfigError, quoted

STEP_PRESETS: dict[str, dict[str, Any]] = {
    # The lesson's one-step exercise: 3 inputs, 2 hidden, 1 output, sigmoid, no biases.
    "lesson-step": {
        "inputs": [0.5, 0.1, -0.2],
        "targets": [0.6],
        "learning_rate": 0.5,
        "weights": [[[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]], [0.1, -0.3]],
        "biases": None,
        "train_biases": True,
        "activations": "sigmoid",
        "loss": "squared_error",
    },
    # The lesson's worked example: 2 inputs, 1 hidden unit, 1 output.
    "worked-example": {
        "inputs": [0.1, 0.3],
        "targets": [1.0],
        "learning_rate": 0.5,
        "weights": [[[0.4], [-0.2]], [0.1]],
        "biases": None,
        "train_biases": True,
        "activations": "sigmoid",
        "loss": "squared_error",
    },
    # A widely published 2-2-2 walk-through (inputs 0.05, 0.10; targets 0.01, 0.99):
    # biases 0.35 and 0.60 present but not trained, as in that example.
    "two-output-biases": {
        "inputs": [0.05, 0.10],
        "targets": [0.01, 0.99],
        "learning_rate": 0.5,
        "weights": [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
        "biases": [[0.35, 0.35], [0.60, 0.60]],
        "train_biases": False,
        "activations": "sigmoid",
        "loss": "squared_error",
    },
}

# Vanishing gradients: three sigmoid hidden layers (2-3-3-3-1) shrink the error at every
# layer it flows back through (f′ ≤ 1/4), so the first layer's gradient is ~60× smaller than
# the last's. The same weights with tanh or ReLU hidden layers keep it the same size.
_DEEP_WEIGHTS = [
    [[0.3, 0.8, 0.3], [-1.3, 0.9, 0.4]],
    [[-0.5, 0.6, 0.4], [0.3, 0.0, 0.5], [-0.7, -0.2, -0.5]],
    [[0.6, 0.0, -0.3], [-0.8, -0.3, 0.0], [-0.3, 1.3, 1.0]],
    [[-2.7], [-1.9], [-0.2]],
]
for _name, _hidden in (
    ("vanishing-sigmoid", "sigmoid"),
    ("vanishing-tanh", "tanh"),
    ("vanishing-relu", "relu"),
):
    STEP_PRESETS[_name] = {
        "inputs": [0.5, -0.4],
        "targets": [1.0],
        "learning_rate": 0.5,
        "weights": copy.deepcopy(_DEEP_WEIGHTS),
        "biases": None,
        "train_biases": True,
        "activations": [_hidden, _hidden, _hidden, "sigmoid"],
        "loss": "squared_error",
    }
# Each deep example and its one-click contrasts.
CONTRASTS: dict[str, tuple[str, ...]] = {
    "vanishing-sigmoid": ("vanishing-tanh", "vanishing-relu"),
    "vanishing-tanh": ("vanishing-sigmoid", "vanishing-relu"),
    "vanishing-relu": ("vanishing-sigmoid", "vanishing-tanh"),
}

PRESET_LABELS: dict[str, str] = {
    "lesson-step": "Lesson: one step (3-2-1)",
    "worked-example": "Lesson: worked example (2-1-1)",
    "two-output-biases": "Two outputs with biases (2-2-2)",
    "vanishing-sigmoid": "Vanishing gradients: sigmoid (2-3-3-3-1)",
    "vanishing-tanh": "The same with tanh hidden layers",
    "vanishing-relu": "The same with ReLU hidden layers",
}


def preset_dict(name: str) -> dict[str, Any]:
    """A fresh, mutable copy of the named preset's configuration."""
    try:
        return copy.deepcopy(STEP_PRESETS[name])
    except KeyError:
        raise ConfigError(
            f"Unknown preset {quoted(name)}; use one of: {', '.join(STEP_PRESETS)}."
        ) from None


def load_preset(name: str) -> StepConfig:
    """The named preset, parsed."""
    return parse_config(preset_dict(name))
