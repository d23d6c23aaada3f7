"""The browser harness, proven on benchmarks/trivial_app.py in the system Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tools.browser import (
    REPO_ROOT,
    ConsoleErrors,
    StreamlitServer,
    measure_slider_latency,
    open_app,
    percentile,
    wait_idle,
)

TRIVIAL_APP = REPO_ROOT / "benchmarks" / "trivial_app.py"
METRIC = '[data-testid="stMetricValue"]'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def trivial_page(page: Page, start_server: Callable[..., StreamlitServer]) -> Page:
    """The trivial app, loaded and drawn."""
    open_app(page, start_server(TRIVIAL_APP).url)
    return page


def test_page_loads_without_errors(trivial_page: Page, console_errors: ConsoleErrors) -> None:
    page = trivial_page
    expect(page.locator(METRIC)).to_have_text("50")
    expect(page.get_by_role("slider", name="Value")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    console_errors.assert_none()


def test_keyboard_moves_slider_and_metric(
    trivial_page: Page, console_errors: ConsoleErrors
) -> None:
    page = trivial_page
    slider = page.get_by_role("slider", name="Value")
    slider.focus()
    page.keyboard.press("ArrowRight")
    # Wait for the result, not for idle: idle can still read true before the rerun starts.
    expect(page.locator(METRIC)).to_have_text("51")
    wait_idle(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(METRIC)).to_have_text("49")
    expect(slider).to_have_attribute("aria-valuetext", "49")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    console_errors.assert_none()


def test_measure_slider_latency(trivial_page: Page, console_errors: ConsoleErrors) -> None:
    page = trivial_page
    latencies = measure_slider_latency(page, "Value", METRIC, steps=5)
    assert len(latencies) == 5
    assert all(0 < ms < 5000 for ms in latencies), latencies
    expect(page.locator(METRIC)).to_have_text("55")
    # A Locator works as well as a CSS selector.
    more = measure_slider_latency(page, "Value", page.get_by_test_id("stMetricValue"), steps=2)
    assert len(more) == 2 and all(0 < ms < 5000 for ms in more), more
    expect(page.locator(METRIC)).to_have_text("57")
    console_errors.assert_none()


def test_screenshot_is_written(trivial_page: Page, artifact_dir: Path) -> None:
    target = artifact_dir / "trivial.png"
    target.unlink(missing_ok=True)
    trivial_page.screenshot(path=str(target))
    data = target.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1000


def test_console_errors_are_recorded(page: Page, console_errors: ConsoleErrors) -> None:
    page.set_content("<p>blank</p>")
    page.evaluate("console.error('boom')")
    page.evaluate("setTimeout(() => { throw new Error('kaput'); }, 0)")
    page.wait_for_timeout(100)  # the thrown error is reported asynchronously
    assert any("boom" in text for text in console_errors.errors)
    assert any("kaput" in text for text in console_errors.errors)
    with pytest.raises(AssertionError):
        console_errors.assert_none()


def test_server_failure_reports_log_tail(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_app.py"
    with pytest.raises(RuntimeError, match="log tail"), StreamlitServer(missing):
        pass


def test_percentile() -> None:
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 3.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 90) == pytest.approx(4.6)
    assert percentile([7.0], 90) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)
