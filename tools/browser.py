"""Reusable pieces for driving a Streamlit app in the system Chromium and timing it.

Used by the browser tests (tests/browser) and by the latency benchmarks (benchmarks/).
Everything here works with Playwright's sync API.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Playwright

T = TypeVar("T")


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to its end on an event loop of its own, in a thread: Playwright's sync API
    keeps a loop running in the main thread for the whole test session, where
    `asyncio.run` refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


REPO_ROOT = Path(__file__).resolve().parents[1]

# Flags for the system Chromium. Playwright 1.65 adds its own on top, including --headless
# and --no-sandbox (so those two are belt and braces: the sandbox cannot run as root, which
# tests here and in CI are) and the flags that stop background timer throttling and
# renderer backgrounding, which matter for timings. --disable-dev-shm-usage because /dev/shm
# may be small in containers; the networking/update/sync flags keep the browser from
# reaching for a network it cannot reach here.
CHROMIUM_ARGS: list[str] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_DEFAULT_CHROMIUM = "/usr/bin/chromium"
_CHROMIUM_ENV = "BACKPROP_VIZ_CHROMIUM"


def chromium_path() -> str | None:
    """Return the Chromium to launch: $BACKPROP_VIZ_CHROMIUM, else /usr/bin/chromium, else None."""
    override = os.environ.get(_CHROMIUM_ENV)
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    return _DEFAULT_CHROMIUM if Path(_DEFAULT_CHROMIUM).is_file() else None


def launch_browser(playwright: Playwright, *, extra_args: Sequence[str] = ()) -> Browser:
    """Launch the system Chromium (Playwright's own browser download does not work here)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError(
            f"no Chromium found: install the 'chromium' package or set {_CHROMIUM_ENV}"
        )
    return playwright.chromium.launch(
        executable_path=path, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StreamlitServer:
    """A `streamlit run` subprocess on a free local port, as a context manager.

    The server runs with cwd = the repository root so that .streamlit/config.toml applies,
    writes its output to a log file, and is ready when `/_stcore/health` answers `ok`.
    """

    def __init__(
        self,
        script: str | os.PathLike[str],
        *,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        cwd: str | os.PathLike[str] = REPO_ROOT,
        startup_timeout_s: float = 30.0,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.script = Path(script)
        self.cwd = Path(cwd)
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.startup_timeout_s = startup_timeout_s
        self.port = 0
        self.url = ""
        self._own_log = log_path is None
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"streamlit-{self.script.stem}-", suffix=".log")
            os.close(fd)
            log_path = name
        self.log_path = Path(log_path)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> StreamlitServer:
        """Start the server and block until it is healthy; raise RuntimeError if it is not."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *self.extra_args,
        ]
        env = {**os.environ, **self.extra_env}
        # A file, not a pipe: nobody reads a pipe while tests run, and a full pipe blocks
        # the server.
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        health = f"{self.url}/_stcore/health"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self._process.returncode} before it was "
                    f"healthy; log tail:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"streamlit did not answer 'ok' on {health} within {self.startup_timeout_s:.0f} s; "
            f"log tail:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server: terminate, then kill if it has not exited after 10 s."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_text(self) -> str:
        """Return everything the server has written so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """Return the last `lines` lines of the server log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        # Keep the log of a failed run for whoever reads the failure; drop our temp file
        # otherwise.
        if self._own_log and exc_type is None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()


APP_SELECTOR = '[data-testid="stApp"]'
IDLE_SELECTOR = f'{APP_SELECTOR}[data-test-script-state="notRunning"]'

# Idle and drawn: the script has finished, no lazily loaded element is still a placeholder
# (Streamlit fetches each element type's code on first use and shows an stSkeleton
# meanwhile, for up to ~2 s for Plotly after the script already reads notRunning), and
# every Plotly chart has drawn its SVG (a chart draws ~50 ms after its skeleton goes).
# Hidden elements (an inactive tab, a closed expander) are skipped: they may never draw.
_SETTLED_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const shown = (el) => el.checkVisibility();
  for (const skeleton of document.querySelectorAll('[data-testid="stSkeleton"]')) {
    if (shown(skeleton)) return false;
  }
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (shown(chart) && !chart.querySelector('.main-svg')) return false;
  }
  return true;
}
"""


def wait_idle(page: Page, timeout_ms: float = 30_000, *, settled: bool = True) -> None:
    """Wait until the Streamlit script is not running (stApp's script state is notRunning).

    With `settled` (the default) also wait until no element is a loading placeholder
    (`stSkeleton`) and every Plotly chart has drawn: on a first load the script reads
    notRunning seconds before the page is drawn.

    Caveat: right after an interaction the app can still read notRunning for a moment,
    before the rerun has started. After clicking or typing, wait for the expected result
    (e.g. `expect(locator).to_have_text(...)`) first; use this only to let a run finish.
    """
    if settled:
        page.wait_for_function(_SETTLED_JS, timeout=timeout_ms)
    else:
        page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout_ms)


