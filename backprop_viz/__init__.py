"""backprop-viz: backpropagation made visible, on a pure NumPy core.

The Python API (no Streamlit needed):

    >>> from backprop_viz import Network, step
    >>> net = Network.build([[[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]], [0.1, -0.3]])
    >>> trace = step(net, [0.5, 0.1, -0.2], [0.6], learning_rate=0.5)
    >>> trace.layers[1].weight_delta.ravel().round(8).tolist()
    [0.00804047, 0.00555918]
"""

from .core.config import StepConfig, load_config, loads_config, parse_config
from .core.gradcheck import gradient_check
from .core.landscape import loss_slice
from .core.network import Network, gradients
from .core.step import StepTrace, step
from .core.training import TrainResult, train
from .data.admissions import load_admissions, prepare_lesson, read_admissions_csv
from .data.datasets import make_2d
from .errors import BackpropVizError, ConfigError, DataError
from .explain.lesson import run_lesson
from .explain.presets import load_preset

__all__ = [
    "BackpropVizError",
    "ConfigError",
    "DataError",
    "Network",
    "StepConfig",
    "StepTrace",
    "TrainResult",
    "gradient_check",
    "gradients",
    "load_admissions",
    "load_config",
    "load_preset",
    "loads_config",
    "loss_slice",
    "make_2d",
    "parse_config",
    "prepare_lesson",
    "read_admissions_csv",
    "run_lesson",
    "step",
    "train",
]
