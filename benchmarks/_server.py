"""Shared pieces of the server benchmarks: a Streamlit server whose memory and CPU can be
read, and a client that speaks Streamlit's own websocket protocol (no browser).

A `ProtocolSession` does what the browser's Streamlit frontend does on the wire: it opens
`/_stcore/stream`, asks for a run with a `rerun_script` BackMsg, reads ForwardMsgs until
`script_finished`, and sends widget changes as `rerun_script` BackMsgs carrying the
widget's new state (and, for a widget drawn inside a fragment, that fragment's id, so only
the fragment reruns, as in the browser). It sends no cached-message hashes, so the server
sends every message whole: slightly more work than a browser that has them cached causes.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

from tools.browser import REPO_ROOT, StreamlitServer

APP = REPO_ROOT / "app.py"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# script_finished statuses that end a run the client asked for (a run cut short by a newer
# rerun request ends with FINISHED_EARLY_FOR_RERUN and is followed by the newer run).
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


# --- the server process --------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid`, in MiB (from /proc; the whole process, all threads)."""
    with open(f"/proc/{pid}/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * _PAGE_SIZE / 2**20


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        # The command name (field 2) may hold spaces; the fields after it are plain.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def load_average() -> str:
    """The machine's 1-, 5- and 15-minute load averages, as `uptime` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


class MeasuredServer(StreamlitServer):
    """`streamlit run app.py` (headless, free port) whose RSS and CPU time can be read."""

    def __init__(
        self,
        app_dir: str | os.PathLike[str] = REPO_ROOT,
        *,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        app_dir = Path(app_dir)
        super().__init__(app_dir / "app.py", cwd=app_dir, env=env, extra_args=extra_args)

    @property
    def pid(self) -> int:
        """The server's process id (it is the `python -m streamlit` process itself)."""
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process.pid

    def rss_mib(self) -> float:
        """The server's resident memory now, in MiB."""
        return rss_mib(self.pid)

    def cpu_seconds(self) -> float:
        """CPU seconds the server has used since it started."""
        return cpu_seconds(self.pid)


class RssSampler:
    """Samples a process's RSS on a thread every `interval_s` while in its `with` block,
    keeping the peak (a peak between two reads by the caller is otherwise missed)."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mib(self.pid))
            if self._stop.wait(self.interval_s):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


# --- the protocol client -------------------------------------------------------------------


@dataclass
class Widget:
    """A widget as the page last drew it."""

    id: str
    label: str
    fragment_id: str
    kind: str  # slider, number_input or button
    value: list[float]  # a slider's value as it shows now
    integer: bool = False  # a number_input that holds integers


@dataclass
class Run:
    """What one run sent back: timings in ms since the request, and what it drew."""

    finished_ms: float  # the script_finished message arrived: the update is complete
    first_delta_ms: float | None  # the first element arrived: the page starts to change
    messages: int
    bytes: int
    status: int
    # The script's own run time, from the page profile the server sends when started with
    # --browser.gatherUsageStats true (None otherwise).
    exec_ms: float | None = None
    metrics: dict[str, str] = field(default_factory=dict)  # label -> value drawn this run
    exceptions: list[str] = field(default_factory=list)  # error boxes drawn this run


class ProtocolError(RuntimeError):
    """The server answered in a way the client did not expect."""


class ProtocolSession:
    """One browser tab's worth of Streamlit session, spoken directly over the websocket.

    `await ProtocolSession.open(url)` connects and runs the page once; `set_slider(label, v)`
    moves a slider and waits for the run it causes; `close()` closes the websocket as a
    closed tab does (the server keeps the session for its disconnected-session lifetime).
    """

    def __init__(self, ws: ClientConnection, timeout_s: float) -> None:
        self._ws = ws
        self.timeout_s = timeout_s
        self.page_script_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, Widget] = {}  # by label
        self.metrics: dict[str, str] = {}  # by label, as last drawn

    @classmethod
    async def open(
        cls, base_url: str, query_string: str = "", timeout_s: float = 60.0
    ) -> tuple[ProtocolSession, Run]:
        """Connect to the server at `base_url` and run the page once, as a new tab does."""
        ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        ws = await connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,  # a page's first run can send large figures
            compression=None,  # the server does not compress either (its default)
            open_timeout=timeout_s,
            ping_interval=None,
        )
        session = cls(ws, timeout_s)
        try:
            msg = BackMsg()
            msg.rerun_script.query_string = query_string
            msg.rerun_script.page_script_hash = ""
            run = await session._request(msg)
        except BaseException:
            await ws.close()
            raise
        return session, run

    async def set_slider(self, label: str, value: float) -> Run:
        """Move the slider labelled `label` to `value` and wait for the run that follows."""
        widget = self.widgets[label]
        msg, state = self._widget_rerun(widget)
        state.double_array_value.data.append(float(value))
        widget.value = [float(value)]  # what the slider shows now, as in the browser
        return await self._request(msg)

    async def set_number(self, label: str, value: float) -> Run:
        """Type `value` into the number box labelled `label` and wait for the run."""
        widget = self.widgets[label]
        msg, state = self._widget_rerun(widget)
        if widget.integer:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
        return await self._request(msg)

    async def click(self, label: str) -> Run:
        """Click the button labelled `label` and wait for the run."""
        msg, state = self._widget_rerun(self.widgets[label])
        state.trigger_value = True
        return await self._request(msg)

    def _widget_rerun(self, widget: Widget) -> tuple[BackMsg, WidgetState]:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.page_script_hash = self.page_script_hash
        rerun.fragment_id = widget.fragment_id
        state = rerun.widget_states.widgets.add()
        state.id = widget.id
        return msg, state

    async def goto(self, url_path: str) -> Run:
        """Switch to the page at `url_path` (as the navigation bar does) and wait for its run."""
        msg = BackMsg()
        msg.rerun_script.page_script_hash = self.pages[url_path]
        self.widgets.clear()
        return await self._request(msg)

    async def close(self) -> None:
        """Close the websocket, as closing the tab does."""
        await self._ws.close()

    async def _request(self, msg: BackMsg) -> Run:
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_run(start), self.timeout_s)

    async def _read_run(self, start: float) -> Run:
        first_delta = exec_ms = None
        count = size = 0
        metrics: dict[str, str] = {}
        exceptions: list[str] = []
        while True:
            data = await self._ws.recv()
            count += 1
            size += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = fwd.new_session.page_script_hash
            elif kind == "navigation":
                self.page_script_hash = fwd.navigation.page_script_hash
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            elif kind == "delta":
                if first_delta is None:
                    first_delta = (time.perf_counter() - start) * 1000
                self._read_delta(fwd, metrics, exceptions)
            elif kind == "page_profile":
                exec_ms = fwd.page_profile.exec_time / 1000
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("the app failed to compile")
                if status in _DONE:
                    self.metrics.update(metrics)
                    return Run(
                        finished_ms=(time.perf_counter() - start) * 1000,
                        first_delta_ms=first_delta,
                        messages=count,
                        bytes=size,
                        status=status,
                        exec_ms=exec_ms,
                        metrics=metrics,
                        exceptions=exceptions,
                    )

    def _read_delta(self, fwd: ForwardMsg, metrics: dict[str, str], errors: list[str]) -> None:
        delta = fwd.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "metric":
            metrics[element.metric.label] = element.metric.body
        elif kind == "exception":
            errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind in ("slider", "number_input", "button"):
            widget = getattr(element, kind)
            value: list[float] = []
            if kind == "slider":
                # The server sends a value only when it sets one; otherwise the widget
                # shows what the client last chose (or, new, its default).
                known = self.widgets.get(widget.label)
                if widget.set_value:
                    value = list(widget.value)
                elif known is not None and known.id == widget.id:
                    value = known.value
                else:
                    value = list(widget.default)
            self.widgets[widget.label] = Widget(
                id=widget.id,
                label=widget.label,
                fragment_id=delta.fragment_id,
                kind=kind,
                value=value,
                integer=kind == "number_input" and widget.data_type == widget.INT,
            )
