"""Memory after a class leaves: the server's RSS while 30 sessions come and go, twice.

    python -m benchmarks.bench_memory [--sessions 30] [--rounds 2] [--steps 5] [--settle 180]

Starts the app (`streamlit run app.py`, headless, on a free port, with the project's
.streamlit/config.toml). Each round opens `--sessions` sessions at once; each runs the step
page and moves the x₁ slider `--steps` times, on a configuration of its own (every session
sets x₂ to a value no other session uses, in any round), so every per-configuration cache
fills as a class exploring on its own would fill it; then it goes to the Training page,
types a seed of its own and presses Train, so the shared store of trained runs fills and
every session holds a run and its figures of its own. Then every session closes, and the
benchmark waits `--settle` seconds: longer than the server's disconnected-session
lifetime (server.disconnectedSessionTTL, 120 s by default), after which a closed session's
state should be gone. Before the first round, one session comes and goes, so that what
the first run of each page imports once for good (numpy, pandas, plotly: ~100 MiB) is not
counted as the class's. Prints the server's RSS before, at the peak and after the wait, for
each round, and whether the target holds: every round back within 50 MiB of the first
round's after-value, and no growth from round to round (≤ 10 MiB, about one run's noise).

Sessions are opened at Streamlit's websocket protocol level (benchmarks/_server.py), not
with browser pages: what is measured is the server's memory, and 30 Chromium pages on this
2-core machine would take minutes to open and their CPU would slow the server's runs, not
change what it keeps. The session is the same to the server either way (the same
BackMsg/ForwardMsg exchange the browser's frontend has with it).

`--app-dir` runs the app from another checkout (to measure a change before it is made);
`--env NAME=VALUE` and `--server-arg` pass environment and `streamlit run` options through.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._server import (
    MeasuredServer,
    ProtocolSession,
    RssSampler,
    load_average,
    rss_mib,
)
from tools.browser import REPO_ROOT

TARGET_MIB = 50.0  # every round's after-value within this of the first round's
GROWTH_MIB = 10.0  # "no growth" from round to round: within what one run's noise is
SLIDER = "Input x₁"
OTHER_SLIDER = "Input x₂"  # set once per session, to a value of its own
GRID = 0.01  # the input sliders' step
LOW = -2.9  # the first session's x₂; x₂ stays inside the slider's range [-3, 3]
TRAINING_PAGE = "training"  # its url path
SEED_BOX = "Seed"
TRAIN_BUTTON = "Train"


@dataclass
class RoundResult:
    """RSS (MiB) around one round of sessions."""

    before: float
    peak: float
    after: float
    timeline: list[tuple[float, float]]  # (seconds since the last session closed, RSS)
    errors: int


def x2_value(round_index: int, session: int, sessions: int) -> float:
    """A value of x₂ that no other session in any round uses (on the slider's grid)."""
    return round(LOW + GRID * (round_index * sessions + session), 2)


async def _one_session(
    url: str, x2: float, steps: int, seed: int | None
) -> tuple[ProtocolSession, int]:
    session, run = await ProtocolSession.open(url)
    runs = [run, await session.set_slider(OTHER_SLIDER, x2)]
    x1 = session.widgets[SLIDER].value[0]
    for k in range(steps):
        runs.append(await session.set_slider(SLIDER, round(x1 + GRID * (k + 1), 2)))
    if seed is not None:
        runs.append(await session.goto(TRAINING_PAGE))
        runs.append(await session.set_number(SEED_BOX, seed))
        runs.append(await session.click(TRAIN_BUTTON))
    return session, sum(len(run.exceptions) for run in runs)


async def _open_and_close(
    url: str, round_index: int, sessions: int, steps: int, train: bool = True
) -> int:
    """Open `sessions` sessions at once, use each, then close them all; return the number
    of error boxes the pages drew."""
    opened = await asyncio.gather(
        *(
            _one_session(
                url,
                x2_value(round_index, i, sessions),
                steps,
                round_index * sessions + i if train else None,
            )
            for i in range(sessions)
        )
    )
    await asyncio.gather(*(session.close() for session, _ in opened))
    return sum(errors for _, errors in opened)


def run_round(
    server: MeasuredServer,
    round_index: int,
    sessions: int,
    steps: int,
    settle_s: float,
    sample_every_s: float,
    train: bool,
) -> RoundResult:
    """One class: sessions come, work, leave; then wait `settle_s` and read the RSS."""
    before = server.rss_mib()
    with RssSampler(server.pid) as sampler:
        errors = asyncio.run(_open_and_close(server.url, round_index, sessions, steps, train))
    closed = time.monotonic()
    timeline = [(0.0, server.rss_mib())]
    while (elapsed := time.monotonic() - closed) < settle_s:
        time.sleep(min(sample_every_s, settle_s - elapsed))
        timeline.append((time.monotonic() - closed, server.rss_mib()))
        print(f"    {timeline[-1][0]:5.0f} s after closing: {timeline[-1][1]:6.1f} MiB", flush=True)
    return RoundResult(before, sampler.peak, timeline[-1][1], timeline, errors)


def report(results: list[RoundResult], settle_s: float) -> bool:
    """Print the table and the verdict; return whether the target holds."""
    print(f"\n{'round':>5} {'before':>8} {'peak':>8} {'after':>8}   (MiB; after {settle_s:.0f} s)")
    for i, r in enumerate(results, 1):
        print(f"{i:>5} {r.before:8.1f} {r.peak:8.1f} {r.after:8.1f}")
    first = results[0].after
    worst = max(r.after - first for r in results)
    growth = [b.after - a.after for a, b in itertools.pairwise(results)]
    released = [(r.peak - r.after) / max(r.peak - r.before, 1e-9) for r in results]
    print(
        "released after the wait: "
        + ", ".join(f"round {i}: {100 * f:.0f}% of its rise" for i, f in enumerate(released, 1))
    )
    ok = worst <= TARGET_MIB and all(g <= GROWTH_MIB for g in growth)
    print(
        f"worst after-value vs round 1: {worst:+.1f} MiB (target ≤ {TARGET_MIB:.0f}); "
        f"round-to-round: {', '.join(f'{g:+.1f}' for g in growth) or 'n/a'} MiB "
        f"(target ≤ {GROWTH_MIB:.0f}): " + ("target met" if ok else "TARGET MISSED")
    )
    errors = sum(r.errors for r in results)
    if errors:
        print(f"WARNING: the pages drew {errors} error boxes")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5, help="slider steps per session")
    parser.add_argument(
        "--settle", type=float, default=180.0, help="seconds to wait after the last close"
    )
    parser.add_argument(
        "--no-training", action="store_true", help="leave out the Training page's Train"
    )
    parser.add_argument("--sample-every", type=float, default=30.0, help="seconds")
    parser.add_argument("--app-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)

    print(
        f"{args.rounds} rounds of {args.sessions} sessions ({args.steps} slider steps each"
        + ("" if args.no_training else ", then Train with a seed of its own")
        + "), "
        f"{args.settle:.0f} s wait; app from {args.app_dir}"
        + (f"; env {env}" if env else "")
        + (f"; server args {args.server_arg}" if args.server_arg else "")
    )
    print(f"load average at start: {load_average()}")
    results = []
    with MeasuredServer(args.app_dir, env=env, extra_args=args.server_arg) as server:
        print(f"server idle: {rss_mib(server.pid):.1f} MiB")
        # One session first, so that the first round's figures do not include what the
        # first run of each page imports (numpy, pandas, plotly...) once for good.
        asyncio.run(_open_and_close(server.url, args.rounds, 1, 1, not args.no_training))
        print(f"server after one session (imports done): {rss_mib(server.pid):.1f} MiB")
        for i in range(args.rounds):
            print(f"round {i + 1}:", flush=True)
            results.append(
                run_round(
                    server,
                    i,
                    args.sessions,
                    args.steps,
                    args.settle,
                    args.sample_every,
                    not args.no_training,
                )
            )
        # What the app's memory sweep (backprop_viz/ui/memory.py) did, if it runs.
        words = ("expired sessions", "emptied the caches", "sweep failed", "Traceback")
        log = [line for line in server.log_text().splitlines() if any(w in line for w in words)]
        print("server log:\n  " + ("\n  ".join(log) if log else "(no memory sweep lines)"))
    print(f"load average at end: {load_average()}")
    report(results, args.settle)


if __name__ == "__main__":
    main()
