"""The errors backprop-viz raises for bad input: each carries one clear, user-facing line."""

from .limits import MAX_QUOTE_CHARS


class BackpropVizError(ValueError):
    """Base class: the message is shown to the user as is (no traceback)."""


class ConfigError(BackpropVizError):
    """A network, step or training setting is malformed or out of range."""


class DataError(BackpropVizError):
    """A dataset or uploaded file cannot be used; the message says why."""


def cut(value: object, limit: int = MAX_QUOTE_CHARS) -> str:
    """A value's text cut to `limit` characters, the last of them "…" when it was longer."""
    # Only the first `limit` characters are ever copied: a 4 MB cell costs no more than a word.
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = MAX_QUOTE_CHARS) -> str:
    """A value as a message quotes it: in quotes, cut to `limit` characters with "…"."""
    return repr(cut(value, limit))
