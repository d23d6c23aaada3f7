"""Loss functions and the error signal each sends back into the output layer.

Arrays are shaped (..., records, outputs); leading axes broadcast (the gradient check
evaluates many perturbed networks at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .errors import ConfigError

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    """A loss E over one record, with the lesson's sign for its error signal."""

    name: str
    label: str
    latex: str  # E for one record, in LaTeX
    report_label: str  # what the training curves plot

    def per_record(self, y: Array, y_hat: Array, z: Array) -> Array:
        """E for each record, shape (..., records); z is the output layer's weighted sum."""
        if self.name == "squared_error":
            return 0.5 * np.sum((y - y_hat) ** 2, axis=-1)
        # −[y log ŷ + (1 − y) log(1 − ŷ)] from z: log σ(z) = −softplus(−z), no log(0)
        return np.sum(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z), axis=-1)

    def mean(self, y: Array, y_hat: Array, z: Array) -> Array:
        """E averaged over records, as a batch step uses it."""
        return self.per_record(y, y_hat, z).mean(axis=-1)

    def report(self, y: Array, y_hat: Array, z: Array) -> float:
        """The loss as the lesson reports it over a data set: mean of (y − ŷ)² over all
        records and outputs for squared error; mean cross-entropy per output otherwise."""
        if self.name == "squared_error":
            d = y_hat - y
            return float(np.vdot(d, d)) / d.size  # vdot: one call, the hot path
        return float(self.report_each(y, y_hat, z))

    def report_each(self, y: Array, y_hat: Array, z: Array) -> Array:
        """`report` for every entry of the leading (stacked-parameter) axes."""
        if self.name == "squared_error":
            return np.mean((y_hat - y) ** 2, axis=(-2, -1))
        each = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
        return np.mean(each, axis=(-2, -1))

    def output_signal(
        self, y: Array, y_hat: Array, z: Array, activation: Activation, with_error: bool = True
    ) -> tuple[Array | None, Array]:
        """(error, δ) at the output: error = −∂E/∂ŷ (before f′), δ = −∂E/∂z = error·f′(z).

        Without `with_error` the error is None when it is not needed to find δ (training).
        """
        if self.name == "squared_error":
            error = y - y_hat
            return error, error * activation.derivative(z, y_hat)
        # Sigmoid output with cross-entropy: f′ cancels, δ = y − ŷ exactly; the error before
        # f′ divides by ŷ(1 − ŷ), which underflows to 0 when the unit saturates.
        delta = y - y_hat
        if not with_error:
            return None, delta
        slope = y_hat * (1.0 - y_hat)
        error = delta / np.maximum(slope, np.finfo(float).tiny)
        return error, delta


LOSSES: dict[str, Loss] = {
    "squared_error": Loss(
        "squared_error",
        "Squared error",
        r"E=\tfrac{1}{2}\sum_k (y_k-\hat y_k)^2",
        "mean (y − ŷ)²",
    ),
    "cross_entropy": Loss(
        "cross_entropy",
        "Cross-entropy",
        r"E=-\sum_k \big[y_k\ln\hat y_k+(1-y_k)\ln(1-\hat y_k)\big]",
        "mean cross-entropy",
    ),
}


def get_loss(name: str) -> Loss:
    """The loss called `name`; a ConfigError names the valid ones otherwise."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown loss {name!r}; use one of: {', '.join(LOSSES)}.") from None
