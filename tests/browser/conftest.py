"""Fixtures for browser tests: system Chromium, Streamlit servers, pages, artifacts.

Every test collected under tests/browser gets the `browser` marker, so
`pytest -m "not browser"` runs the fast suite alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tools.browser import (
    REPO_ROOT,
    ConsoleErrors,
    StreamlitServer,
    attach_console_errors,
    chromium_path,
    launch_browser,
)

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
ARTIFACT_DIR = REPO_ROOT / "test-output"
DEFAULT_VIEWPORT = {"width": 1400, "height": 1000}

StartServer = Callable[..., StreamlitServer]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this directory as `browser`, and put them all in one xdist group:
    they run one after another on one worker (one browser, shared servers), while the
    other tests run beside them."""
    for item in items:
        if BROWSER_TESTS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so `page` can screenshot failed tests."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifact_dir() -> Path:
    """`test-output/` at the repository root (git-ignored), for screenshots and logs."""
    ARTIFACT_DIR.mkdir(exist_ok=True)
    return ARTIFACT_DIR


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    """One Playwright driver for the whole session."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """The system Chromium, shared by all tests; skips them if it is not installed."""
    if chromium_path() is None:
        reason = "Chromium not found at /usr/bin/chromium or $BACKPROP_VIZ_CHROMIUM"
        if os.environ.get("CI"):
            # CI installs chromium: a missing browser there is a broken setup, not a skip.
            pytest.fail(f"{reason} (CI must install the 'chromium' package)")
        pytest.skip(reason)
    browser = launch_browser(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def start_server() -> Iterator[StartServer]:
    """Factory: `start_server(script, env=None, extra_args=(), fresh=False)` -> running server.

    Servers are shared by tests asking for the same script, env and args (each browser tab
    is its own Streamlit session, so tests stay isolated); `fresh=True` starts a new one.
    All are stopped at the end of the session.
    """
    servers: dict[tuple[object, ...], StreamlitServer] = {}
    started: list[StreamlitServer] = []

    def start(
        script: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        fresh: bool = False,
    ) -> StreamlitServer:
        key = (str(Path(script)), tuple(sorted((env or {}).items())), tuple(extra_args))
        if not fresh and key in servers:
            return servers[key]
        log_path = ARTIFACT_DIR / f"server-{Path(script).stem}-{len(started)}.log"
        ARTIFACT_DIR.mkdir(exist_ok=True)
        server = StreamlitServer(script, env=env, extra_args=extra_args, log_path=log_path)
        server.start()
        started.append(server)
        if not fresh:
            servers[key] = server
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Viewport of `page`; override this fixture in a module for another size."""
    return dict(DEFAULT_VIEWPORT)


@pytest.fixture
def _page_and_errors(
    browser: Browser, viewport: dict[str, int], request: pytest.FixtureRequest
) -> Iterator[tuple[Page, ConsoleErrors]]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    # Recorded from the start, so errors during the first load count too.
    errors = attach_console_errors(page)
    yield page, errors
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACT_DIR.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        try:
            page.screenshot(path=str(ARTIFACT_DIR / f"failed-{name}.png"))
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"could not take a failure screenshot: {error}")
    context.close()


@pytest.fixture
def page(_page_and_errors: tuple[Page, ConsoleErrors]) -> Page:
    """A page in a new browser context; a failed test leaves a screenshot in test-output/."""
    return _page_and_errors[0]


@pytest.fixture
def console_errors(_page_and_errors: tuple[Page, ConsoleErrors]) -> ConsoleErrors:
    """Console errors and page errors of `page`, recorded since it was opened."""
    return _page_and_errors[1]
