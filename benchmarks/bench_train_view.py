"""Server time of the training view for the lesson's admissions preset and for two spirals.

    python -m benchmarks.bench_train_view [--data PATH] [--repeats 5]

For each case prints, fastest and median of `repeats`:

* work: prepare the data, train, build every figure, and serialize each figure as Streamlit
  does (`plotly.io.to_json`) — the server time of pressing Train, without Streamlit;
* Train click: the whole rerun after pressing Train in Streamlit's AppTest (the shared run
  store emptied first, so it really trains);
* rerun: a rerun that asks for nothing while the run is shown (the hot path);
* the JSON size of every figure.

Targets on a 2-core machine: admissions ≤ 150 ms, spirals ≤ 1.5 s, every figure ≤ 1 MB.
The admissions case uses the lesson's real file when it is found (--data, the
BACKPROP_VIZ_ADMISSIONS_CSV variable, or ../shared/data/binary.csv), otherwise the
synthetic stand-in, and says which.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import plotly.io as pio

from backprop_viz.data.admissions import (
    ADMISSIONS_ENV,
    AdmissionsSource,
    load_admissions,
    synthetic_admissions,
)
from backprop_viz.figures.training import training_figures
from backprop_viz.trainer import (
    LESSON_SPEC,
    PRESETS,
    dataset_2d,
    dataset_admissions,
    start_run,
)

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "binary.csv"
TARGETS_MS = {"admissions": 150.0, "spirals": 1500.0}
MAX_FIGURE_BYTES = 1024 * 1024
SCRIPT = "from backprop_viz.ui.train.page import render_train_view\nrender_train_view()"


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """(fastest, median) wall time in ms over `repeats` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), result


def admissions_source(path: str | None) -> AdmissionsSource:
    if path:
        return load_admissions(path)
    if os.environ.get(ADMISSIONS_ENV, "").strip():
        return load_admissions()
    if DEFAULT_DATA.exists():
        return load_admissions(DEFAULT_DATA)
    frame = synthetic_admissions()
    return AdmissionsSource(frame, "synthetic admissions-like data", synthetic=True, path=None)


def work(case: str, source: AdmissionsSource):
    """Everything the server does when Train is pressed, outside Streamlit."""
    if case == "admissions":
        spec, data = LESSON_SPEC, dataset_admissions(source)
    else:
        spec = PRESETS["spirals"].spec
        data = dataset_2d(spec)
    run = start_run(spec, data)
    figures = training_figures(run, data)
    sizes = {name: len(pio.to_json(fig, validate=False).encode()) for name, fig in figures.items()}
    return run, sizes


def app_times(case: str, source: AdmissionsSource, repeats: int) -> tuple[float, float, float]:
    """(fastest, median) ms of the rerun after pressing Train, and the median idle rerun."""
    from streamlit.testing.v1 import AppTest

    from backprop_viz.ui.train import runs

    clicks, idles = [], []
    for _ in range(repeats):
        at = AppTest.from_string(SCRIPT, default_timeout=120)
        at.run()
        if case == "admissions" and not source.synthetic:
            data = Path(source.path).read_bytes()
            at.file_uploader(key="train_admissions_upload").set_value(
                ("binary.csv", data, "text/csv")
            ).run()
        elif case == "spirals":
            preset = next(s for s in at.selectbox if s.key.startswith("train_preset_g"))
            preset.set_value("spirals").run()
        runs._kept.clear()  # no kept runs: the click really trains
        start = time.perf_counter()
        at.button(key="train_button_train").click().run()
        clicks.append((time.perf_counter() - start) * 1000)
        assert not at.exception and at.session_state["train_view_state"].run is not None
        for _ in range(3):
            start = time.perf_counter()
            at.run()
            idles.append((time.perf_counter() - start) * 1000)
    return min(clicks), statistics.median(clicks), statistics.median(idles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the lesson's admissions CSV (binary.csv)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    source = admissions_source(args.data)
    print(f"admissions data: {source.label}")
    print(f"CPUs: {os.cpu_count()}, repeats: {args.repeats} (fastest is least disturbed)\n")

    for case in ("admissions", "spirals"):
        work(case, source)  # warm up imports and caches
        fast, median, (run, sizes) = timed(lambda c=case: work(c, source), args.repeats)
        target = TARGETS_MS[case]
        verdict = "within" if fast <= target else "OVER"
        print(f"{case}: {run.epochs_run} epochs, test accuracy {run.test_accuracy:.3f}")
        print(
            f"  work (data + train + figures + JSON): fastest {fast:7.1f} ms, "
            f"median {median:7.1f} ms  [{verdict} the {target:g} ms target]"
        )
        click_fast, click_median, idle = app_times(case, source, max(2, args.repeats // 2))
        print(
            f"  Train click, whole Streamlit rerun:  fastest {click_fast:7.1f} ms, "
            f"median {click_median:7.1f} ms"
        )
        print(f"  rerun that asks for nothing:         median  {idle:7.1f} ms")
        total = sum(sizes.values())
        print(f"  figure JSON: total {total / 1024:.0f} KB")
        for name, size in sizes.items():
            flag = "" if size <= MAX_FIGURE_BYTES else "  OVER 1 MB"
            print(f"    {name:9s} {size / 1024:7.1f} KB{flag}")
        print()
    more_problems(args.repeats)


def more_problems(repeats: int) -> None:
    """The three-class and regression presets, and spirals with every input feature on: a
    whole run's work, and one live redraw (the figures drawn after each live chunk), with
    the redraw's ratio to the two-spirals preset's."""
    from backprop_viz.figures.training import live_figures

    base = PRESETS["spirals"].spec
    cases = {
        "spirals": base,
        "spirals, all 7 features": base.with_changes(
            features=("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")
        ),
        "spirals3": PRESETS["spirals3"].spec,
        "blobs3": PRESETS["blobs3"].spec,
        "gaussians": PRESETS["gaussians"].spec,
        "plane": PRESETS["plane"].spec,
    }
    redraw_base = None
    print("More problems: a whole run (train + figures) and one live redraw")
    for name, spec in cases.items():
        data = dataset_2d(spec)
        fast, _, run = timed(lambda s=spec, d=data: start_run(s, d), repeats)
        figs, _, _ = timed(lambda r=run, d=data: training_figures(r, d), repeats)
        live, _, _ = timed(lambda r=run, d=data: live_figures(r, d), max(repeats, 5))
        redraw_base = redraw_base or live
        score = (
            f"test loss {run.test_loss_history[-1]:.4f}"
            if spec.task == "regression"
            else f"test accuracy {run.test_accuracy:.3f}"
        )
        print(
            f"  {name:24s} train {fast:7.1f} ms, figures {figs:6.1f} ms, live redraw "
            f"{live:5.1f} ms ({live / redraw_base:.2f}× spirals'), {score}"
        )


if __name__ == "__main__":
    main()
