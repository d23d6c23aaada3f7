"""Gradient-descent training over many epochs, vectorized over records, with histories."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError
from .network import Forward, Network, forward
from .step import as_problem, backward, check_learning_rate, parameter_steps

Array = np.ndarray

MODES = ("batch", "minibatch", "stochastic")
MAX_EPOCHS = 100_000
# A loss above this (or a NaN / infinite value anywhere) counts as diverged.
DIVERGENCE_LOSS = 1e8


@dataclass(frozen=True)
class Snapshot:
    """The parameters right after the update of epoch `epoch` (0-based)."""

    epoch: int
    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced: the final network, per-epoch histories, snapshots."""

    initial: Network
    network: Network  # the last parameters with a finite loss
    learning_rate: float
    mode: str
    loss_history: Array  # (epochs_run,): loss over the whole training set after each epoch
    test_loss_history: Array  # (epochs_run,) or empty without a test set
    accuracy_history: Array  # (epochs_run,): training accuracy after each epoch
    test_accuracy_history: Array
    snapshots: tuple[Snapshot, ...] = field(default_factory=tuple)
    diverged: bool = False
    message: str | None = None

    @property
    def epochs_run(self) -> int:
        """Epochs completed with a finite, non-exploding loss."""
        return int(self.loss_history.size)

    @property
    def test_accuracy(self) -> float | None:
        """Accuracy on the test set after the last completed epoch, if there is one."""
        h = self.test_accuracy_history
        return float(h[-1]) if h.size else None

    @property
    def accuracy(self) -> float | None:
        """Accuracy on the training set after the last completed epoch."""
        h = self.accuracy_history
        return float(h[-1]) if h.size else None


def ordered_matmul(a: Array, b: Array) -> Array:
    """`a @ b` for (..., n, k) and (..., k, m) arrays, every sum over k taken by NumPy term
    by term in index order, each product rounded on its own (no fused multiply-add).

    `@` hands the sums to BLAS, whose kernel (chosen for the CPU at run time) picks its own
    order and may fuse; this gives the same bits on every machine, at a few times the cost.
    Over records it adds them one by one in record order, as the lesson's loop does.
    """
    if a.shape[-1] > a.shape[-2] * b.shape[-1]:  # long sums into few outputs: over records
        # products[..., j, i, k] = a[..., i, k]·b[..., k, j], k last; accumulate adds each
        # term to the running sum in turn, by definition.
        products = np.multiply(b.mT[..., :, None, :], a[..., None, :, :], order="C")
        return np.add.accumulate(products, axis=-1)[..., -1].mT
    # products[..., k, j, i], k first, in C order. add.reduce adds term after term along any
    # axis but the contiguous last one (only there does it sum pairwise); k ≤ m·n here, so
    # whenever there are two terms or more, k is not that axis.
    products = np.multiply(b[..., :, :, None], a.mT[..., :, None, :], order="C")
    return np.add.reduce(products, axis=-3).mT


def accuracy(outputs: Array, targets: Array) -> float:
    """Fraction of outputs on the right side of 0.5 (the lesson's `out > 0.5` rule)."""
    if targets.size == 0:
        return float("nan")
    return np.count_nonzero((outputs > 0.5) == (targets > 0.5)) / targets.size


