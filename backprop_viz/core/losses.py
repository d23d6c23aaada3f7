"""Loss functions, each beside the error signal it sends back into the output layer.

Arrays are shaped (..., records, outputs); leading axes broadcast (the gradient check
evaluates many perturbed networks at once). Like an `Activation`, a `Loss` is a value that
carries its functions; nothing branches on its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, quoted
from .activations import Activation

Array = np.ndarray
Signal = tuple[Array | None, Array]


@dataclass(frozen=True)
class Loss:
    """A loss E over one record, with the lesson's sign for its error signal."""

    name: str
    label: str
    latex: str  # E for one record, in LaTeX
    report_label: str  # what the training curves plot
    entry: Callable[[Array, Array, Array], Array]  # E's part from each output: (y, ŷ, z)
    report_entry: Callable[[Array, Array, Array], Array]  # what the curves average
    report_value: Callable[[Array, Array, Array], float]  # that average, on the hot path
    signal: Callable[[Array, Array, Array, Activation, bool], Signal]
    output_activation: str | None = None  # the only output activation it accepts
    derivative_cancels: bool = False  # δ = y − ŷ: the output f′ cancels
    categorical: bool = False  # one class per record (softmax): accuracy is by argmax

    def per_record(self, y: Array, y_hat: Array, z: Array) -> Array:
        """E for each record, shape (..., records); z is the output layer's weighted sum."""
        return np.sum(self.entry(y, y_hat, z), axis=-1)

    def mean(self, y: Array, y_hat: Array, z: Array) -> Array:
        """E averaged over records, as a batch step uses it."""
        return self.per_record(y, y_hat, z).mean(axis=-1)

    def report(self, y: Array, y_hat: Array, z: Array) -> float:
        """The loss as the lesson reports it over a data set: mean of (y − ŷ)² over all
        records and outputs for squared error; mean cross-entropy per output otherwise."""
        return self.report_value(y, y_hat, z)

    def report_each(self, y: Array, y_hat: Array, z: Array) -> Array:
        """`report` for every entry of the leading (stacked-parameter) axes."""
        return np.mean(self.report_entry(y, y_hat, z), axis=(-2, -1))

    def output_signal(
        self, y: Array, y_hat: Array, z: Array, activation: Activation, with_error: bool = True
    ) -> Signal:
        """(error, δ) at the output: error = −∂E/∂ŷ (before f′), δ = −∂E/∂z = error·f′(z).

        Without `with_error` the error is None when it is not needed to find δ (training).
        """
        return self.signal(y, y_hat, z, activation, with_error)


# --- squared error: E = ½Σ(y − ŷ)² -------------------------------------------------------


def _squared_entry(y: Array, y_hat: Array, z: Array) -> Array:
    return 0.5 * (y - y_hat) ** 2


def _squared_report_entry(y: Array, y_hat: Array, z: Array) -> Array:
    return (y_hat - y) ** 2


def _squared_report(y: Array, y_hat: Array, z: Array) -> float:
    d = y_hat - y
    return float(np.vdot(d, d)) / d.size  # vdot: one call, the hot path


def _squared_signal(
    y: Array, y_hat: Array, z: Array, activation: Activation, with_error: bool
) -> Signal:
    error = y - y_hat
    return error, error * activation.derivative(z, y_hat)


# --- cross-entropy: E = −Σ[y ln ŷ + (1 − y) ln(1 − ŷ)], sigmoid output ---------------------


def _cross_entropy_entry(y: Array, y_hat: Array, z: Array) -> Array:
    # From z: ln σ(z) = −softplus(−z) and ln(1 − σ(z)) = −softplus(z): no log(0).
    return y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)


def _cross_entropy_report(y: Array, y_hat: Array, z: Array) -> float:
    return float(np.mean(_cross_entropy_entry(y, y_hat, z), axis=(-2, -1)))


