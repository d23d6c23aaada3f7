"""Input features computed from a 2-D point (x₁, x₂): the coordinates themselves, their
squares and product, and their sines, as the network's input layer.

Each feature has an ASCII key (for configurations, links and code) and a display label.
`feature_matrix` maps (n, 2) points and a tuple of chosen keys to (n, k) columns, in the
order given, all at once (no loop over points).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import DataError

Array = np.ndarray

# Key → (display label, column from the two coordinates). The order is the one pages list.
_FEATURES: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "x1": ("x₁", lambda a, b: a),
    "x2": ("x₂", lambda a, b: b),
    "x1^2": ("x₁²", lambda a, b: a * a),
    "x2^2": ("x₂²", lambda a, b: b * b),
    "x1x2": ("x₁x₂", lambda a, b: a * b),
    "sin_x1": ("sin x₁", lambda a, b: np.sin(a)),
    "sin_x2": ("sin x₂", lambda a, b: np.sin(b)),
}
FEATURES: tuple[str, ...] = tuple(_FEATURES)
FEATURE_LABELS: dict[str, str] = {key: label for key, (label, _) in _FEATURES.items()}
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def check_features(keys: Sequence[str]) -> tuple[str, ...]:
    """The chosen feature keys as a tuple: at least one, each known and chosen once;
    DataError otherwise."""
    if isinstance(keys, str):
        keys = (keys,)
    chosen = tuple(keys)
    if not chosen:
        raise DataError("Choose at least one input feature.")
    for key in chosen:
        if key not in _FEATURES:
            shown = repr(key)[:40]
            raise DataError(f"Unknown feature {shown}; use any of: {', '.join(FEATURES)}.")
    if len(set(chosen)) != len(chosen):
        raise DataError("Each input feature may be chosen once.")
    return chosen


def feature_matrix(points: Array, keys: Sequence[str]) -> Array:
    """The chosen features of every point: (n, 2) points → (n, len(keys)) float64 columns in
    the order of `keys`. DataError for points that are not (n, 2) or for bad keys."""
    chosen = check_features(keys)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise DataError(f"Features are computed from (n, 2) points; got shape {pts.shape}.")
    a, b = pts[:, 0], pts[:, 1]
    out = np.empty((pts.shape[0], len(chosen)))
    for j, key in enumerate(chosen):  # a handful of columns, each over all points at once
        out[:, j] = _FEATURES[key][1](a, b)
    return out
