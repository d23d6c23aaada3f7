"""Training runs for the training page, with no UI: settings, data, runs, frames, presets.

`spec` holds a run's settings and their checks, `datasets` the data a run learns from
(with its input features), `runs` training and continuing (with the cost estimate),
`frames` the checkpoints the animations show, `presets` the page's named settings, and
`export` a run written out (configuration JSON, history CSV). Every public name is here
too, but export's.
"""

from .datasets import Dataset, dataset_2d, dataset_admissions, dataset_csv, with_features
from .frames import TRAIN_MAX_FRAMES, frame_checkpoints
from .presets import LESSON_SPEC, PRESETS, Preset
from .runs import (
    TRAIN_MAX_CHECKPOINTS,
    TRAIN_MAX_SECONDS,
    TRAIN_MAX_TOTAL_EPOCHS,
    Checkpoint,
    Run,
    checkpoint_plan,
    continue_run,
    estimated_seconds,
    initial_network,
    start_run,
)
from .spec import (
    HIDDEN_ACTIVATIONS,
    MODE_LABELS,
    OUTPUT_ACTIVATIONS,
    POINT_SOURCES,
    SOURCE_LABELS,
    SOURCES,
    TRAIN_MAX_EPOCHS_PER_RUN,
    TRAIN_MAX_POINTS,
    TRAIN_MAX_TEST_FRACTION,
    TRAIN_MIN_POINTS,
    TrainSpec,
    check,
    problems,
)

__all__ = [
    "HIDDEN_ACTIVATIONS",
    "LESSON_SPEC",
    "MODE_LABELS",
    "OUTPUT_ACTIVATIONS",
    "POINT_SOURCES",
    "PRESETS",
    "SOURCES",
    "SOURCE_LABELS",
    "TRAIN_MAX_CHECKPOINTS",
    "TRAIN_MAX_EPOCHS_PER_RUN",
    "TRAIN_MAX_FRAMES",
    "TRAIN_MAX_POINTS",
    "TRAIN_MAX_SECONDS",
    "TRAIN_MAX_TEST_FRACTION",
    "TRAIN_MAX_TOTAL_EPOCHS",
    "TRAIN_MIN_POINTS",
    "Checkpoint",
    "Dataset",
    "Preset",
    "Run",
    "TrainSpec",
    "check",
    "checkpoint_plan",
    "continue_run",
    "dataset_2d",
    "dataset_admissions",
    "dataset_csv",
    "estimated_seconds",
    "frame_checkpoints",
    "initial_network",
    "problems",
    "start_run",
    "with_features",
]