def train(
    network: Network,
    inputs: Array,
    targets: Array,
    *,
    epochs: int,
    learning_rate: float,
    mode: str = "batch",
    batch_size: int = 32,
    seed: int = 0,
    test_inputs: Array | None = None,
    test_targets: Array | None = None,
    snapshot_epochs: Iterable[int] = (),
    progress: Callable[[int, int], None] | None = None,
    ordered_sums: bool = False,
) -> TrainResult:
    """Train by gradient descent and record the loss after every epoch.

    Modes: "batch" (the lesson's: one step per epoch from all records, the steps summed
    with the weights fixed and applied divided by the number of records), "minibatch"
    (steps on shuffled batches of `batch_size`, seeded) and "stochastic" (batches of one).
    Training stops early, keeping the last finite parameters, when the loss turns NaN,
    infinite or above DIVERGENCE_LOSS. `progress(done, epochs)` is called about 100 times.

    With `ordered_sums` every sum is taken by NumPy in a fixed order instead of by BLAS
    (products through `ordered_matmul`, which adds records one by one as the lesson's loop
    does; bias steps and losses by NumPy's add.reduce): the same bits on every machine, at
    two to three times the time for the lesson's network.
    """
    lr = check_learning_rate(learning_rate)
    sum_with = {"matmul": ordered_matmul} if ordered_sums else {}  # {}: BLAS, by `@`
    if mode not in MODES:
        raise ConfigError(f"Unknown update mode {mode!r}; use one of: {', '.join(MODES)}.")
    if not 1 <= int(epochs) <= MAX_EPOCHS:
        raise ConfigError(f"Epochs must be between 1 and {MAX_EPOCHS:,}; got {epochs}.")
    epochs = int(epochs)
    n_out = network.sizes[-1]
    x, y = as_problem(network, inputs, targets, "training")
    has_test = test_inputs is not None and len(test_inputs) > 0
    if has_test:
        xt, yt = as_problem(network, test_inputs, test_targets, "test")
    n = x.shape[0]
    if mode == "stochastic":
        batch_size = 1
    elif mode == "batch":
        batch_size = n
    elif int(batch_size) < 1:
        raise ConfigError(f"The batch size must be at least 1; got {batch_size}.")
    batch_size = min(int(batch_size), n)

    weights = list(network.weights)
    biases = None if network.biases is None else list(network.biases)
    train_b = biases is not None and network.train_biases
    loss = network.loss
    # `report` may use BLAS (vdot); `report_each` is a NumPy mean, for ordered sums.
    report = (lambda *a: float(loss.report_each(*a))) if ordered_sums else loss.report
    rng = np.random.default_rng(seed)
    wanted = {int(e) for e in snapshot_epochs}
    snapshots: list[Snapshot] = []
    hist = np.empty(epochs)
    acc_hist = np.empty(epochs)
    test_hist = np.empty(epochs if has_test else 0)
    test_acc_hist = np.empty(epochs if has_test else 0)
    report_every = max(1, epochs // 100)
    diverged, message, done = False, None, 0

    # Accuracies are scored in chunks of epochs, all at once: the outputs, and for the test
    # set the parameters after each epoch, are stacked on a leading axis (one forward pass
    # for the whole chunk). Chunks are sized to keep the stacked arrays under ~32 MB.
    widest = max(network.sizes)
    per_epoch = n * n_out + (len(xt) * widest if has_test else 0)
    chunk = max(1, min(256, 4_000_000 // per_epoch))
    pending: list[tuple[list[Array], list[Array] | None, Array]] = []
    y_pos = y > 0.5

    def score_chunk(first: int) -> int | None:
        """Score the pending epochs; return the index of the first whose parameters are
        not finite (then only the epochs before it are scored and kept)."""
        if not pending:
            return None
        ws = [np.stack([p[0][i] for p in pending]) for i in range(network.n_layers)]
        bs = None
        if biases is not None:
            bs = [np.stack([p[1][i] for p in pending]) for i in range(network.n_layers)]
        finite = np.ones(len(pending), dtype=bool)
        for arr in ws + (bs or []):
            finite &= np.isfinite(arr).reshape(len(pending), -1).all(axis=1)
        bad = None if finite.all() else int(np.argmin(finite))
        if bad is not None:
            del pending[bad:]
            ws = [w[:bad] for w in ws]
            bs = None if bs is None else [b[:bad] for b in bs]
        if pending:
            stop = first + len(pending)
            outs = np.stack([p[2] for p in pending])
            hits = np.count_nonzero((outs > 0.5) == y_pos, axis=(-2, -1))
            acc_hist[first:stop] = hits / y.size
            if has_test:
                tf = forward(network, ws, bs, xt, **sum_with)
                test_hist[first:stop] = loss.report_each(yt, tf.output, tf.weighted_sums[-1])
                hits = (tf.output > 0.5) == (yt > 0.5)
                test_acc_hist[first:stop] = np.count_nonzero(hits, axis=(-2, -1)) / yt.size
        pending.clear()
        return bad

    def apply(ws: list[Array], bs: list[Array] | None, fwd: Forward, ys: Array):
        # New arrays, not in-place updates: the previous ones stay valid as a fallback.
        bwd = backward(network, ws, fwd, ys, with_errors=False, **sum_with)
        dw, db = parameter_steps(fwd, bwd, lr, with_biases=train_b, **sum_with)
        ws = [w + d for w, d in zip(ws, dw, strict=True)]
        if train_b:
            bs = [b + d for b, d in zip(bs, db, strict=True)]
        return ws, bs

    # Overflow is detected from the values themselves; one errstate for the whole loop,
    # because entering one costs as much as a small array operation.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fwd = forward(network, weights, biases, x, **sum_with)
        chunk_base = weights, biases  # the parameters before the first pending epoch
        for epoch in range(epochs):
            last = weights, biases
            if batch_size == n:
                weights, biases = apply(weights, biases, fwd, y)
            else:
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    idx = order[start : start + batch_size]
                    part = forward(network, weights, biases, x[idx], **sum_with)
                    weights, biases = apply(weights, biases, part, y[idx])
            # This forward both scores the epoch and starts the next batch step.
            fwd = forward(network, weights, biases, x, **sum_with)
            value = report(y, fwd.output, fwd.weighted_sums[-1])
            # A NaN or infinite weight shows in the loss; the rare one hidden behind a
            # saturated sigmoid is caught when the chunk is scored (see score_chunk).
            if not (math.isfinite(value) and value <= DIVERGENCE_LOSS):
                weights, biases = last
                what = f"{value:.3g}" if math.isfinite(value) else "NaN or infinite"
                diverged, message = True, f"the loss became {what}"
                break
            hist[epoch] = value
            pending.append((weights, biases, fwd.output))
            if epoch in wanted:
                # Parameters are never changed in place, so no copy is needed.
                snapshots.append(
                    Snapshot(epoch, tuple(weights), None if biases is None else tuple(biases))
                )
            done = epoch + 1
            if len(pending) == chunk or done == epochs:
                entries = list(pending)
                bad = score_chunk(done - len(entries))
                if bad is not None:
                    done -= len(entries) - bad
                    weights, biases = entries[bad - 1][:2] if bad else chunk_base
                    diverged, message = True, "a weight became NaN or infinite"
                    break
                chunk_base = weights, biases
            if progress is not None and (done % report_every == 0 or done == epochs):
                progress(done, epochs)
        if diverged and pending:
            # The epochs since the last chunk may already hold a non-finite weight.
            entries = list(pending)
            first = done - len(entries)
            bad = score_chunk(first)
            if bad is not None:
                done = first + bad
                weights, biases = entries[bad - 1][:2] if bad else chunk_base
                message = "a weight became NaN or infinite"
    if diverged:
        snapshots = [s for s in snapshots if s.epoch < done]
        message = (
            f"Training diverged at epoch {done + 1}: {message}. Kept the weights from "
            f"epoch {done}. Try a smaller learning rate (e.g. {lr / 10:g})."
        )

    return TrainResult(
        initial=network,
        network=network.with_parameters(weights, biases),
        learning_rate=lr,
        mode=mode,
        loss_history=hist[:done],
        test_loss_history=test_hist[:done] if has_test else test_hist,
        accuracy_history=acc_hist[:done],
        test_accuracy_history=test_acc_hist[:done] if has_test else test_acc_hist,
        snapshots=tuple(snapshots),
        diverged=diverged,
        message=message,
    )
