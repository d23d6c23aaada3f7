"""A small dense network: validated parameters and the forward pass.

Weights are shaped (units in, units out), as in the lesson (`weights_input_hidden` is
n_features × n_hidden), so a layer computes h = x·W (+ b) and a = f(h).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from .activations import Activation, get_activation
from .losses import Loss, get_loss

Array = np.ndarray

MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 16


@dataclass(frozen=True)
class Forward:
    """Per layer: its input, its weighted sum h and its activation a = f(h).

    Arrays are shaped (..., records, units); leading axes come from stacked weights.
    """

    inputs: tuple[Array, ...]
    weighted_sums: tuple[Array, ...]
    outputs: tuple[Array, ...]

    @property
    def output(self) -> Array:
        """The network's output ŷ."""
        return self.outputs[-1]


def _as_matrix(value: object, what: str) -> Array:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be numbers.") from None
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{what} contains NaN or an infinite value.")
    return arr


@dataclass(frozen=True, eq=False)
class Network:
    """Weights (and optional biases) of a dense network, its activations and its loss.

    Build one with `Network.build` (validates and converts) or `Network.random`.
    """

    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None
    activations: tuple[Activation, ...]
    loss: Loss
    train_biases: bool = True

    @classmethod
    def build(
        cls,
        weights: Sequence[object],
        biases: Sequence[object] | None = None,
        activations: str | Sequence[str] = "sigmoid",
        loss: str = "squared_error",
        train_biases: bool = True,
    ) -> Network:
        """Validate and convert parameters given as nested lists or arrays.

        The last weight may be a 1-D vector (one output), as in the lesson. Raises
        ConfigError with one clear sentence for anything malformed.
        """
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
            raise ConfigError("weights must be a non-empty list with one matrix per layer.")
        mats = []
        for i, w in enumerate(weights, start=1):
            arr = _as_matrix(w, f"Layer {i} weights")
            if arr.ndim == 1 and i == len(weights):
                arr = arr[:, None]  # the lesson's 1-D hidden-to-output vector
            if arr.ndim != 2 or arr.size == 0:
                raise ConfigError(
                    f"Layer {i} weights must be a non-empty (units in × units out) matrix."
                )
            mats.append(arr)
        for i in range(1, len(mats)):
            if mats[i].shape[0] != mats[i - 1].shape[1]:
                raise ConfigError(
                    f"Layer {i + 1} weights have {mats[i].shape[0]} rows but layer {i} "
                    f"has {mats[i - 1].shape[1]} units: the shapes do not chain."
                )
        hidden = [m.shape[1] for m in mats[:-1]]
        if len(hidden) > MAX_HIDDEN_LAYERS:
            raise ConfigError(f"At most {MAX_HIDDEN_LAYERS} hidden layers (got {len(hidden)}).")
        if any(h > MAX_HIDDEN_UNITS for h in hidden):
            raise ConfigError(f"A hidden layer has at most {MAX_HIDDEN_UNITS} units.")

        names = [activations] * len(mats) if isinstance(activations, str) else list(activations)
        if len(names) != len(mats):
            raise ConfigError(
                f"Give one activation for all layers or one per layer ({len(mats)}); "
                f"got {len(names)}."
            )
        acts = tuple(get_activation(n) for n in names)
        loss_obj = get_loss(loss)
        needed = loss_obj.output_activation
        if needed and acts[-1].name != needed:
            raise ConfigError(f"{loss_obj.label} loss needs a {needed} output layer.")

        bias_arrays = None
        if biases is not None:
            if not isinstance(biases, Sequence) or len(biases) != len(mats):
                raise ConfigError(f"biases must be null or a list of {len(mats)} vectors.")
            bias_arrays = []
            for i, (b, w) in enumerate(zip(biases, mats, strict=True), start=1):
                arr = np.atleast_1d(_as_matrix(b, f"Layer {i} biases"))
                if arr.shape != (w.shape[1],):
                    raise ConfigError(
                        f"Layer {i} biases must have {w.shape[1]} values (one per unit); "
                        f"got shape {arr.shape}."
                    )
                bias_arrays.append(arr)
        return cls(
            weights=tuple(mats),
            biases=None if bias_arrays is None else tuple(bias_arrays),
            activations=acts,
            loss=loss_obj,
            train_biases=bool(train_biases),
        )

    @classmethod
    def random(
        cls,
        sizes: Sequence[int],
        *,
        seed: int = 0,
        activations: str | Sequence[str] = "sigmoid",
        loss: str = "squared_error",
        biases: bool = False,
        train_biases: bool = True,
    ) -> Network:
        """Weights drawn from normal(0, 1/√(units in)) per layer, biases zero; seeded."""
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ConfigError("sizes must list at least inputs and outputs, each ≥ 1.")
        rng = np.random.default_rng(seed)
        weights = [
            rng.normal(scale=1.0 / np.sqrt(n_in), size=(n_in, n_out))
            for n_in, n_out in itertools.pairwise(sizes)
        ]
        bias_list = [np.zeros(n) for n in sizes[1:]] if biases else None
        return cls.build(weights, bias_list, activations, loss, train_biases)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, inputs first: (n_in, hidden..., n_out)."""
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.weights)

    def with_parameters(
        self, weights: Sequence[Array], biases: Sequence[Array] | None = None
    ) -> Network:
        """The same network with other parameters of the same shapes (not re-validated)."""
        return Network(
            weights=tuple(np.array(w, dtype=float) for w in weights),
            biases=None if biases is None else tuple(np.array(b, dtype=float) for b in biases),
            activations=self.activations,
            loss=self.loss,
            train_biases=self.train_biases,
        )

    def forward(self, inputs: Array) -> Forward:
        """Forward pass for records shaped (records, n_in); returns every layer's values."""
        with np.errstate(over="ignore", invalid="ignore"):  # absurd weights give inf, not noise
            return forward(self, self.weights, self.biases, np.asarray(inputs, dtype=float))

    def predict(self, inputs: Array) -> Array:
        """The output ŷ for records shaped (records, n_in)."""
        return self.forward(inputs).output


def forward(
    network: Network,
    weights: Sequence[Array],
    biases: Sequence[Array] | None,
    inputs: Array,
    matmul: Callable[[Array, Array], Array] = np.matmul,
) -> Forward:
    """Forward pass with explicit parameters, which may carry leading (stacked) axes.

    No floating-point state is changed here: this runs once per epoch in training, whose
    caller silences overflow once for the whole loop and checks finiteness itself.
    `matmul` forms each x·W (training's `ordered_matmul` sums in a fixed order, not BLAS's).
    """
    layer_inputs, sums, outs = [], [], []
    a = inputs
    for i, (w, act) in enumerate(zip(weights, network.activations, strict=True)):
        layer_inputs.append(a)
        z = matmul(a, w)
        if biases is not None:
            b = biases[i]
            if b.ndim == 1:
                z += b  # z is fresh from the product: add in place
            else:  # stacked biases may add a leading axis that z lacks
                z = z + b[..., None, :]
        a = act.fn(z)
        sums.append(z)
        outs.append(a)
    return Forward(tuple(layer_inputs), tuple(sums), tuple(outs))
