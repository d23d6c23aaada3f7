"""A classroom's load: N students each stepping a step-page slider every 2 s, one server.

    python -m benchmarks.bench_load [--sessions 1,10,30,60] [--duration 60] [--interval 2]
    python -m benchmarks.bench_load --quick        # N = 1 and 10, 10 s each

For each N, a fresh server (`streamlit run app.py`, headless, free port) and N sessions.
Each session opens the step page, moves x₂ to a value no other session uses (so every
student has a configuration of their own and the shared per-configuration caches do not
answer for them: the costly case), then presses → on the x₁ slider every `--interval`
seconds (each session at its own phase) for `--duration` seconds: a rerun of the page's
live fragment with a new value each time. Reported per N:
- step-to-update p50/p90/max: from sending the slider's new value until the server's
  `script_finished` for the run it caused has arrived, the run having drawn the new
  "Output ŷ" (the page is updated once that message is in);
- server time per step: the script's own run time (the page profile Streamlit sends when
  usage stats are on; the server here runs with them on, which sends nothing anywhere),
  and the server process's CPU time divided by the steps it served;
- the server's RSS (peak) and the CPU the server, this client and everything else on the
  machine used meanwhile (in cores), with the load average: the machine's 2 cores are
  shared, so read the latencies beside what else was running.
Then the largest N whose p90 stayed ≤ 300 ms, and, as a cross-check that does not depend
on the machine's other load, the N one process could serve from CPU time alone (a single
Streamlit process runs its Python on one core at a time: 1 s of CPU per s, shared by all
steps).

Sessions are driven at the Streamlit protocol level (benchmarks/_server.py: a websocket
client sending the same BackMsg a browser sends when a slider moves, and reading the
ForwardMsgs the server answers with), not with a browser per session: 60 Chromium pages
on these 2 cores would measure the browsers (rendering, Plotly, JavaScript), not the
server, and would starve it of CPU. What a browser adds on its own side (drawing the
update, ~100 ms for this page) is measured by bench_step_latency, one page at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._server import (
    MeasuredServer,
    ProtocolSession,
    RssSampler,
    load_average,
)
from tools.browser import REPO_ROOT, percentile

P90_TARGET_MS = 300.0
SLIDER = "Input x₁"
OTHER_SLIDER = "Input x₂"  # set once per session, to a value of its own
METRIC = "Output ŷ"
GRID = 0.01  # the input sliders' step
SLIDER_HIGH = 3.0
# The usage-stats flag only makes the server send each run's page profile (its run time)
# to the client; nothing leaves the machine.
SERVER_ARGS = ("--browser.gatherUsageStats", "true")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Level:
    """What one N measured."""

    sessions: int
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    exec_ms: list[float] = field(default_factory=list)
    late: int = 0  # steps sent later than their schedule (the previous one was still running)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0  # the measured window
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_busy_s: float = 0.0
    rss_peak_mib: float = 0.0
    load_start: str = ""
    load_end: str = ""

    @property
    def steps(self) -> int:
        return len(self.latencies_ms)

    @property
    def cpu_ms_per_step(self) -> float:
        return 1000 * self.server_cpu_s / max(self.steps, 1)

    @property
    def p90(self) -> float:
        return percentile(self.latencies_ms, 90) if self.latencies_ms else float("inf")


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (all cores)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user, nice, system, idle, iowait, irq, softirq, steal: busy is all but idle + iowait
    return (sum(fields[:8]) - fields[3] - fields[4]) / _CLOCK_TICKS


def x2_value(session: int) -> float:
    """A value of x₂ no other session uses, on the slider's grid inside [-3, 3]."""
    return round(-2.9 + GRID * (session % 580), 2)


async def _student(
    session: ProtocolSession,
    level: Level,
    start: float,
    phase: float,
    interval_s: float,
    measuring: asyncio.Event,
) -> None:
    """Step x₁ every `interval_s` from `start + phase` until `start + duration`."""
    x1 = session.widgets[SLIDER].value[0]
    direction = 1
    k = 0
    while True:
        due = start + phase + k * interval_s
        if due >= start + level.duration_s:
            return
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > 0.05:
            level.late += 1
        if x1 + direction * GRID > SLIDER_HIGH:  # at the end: walk back down
            direction = -1
        x1 = round(x1 + direction * GRID, 2)
        run = await session.set_slider(SLIDER, x1)
        if measuring.is_set():
            level.latencies_ms.append(run.finished_ms)
            if run.exec_ms is not None:
                level.exec_ms.append(run.exec_ms)
            if run.exceptions:
                level.errors.extend(run.exceptions)
            elif METRIC not in run.metrics:
                level.errors.append(f"a step drew no {METRIC}")
        k += 1


