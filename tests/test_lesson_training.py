"""The lesson's admissions run: its printed log exactly, its accuracy, and the correct loss."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_viz.core.activations import sigmoid
from backprop_viz.core.training import ordered_matmul
from backprop_viz.data.admissions import prepare_lesson, read_admissions_csv
from backprop_viz.explain.lesson import lesson_log_epochs, lesson_network, run_lesson
from tests.lesson_facts import LESSON_CSV, PRINTED, needs_lesson_csv

ROOT = Path(__file__).resolve().parents[1]

pytestmark = needs_lesson_csv


@pytest.fixture(scope="module")
def split():
    return prepare_lesson(read_admissions_csv(LESSON_CSV))


@pytest.fixture(scope="module")
def run(split):
    return run_lesson(split)


def test_lesson_log_is_reproduced_to_the_last_digit(run):
    assert [e.train_loss for e in run.log] == PRINTED
    assert [e.epoch for e in run.log] == list(range(0, 900, 90))
    assert not any(e.increasing for e in run.log)
    assert run.log[0].line() == "Train loss:  0.2513572524259881"


def test_lesson_accuracy(run):
    assert run.test_accuracy == 0.725


def test_correct_loss_is_over_the_whole_training_set(run, split):
    # The correct curve: mean((ŷ − y)²) over all 360 training records after each epoch.
    res = run.result
    assert res.loss_history.shape == (900,)
    for snap in res.snapshots:
        model = res.initial.with_parameters(snap.weights)
        out = model.predict(split.features)[:, 0]
        expected = np.mean((out - split.targets) ** 2)
        assert res.loss_history[snap.epoch] == pytest.approx(expected, rel=1e-13)
        # ...and it is not the lesson's printed value (which used one record's output).
        printed = PRINTED[snap.epoch // 90]
        assert abs(res.loss_history[snap.epoch] - printed) > 1e-3
    assert res.loss_history[-1] < res.loss_history[0]


def test_initial_weights_are_the_lessons_draws():
    net = lesson_network(6)
    rng = np.random.RandomState(21)
    np.testing.assert_array_equal(net.weights[0], rng.normal(scale=1 / 6**0.5, size=(6, 2)))
    np.testing.assert_array_equal(net.weights[1][:, 0], rng.normal(scale=1 / 6**0.5, size=2))


def test_log_epochs_follow_the_lessons_condition():
    assert lesson_log_epochs(900) == list(range(0, 900, 90))
    assert lesson_log_epochs(905) == [0, 181, 362, 543, 724]  # e % 90.5 == 0


def test_core_matches_the_per_record_loop(split):
    # The lesson's loop, literally, for 25 epochs (the full 900 take ~10 s; see benchmarks/).
    net = lesson_network(6)
    w_ih, w_ho = net.weights[0].copy(), net.weights[1][:, 0].copy()
    for _ in range(25):
        d_ih, d_ho = np.zeros_like(w_ih), np.zeros_like(w_ho)
        for x, y in zip(split.features, split.targets, strict=True):
            h = 1 / (1 + np.exp(-np.dot(x, w_ih)))
            out = 1 / (1 + np.exp(-np.dot(h, w_ho)))
            term = (y - out) * out * (1 - out)
            d_ho += term * h
            d_ih += (np.dot(term, w_ho) * h * (1 - h)) * x[:, None]
        w_ih += 0.005 * d_ih / len(split.targets)
        w_ho += 0.005 * d_ho / len(split.targets)
    res = run_lesson(split, epochs=25).result
    np.testing.assert_allclose(res.network.weights[0], w_ih, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.network.weights[1][:, 0], w_ho, rtol=0, atol=1e-12)


def _in_order(a, b):
    # a @ b written out: products rounded one by one, added for k = 0, 1, … in turn.
    out = a[..., :, 0, None] * b[..., None, 0, :]
    for k in range(1, a.shape[-1]):
        out = out + a[..., :, k, None] * b[..., None, k, :]
    return out


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [
        ((360, 6), (6, 2)),  # the lesson's layers and their sums over records
        ((360, 2), (2, 1)),
        ((360, 1), (1, 2)),
        ((360, 12), (12, 1)),  # many terms into one output: easy to sum pairwise by mistake
        ((1, 30), (30, 1)),
        ((40, 6), (16, 6, 2)),  # stacked weights, as when scoring a chunk of epochs
        ((16, 40, 3), (16, 3, 1)),
    ],
)
def test_ordered_matmul_adds_each_term_in_turn(a_shape, b_shape):
    rng = np.random.default_rng(7)
    a = rng.normal(size=a_shape) * 10.0 ** rng.integers(-8, 9, size=a_shape)
    b = rng.normal(size=b_shape) * 10.0 ** rng.integers(-8, 9, size=b_shape)
    for left in (a, np.asfortranarray(a)):
        np.testing.assert_array_equal(ordered_matmul(left, b), _in_order(left, b))
        # ...and over the records, as parameter_steps uses it: xᵀ·δ.
        np.testing.assert_array_equal(ordered_matmul(left.mT, left), _in_order(left.mT, left))
    # 1 then fifteen 1e-16: each vanishes when added to 1 in turn; summed pairwise they count.
    row = np.array([[1.0] + [1e-16] * 15])
    assert ordered_matmul(row, np.ones((16, 1)))[0, 0] == 1.0 < np.sum(row)


def test_lesson_run_adds_records_one_by_one_in_the_lessons_order(split):
    # Three epochs of the lesson's loop with every sum written out in order, its records
    # added one by one (the core's grouping of the error terms): the very same bits. A large
    # learning rate carries each step's last bits into the weights (at 0.005 the rounding of
    # w + Δw hides them, and BLAS's sums would pass too).
    x, y = split.features, split.targets
    net = lesson_network(6)
    w_ih, w_ho = net.weights[0].copy(), net.weights[1][:, 0].copy()
    for _ in range(3):
        h = sigmoid(_in_order(x, w_ih))
        out = sigmoid(h[:, 0] * w_ho[0] + h[:, 1] * w_ho[1])
        term = (y - out) * (out * (1 - out))
        hidden_term = (term[:, None] * w_ho) * (h * (1 - h))
        d_ih, d_ho = hidden_term[0] * x[0, :, None], term[0] * h[0]
        for r in range(1, len(y)):
            d_ih = d_ih + hidden_term[r] * x[r, :, None]
            d_ho = d_ho + term[r] * h[r]
        w_ih = w_ih + 5.0 * d_ih / len(y)
        w_ho = w_ho + 5.0 * d_ho / len(y)
    res = run_lesson(split, epochs=3, learning_rate=5.0).result
    np.testing.assert_array_equal(res.network.weights[0], w_ih)
    np.testing.assert_array_equal(res.network.weights[1][:, 0], w_ho)


# OpenBLAS kernels a DYNAMIC_ARCH build can be told to use, with the CPU flags each needs.
CORETYPES = {
    "Prescott": {"pni"},  # SSE3
    "Sandybridge": {"avx"},
    "Haswell": {"avx2", "fma"},
    "SkylakeX": {"avx512f", "avx512bw", "avx512dq", "avx512vl"},
}
LESSON_SCRIPT = """
import json
from backprop_viz.data.admissions import prepare_lesson, read_admissions_csv
from backprop_viz.explain.lesson import run_lesson
run = run_lesson(prepare_lesson(read_admissions_csv({csv!r})))
print(json.dumps([[e.train_loss for e in run.log], run.test_accuracy]))
"""


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


@pytest.mark.parametrize("coretype", sorted(CORETYPES))
def test_lesson_log_does_not_depend_on_the_blas_kernel(coretype):
    # The last digit of the 7th printed loss once came out differently with OpenBLAS's
    # SkylakeX kernel than with its Haswell one: the run must not depend on the kernel.
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if "openblas" not in str(blas.get("name", "")).lower():
        pytest.skip("NumPy does not use OpenBLAS here")
    if platform.machine() not in ("x86_64", "AMD64") or not CORETYPES[coretype] <= _cpu_flags():
        pytest.skip(f"this CPU cannot run OpenBLAS's {coretype} kernels")
    env = {**os.environ, "OPENBLAS_CORETYPE": coretype}
    done = subprocess.run(
        [sys.executable, "-c", LESSON_SCRIPT.format(csv=str(LESSON_CSV))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout) == [PRINTED, 0.725]
