"""All the figures of one training run, as the training page shows them.

Pure functions from results to Plotly figure dicts, one module per chart (`loss_curves`,
`accuracy`, `boundary`, `weights_history`; the network diagram is `weights`). Numeric arrays
are written as Plotly's base64 typed arrays (`{"dtype", "bdata"}`), which take about half
the room of decimal text. Only the loss curves and the decision boundary have frames; both
name their frames after the same checkpoints ("epoch k"), so their sliders read alike.
"""

from __future__ import annotations

from typing import Any

from ..trainer import Dataset, Run, frame_checkpoints
from .accuracy import accuracy_figure
from .boundary import boundary_figure
from .loss_curves import loss_figure
from .weights import weights_figure
from .weights_history import weights_history_figure


def training_figures(run: Run, data: Dataset) -> dict[str, dict[str, Any]]:
    """Every figure of the training view for a run: "loss", "accuracy", "weights",
    "network" and, for 2-D data, "boundary"."""
    frames = frame_checkpoints(run)
    epochs = [c.epochs for c in frames]
    figures = {
        "loss": loss_figure(
            run.loss_history, run.test_loss_history, epochs, run.network.loss.report_label
        ),
        "accuracy": accuracy_figure(run.accuracy_history, run.test_accuracy_history),
        "weights": weights_history_figure(run.network, run.checkpoints, data.feature_names),
        "network": weights_figure(
            run.network,
            f"The trained network after {run.epochs_run:,} epochs",
            list(data.feature_names),
        ),
    }
    # Room on the left for the input names (one-hot names such as "city_Lyon" are long).
    longest = max((len(n) for n in data.feature_names), default=0)
    margin = figures["network"]["layout"]["margin"]
    margin["l"] = max(margin.get("l", 0), 7 * longest + 30)
    if data.is_2d:
        figures["boundary"] = boundary_figure(
            run.network, frames, data.X_train, data.y_train, data.X_test, data.y_test
        )
    return figures