async def _run_level(server: MeasuredServer, level: Level, interval_s: float, seed: int) -> None:
    opened = await asyncio.gather(
        *(ProtocolSession.open(server.url) for _ in range(level.sessions))
    )
    sessions = [session for session, _ in opened]
    try:
        # Each student's own configuration, then one step each to warm up (not counted).
        await asyncio.gather(
            *(s.set_slider(OTHER_SLIDER, x2_value(i)) for i, s in enumerate(sessions))
        )
        rng = random.Random(seed)
        warm = Level(level.sessions, interval_s)
        started = asyncio.Event()
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                _student(s, warm, t0, rng.uniform(0, interval_s), interval_s, started)
                for s in sessions
            )
        )
        measuring = asyncio.Event()
        measuring.set()
        level.load_start = load_average()
        cpu0, client0, busy0 = server.cpu_seconds(), time.process_time(), machine_busy_seconds()
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                _student(s, level, t0, rng.uniform(0, interval_s), interval_s, measuring)
                for s in sessions
            )
        )
        level.wall_s = time.perf_counter() - t0
        level.server_cpu_s = server.cpu_seconds() - cpu0
        level.client_cpu_s = time.process_time() - client0
        level.machine_busy_s = machine_busy_seconds() - busy0
        level.load_end = load_average()
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


def measure_level(
    sessions: int,
    duration_s: float,
    interval_s: float,
    env: dict[str, str] | None = None,
    app_dir: Path = REPO_ROOT,
) -> Level:
    """Start a server, drive `sessions` students for `duration_s`, return the figures."""
    level = Level(sessions, duration_s)
    with MeasuredServer(app_dir, env=env, extra_args=SERVER_ARGS) as server:
        with RssSampler(server.pid, interval_s=0.5) as rss:
            asyncio.run(_run_level(server, level, interval_s, seed=sessions))
        level.rss_peak_mib = rss.peak
    return level


def report(levels: list[Level], interval_s: float) -> None:
    """Print one line per N, then the conclusion."""
    print(
        f"\n{'N':>3} {'steps':>5} {'p50':>6} {'p90':>6} {'max':>6} {'run p50':>7} "
        f"{'CPU/step':>8} {'server':>6} {'client':>6} {'others':>6} {'RSS':>6}  load avg"
    )
    print(
        f"{'':>3} {'':>5} {'ms':>6} {'ms':>6} {'ms':>6} {'ms':>7} {'ms':>8} "
        f"{'cores':>6} {'cores':>6} {'cores':>6} {'MiB':>6}  start → end"
    )
    for lv in levels:
        wall = lv.wall_s
        others = (lv.machine_busy_s - lv.server_cpu_s - lv.client_cpu_s) / wall
        run = statistics.median(lv.exec_ms) if lv.exec_ms else float("nan")
        print(
            f"{lv.sessions:>3} {lv.steps:>5} {percentile(lv.latencies_ms, 50):6.0f} "
            f"{lv.p90:6.0f} {max(lv.latencies_ms):6.0f} {run:7.0f} "
            f"{lv.cpu_ms_per_step:8.0f} "
            f"{lv.server_cpu_s / wall:6.2f} {lv.client_cpu_s / wall:6.2f} {others:6.2f} "
            f"{lv.rss_peak_mib:6.0f}  {lv.load_start} → {lv.load_end}"
        )
        if lv.late:
            print(f"    {lv.late} steps went out late (the session's previous step was running)")
        if lv.errors:
            print(f"    {len(lv.errors)} errors, e.g. {lv.errors[0]}")
    ok = [lv.sessions for lv in levels if lv.p90 <= P90_TARGET_MS]
    print(
        f"\np90 ≤ {P90_TARGET_MS:.0f} ms up to N = {max(ok)} of those tried"
        if ok
        else f"\np90 above {P90_TARGET_MS:.0f} ms at every N tried"
    )
    quiet = levels[0]
    cpu_ms = quiet.cpu_ms_per_step
    print(
        f"CPU bound: one step costs the server {cpu_ms:.0f} ms of CPU at N = {quiet.sessions}; "
        f"one process runs Python on one core at a time, so at one step per {interval_s:g} s "
        f"it saturates near N = {1000 * interval_s / cpu_ms:.0f} (queueing pushes p90 up "
        "well before that)"
    )
    if levels[1:]:
        base = percentile(quiet.latencies_ms, 50)
        print(
            "p50 relative to N = "
            f"{quiet.sessions}: "
            + ", ".join(
                f"N = {lv.sessions}: {percentile(lv.latencies_ms, 50) / base:.1f}×"
                for lv in levels[1:]
            )
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,10,30,60", help="comma-separated N values")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured per N")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between steps")
    parser.add_argument("--quick", action="store_true", help="N = 1, 10 for 10 s each")
    parser.add_argument("--app-dir", type=Path, default=REPO_ROOT)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    if args.quick:
        args.sessions, args.duration = "1,10", 10.0
    counts = [int(n) for n in args.sessions.split(",")]
    print(
        f"N = {counts}, one step per {args.interval:g} s per session for {args.duration:g} s "
        f"(after one warm-up step); {os.cpu_count()} cores; load average {load_average()}"
        + (f"; app from {args.app_dir}" if args.app_dir != REPO_ROOT else "")
        + (f"; env {env}" if env else "")
    )
    levels = []
    for n in counts:
        print(f"N = {n} ...", flush=True)
        levels.append(measure_level(n, args.duration, args.interval, env, args.app_dir))
    report(levels, args.interval)


if __name__ == "__main__":
    main()