def _cross_entropy_signal(
    y: Array, y_hat: Array, z: Array, activation: Activation, with_error: bool
) -> Signal:
    # With a sigmoid output f′ cancels, δ = y − ŷ exactly; the error before f′ divides by
    # ŷ(1 − ŷ), which underflows to 0 when the unit saturates.
    delta = y - y_hat
    if not with_error:
        return None, delta
    slope = y_hat * (1.0 - y_hat)
    return delta / np.maximum(slope, np.finfo(float).tiny), delta


# --- cross-entropy over k classes: E = −Σ_k y_k ln ŷ_k, softmax output ---------------------


def _log_softmax(z: Array) -> Array:
    # ln ŷ_k = h_k − ln Σ_j e^(h_j), the sum shifted by its largest term: finite (no log(0),
    # no overflow) however large the weighted sums.
    top = z.max(axis=-1, keepdims=True)
    shifted = z - top
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _softmax_entry(y: Array, y_hat: Array, z: Array) -> Array:
    return -(y * _log_softmax(z))  # ln ŷ is finite, so a 0 target contributes exactly 0


def _softmax_report_entry(y: Array, y_hat: Array, z: Array) -> Array:
    # Per record, shaped (..., records, 1): the curves average E over records, not classes.
    return _softmax_entry(y, y_hat, z).sum(axis=-1, keepdims=True)


def _softmax_report(y: Array, y_hat: Array, z: Array) -> float:
    return -float(np.vdot(y, _log_softmax(z))) / y.shape[-2]  # vdot: one call, the hot path


def _softmax_signal(
    y: Array, y_hat: Array, z: Array, activation: Activation, with_error: bool
) -> Signal:
    # ∂E/∂h_k = ŷ_k·Σ_j y_j − y_k = ŷ_k − y_k for targets summing to 1: δ = y − ŷ per class.
    # The units share one sum, so there is no per-unit f′ to divide out: the error shown
    # before f′ is δ itself.
    delta = y - y_hat
    return (delta if with_error else None), delta


SOFTMAX_CROSS_ENTROPY = Loss(
    name="cross_entropy",  # the configuration's name; the softmax output selects this form
    label="Cross-entropy",
    latex=r"E=-\sum_k y_k\ln\hat y_k",
    report_label="mean cross-entropy",
    entry=_softmax_entry,
    report_entry=_softmax_report_entry,
    report_value=_softmax_report,
    signal=_softmax_signal,
    output_activation="softmax",
    derivative_cancels=True,
    categorical=True,
)


LOSSES: dict[str, Loss] = {
    "squared_error": Loss(
        name="squared_error",
        label="Squared error",
        latex=r"E=\tfrac{1}{2}\sum_k (y_k-\hat y_k)^2",
        report_label="mean (y − ŷ)²",
        entry=_squared_entry,
        report_entry=_squared_report_entry,
        report_value=_squared_report,
        signal=_squared_signal,
    ),
    "cross_entropy": Loss(
        name="cross_entropy",
        label="Cross-entropy",
        latex=r"E=-\sum_k \big[y_k\ln\hat y_k+(1-y_k)\ln(1-\hat y_k)\big]",
        report_label="mean cross-entropy",
        entry=_cross_entropy_entry,
        report_entry=_cross_entropy_entry,
        report_value=_cross_entropy_report,
        signal=_cross_entropy_signal,
        output_activation="sigmoid",
        derivative_cancels=True,
    ),
}


def loss_for_output(loss: Loss, output: Activation) -> Loss:
    """The form of `loss` that goes with the output activation: cross-entropy over k classes
    for a softmax output, `loss` itself otherwise. A mismatch is left for validation."""
    if output.name == "softmax" and loss.name == "cross_entropy":
        return SOFTMAX_CROSS_ENTROPY
    return loss


def get_loss(name: str) -> Loss:
    """The loss called `name`; a ConfigError names the valid ones otherwise."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"Unknown loss {quoted(name)}; use one of: {', '.join(LOSSES)}."
        ) from None
