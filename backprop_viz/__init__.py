"""backprop-viz: backpropagation made visible, on a pure NumPy core."""
