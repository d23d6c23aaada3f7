"""Text that came from a user (a link, a file, a typed value) made safe to show: cut short and
with every Markdown construct disarmed, so it reads as typed and never becomes a link."""

from __future__ import annotations

import re

import streamlit as st

from ..limits import MAX_ECHO_CHARS

# The characters that open a Markdown construct in Streamlit: links and images ([ ] !),
# HTML (< >), emphasis and code (* _ ~ `), headings, tables, math, escapes (# | $ \).
# Parentheses, dashes and dots stay as they are: alone they build nothing.
# An underscore inside a word (snake_case) opens nothing, so it is left as it is.
_SPECIAL = re.compile(r"([\\`*~\[\]<>!#|$]|(?<!\w)_|_(?!\w))")
# Bare addresses that GFM would turn into links: break them with an escape.
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def plain(text: object, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` as Markdown that shows exactly these characters: one line, at most `limit`
    characters (then "…"), every character that could start a construct escaped."""
    one_line = " ".join(str(text).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1] + "…"
    escaped = _SPECIAL.sub(r"\\\1", one_line)
    return _AUTOLINK.sub(lambda m: re.sub(r"([:/.@])", r"\\\1", m.group(1)), escaped)


def error(text: object, **kwargs: object) -> None:
    """An error box showing `text` as plain text."""
    st.error(plain(text), **kwargs)


def warning(text: object, **kwargs: object) -> None:
    """A warning box showing `text` as plain text."""
    st.warning(plain(text), **kwargs)
