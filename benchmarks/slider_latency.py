"""Slider-to-screen latency of a Streamlit app, compared with the trivial floor page.

    python -m benchmarks.slider_latency [--app PATH --slider LABEL --value-selector CSS]
                                        [--steps 30] [--rounds 3] [--option KEY=VALUE ...]

Starts benchmarks/trivial_app.py (and the app, if given) and measures them in the same run
with the same browser: each step presses an arrow key on the slider and times, in the page,
how long until the value element shows a new text (see tests/browser/harness.py). The apps
are measured in alternating rounds so that load from elsewhere on the machine hits both
alike. Prints p50/p90 per app and the ratio app/trivial. `--option` passes a Streamlit
option to every server, e.g. `--option runner.postScriptGC=false` (on top of
.streamlit/config.toml, which applies as the servers run from the repository root).

Beside the latencies, the CPU time each step costs: the browser page's main thread
(Chromium's own ThreadTime metric) and the Streamlit server process (from /proc). On a
shared machine latencies swing with the load of others' jobs; the CPU time a step needs
swings much less, so the two ratios together say what is the app's and what is the load.

Measured here (Streamlit 1.67): with the default runner.postScriptGC=true the floor is
p50 ~160 ms, because the gc.collect(2) after each run holds the GIL for ~100-150 ms
while the run's messages wait to be sent; with it off the floor is p50 ~70 ms.

Importable: `measure_apps`, `summarize` and `report` are meant for later benchmarks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import CDPSession, Locator, Page, sync_playwright

from tools.browser import (
    StreamlitServer,
    launch_browser,
    measure_slider_latency,
    open_app,
    percentile,
)

REPO_ROOT = Path(__file__).resolve().parents[1]

VIEWPORT = {"width": 1400, "height": 1000}


@dataclass(frozen=True)
class AppSpec:
    """An app to measure: its script, the slider to move and the element that shows it."""

    name: str
    script: Path
    slider_label: str
    value_selector: str


TRIVIAL = AppSpec(
    name="trivial",
    script=REPO_ROOT / "benchmarks" / "trivial_app.py",
    slider_label="Value",
    value_selector='[data-testid="stMetricValue"]',
)


def _room(slider: Locator, key: str) -> int:
    """How many presses of `key` the range input can still take."""
    low, high, value, step = slider.evaluate(
        "el => [el.min, el.max, el.value, el.step].map(Number)"
    )
    step = step or 1
    return int((high - value) / step) if key == "ArrowRight" else int((value - low) / step)


def _measure_round(page: Page, spec: AppSpec, steps: int) -> list[float]:
    """`steps` timed presses, towards whichever end of the slider has room for them."""
    slider = page.get_by_role("slider", name=spec.slider_label)
    key = "ArrowRight" if _room(slider, "ArrowRight") >= steps else "ArrowLeft"
    if _room(slider, key) < steps:
        raise ValueError(f"slider {spec.slider_label!r} of {spec.name} has no room for {steps}")
    return measure_slider_latency(page, spec.slider_label, spec.value_selector, steps, key)


@dataclass
class CpuTotals:
    """CPU seconds an app's timed steps cost: its page's main thread and its server."""

    steps: int = 0
    browser_s: float = 0.0
    server_s: float = 0.0

    def per_step_ms(self) -> tuple[float, float]:
        """(browser, server) CPU ms per step."""
        n = max(self.steps, 1)
        return self.browser_s * 1000 / n, self.server_s * 1000 / n


def _thread_time(cdp: CDPSession) -> float:
    """The page's main-thread CPU seconds so far (Chromium's Performance.getMetrics)."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "ThreadTime")


