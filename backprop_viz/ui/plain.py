"""Text that came from a user (a link, a file, a typed value) made safe to show: cut short and
with every Markdown construct disarmed, so it reads as typed and never becomes a link."""

from __future__ import annotations

import re

import streamlit as st

MAX_ECHO_CHARS = 200  # a message quoting user text is cut to this many characters
# Every ASCII punctuation character may be backslash-escaped in Markdown; escaping them all
# disarms links, images, emphasis, HTML and bare-URL autolinks ("https\:\/\/…") alike.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` as Markdown that shows exactly these characters: one line, at most `limit`
    characters (then "…"), every punctuation mark escaped."""
    one_line = " ".join(str(text).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    return _PUNCTUATION.sub(r"\\\1", one_line)


def error(text: object, **kwargs: object) -> None:
    """An error box showing `text` as plain text."""
    st.error(plain(text), **kwargs)


def warning(text: object, **kwargs: object) -> None:
    """A warning box showing `text` as plain text."""
    st.warning(plain(text), **kwargs)