def quicken_play(plot: Locator, frame_ms: int) -> int:
    """Make the drawn chart's ▶ Play button (its first button) step its frames every
    `frame_ms` ms, so a test sees a whole playback sooner; the figure the app served is
    unchanged. Returns the frame duration it served."""
    return plot.evaluate(
        """(el, ms) => {
          const served = el.layout.updatemenus[0].buttons[0].args[1].frame.duration;
          // The button plays what the drawn (full) layout holds; the layout's own copy too,
          // should the chart be drawn again before the click.
          for (const layout of [el.layout, el._fullLayout]) {
            layout.updatemenus[0].buttons[0].args[1].frame.duration = ms;
          }
          return served;
        }""",
        frame_ms,
    )


def open_app(page: Page, url: str, timeout_ms: float = 30_000) -> None:
    """Load the app at `url` and wait until its first run has finished and been drawn."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_idle(page, timeout_ms)


@dataclass
class ConsoleErrors:
    """Console messages of type error and uncaught page errors seen on attached pages.

    `ignore` holds substrings; a message containing one is kept in `ignored`, not `errors`.
    The default is empty: the trivial app and Streamlit's own frontend log no errors here
    (checked with Streamlit 1.67 and the closed network; usage stats are off in
    .streamlit/config.toml and on the command line, so no telemetry request fails). Add a
    pattern only for noise you have checked comes from outside the app, and say why.
    """

    ignore: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> ConsoleErrors:
        """Start recording on `page`; returns self for chaining."""
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        return self

    def _record(self, text: str) -> None:
        if any(pattern in text for pattern in self.ignore):
            self.ignored.append(text)
        else:
            self.errors.append(text)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            where = f" ({location.get('url', '')}:{location.get('lineNumber', '')})"
            self._record(f"console.error: {message.text}{where}")

    def _on_page_error(self, error: Exception) -> None:
        self._record(f"pageerror: {error}")

    def assert_none(self) -> None:
        """Fail with every recorded error if there is any."""
        assert not self.errors, "browser errors:\n" + "\n".join(self.errors)


def attach_console_errors(page: Page, ignore: Iterable[str] = ()) -> ConsoleErrors:
    """Return a ConsoleErrors recording on `page`."""
    return ConsoleErrors(ignore=tuple(ignore)).attach(page)


# In-page timing of one slider step. Arming installs, before the key is pressed:
#  - a capture-phase keydown listener on window, the first JS to see the key, which stamps
#    the start with performance.now();
#  - a MutationObserver on the whole document plus a requestAnimationFrame poll (the poll
#    catches changes the observer cannot see, such as an <input>'s value property, and a
#    node being swapped for a new one), which stamp the moment the value's text differs;
#  - then one more animation frame, stamped as the frame that shows the change: that is
#    when the user can see it, later than the DOM change by up to a frame.
# The target is a CSS selector, re-queried on every check (robust to React replacing the
# node), or an element; an element that leaves the document counts as changed.
_ARM_JS = """
([target, isSelector, timeoutMs]) => {
  const resolve = () => isSelector ? document.querySelector(target) : target;
  const read = (el) => {
    if (!el || !el.isConnected) return null;
    if ('value' in el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA'
        || el.tagName === 'SELECT')) return String(el.value).trim();
    return (el.textContent || '').trim();
  };
  const before = read(resolve());
  if (before === null) throw new Error('value element not found: ' + target);
  const state = { before, after: null, keydown: null, change: null, frame: null };
  let observer = null;
  let finished = false;
  state.done = new Promise((ok, fail) => {
    const finish = (error) => {
      if (finished) return;
      finished = true;
      if (observer) observer.disconnect();
      clearTimeout(timer);
      window.removeEventListener('keydown', onKey, true);
      error ? fail(new Error(error)) : ok({
        before: state.before, after: state.after,
        keydown: state.keydown, change: state.change, frame: state.frame,
      });
    };
    const check = () => {
      if (finished || state.change !== null || state.keydown === null) return;
      const now = read(resolve());
      if (now !== state.before) {
        state.change = performance.now();
        state.after = now;
        requestAnimationFrame(() => { state.frame = performance.now(); finish(); });
      }
    };
    const onKey = () => {
      if (state.keydown === null) state.keydown = performance.now();
    };
    window.addEventListener('keydown', onKey, true);
    observer = new MutationObserver(check);
    observer.observe(document.documentElement,
      { subtree: true, childList: true, characterData: true, attributes: true });
    const poll = () => { if (!finished) { check(); requestAnimationFrame(poll); } };
    requestAnimationFrame(poll);
    const timer = setTimeout(() => finish(
      state.keydown === null ? 'the key never reached the page'
        : 'the value did not change from ' + JSON.stringify(state.before)),
      timeoutMs);
  });
  window.__bpvLatency = state;
  return before;
}
"""

_RESULT_JS = "() => window.__bpvLatency.done"


@dataclass(frozen=True)
class StepTiming:
    """One slider step, in ms since the keydown reached the page."""

    before: str
    after: str
    change_ms: float  # the DOM showed the new text
    frame_ms: float  # the first animation frame after that: what the user sees


def time_slider_step(
    page: Page,
    slider: Locator,
    value_locator: Locator | str,
    key: str = "ArrowRight",
    timeout_ms: float = 30_000,
) -> StepTiming:
    """Press `key` on `slider` once and time, in the page, until the value's text changes.

    `value_locator` is a Playwright Locator or a CSS selector (preferred when the node may
    be re-created by a rerun: the selector is re-queried on every check).
    """
    slider.focus()
    if isinstance(value_locator, str):
        page.evaluate(_ARM_JS, [value_locator, True, timeout_ms])
    else:
        handle = value_locator.element_handle(timeout=timeout_ms)
        try:
            handle.evaluate(
                f"(el, [timeoutMs]) => ({_ARM_JS})([el, false, timeoutMs])", [timeout_ms]
            )
        finally:
            handle.dispose()
    page.keyboard.press(key)
    try:
        result: dict[str, Any] = page.evaluate(_RESULT_JS)
    except Exception as error:  # Playwright wraps the page's rejection
        raise TimeoutError(
            f"pressing {key} on the slider did not change the value within "
            f"{timeout_ms:.0f} ms (is the slider at its end?): {error}"
        ) from error
    return StepTiming(
        before=str(result["before"]),
        after=str(result["after"] or ""),
        change_ms=float(result["change"] - result["keydown"]),
        frame_ms=float(result["frame"] - result["keydown"]),
    )


def measure_slider_latency(
    page: Page,
    slider_label: str,
    value_locator: Locator | str,
    steps: int = 30,
    key: str = "ArrowRight",
    timeout_ms: float = 30_000,
) -> list[float]:
    """Press `key` on the slider labelled `slider_label` `steps` times; return ms per step.

    Each figure is measured in the page: from the keydown reaching the page to the first
    animation frame after the text of `value_locator` differs from its text before the
    press, i.e. the frame that shows the new value. The app is left to finish its run
    between steps. The slider must have room for `steps` presses of `key`.
    """
    slider = page.get_by_role("slider", name=slider_label)
    latencies: list[float] = []
    for _ in range(steps):
        wait_idle(page, timeout_ms)
        timing = time_slider_step(page, slider, value_locator, key=key, timeout_ms=timeout_ms)
        latencies.append(timing.frame_ms)
    # The last change means the last rerun has started; let it finish before returning.
    wait_idle(page, timeout_ms)
    return latencies


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0..100) of `values`, linear between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
