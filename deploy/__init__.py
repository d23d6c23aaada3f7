"""Running backprop-viz past one process: N replicas behind nginx (see deploy/README.md)."""
