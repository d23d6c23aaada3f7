"""Input features of 2-D points, against each feature's formula written point by point."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from backprop_viz.data.features import (
    DEFAULT_FEATURES,
    FEATURE_LABELS,
    FEATURES,
    check_features,
    feature_matrix,
)
from backprop_viz.errors import DataError

ORACLE = {
    "x1": lambda p, q: p,
    "x2": lambda p, q: q,
    "x1^2": lambda p, q: p**2,
    "x2^2": lambda p, q: q**2,
    "x1x2": lambda p, q: p * q,
    "sin_x1": lambda p, q: math.sin(p),
    "sin_x2": lambda p, q: math.sin(q),
}


def test_the_seven_features_have_ascii_keys_and_display_labels():
    assert FEATURES == ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")
    assert all(k.isascii() for k in FEATURES)
    assert [FEATURE_LABELS[k] for k in FEATURES] == [
        "x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂",
    ]  # fmt: skip
    assert DEFAULT_FEATURES == ("x1", "x2")


@given(
    arrays(np.float64, st.tuples(st.integers(0, 20), st.just(2)), elements=st.floats(-5, 5)),
    st.lists(st.sampled_from(FEATURES), min_size=1, max_size=7, unique=True),
)
def test_columns_match_each_formula_point_by_point_in_the_order_chosen(points, keys):
    out = feature_matrix(points, tuple(keys))
    assert out.shape == (len(points), len(keys)) and out.dtype == np.float64
    for i, (p, q) in enumerate(points):
        for j, key in enumerate(keys):
            assert out[i, j] == pytest.approx(ORACLE[key](p, q), rel=1e-15, abs=0)


def test_a_worked_point():
    out = feature_matrix(np.array([[2.0, -0.5]]), FEATURES)
    np.testing.assert_allclose(
        out[0], [2.0, -0.5, 4.0, 0.25, -1.0, math.sin(2.0), math.sin(-0.5)], rtol=1e-15
    )


@pytest.mark.parametrize(
    ("points", "keys", "message"),
    [
        (np.zeros((3, 2)), (), "at least one"),
        (np.zeros((3, 2)), ("x3",), "Unknown feature 'x3'"),
        (np.zeros((3, 2)), ("x1", "x1"), "once"),
        (np.zeros((3, 3)), ("x1",), "(n, 2) points"),
        (np.zeros(4), ("x1",), "(n, 2) points"),
    ],
)
def test_bad_requests_are_refused(points, keys, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        feature_matrix(points, keys)


def test_a_single_key_string_counts_as_one_feature():
    assert check_features("x1x2") == ("x1x2",)
