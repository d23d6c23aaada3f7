"""The training page's presets: the lesson's admissions run and one tuned run per 2-D set,
each with the test accuracy it is documented to reach."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import TrainSpec


@dataclass(frozen=True)
class Preset:
    """Named settings with the test accuracy they are documented to reach."""

    label: str
    spec: TrainSpec
    # Documented: the tests check the preset reaches at least this (None for regression,
    # where accuracy means nothing, and the test loss is documented instead).
    min_test_accuracy: float | None
    note: str  # the settings in words, and the accuracy seen when the preset was chosen
    max_test_loss: float | None = None  # documented for regression: reached at most


LESSON_SPEC = TrainSpec()  # the defaults are the lesson's run


def _preset_2d(
    label: str, dataset: str, hidden: tuple[int, ...], lr: float, epochs: int, **more: object
) -> Preset:
    """A 2-D preset: tanh hidden units, a sigmoid output with cross-entropy, biases, seed 0;
    documented to reach a test accuracy of at least 0.95 (1.000 when chosen)."""
    spec = TrainSpec(
        dataset=dataset,
        hidden=hidden,
        activation="tanh",
        loss="cross_entropy",
        biases=True,
        learning_rate=lr,
        epochs=epochs,
        seed=0,
        **more,
    )
    # (8, 8) reads "2×8": two layers of eight.
    units = f"{len(hidden)}×{hidden[0]}" if len(hidden) > 1 else str(hidden[0])
    batches = f"mini-batches of {spec.batch_size}" if spec.mode == "minibatch" else "batch"
    note = (
        f"{units} tanh hidden units, cross-entropy, η = {lr:g}, {epochs:,} epochs "
        f"({batches}): test accuracy 1.000"
    )
    return Preset(label, spec, 0.95, note)


PRESETS: dict[str, Preset] = {
    "lesson": Preset(
        "The lesson's admissions run",
        LESSON_SPEC,
        0.725,
        "2 sigmoid hidden units, 900 epochs, η = 0.005, batch, seed 21: test accuracy "
        "0.725 on the lesson's real data",
    ),
    "xor": _preset_2d("XOR", "xor", (4,), 0.5, 300),
    "circles": _preset_2d("Two circles", "circles", (4,), 0.5, 300),
    "spirals": _preset_2d(
        "Two spirals",
        "spirals",
        (8, 8),
        1.0,
        1000,
        mode="minibatch",
        batch_size=100,
        n_points=500,
    ),
    "blobs": _preset_2d("Two Gaussian blobs", "blobs", (2,), 0.5, 100),
    "linear": _preset_2d("Linearly separable", "linear", (2,), 1.0, 200),
    # Three classes: a softmax output with cross-entropy, argmax accuracy.
    "blobs3": Preset(
        "Three blobs (3 classes)",
        TrainSpec(
            dataset="blobs3",
            hidden=(4,),
            activation="tanh",
            output="softmax",
            loss="cross_entropy",
            biases=True,
            learning_rate=0.5,
            epochs=300,
            seed=0,
            n_points=300,
        ),
        0.95,
        "4 tanh hidden units, a softmax output over 3 classes with cross-entropy, η = 0.5, "
        "300 epochs (batch): test accuracy 1.000 (argmax)",
    ),
    "spirals3": Preset(
        "Three spirals (3 classes)",
        TrainSpec(
            dataset="spirals3",
            hidden=(8, 8),
            activation="tanh",
            output="softmax",
            loss="cross_entropy",
            biases=True,
            learning_rate=0.5,
            epochs=800,
            seed=0,
            n_points=600,
            mode="minibatch",
            batch_size=100,
        ),
        0.95,
        "2×8 tanh hidden units, a softmax output over 3 classes with cross-entropy, η = 0.5, "
        "800 epochs (mini-batches of 100): test accuracy 1.000 (argmax)",
    ),
    # Regression: an identity output with squared error; the test loss is documented.
    "plane": Preset(
        "Plane (regression)",
        TrainSpec(
            dataset="plane",
            hidden=(),
            output="identity",
            loss="squared_error",
            biases=True,
            learning_rate=0.5,
            epochs=200,
            seed=0,
        ),
        None,
        "No hidden layer: an identity output with squared error is a linear fit, η = 0.5, "
        "200 epochs (batch): test loss 0.00008 (the targets' noise alone is 0.0001)",
        max_test_loss=0.001,
    ),
    "gaussians": Preset(
        "Mixture of Gaussians (regression)",
        TrainSpec(
            dataset="gaussians",
            hidden=(8,),
            activation="tanh",
            output="identity",
            loss="squared_error",
            biases=True,
            learning_rate=0.5,
            epochs=1000,
            seed=0,
            n_points=400,
            mode="minibatch",
            batch_size=50,
        ),
        None,
        "8 tanh hidden units, an identity output with squared error, η = 0.5, 1,000 epochs "
        "(mini-batches of 50): test loss 0.0079",
        max_test_loss=0.02,
    ),
}
