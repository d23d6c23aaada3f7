"""backprop-viz: the Streamlit app. Wires the two views; all computing lives in backprop_viz."""

import streamlit as st

from backprop_viz.ui.memory import release_closed_sessions
from backprop_viz.ui.step.page import render_step_view
from backprop_viz.ui.train.page import render_train_view

release_closed_sessions()  # once per server process; at once after that
st.set_page_config(page_title="backprop-viz", page_icon="∂", layout="wide")
page = st.navigation(
    [
        st.Page(render_step_view, title="One step", url_path="one-step", default=True),
        st.Page(render_train_view, title="Training", url_path="training"),
        # /step, the step page's own address, runs the same page (a default page is served
        # only at the root: its url_path is reserved, not served).
        st.Page(render_step_view, title="One step", url_path="step", visibility="hidden"),
    ],
    position="top",
)
page.run()
