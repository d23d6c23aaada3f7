"""Which of a run's checkpoints become animation frames: at most TRAIN_MAX_FRAMES, evenly spread."""

from __future__ import annotations

import numpy as np

from ..limits import TRAIN_MAX_FRAMES
from .runs import Checkpoint, Run


def frame_checkpoints(run: Run, max_frames: int = TRAIN_MAX_FRAMES) -> tuple[Checkpoint, ...]:
    """At most `max_frames` checkpoints spread evenly over the run, first and last included."""
    cps = run.checkpoints
    if len(cps) <= max_frames:
        return cps
    epochs = np.array([c.epochs for c in cps])
    targets = np.linspace(0, epochs[-1], max_frames)
    # The nearest checkpoint to each target epoch, without repeats.
    right = np.clip(np.searchsorted(epochs, targets), 1, len(epochs) - 1)
    left = right - 1
    pick = np.where(targets - epochs[left] <= epochs[right] - targets, left, right)
    return tuple(cps[i] for i in np.unique(pick))
