"""Gradient-descent training over many epochs, vectorized over records, with histories."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..limits import MAX_EPOCHS
from .network import (
    Forward,
    MatMul,
    Network,
    backward_pass,
    forward_pass,
    parameter_steps,
    regularized_steps,
)
from .validate import (
    as_problem,
    check_class_targets,
    check_learning_rate,
    check_regularization,
)

Array = np.ndarray

MODES = ("batch", "minibatch", "stochastic")
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
    # The mini-batch shuffler's state after the last epoch: `train(shuffle_state=...)`
    # goes on from it, so a run trained in pieces equals the run trained at once.
    shuffle_state: dict[str, Any] | None = None

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
    l1: float = 0.0,
    l2: float = 0.0,
    shuffle_state: dict[str, Any] | None = None,
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

    `l1` and `l2` (each in [0, 0.1]) regularize the weights (not the biases): every step is
    Δw = η·(mean of δ·input − λ₂·w − λ₁·sign(w)). The loss histories stay the data's loss
    (without the penalty), comparable between training and test sets. Accuracy is the share
    of outputs on the target's side of 0.5, or for a softmax output the share of records
    whose largest output is the target's class (argmax).

    The mini-batch order is drawn from a generator seeded with `seed`, or going on from
    `shuffle_state` (a previous result's `shuffle_state`) when given.
    """
    lr = check_learning_rate(learning_rate)
    rates = (check_regularization(l1, "l1"), check_regularization(l2, "l2"))
    epochs = _checked_epochs(mode, epochs)
    x, y = as_problem(network, inputs, targets, "training")
    test = None
    if test_inputs is not None and len(test_inputs) > 0:
        test = as_problem(network, test_inputs, test_targets, "test")
    if network.loss.categorical:
        for classes in (y,) if test is None else (y, test[1]):
            check_class_targets(classes)
    batch = _batch_size(mode, batch_size, len(x))
    matmul: MatMul = ordered_matmul if ordered_sums else np.matmul
    # `report` may use BLAS (vdot); `report_each` is a NumPy mean, for ordered sums.
    loss = network.loss
    report = (lambda *a: float(loss.report_each(*a))) if ordered_sums else loss.report_value
    book = _Book(network, x, y, test, epochs, matmul)
    rng = np.random.default_rng(seed)
    if shuffle_state is not None:
        rng.bit_generator.state = shuffle_state
    wanted = {int(e) for e in snapshot_epochs}
    snapshots: list[Snapshot] = []
    report_every = max(1, epochs // 100)
    net, message, done = network, None, 0

    # Overflow is detected from the values themselves; one errstate for the whole loop,
    # because entering one costs as much as a small array operation.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fwd = forward_pass(net, x, matmul, silenced=True)
        for epoch in range(epochs):
            last = net
            net = _epoch(net, x, y, fwd, lr, batch, rng, matmul, rates)
            # This forward both scores the epoch and starts the next batch step.
            fwd = forward_pass(net, x, matmul, silenced=True)
            value = report(y, fwd.output, fwd.weighted_sums[-1])
            # A NaN or infinite weight shows in the loss; the rare one hidden behind a
            # saturated sigmoid is caught when the epochs are scored (see _Book.score).
            if not (math.isfinite(value) and value <= DIVERGENCE_LOSS):
                net = last
                what = f"{value:.3g}" if math.isfinite(value) else "NaN or infinite"
                message = f"the loss became {what}"
                break
            book.record(epoch, value, net, fwd.output)
            if epoch in wanted:  # parameters are never changed in place: no copy needed
                snapshots.append(Snapshot(epoch, net.weights, net.biases))
            done = epoch + 1
            if book.full or done == epochs:
                kept = book.score()
                if kept is not None:
                    done, net, message = kept, book.rolled_back, "a weight became NaN or infinite"
                    break
            if progress is not None and (done % report_every == 0 or done == epochs):
                progress(done, epochs)
        if message is not None and book.pending:
            # The epochs since the last scoring may already hold a non-finite weight.
            kept = book.score()
            if kept is not None:
                done, net, message = kept, book.rolled_back, "a weight became NaN or infinite"
    if message is not None:
        snapshots = [s for s in snapshots if s.epoch < done]
        message = _diverged(message, done, lr)
    return TrainResult(
        initial=network,
        network=net,
        learning_rate=lr,
        mode=mode,
        loss_history=book.loss[:done],
        test_loss_history=book.test_loss[:done],
        accuracy_history=book.accuracy[:done],
        test_accuracy_history=book.test_accuracy[:done],
        snapshots=tuple(snapshots),
        diverged=message is not None,
        message=message,
        shuffle_state=rng.bit_generator.state if batch < len(x) else None,
    )


def _diverged(why: str, done: int, lr: float) -> str:
    return (
        f"Training diverged at epoch {done + 1}: {why}. Kept the weights from "
        f"epoch {done}. Try a smaller learning rate (e.g. {lr / 10:g})."
    )


def _checked_epochs(mode: str, epochs: int) -> int:
    """The number of epochs, once the mode and the count are known to be valid."""
    if mode not in MODES:
        raise ConfigError(f"Unknown update mode {mode!r}; use one of: {', '.join(MODES)}.")
    if not 1 <= int(epochs) <= MAX_EPOCHS:
        raise ConfigError(f"Epochs must be between 1 and {MAX_EPOCHS:,}; got {epochs}.")
    return int(epochs)


def _batch_size(mode: str, batch_size: int, n: int) -> int:
    """Records per update: all for "batch", one for "stochastic", else `batch_size`."""
    if mode == "stochastic":
        return 1
    if mode == "batch":
        return n
    if int(batch_size) < 1:
        raise ConfigError(f"The batch size must be at least 1; got {batch_size}.")
    return min(int(batch_size), n)


def _update(
    net: Network,
    fwd: Forward,
    ys: Array,
    lr: float,
    matmul: MatMul,
    rates: tuple[float, float] = (0.0, 0.0),
) -> Network:
    """One step from a forward pass: w ← w + Δw (b too when the biases train), with the
    (λ₁, λ₂) regularization's pull in Δw. New arrays, never in place: the previous
    parameters stay valid for a roll-back."""
    train_b = net.biases is not None and net.train_biases
    bwd = backward_pass(net, fwd, ys, with_errors=False, matmul=matmul)
    dw, db = parameter_steps(fwd, bwd, lr, with_biases=train_b, matmul=matmul)
    if rates[0] or rates[1]:
        dw = regularized_steps(dw, net.weights, lr, *rates)
    weights = tuple([w + d for w, d in zip(net.weights, dw, strict=True)])
    biases = tuple([b + d for b, d in zip(net.biases, db, strict=True)]) if train_b else net.biases
    # Sums of float arrays: already what `with_parameters` would make of them.
    return Network(weights, biases, net.activations, net.loss, net.train_biases)


def _epoch(
    net: Network,
    x: Array,
    y: Array,
    fwd: Forward,
    lr: float,
    batch: int,
    rng: np.random.Generator,
    matmul: MatMul,
    rates: tuple[float, float] = (0.0, 0.0),
) -> Network:
    """One epoch: one step from all records (`fwd` is their forward pass), or one step per
    shuffled batch."""
    if batch == len(x):
        return _update(net, fwd, y, lr, matmul, rates)
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch):
        idx = order[start : start + batch]
        fwd = forward_pass(net, x[idx], matmul, silenced=True)
        net = _update(net, fwd, y[idx], lr, matmul, rates)
    return net


