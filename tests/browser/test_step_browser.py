"""The step view in a real browser: load, keyboard slider, animation, no tracebacks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from backprop_viz.core.network import Network
from backprop_viz.ui.step.edits import preset_config
from tests.browser.harness import REPO_ROOT, ConsoleErrors, StreamlitServer, open_app, wait_idle

APP = REPO_ROOT / "app.py"
RAISES = REPO_ROOT / "tests" / "browser" / "apps" / "raises.py"
METRIC = '[data-testid="stMetricValue"]'
DIAGRAM = '.st-key-step_diagram [data-testid="stPlotlyChart"]'


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1500, "height": 2200}  # tall: Streamlit scrolls an inner container


@pytest.fixture
def step_page(page: Page, start_server: Callable[..., StreamlitServer]) -> Page:
    open_app(page, start_server(APP).url)
    expect(page.locator(DIAGRAM + " .main-svg").first).to_be_visible()
    return page


def expected_output(x1: float) -> str:
    cfg = preset_config("lesson-step")
    net = Network.build(cfg["weights"])
    out = net.predict([[x1, *cfg["inputs"][1:]]])[0, 0]
    return f"{out:.4g}"


def test_default_page_loads_cleanly(step_page: Page, console_errors: ConsoleErrors, artifact_dir):
    page = step_page
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.5))
    expect(page.get_by_text("[0.00804047 0.00555918]", exact=False).first).to_be_attached()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    wait_idle(page)
    page.screenshot(path=str(artifact_dir / "step-default.png"))
    assert (artifact_dir / "step-default.png").stat().st_size > 50_000
    # The equations, typeset: one row per stage, with the live numbers.
    page.locator(".st-key-step_section").get_by_text("Equations", exact=True).click()
    katex = page.locator(".katex-display").first
    expect(katex).to_contain_text("11. New weights")
    expect(katex).to_contain_text("0.006616")
    console_errors.assert_none()


def test_keyboard_slider_updates_the_numbers(step_page: Page, console_errors: ConsoleErrors):
    page = step_page
    slider = page.get_by_role("slider", name="Input x₁")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.51))
    wait_idle(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.49))
    console_errors.assert_none()


def test_play_advances_the_animation(step_page: Page, console_errors: ConsoleErrors):
    page = step_page
    plot = page.locator(DIAGRAM + " .js-plotly-plot").first
    assert plot.evaluate("el => el._transitionData._frames.length") == 11
    assert plot.evaluate("el => el.layout.sliders[0].active") == 0
    page.locator(DIAGRAM + " .updatemenu-button").first.click()  # ▶ Play
    page.wait_for_function(
        "el => el.layout.sliders[0].active >= 3", arg=plot.element_handle(), timeout=15_000
    )
    title = plot.evaluate("el => el.layout.title.text")
    assert "Activations" in title or "Weighted sums" in title or "Output" in title
    page.wait_for_function(
        "el => el.layout.sliders[0].active === 10", arg=plot.element_handle(), timeout=30_000
    )
    assert "New weights" in plot.evaluate("el => el.layout.title.text")
    console_errors.assert_none()


def test_stage_slider_jumps_to_a_stage(step_page: Page, console_errors: ConsoleErrors):
    page = step_page
    plot = page.locator(DIAGRAM + " .js-plotly-plot").first
    rail = page.locator(DIAGRAM + " .slider-rail-rect").first
    box = rail.bounding_box()
    assert box is not None
    # Eleven stages spread over the rail: stage 8 (index 7) is the error flowing back.
    page.mouse.click(box["x"] + box["width"] * 7 / 10, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "el => el.layout.sliders[0].active === 7", arg=plot.element_handle(), timeout=10_000
    )
    assert "Error flows back" in plot.evaluate("el => el.layout.title.text")
    console_errors.assert_none()


def test_tracebacks_never_reach_the_page(
    page: Page, start_server: Callable[..., StreamlitServer], console_errors: ConsoleErrors
):
    # An app that raises, served with this project's .streamlit/config.toml.
    open_app(page, start_server(RAISES).url)
    box = page.locator('[data-testid="stException"]')
    expect(box).to_have_count(1)
    text = box.inner_text()
    assert "Traceback" not in text and "raises.py" not in text
    assert "secret detail" not in text and "ZeroDivisionError" not in text
