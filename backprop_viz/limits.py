"""Every limit backprop-viz enforces, defined once: the core's, each input path's, and each
page's, named apart (a page may allow less than the core)."""

# --- the core: what a network and its training may be ------------------------------------
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_UNITS = 16