def accuracy(y: Array, y_hat: Array, categorical: bool = False) -> Array:
    """The share of right answers, per entry of any leading (stacked) axes of ŷ.

    Categorical (softmax): a record is right when its largest output is its target's
    class (argmax of both). Otherwise each output is right when it is on the target's side
    of 0.5."""
    if categorical:
        hits = np.argmax(y_hat, axis=-1) == np.argmax(y, axis=-1)
        return np.count_nonzero(hits, axis=-1) / y.shape[-2]
    return np.count_nonzero((y_hat > 0.5) == (y > 0.5), axis=(-2, -1)) / y.size


class _Book:
    """Each epoch's loss and accuracies. Accuracies (and the test set's loss) are scored in
    chunks of epochs, all at once: the outputs copied into one buffer as the epochs run,
    and for the test set the parameters after each epoch stacked on a leading axis (one
    forward pass for the whole chunk). Chunks are sized to keep the stacked arrays under
    ~32 MB. Scoring also finds the first epoch whose parameters are not finite, for the
    roll-back."""

    def __init__(
        self,
        network: Network,
        x: Array,
        y: Array,
        test: tuple[Array, Array] | None,
        epochs: int,
        matmul: MatMul,
    ) -> None:
        self.network, self.y, self.test, self.matmul = network, y, test, matmul
        self.y_pos = y > 0.5
        self.loss = np.empty(epochs)
        self.accuracy = np.empty(epochs)
        self.test_loss = np.empty(epochs if test else 0)
        self.test_accuracy = np.empty(epochs if test else 0)
        per_epoch = x.shape[0] * y.shape[1] + (len(test[0]) * max(network.sizes) if test else 0)
        self.chunk = max(1, min(256, 4_000_000 // per_epoch))
        self.outputs = np.empty((min(self.chunk, epochs), *y.shape))  # per pending epoch
        self.pending: list[Network] = []  # the parameters after each pending epoch
        self.first = 0  # the epoch of pending[0]
        self.base = network  # the parameters before pending[0]
        self.rolled_back = network  # after a failed score: the last finite parameters

    @property
    def full(self) -> bool:
        """Whether a chunk of epochs waits to be scored."""
        return len(self.pending) == self.chunk

    def record(self, epoch: int, value: float, net: Network, outputs: Array) -> None:
        """Keep an epoch's loss, its parameters and (a copy of) its outputs for scoring."""
        if not self.pending:
            self.first = epoch
        self.loss[epoch] = value
        self.outputs[len(self.pending)] = outputs
        self.pending.append(net)

    def score(self) -> int | None:
        """Score the pending epochs. If one has parameters that are not finite, score only
        those before it, set `rolled_back` to the last finite parameters, and return how
        many epochs are now done; None when all were finite."""
        nets = self.pending
        # A step adds Δw to w, and inf or NaN plus anything stays inf or NaN: when the
        # chunk's last parameters are finite, so were all before them.
        bad = None if _finite(nets[-1]) else _first_not_finite(nets)
        if bad is not None:
            self.rolled_back = nets[bad - 1] if bad else self.base
        count = len(nets) if bad is None else bad
        if count:
            self._accuracies(count)
        self.base = nets[-1]
        self.pending = []
        return None if bad is None else self.first + bad

    def _accuracies(self, count: int) -> None:
        stop = self.first + count
        outs = self.outputs[:count]
        categorical = self.network.loss.categorical
        if categorical:
            self.accuracy[self.first : stop] = accuracy(self.y, outs, categorical=True)
        else:  # the lesson's hot path: its thresholded targets computed once
            hits = np.count_nonzero((outs > 0.5) == self.y_pos, axis=(-2, -1))
            self.accuracy[self.first : stop] = hits / self.y.size
        if self.test:
            nets = self.pending[:count]
            ws = [np.stack([n.weights[i] for n in nets]) for i in range(self.network.n_layers)]
            bs = None
            if self.network.biases is not None:
                bs = [np.stack([n.biases[i] for n in nets]) for i in range(len(ws))]
            xt, yt = self.test
            tf = forward_pass(self.network.with_parameters(ws, bs), xt, self.matmul)
            loss = self.network.loss
            self.test_loss[self.first : stop] = loss.report_each(
                yt, tf.output, tf.weighted_sums[-1]
            )
            self.test_accuracy[self.first : stop] = accuracy(yt, tf.output, categorical)


def _parameters(net: Network) -> tuple[Array, ...]:
    return net.weights + (net.biases or ())


def _finite(net: Network) -> bool:
    """Whether every weight and bias of `net` is finite."""
    return all(np.isfinite(p).all() for p in _parameters(net))


def _first_not_finite(nets: list[Network]) -> int:
    """The index of the first network with a weight or bias that is not finite (one is)."""
    finite = np.ones(len(nets), dtype=bool)
    for i in range(len(_parameters(nets[0]))):
        stacked = np.stack([_parameters(n)[i] for n in nets])
        finite &= np.isfinite(stacked).reshape(len(nets), -1).all(axis=1)
    return int(np.argmin(finite))
