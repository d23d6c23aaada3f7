"""Floor page for latency comparisons: one slider, one metric, one tiny Plotly chart.

Whatever the real app costs per slider step is measured against this page, which does the
least a Streamlit rerun with a metric and a chart can do.
"""

import streamlit as st

value = st.slider("Value", min_value=0, max_value=100, value=50)
st.metric("Shown", value)
# A tiny figure as a plain dict: the least a chart can cost a rerun.
figure = {
    "data": [{"type": "scatter", "mode": "lines+markers", "x": [0, 1, 2], "y": [0, value, 100]}],
    "layout": {"height": 240, "margin": {"l": 30, "r": 10, "t": 10, "b": 30}},
}
st.plotly_chart(figure, key="trivial_chart")
