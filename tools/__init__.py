"""Tools for developing backprop-viz: driving the app in a real browser, shared by the
browser tests and the benchmarks."""
