"""Core training speed against the lesson's per-record loop, measured in one run.

    python -m benchmarks.bench_core [--data PATH] [--repeats 5] [--no-scaling]

Trains the lesson's admissions network (2 hidden units, 900 epochs, η = 0.005, batch) with
the vectorized core and with a straightforward per-record loop in the lesson's style,
checks both end on the same weights (to 1e-12), and prints the ratio. Then the floor: the
same run as a bare vectorized NumPy loop (no histories, no checks), against the core's
`train` (batch, BLAS sums) in the same run, and the ratio. Then how the core's time grows
with records (400 → 40,000) and hidden units (2 → 16).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from backprop_viz.core.network import Network
from backprop_viz.core.training import train
from backprop_viz.data.admissions import load_admissions, prepare_lesson
from backprop_viz.explain.lesson import lesson_network, run_lesson

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "binary.csv"


def per_record_loop(features, targets, w_ih, w_ho, epochs=900, learnrate=0.005):
    """The lesson's training loop: one record at a time, steps summed, applied / n."""
    w_ih, w_ho = w_ih.copy(), w_ho.copy()
    n_records = len(features)
    for _ in range(epochs):
        del_w_input_hidden = np.zeros(w_ih.shape)
        del_w_hidden_output = np.zeros(w_ho.shape)
        for x, y in zip(features, targets, strict=True):
            hidden_output = 1 / (1 + np.exp(-np.dot(x, w_ih)))
            output = 1 / (1 + np.exp(-np.dot(hidden_output, w_ho)))
            error = y - output
            output_error_term = error * output * (1 - output)
            hidden_error = np.dot(output_error_term, w_ho)
            hidden_error_term = hidden_error * hidden_output * (1 - hidden_output)
            del_w_hidden_output += output_error_term * hidden_output
            del_w_input_hidden += hidden_error_term * x[:, None]
        w_ih += learnrate * del_w_input_hidden / n_records
        w_ho += learnrate * del_w_hidden_output / n_records
    return w_ih, w_ho


def vectorized_floor(features, targets, w_ih, w_ho, epochs=900, learnrate=0.005):
    """The lesson's run with nothing but the arithmetic: all records at once, no loss
    history, no accuracy, no checks. What no training loop can beat by much."""
    w_ih, w_ho = w_ih.copy(), w_ho.copy()
    n_records = len(features)
    for _ in range(epochs):
        hidden = 1 / (1 + np.exp(-(features @ w_ih)))
        output = 1 / (1 + np.exp(-(hidden @ w_ho)))
        output_term = (targets - output) * output * (1 - output)
        hidden_term = np.outer(output_term, w_ho) * hidden * (1 - hidden)
        w_ho += learnrate * (hidden.T @ output_term) / n_records
        w_ih += learnrate * (features.T @ hidden_term) / n_records
    return w_ih, w_ho


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """(fastest, median) wall time in seconds over `repeats` calls, and the last result.

    The fastest run is the least disturbed by other work on this shared machine.
    """
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA) if DEFAULT_DATA.exists() else None)
    parser.add_argument("--repeats", type=int, default=10, help="core runs per loop run")
    parser.add_argument("--loop-runs", type=int, default=2)
    parser.add_argument("--no-scaling", action="store_true")
    args = parser.parse_args()

    source = load_admissions(args.data)
    split = prepare_lesson(source.frame)
    print(source.label)
    net = lesson_network(split.features.shape[1])

    # Interleaved, so both sides see the same load on this shared machine.
    core_times, loop_times = [], []
    for _ in range(args.loop_runs):
        fast, _, run = timed(lambda: run_lesson(split), args.repeats // 2)
        core_times.append(fast)
        fast, _, (w_ih, w_ho) = timed(
            lambda: per_record_loop(
                split.features, split.targets, net.weights[0], net.weights[1][:, 0]
            ),
            1,
        )
        loop_times.append(fast)
        fast, _, run = timed(lambda: run_lesson(split), args.repeats - args.repeats // 2)
        core_times.append(fast)
    core_s, loop_s = min(core_times), min(loop_times)
    final = run.result.network
    diff = max(
        float(np.max(np.abs(final.weights[0] - w_ih))),
        float(np.max(np.abs(final.weights[1][:, 0] - w_ho))),
    )
    print(
        f"lesson run, 900 epochs: per-record loop {loop_s * 1000:.0f} ms (fastest of "
        f"{args.loop_runs}), core {core_s * 1000:.1f} ms (fastest of "
        f"{args.loop_runs * args.repeats})"
    )
    print(
        f"speed-up: {loop_s / core_s:.0f}x; largest weight difference {diff:.1e} "
        f"({'same weights to 1e-12' if diff <= 1e-12 else 'DIFFERENT WEIGHTS'})"
    )
    print(f"test accuracy {run.test_accuracy}")

    # The floor, interleaved with the core's general training (BLAS sums, with its loss
    # history and checks) so that both see the same load.
    x, y = split.features, split.targets
    w0, v0 = net.weights[0], net.weights[1][:, 0]
    floor_times, train_times = [], []
    for _ in range(args.repeats):
        fast, _, (w_f, v_f) = timed(lambda: vectorized_floor(x, y, w0, v0), 1)
        floor_times.append(fast)
        fast, _, res = timed(lambda: train(net, x, y, epochs=900, learning_rate=0.005), 1)
        train_times.append(fast)
    floor_s, train_s = min(floor_times), min(train_times)
    gap = max(
        float(np.max(np.abs(res.network.weights[0] - w_f))),
        float(np.max(np.abs(res.network.weights[1][:, 0] - v_f))),
    )
    print(
        f"floor (bare vectorized NumPy loop) {floor_s * 1000:.1f} ms, core train() "
        f"{train_s * 1000:.1f} ms: core/floor = {train_s / floor_s:.2f}x (fastest of "
        f"{args.repeats} each); largest weight difference {gap:.1e}; the lesson's exact run "
        f"(records summed in a fixed order) {core_s / floor_s:.2f}x the floor"
    )
    if args.no_scaling:
        return

    print("\ncore time for 900 epochs (batch), by records and hidden units:")
    rng = np.random.default_rng(0)
    base_x = np.vstack([split.features, split.features_test])
    base_y = np.concatenate([split.targets, split.targets_test])
    header = "records".rjust(8) + "".join(f"{h:>12} hid" for h in (2, 8, 16))
    print(header)
    table = {}
    for records in (400, 4_000, 40_000):
        reps = records // len(base_x)
        x = np.tile(base_x, (reps, 1)) + rng.normal(scale=0.01, size=(records, base_x.shape[1]))
        y = np.tile(base_y, reps)
        row = f"{records:>8}"
        for hidden in (2, 8, 16):
            net_h = Network.random([x.shape[1], hidden, 1], seed=1)
            secs, _, _ = timed(
                lambda net_h=net_h, x=x, y=y: train(net_h, x, y, epochs=900, learning_rate=0.005),
                1 if records > 4_000 else 3,
            )
            table[records, hidden] = secs
            row += f"{secs * 1000:>12.0f} ms"
        print(row)
    for hidden in (2, 8, 16):
        growth = table[40_000, hidden] / table[400, hidden]
        print(
            f"{hidden:>2} hidden units: 100x the records (400 -> 40,000) takes "
            f"{growth:.0f}x the time"
        )


if __name__ == "__main__":
    main()
