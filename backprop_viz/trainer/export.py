"""A trained run written out: its network as the project's configuration JSON (what the step
page's Load box and `python -m backprop_viz step --config` read), and its history as CSV."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..core.config import StepConfig, config_to_dict, loads_config
from .datasets import Dataset
from .runs import Run

HISTORY_COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


def network_config(run: Run, data: Dataset) -> str:
    """The run's network (weights, biases, activations, loss), its learning rate and its
    regularization as configuration JSON, with the first training record as the inputs and
    targets so that the file is a complete step problem. Checked by reading it back
    (ConfigError if the configuration format cannot hold it)."""
    targets = np.reshape(data.y_train, (len(data.y_train), -1))
    spec = run.spec
    cfg = StepConfig(
        network=run.network,
        inputs=np.asarray(data.X_train[:1], dtype=np.float64),
        targets=targets[:1].astype(np.float64),
        learning_rate=float(spec.learning_rate),
        single_record=True,
        l1=spec.l1,
        l2=spec.l2,
    )
    text = json.dumps(config_to_dict(cfg), indent=1)  # floats as repr: read back exactly
    loads_config(text)
    return text


def history_frame(run: Run) -> pd.DataFrame:
    """One row per epoch: the training and test loss and, unless the run is a regression
    (where accuracy means nothing), the training and test accuracy. Test columns are empty
    without a test set."""
    n = run.epochs_run
    empty = np.full(n, np.nan)

    def column(values: np.ndarray) -> np.ndarray:
        return values if values.size == n else empty

    frame = pd.DataFrame(
        {
            "epoch": np.arange(1, n + 1),
            "train_loss": run.loss_history,
            "test_loss": column(run.test_loss_history),
            "train_accuracy": column(run.accuracy_history),
            "test_accuracy": column(run.test_accuracy_history),
        }
    )
    if run.spec.task == "regression":
        frame = frame.drop(columns=["train_accuracy", "test_accuracy"])
    return frame


def history_csv(run: Run) -> str:
    """The run's history (see `history_frame`) as CSV text, every number written exactly."""
    return history_frame(run).to_csv(index=False)  # floats as their shortest exact text
