"""The training page: pick a dataset and a network, train it, and watch it learn."""
