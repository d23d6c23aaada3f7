"""Training runs for the training view: the lesson's run, continuation, checkpoints, presets,
divergence and validation, checked against independent computations."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backprop_viz.core.network import Network
from backprop_viz.core.training import train
from backprop_viz.data.admissions import (
    AdmissionsSource,
    prepare_lesson,
    read_admissions_csv,
    synthetic_admissions,
)
from backprop_viz.errors import ConfigError, DataError
from backprop_viz.explain.lesson import lesson_network
from backprop_viz.trainer import (
    LESSON_SPEC,
    POINT_SOURCES,
    PRESETS,
    TRAIN_MAX_CHECKPOINTS,
    TRAIN_MAX_FRAMES,
    TrainSpec,
    checkpoint_plan,
    continue_run,
    dataset_2d,
    dataset_admissions,
    dataset_csv,
    frame_checkpoints,
    initial_network,
    problems,
    start_run,
)
from tests.lesson_facts import LESSON_CSV, PRINTED, needs_lesson_csv

XOR = PRESETS["xor"].spec


def synthetic_dataset():
    frame = synthetic_admissions()
    return dataset_admissions(AdmissionsSource(frame, "synthetic", synthetic=True, path=None))


@needs_lesson_csv
def test_lesson_preset_reproduces_the_lessons_log_and_accuracy():
    frame = read_admissions_csv(LESSON_CSV)
    data = dataset_admissions(AdmissionsSource(frame, "real", synthetic=False, path=None))
    run = start_run(PRESETS["lesson"].spec, data)
    assert [e.train_loss for e in run.lesson_log] == PRINTED
    assert [e.epoch for e in run.lesson_log] == list(range(0, 900, 90))
    assert run.test_accuracy == 0.725 == run.lesson_test_accuracy
    assert run.lesson_epochs == 900
    # The whole-training-set loss after epoch 1, recomputed from the lesson's first draws.
    split = prepare_lesson(frame)
    first = run.checkpoints[1]
    assert first.epochs == 1
    out = lesson_network(6).with_parameters(first.weights).predict(split.features)[:, 0]
    assert run.loss_history[0] == pytest.approx(np.mean((out - split.targets) ** 2), rel=1e-13)


def test_lesson_preset_is_the_lessons_settings():
    spec = PRESETS["lesson"].spec
    assert spec == LESSON_SPEC
    assert (spec.dataset, spec.hidden, spec.epochs) == ("admissions", (2,), 900)
    assert (spec.learning_rate, spec.mode, spec.seed, spec.biases) == (0.005, "batch", 21, False)
    assert spec.activations() == ["sigmoid", "sigmoid"]
    assert spec.loss == "squared_error"


def test_admissions_split_is_the_lessons():
    data = synthetic_dataset()
    split = prepare_lesson(synthetic_admissions())
    np.testing.assert_array_equal(data.X_train, split.features)
    np.testing.assert_array_equal(data.y_test, split.targets_test)
    assert len(data.y_train) == 360 and len(data.y_test) == 40  # int(0.9 · 400)
    assert data.feature_names == ("gre", "gpa", "rank_1", "rank_2", "rank_3", "rank_4")
    assert data.synthetic and data.lesson_split


def test_lesson_network_uses_the_lessons_draws_only_for_the_lessons_kind_of_network():
    net = initial_network(LESSON_SPEC, 6)
    rng = np.random.RandomState(21)
    np.testing.assert_array_equal(net.weights[0], rng.normal(scale=1.0 / 6**0.5, size=(6, 2)))
    other = initial_network(LESSON_SPEC.with_changes(biases=True), 6)
    assert other.biases is not None
    assert not np.array_equal(other.weights[0], net.weights[0])


def test_batch_run_continued_equals_one_long_run():
    data = dataset_2d(XOR)
    whole = start_run(XOR.with_changes(epochs=300), data)
    part = continue_run(start_run(XOR.with_changes(epochs=180), data), data, 120)
    assert part.segments == (180, 120)
    for name in ("loss_history", "test_loss_history", "accuracy_history", "test_accuracy_history"):
        np.testing.assert_array_equal(getattr(part, name), getattr(whole, name))
    for a, b in zip(part.network.weights, whole.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    epochs = [c.epochs for c in part.checkpoints]
    assert epochs[0] == 0 and epochs[-1] == 300
    assert epochs == sorted(set(epochs))


@pytest.mark.parametrize("chunk", [1, 37, 250])
def test_minibatch_run_in_pieces_of_any_size_equals_one_run(chunk):
    # Live training goes on in chunks sized by the clock: the shuffled order must not
    # depend on where they end, or a live run would learn differently from a whole one.
    spec = XOR.with_changes(mode="minibatch", batch_size=16, epochs=500)
    data = dataset_2d(spec)
    whole = start_run(spec, data)
    run = start_run(spec.with_changes(epochs=chunk), data)
    while run.epochs_run < 500:
        run = continue_run(run, data, min(chunk, 500 - run.epochs_run), same_segment=True)
    np.testing.assert_array_equal(run.loss_history, whole.loss_history)
    for a, b in zip(run.network.weights, whole.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert run.shuffle_state == whole.shuffle_state


def test_checkpoints_hold_the_parameters_after_their_epoch():
    data = dataset_2d(XOR)
    run = start_run(XOR.with_changes(epochs=50), data)
    net = initial_network(XOR, 2)
    for cp in (run.checkpoints[0], run.checkpoints[7], run.checkpoints[-1]):
        if cp.epochs == 0:
            expected = net
        else:
            expected = train(
                net, data.X_train, data.y_train, epochs=cp.epochs, learning_rate=0.5
            ).network
        for a, b in zip(cp.weights, expected.weights, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
        for a, b in zip(cp.biases, expected.biases, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


@given(st.integers(1, 30_000))
def test_checkpoint_plan_spreads_over_the_run(epochs):
    plan = checkpoint_plan(epochs)
    assert plan[0] == 0 and plan[-1] == epochs - 1
    assert plan == sorted(set(plan))
    assert len(plan) == min(epochs, TRAIN_MAX_CHECKPOINTS)


def test_frames_are_at_most_sixty_spread_over_the_run():
    data = dataset_2d(XOR)
    run = start_run(XOR.with_changes(epochs=1000), data)
    run = continue_run(run, data, 500)
    frames = frame_checkpoints(run)
    epochs = [c.epochs for c in frames]
    assert len(frames) == TRAIN_MAX_FRAMES
    assert epochs[0] == 0 and epochs[-1] == 1500 == run.epochs_run
    assert epochs == sorted(set(epochs))
    # Spread: no gap is more than twice the even spacing.
    assert max(np.diff(epochs)) <= 2 * 1500 / (TRAIN_MAX_FRAMES - 1)
    short = start_run(XOR.with_changes(epochs=20), data)
    assert [c.epochs for c in frame_checkpoints(short)] == list(range(21))


def test_divergence_stops_with_a_message_and_keeps_finite_weights():
    spec = XOR.with_changes(output="identity", loss="squared_error", learning_rate=5.0)
    data = dataset_2d(spec)
    run = start_run(spec, data)
    assert run.diverged
    assert 0 < run.epochs_run < spec.epochs
    assert "diverged" in run.message and "smaller learning rate" in run.message
    assert all(np.isfinite(w).all() for w in run.network.weights)
    assert np.isfinite(run.loss_history).all()
    assert run.checkpoints[-1].epochs == run.epochs_run
    for a, b in zip(run.checkpoints[-1].weights, run.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError, match="diverged"):
        continue_run(run, data, 10)


@pytest.mark.parametrize("name", [k for k in PRESETS if k != "lesson"])
def test_two_d_presets_are_valid_and_cover_every_dataset(name):
    spec = PRESETS[name].spec
    assert problems(spec) == {}
    assert spec.dataset == name
    assert set(PRESETS) - {"lesson"} == set(POINT_SOURCES)


def test_spirals_preset_is_the_benchmarked_size():
    spec = PRESETS["spirals"].spec
    assert (spec.n_points, spec.hidden, spec.epochs) == (500, (8, 8), 1000)


@pytest.mark.parametrize(
    ("changes", "group", "words"),
    [
        ({"learning_rate": 0.0}, "training", "positive"),
        ({"learning_rate": float("nan")}, "training", "positive"),
        ({"learning_rate": 500.0}, "training", "too large"),
        ({"epochs": 0}, "training", "Epochs"),
        ({"mode": "minibatch", "batch_size": 0}, "training", "batch size"),
        ({"hidden": (2, 2, 2, 2, 2)}, "network", "hidden layers"),
        ({"hidden": (17,)}, "network", "units"),
        ({"loss": "cross_entropy", "output": "identity"}, "network", "sigmoid output"),
        ({"dataset": "xor", "n_points": 5}, "data", "points"),
        ({"dataset": "xor", "noise": 1.5}, "data", "noise"),
        ({"test_fraction": 0.8}, "data", "test share"),
    ],
)
def test_problems_name_the_control_group(changes, group, words):
    found = problems(TrainSpec().with_changes(**changes))
    assert list(found) == [group]
    assert words.lower() in found[group].lower()


def test_normalized_ignores_settings_that_do_not_apply():
    a = LESSON_SPEC.with_changes(batch_size=7, noise=0.9, n_points=999)
    assert a != LESSON_SPEC and a.normalized() == LESSON_SPEC.normalized()
    b = XOR.with_changes(mode="minibatch", batch_size=7)
    assert b.normalized().batch_size == 7
    assert XOR.with_changes(noise=0.3).normalized() != XOR.normalized()


def test_runs_that_would_take_too_long_are_refused():
    spec = XOR.with_changes(mode="stochastic", epochs=20_000, n_points=5000, hidden=(16, 16))
    with pytest.raises(ConfigError, match=r"minutes|hours"):
        start_run(spec, dataset_2d(spec))


def test_csv_dataset_is_encoded_and_split():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "size": rng.normal(10, 2, 200),
            "colour": rng.choice(["red", "green", "blue"], 200),
            "label": rng.choice(["yes", "no"], 200),
        }
    )
    data = dataset_csv(frame, "label", 0.25, 4, "t.csv")
    assert data.feature_names == ("size", "colour_blue", "colour_green", "colour_red")
    assert len(data.y_test) == 50 and len(data.y_train) == 150
    both = np.vstack([data.X_train, data.X_test])
    assert both[:, 0].mean() == pytest.approx(0, abs=1e-12)
    assert both[:, 0].std(ddof=1) == pytest.approx(1)
    assert set(np.unique(both[:, 1:])) == {0.0, 1.0}
    assert data.y_train.sum() + data.y_test.sum() == (frame["label"] == "yes").sum()
    with pytest.raises(DataError, match="distinct values"):
        dataset_csv(frame, "colour", 0.25, 4, "t.csv")


def test_a_network_without_hidden_layers_trains():
    spec = PRESETS["linear"].spec.with_changes(hidden=())
    run = start_run(spec, dataset_2d(spec))
    assert run.network.sizes == (2, 1)
    assert run.test_accuracy >= 0.9
    assert isinstance(run.initial, Network)


def test_durations_are_said_as_a_person_says_them():
    # "about 1 minutes" was how a run just over the cap was refused.
    from backprop_viz.explain.notation import duration

    assert [duration(s) for s in (1, 61, 121, 3600, 7200)] == [
        "1 second",
        "61 seconds",
        "2 minutes",
        "60 minutes",
        "2 hours",
    ]


# --- live training: a fresh run, chunks, the time they take ---------------------------------


def test_a_fresh_run_is_the_untrained_network_at_epoch_0():
    from backprop_viz.trainer.runs import fresh_run

    data = dataset_2d(XOR)
    run = fresh_run(XOR, data)
    assert run.epochs_run == 0 and run.segments == ()
    trained = start_run(XOR, data)
    for w, w0 in zip(run.network.weights, trained.initial.weights, strict=True):
        np.testing.assert_array_equal(w, w0)
    assert [c.epochs for c in run.checkpoints] == [0]


def test_live_chunks_add_up_to_one_batch_run():
    """Chunks of a batch run (no shuffling) give the same histories as one run: each
    chunk goes on from the last parameters."""
    from backprop_viz.trainer.live import train_chunk
    from backprop_viz.trainer.runs import fresh_run

    spec = XOR.with_changes(epochs=120)
    data = dataset_2d(spec)
    run, rate = fresh_run(spec, data), None
    sizes = []
    while run.epochs_run < spec.epochs:
        chunk = train_chunk(run, data, rate, budget=0.0005)
        sizes.append(chunk.epochs)
        run, rate = chunk.run, chunk.seconds_per_epoch
    assert len(sizes) > 2 and sum(sizes) == 120
    assert run.segments == (120,)  # one segment, however many chunks
    assert len(run.checkpoints) == len(sizes) + 1  # one per chunk, plus epoch 0
    whole = start_run(spec, data)
    np.testing.assert_allclose(run.loss_history, whole.loss_history, rtol=1e-12)
    np.testing.assert_allclose(run.test_accuracy_history, whole.test_accuracy_history)


def test_chunk_size_follows_the_measured_time():
    from backprop_viz.limits import TRAIN_LIVE_MAX_CHUNK_EPOCHS
    from backprop_viz.trainer.live import chunk_epochs

    assert chunk_epochs(0.001, 10_000, budget=0.08) == 80
    assert chunk_epochs(0.001, 30, budget=0.08) == 30  # no further than the run goes
    assert chunk_epochs(1.0, 100, budget=0.08) == 1  # at least one
    assert chunk_epochs(1e-9, 10**6, budget=0.08) == TRAIN_LIVE_MAX_CHUNK_EPOCHS


def test_checkpoint_plan_with_one_keeps_the_last_epoch():
    assert checkpoint_plan(50, 1) == [49]
    assert checkpoint_plan(50, 3) == [0, 24, 49]


def test_accuracies_count_records_on_the_right_side():
    from backprop_viz.trainer.runs import accuracies

    data = dataset_2d(XOR)
    run = start_run(XOR, data)
    train_acc, test_acc = accuracies(run.network, data)
    assert train_acc == pytest.approx(run.accuracy) and test_acc == pytest.approx(run.test_accuracy)


def test_a_regularized_run_is_the_cores_regularized_training():
    spec = XOR.with_changes(regularization="l2", rate=0.05, epochs=150)
    data = dataset_2d(spec)
    run = start_run(spec, data)
    net = initial_network(spec, data.n_features)
    core = train(
        net,
        data.X_train,
        data.y_train,
        epochs=150,
        learning_rate=spec.learning_rate,
        seed=spec.seed,
        test_inputs=data.X_test,
        test_targets=data.y_test,
        l2=0.05,
    )
    np.testing.assert_array_equal(run.loss_history, core.loss_history)
    plain = start_run(spec.with_changes(regularization="none"), data)
    size = [float(sum(np.sum(w * w) for w in r.network.weights)) for r in (run, plain)]
    assert size[0] < size[1]  # the penalty keeps the weights smaller
    assert spec.l2 == 0.05 and spec.l1 == 0.0
    # No penalty at all and a penalty of rate 0 are the same run.
    assert spec.with_changes(rate=0.0).normalized() == XOR.with_changes(epochs=150).normalized()


def test_the_regularization_rate_is_checked():
    found = problems(XOR.with_changes(regularization="l1", rate=0.5))
    assert found == {"training": "The regularization rate λ must be from 0 to 0.1."}
