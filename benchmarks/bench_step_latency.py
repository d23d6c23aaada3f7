"""Step page speed: slider → updated number in Chromium, and the server time of a rerun.

    python -m benchmarks.bench_step_latency [--steps 30] [--rounds 3] [--reruns 30] [--parts]

In one run and one browser, alternating rounds between the two pages (so load from
elsewhere on the machine hits both alike):
- the step page (app.py): press → on the x₁ slider, time until the "Output ŷ" metric shows
  the new value (measured in the page: keydown to the first frame showing the change);
- the trivial floor page (one slider, one metric, one small chart).
Prints p50 and p90 of each and the ratio, and the CPU time a step costs each page (the
browser's main thread and the server process), which other jobs on a shared machine
disturb much less than the latencies. Then the server-side time of one run of the whole
default step page (timed inside the script, run by Streamlit's AppTest), for an unchanged
rerun and for a slider change, beside the trivial page's. (In the browser a slider step
reruns only the page's live fragment, less than this whole-page figure.)
Targets: p50 ≤ 150 ms and ≤ 3× the trivial page; p90 ≤ 250 ms; server rerun ≤ 40 ms.

With `--parts`, the same run also measures the step page with one part of it left out at a
time (the diagram, the panels and section under it, the sidebar's weight grids, the
stepping row, and all but the diagram), so each part's cost to a slider step is measured
against the same trivial page and the whole step page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from benchmarks.slider_latency import TRIVIAL, AppSpec, CpuTotals, measure_apps, report

REPO_ROOT = Path(__file__).resolve().parents[1]

_SLIDER = ("Input x₁", '[data-testid="stMetricValue"]')  # the first metric: Output ŷ
STEP_PAGE = AppSpec("step page", REPO_ROOT / "app.py", *_SLIDER)


_PAGE = "backprop_viz.ui.step.page"
_WIDGETS = "backprop_viz.ui.step.widgets"
_DIAGRAM = [(_PAGE, "diagram")]  # the diagram and the stage slider under it
_PANELS = [(_PAGE, "control_panel"), (_PAGE, "gradient_panel"), (_PAGE, "section")]
_GRIDS = [(_WIDGETS, "weight_grid")]
_STEPPING = [(_PAGE, "stepping"), (_PAGE, "history_scrubber")]
# What a --parts run leaves out of the step page, one variant at a time: the functions that
# draw each part are replaced by one that draws nothing.
PARTS: dict[str, list[tuple[str, str]]] = {
    "no diagram": _DIAGRAM,
    "no panels": _PANELS,
    "no grids": _GRIDS,
    "no stepping": _STEPPING,
    "diagram only": _PANELS + _GRIDS + _STEPPING,
}

_PART_SCRIPT = """import importlib


def _nothing(*args, **kwargs):
    return None


for _module, _name in {removed!r}:
    _target = importlib.import_module(_module)
    if not callable(getattr(_target, _name, None)):
        raise AttributeError(f"{{_module}} has no function {{_name}} to leave out")
    setattr(_target, _name, _nothing)
"""


def part_script(removed: list[tuple[str, str]], directory: Path) -> Path:
    """A copy of app.py, written into `directory`, that first replaces each (module,
    function) of `removed` with a function that draws nothing."""
    name = "app_without_" + "_".join(f for _, f in removed) + ".py"
    path = directory / name
    app = (REPO_ROOT / "app.py").read_text()
    path.write_text(_PART_SCRIPT.format(removed=removed) + "\n" + app)
    return path


# The page's script, timed from inside: what the server spends on one run of it.
TIMED_STEP_PAGE = """
import time
import streamlit as st
from backprop_viz.ui.step.page import render_step_view
start = time.perf_counter()
render_step_view()
st.session_state.setdefault("bench_ms", []).append((time.perf_counter() - start) * 1000)
"""
TIMED_TRIVIAL = (
    "import time\nimport streamlit as st\nstart = time.perf_counter()\n"
    + TRIVIAL.script.read_text()
    + "\nst.session_state.setdefault('bench_ms', []).append("
    "(time.perf_counter() - start) * 1000)\n"
)


def server_rerun_ms(reruns: int) -> dict[str, float]:
    """Median server-side ms of one script run (timed inside the script, under AppTest):
    the default step page unchanged, after a slider move, and the trivial page."""
    from streamlit.testing.v1 import AppTest

    def median_ms(app: AppTest, change) -> float:
        app.session_state["bench_ms"] = []
        for i in range(reruns):
            change(app, i)
            app.run()
        return statistics.median(app.session_state["bench_ms"])

    step = AppTest.from_string(TIMED_STEP_PAGE, default_timeout=60).run()
    slider_key = step.session_state["step_view_state"].key("inputs0_s")
    unchanged = median_ms(step, lambda app, i: None)
    moved = median_ms(
        step, lambda app, i: app.slider(key=slider_key).set_value(round(0.5 + 0.01 * (i + 1), 2))
    )
    trivial = AppTest.from_string(TIMED_TRIVIAL, default_timeout=60).run()
    floor = median_ms(trivial, lambda app, i: app.slider[0].set_value(10 + i))
    return {
        "step page, unchanged": unchanged,
        "step page, slider moved": moved,
        "trivial page, slider moved": floor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reruns", type=int, default=30)
    parser.add_argument(
        "--parts", action="store_true", help="also the step page without each of its parts"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    cpu: dict[str, CpuTotals] = {}
    specs = [TRIVIAL, STEP_PAGE]
    with tempfile.TemporaryDirectory() as directory:
        if args.parts:
            specs += [
                AppSpec(name, part_script(removed, Path(directory)), *_SLIDER)
                for name, removed in PARTS.items()
            ]
        results = measure_apps(specs, steps=args.steps, rounds=args.rounds, cpu=cpu)
    print(f"load average (1 min): {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("slider step → new number on screen (Chromium, in-page timing):")
    print(report(results, cpu=cpu))
    print(f"\nserver-side rerun (AppTest, median of {args.reruns}):")
    for name, ms in server_rerun_ms(args.reruns).items():
        print(f"  {name:<28} {ms:6.1f} ms")


if __name__ == "__main__":
    main()
