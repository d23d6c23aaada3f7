"""The errors backprop-viz raises for bad input: each carries one clear, user-facing line."""


class BackpropVizError(ValueError):
    """Base class: the message is shown to the user as is (no traceback)."""


class ConfigError(BackpropVizError):
    """A network, step or training setting is malformed or out of range."""


class DataError(BackpropVizError):
    """A dataset or uploaded file cannot be used; the message says why."""