def _process_cpu(pid: int | None) -> float:
    """A process's user + system CPU seconds so far (Linux /proc; 0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_apps(
    specs: Sequence[AppSpec],
    steps: int = 30,
    rounds: int = 3,
    warmup: int = 2,
    server_args: Sequence[str] = (),
    cpu: dict[str, CpuTotals] | None = None,
) -> dict[str, list[float]]:
    """Measure every app in one browser; return each app's `steps` latencies in ms.

    The steps are split into `rounds` that alternate between the apps. `warmup` untimed
    steps per app come first (first renders after a load are slower than the rest).
    `server_args` are extra `streamlit run` arguments given to every server alike. Given a
    dict `cpu`, fills it with each app's CPU time over its timed steps.
    """
    if steps < 1 or rounds < 1:
        raise ValueError("steps and rounds must be at least 1")
    rounds = min(rounds, steps)
    per_round = [steps // rounds + (1 if i < steps % rounds else 0) for i in range(rounds)]
    results: dict[str, list[float]] = {spec.name: [] for spec in specs}
    with ExitStack() as stack:
        playwright = stack.enter_context(sync_playwright())
        servers = [
            stack.enter_context(StreamlitServer(spec.script, extra_args=server_args))
            for spec in specs
        ]
        browser = launch_browser(playwright)
        stack.callback(browser.close)
        pages: list[Page] = []
        sessions: list[CDPSession] = []
        for spec, server in zip(specs, servers, strict=True):
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            open_app(page, server.url)
            if warmup:
                _measure_round(page, spec, warmup)
            pages.append(page)
            session = context.new_cdp_session(page)
            session.send("Performance.enable")
            sessions.append(session)
        totals = {spec.name: CpuTotals() for spec in specs} if cpu is None else cpu
        for count in per_round:
            for spec, page, session, server in zip(specs, pages, sessions, servers, strict=True):
                # The server's pid: StreamlitServer keeps its process private; read-only use.
                pid = server._process.pid if server._process else None
                browser_before, server_before = _thread_time(session), _process_cpu(pid)
                results[spec.name].extend(_measure_round(page, spec, count))
                total = totals.setdefault(spec.name, CpuTotals())
                total.steps += count
                total.browser_s += _thread_time(session) - browser_before
                total.server_s += _process_cpu(pid) - server_before
    return results


def summarize(latencies: Sequence[float]) -> dict[str, float]:
    """p50, p90, min and max of a list of latencies (ms)."""
    return {
        "n": float(len(latencies)),
        "p50": percentile(latencies, 50),
        "p90": percentile(latencies, 90),
        "min": min(latencies),
        "max": max(latencies),
    }


def report(
    results: dict[str, list[float]],
    baseline: str = TRIVIAL.name,
    cpu: dict[str, CpuTotals] | None = None,
) -> str:
    """A small table of the results, with each app's ratio to `baseline` (and, given `cpu`,
    each app's CPU ms per step, browser main thread and server, with their ratios)."""
    lines = [f"{'app':<12} {'n':>4} {'p50 ms':>8} {'p90 ms':>8} {'min':>7} {'max':>7}"]
    stats = {name: summarize(values) for name, values in results.items()}
    for name, s in stats.items():
        lines.append(
            f"{name:<12} {int(s['n']):>4} {s['p50']:>8.1f} {s['p90']:>8.1f} "
            f"{s['min']:>7.1f} {s['max']:>7.1f}"
        )
    base = stats.get(baseline)
    for name, s in stats.items():
        if base is not None and name != baseline:
            lines.append(
                f"ratio {name}/{baseline}: p50 {s['p50'] / base['p50']:.2f}x, "
                f"p90 {s['p90'] / base['p90']:.2f}x"
            )
    if cpu:
        lines.append(f"{'CPU per step':<12} {'browser ms':>11} {'server ms':>10}")
        for name, total in cpu.items():
            b, sv = total.per_step_ms()
            lines.append(f"{name:<12} {b:>11.1f} {sv:>10.1f}")
        if baseline in cpu:
            b0, s0 = cpu[baseline].per_step_ms()
            for name, total in cpu.items():
                if name != baseline and b0 > 0 and s0 > 0:
                    b, sv = total.per_step_ms()
                    lines.append(
                        f"ratio CPU {name}/{baseline}: browser {b / b0:.2f}x, server {sv / s0:.2f}x"
                    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, help="Streamlit script to compare with the floor")
    parser.add_argument("--slider", default="Value", help="label of the app's slider")
    parser.add_argument(
        "--value-selector",
        default='[data-testid="stMetricValue"]',
        help="CSS selector of the element whose text shows the slider's effect",
    )
    parser.add_argument("--steps", type=int, default=30, help="timed steps per app")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per app first")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Streamlit option for every server, e.g. runner.postScriptGC=false (repeatable)",
    )
    args = parser.parse_args(argv)
    server_args: list[str] = []
    for option in args.option:
        key, sep, value = option.partition("=")
        if not sep or not key:
            parser.error(f"--option wants KEY=VALUE, got {option!r}")
        server_args += [f"--{key}", value]

    specs = [TRIVIAL]
    if args.app is not None:
        specs.append(AppSpec(args.app.stem, args.app.resolve(), args.slider, args.value_selector))
    cpu: dict[str, CpuTotals] = {}
    results = measure_apps(
        specs,
        steps=args.steps,
        rounds=args.rounds,
        warmup=args.warmup,
        server_args=server_args,
        cpu=cpu,
    )
    if server_args:
        print("streamlit options:", " ".join(server_args))
    print(report(results, cpu=cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
