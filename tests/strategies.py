"""Hypothesis strategies shared by the tests: random step configurations of every shape."""

import itertools

from hypothesis import strategies as st

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")
value = st.one_of(
    st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
    # Exact values: ReLU's kink at h = 0, ties and dead units become likely.
    st.sampled_from([0.0, 1.0, -0.5]),
)


@st.composite
def step_configs(draw):
    """A valid step configuration: 1–4 inputs, 0–3 hidden layers of 1–4 units, 1–3 outputs,
    any activations, both losses, biases off, trained or frozen, 1–3 records, and the
    lesson's flat forms (a flat last weight, one record as a flat list) now and then."""
    n_in = draw(st.integers(1, 4))
    hidden = draw(st.lists(st.integers(1, 4), max_size=3))
    n_out = draw(st.integers(1, 3))
    sizes = [n_in, *hidden, n_out]
    loss = draw(st.sampled_from(["squared_error", "cross_entropy"]))
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(len(sizes) - 1)]
    if loss == "cross_entropy":
        acts[-1] = "sigmoid"
    records = draw(st.integers(1, 3))
    weights = [
        [[draw(value) for _ in range(b)] for _ in range(a)] for a, b in itertools.pairwise(sizes)
    ]
    if n_out == 1 and draw(st.booleans()):
        weights[-1] = [row[0] for row in weights[-1]]  # the lesson's flat last weight
    bias_mode = draw(st.sampled_from(["none", "train", "frozen"]))
    biases = None if bias_mode == "none" else [[draw(value) for _ in range(b)] for b in sizes[1:]]
    target = st.floats(0.0, 1.0) if loss == "cross_entropy" else value
    inputs = [[draw(value) for _ in range(n_in)] for _ in range(records)]
    targets = [[draw(target) for _ in range(n_out)] for _ in range(records)]
    if records == 1 and n_in > 1 and draw(st.booleans()):
        inputs, targets = inputs[0], targets[0]  # one record as a flat list
    return {
        "inputs": inputs,
        "targets": targets,
        "learning_rate": draw(st.floats(0.01, 2.0)),
        "weights": weights,
        "biases": biases,
        "train_biases": bias_mode != "frozen",
        "activations": acts,
        "loss": loss,
    }
