"""The step page: one step of backpropagation on a small network, with every number shown."""
