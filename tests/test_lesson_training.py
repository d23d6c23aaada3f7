"""The lesson's admissions run: its printed log exactly, its accuracy, and the correct loss."""

import numpy as np
import pytest

from backprop_viz.admissions import prepare_lesson, read_admissions_csv
from backprop_viz.lesson import lesson_log_epochs, lesson_network, run_lesson
from tests.lesson_facts import LESSON_CSV, PRINTED, needs_lesson_csv

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
