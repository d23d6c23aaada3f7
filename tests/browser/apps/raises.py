"""A page that raises: the browser test checks no traceback or message reaches the page."""

import streamlit as st

st.write("This page raises on purpose.")
raise ZeroDivisionError("secret detail")
