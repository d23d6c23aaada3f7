"""The server benchmarks' protocol client against one real session, and the sweep that
releases a closed tab's session once it has expired (a real server in both cases)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks import bench_load, bench_memory, bench_step_latency
from benchmarks._server import MeasuredServer, ProtocolSession, cpu_seconds, rss_mib
from tools.browser import REPO_ROOT, run_coroutine


async def _drive_step_page(url: str) -> None:
    session, first = await ProtocolSession.open(url)
    try:
        assert first.exceptions == []
        assert bench_memory.TRAINING_PAGE in session.pages  # the navigation was read
        # The lesson's one-step exercise, as its first run draws it.
        assert first.metrics[bench_load.METRIC] == f"{lesson_output([0.5, 0.1, -0.2]):.4g}"
        slider = session.widgets[bench_load.SLIDER]
        assert slider.value == [0.5]
        assert slider.fragment_id, "x₁ is drawn inside the page's live fragment"
        step = await session.set_slider(bench_load.SLIDER, 1.5)
        # Only the fragment reruns, and it draws the new output.
        assert step.status == step_fragment_done()
        assert step.exceptions == []
        assert step.metrics[bench_load.METRIC] == f"{lesson_output([1.5, 0.1, -0.2]):.4g}"
        assert session.widgets[bench_load.SLIDER].value == [1.5]
        assert 0 < step.first_delta_ms <= step.finished_ms  # type: ignore[operator]
        # The other slider kept x₁: the server holds the session's state between runs.
        other = await session.set_slider(bench_memory.OTHER_SLIDER, 0.3)
        assert other.metrics[bench_load.METRIC] == f"{lesson_output([1.5, 0.3, -0.2]):.4g}"
    finally:
        await session.close()


def lesson_output(x: list[float]) -> float:
    """The lesson's one-step network by hand: ŷ = σ(σ(x·W₁)·w₂)."""
    w1 = np.array([[0.5, -0.6], [0.1, -0.2], [0.1, 0.7]])
    w2 = np.array([0.1, -0.3])
    sigmoid = lambda h: 1 / (1 + np.exp(-h))  # noqa: E731
    return float(sigmoid(sigmoid(np.array(x) @ w1) @ w2))


def step_fragment_done() -> int:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def test_protocol_session_opens_the_step_page_and_moves_a_slider():
    with MeasuredServer() as server:
        before = server.cpu_seconds()
        run_coroutine(_drive_step_page(server.url))
        assert server.cpu_seconds() > before  # the runs were the server's work
        assert 30 < server.rss_mib() < 2000
        assert rss_mib(server.pid) == pytest.approx(server.rss_mib(), abs=50)
        assert cpu_seconds(server.pid) >= before


def test_the_benchmarks_give_every_session_its_own_configuration():
    values = {bench_memory.x2_value(r, i, 30) for r in range(2) for i in range(30)}
    assert len(values) == 60 and all(-3 <= v <= 3 for v in values)
    assert len({bench_load.x2_value(i) for i in range(60)}) == 60


# A page that keeps an object in its session state and one in a cache, and prints a line
# when either is freed: the oracle for "released".
HOLDER_PAGE = """
import weakref
import streamlit as st
{hook}
class Held:
    pass
if "held" not in st.session_state:
    st.session_state.held = Held()
    weakref.finalize(st.session_state.held, print, "HELD STATE FREED", flush=True)
@st.cache_resource
def cached():
    value = Held()
    weakref.finalize(value, print, "CACHED VALUE FREED", flush=True)
    return value
cached()
st.write("holding")
"""
HOOK = "from backprop_viz.ui.memory import release_closed_sessions\nrelease_closed_sessions(0.2)"


async def _leave_while_another_stays(server: MeasuredServer) -> ProtocolSession:
    # One tab closes; another opens after it and stays. (Streamlit's message loop keeps a
    # reference to the last session it sent messages to, so the first tab's state can
    # only go once another tab has been served.)
    first, run = await ProtocolSession.open(server.url)
    assert run.exceptions == []
    await first.close()
    second, run = await ProtocolSession.open(server.url)
    assert run.exceptions == []
    return second


def _freed_within(server: MeasuredServer, seconds: float, line: str) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line in server.log_text():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("swept", [True, False], ids=["with the sweep", "without it"])
def test_a_closed_session_and_then_the_caches_are_released_only_with_the_sweep(tmp_path, swept):
    page = tmp_path / "holder.py"
    page.write_text(HOLDER_PAGE.format(hook=HOOK if swept else ""))
    server = MeasuredServer(REPO_ROOT, extra_args=["--server.disconnectedSessionTTL", "1"])
    server.script = Path(page)
    with server:

        async def scenario() -> bool:
            staying = await _leave_while_another_stays(server)
            try:
                # Streamlit 1.67 alone keeps an expired session (and its state) until
                # another tab disconnects, and then drops it without shutting it down.
                wait = 6.0 if swept else 4.0
                return await asyncio.to_thread(_freed_within, server, wait, "HELD STATE FREED")
            finally:
                await staying.close()

        assert run_coroutine(scenario()) is swept, server.log_tail()
        # Once no tab has been connected for the session lifetime, the caches go too.
        assert _freed_within(server, 6.0 if swept else 3.0, "CACHED VALUE FREED") is swept


@pytest.fixture
def parts_restored(monkeypatch):
    """The step page's parts as they are: AppTest runs a script in this process, so what a
    variant leaves out would stay left out for later tests without this."""
    import importlib

    for removed in bench_step_latency.PARTS.values():
        for module, name in removed:
            target = importlib.import_module(module)
            monkeypatch.setattr(target, name, getattr(target, name))


@pytest.mark.parametrize("part", list(bench_step_latency.PARTS))
def test_the_latency_benchmark_leaves_out_exactly_one_part_of_the_step_page(
    tmp_path, part, parts_restored
):
    from streamlit.testing.v1 import AppTest

    script = bench_step_latency.part_script(bench_step_latency.PARTS[part], tmp_path)
    app = AppTest.from_file(str(script), default_timeout=60).run()
    assert not app.exception
    assert app.metric[0].label == "Output ŷ"  # the number the benchmark times is still there
    assert (len(app.get("plotly_chart")) == 0) == (part == "no diagram")
    assert (len(app.dataframe) == 0) == (part in ("no grids", "diagram only"))
    assert (len(app.code) == 0) == (part in ("no panels", "diagram only"))


def test_the_latency_benchmark_refuses_to_leave_out_a_part_that_does_not_exist(tmp_path):
    import runpy

    script = bench_step_latency.part_script([("backprop_viz.ui.step.page", "gone")], tmp_path)
    with pytest.raises(AttributeError, match="page has no function gone to leave out"):
        runpy.run_path(str(script))  # stops before the page is drawn
