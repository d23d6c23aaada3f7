"""The step page in front of a room, in a real browser: the address bar is the state, the
keys, presenter mode at 1280×720, predict-then-reveal and the step history."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from backprop_viz.explain.notation import fmt
from backprop_viz.explain.quiz import question
from backprop_viz.ui.step.edits import preset_config, take_steps, with_parameters
from backprop_viz.ui.step.results import cfg_json_of, compute
from tools.browser import REPO_ROOT, StreamlitServer, open_app, wait_idle

APP = REPO_ROOT / "app.py"
METRIC = '[data-testid="stMetricValue"]'
PLOT = '.st-key-step_diagram [data-testid="stPlotlyChart"] .js-plotly-plot'
DIAGRAM_TEXT = ".st-key-step_diagram .main-svg text"
BUTTONS = ".st-key-step_buttons"


@pytest.fixture
def url(start_server: Callable[..., StreamlitServer]) -> str:
    return start_server(APP).url


def title(page: Page) -> str:
    return page.locator(PLOT).first.evaluate("el => el.layout.title.text")


def wait_title(page: Page, pattern: str) -> None:
    page.wait_for_function(
        "([sel, p]) => new RegExp(p).test(document.querySelector(sel)?.layout?.title?.text)",
        arg=[PLOT, pattern],
        timeout=20_000,
    )
    wait_idle(page)  # a key pressed while the page reruns may be dropped


def metrics(page: Page) -> list[str]:
    return page.locator(METRIC).all_inner_texts()


def blur(page: Page) -> None:
    """Keys go to the page, not to a focused slider or box."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_the_address_bar_is_the_page_number_for_number(
    page: Page, url: str, browser: Browser, artifact_dir: Path
):
    open_app(page, url)
    assert "?" not in page.url  # the default page has a bare address
    page.get_by_role("slider", name="Input x₁").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"x=0\.51_0\.1_-0\.2"), timeout=20_000)
    blur(page)
    page.keyboard.press("ArrowLeft")  # one stage back: "New weights"
    page.wait_for_url(re.compile(r"stage=new"), timeout=20_000)
    wait_title(page, "^(<b>)+11/12")
    wait_idle(page)
    shown = metrics(page)
    other = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    try:
        open_app(other, page.url)  # another browser: no shared session
        expect(other.locator(METRIC)).to_have_text(shown)
        assert title(other) == title(page)
        labels = page.locator(DIAGRAM_TEXT).all_text_contents()
        assert "0.51" in " ".join(labels)  # x₁ as moved, on the diagram itself
        expect(other.locator(DIAGRAM_TEXT)).to_have_text(labels)
        other.screenshot(path=str(artifact_dir / "classroom-link-reopened.png"))
    finally:
        other.context.close()


def test_keys_step_through_stages_apply_and_undo_while_slider_arrows_stay_sliders(
    page: Page, url: str
):
    open_app(page, url)
    blur(page)
    page.keyboard.press("ArrowLeft")
    wait_title(page, "^(<b>)+11/12")
    page.keyboard.press("ArrowLeft")
    wait_title(page, "^(<b>)+10/12")
    page.keyboard.press("ArrowRight")
    wait_title(page, "^(<b>)+11/12")
    # An arrow on a focused slider moves the slider, and only it: the stage stays.
    page.get_by_role("slider", name="Input x₁").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"x=0\.51"), timeout=20_000)
    wait_idle(page)
    assert re.match("^(<b>)+11/12", title(page))
    blur(page)
    page.keyboard.press("Enter")
    expect(page.locator(BUTTONS)).to_contain_text("1 step(s) applied", timeout=20_000)
    wait_idle(page)
    page.keyboard.press("u")
    expect(page.locator(BUTTONS)).to_contain_text("0 step(s) applied", timeout=20_000)
    wait_idle(page)
    for n in (1, 2):
        page.keyboard.press("Enter")
        expect(page.locator(BUTTONS)).to_contain_text(f"{n} step(s) applied", timeout=20_000)
        wait_idle(page)
    page.keyboard.press("Home")
    expect(page.locator(BUTTONS)).to_contain_text("0 step(s) applied", timeout=20_000)
    expect(page.get_by_text("Keys: ← / → stage")).to_be_visible()


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1280, "height": 720}


def test_presenter_mode_fits_1280x720_in_large_type(page: Page, url: str, artifact_dir: Path):
    open_app(page, url + "?present=1&stage=back-1")
    wait_title(page, "^(<b>)+8/12")
    expect(page.locator('section[data-testid="stSidebar"]')).to_be_hidden()
    boxes = {
        "metrics": page.locator(".st-key-step_metrics"),
        "diagram": page.locator(".st-key-step_diagram"),
        "equation": page.locator(".st-key-step_stage_equation .katex").first,
        "apply": page.get_by_role("button", name=re.compile("Apply step")),
    }
    for name, loc in boxes.items():
        box = loc.bounding_box()
        assert box is not None, name
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, (name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (name, box)
    px = lambda loc: float(loc.evaluate("e => getComputedStyle(e).fontSize")[:-2])  # noqa: E731
    assert min(px(m) for m in page.locator(METRIC).all()) >= 28
    assert px(boxes["equation"]) >= 28
    sizes = page.locator(DIAGRAM_TEXT).evaluate_all(
        "els => els.filter(e => e.textContent.trim() && e.getBBox().width > 0)"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 18, sorted(sizes)[:5]
    page.screenshot(path=str(artifact_dir / "classroom-presenter-1280x720.png"))
    blur(page)
    page.keyboard.press("ArrowRight")
    wait_title(page, "^(<b>)+9/12")
    page.get_by_text("Presenter mode").click()  # off again: the sidebar is back
    expect(page.locator('section[data-testid="stSidebar"]')).to_be_visible(timeout=20_000)
    assert "present=1" not in page.url


def test_quiz_asks_before_the_backward_stages_and_reveals_with_the_deciding_number(
    page: Page, url: str, artifact_dir: Path
):
    open_app(page, url + "?quiz=1&qs=0")
    q = question(compute(cfg_json_of(preset_config("lesson-step"))).trace, 0)
    wait_title(page, "Activations of the output layer")
    expect(page.get_by_text(q.prompt)).to_be_visible()
    page.screenshot(path=str(artifact_dir / "classroom-quiz-asked.png"))
    page.get_by_role("radiogroup").get_by_text(q.options[q.answer], exact=True).click()
    page.get_by_role("button", name="Answer").click()
    expect(page.get_by_text(re.compile("^Right: "))).to_be_visible(timeout=20_000)
    expect(page.get_by_text(q.reveal, exact=False)).to_be_visible()
    expect(page.get_by_text("Score this session: 1 of 1")).to_be_visible()
    page.screenshot(path=str(artifact_dir / "classroom-quiz-revealed.png"))


def test_history_shows_an_earlier_step_whole(page: Page, url: str, artifact_dir: Path):
    open_app(page, url)
    page.get_by_role("button", name="Take N steps").click()
    expect(page.locator(BUTTONS)).to_contain_text("10 step(s) applied", timeout=20_000)
    history = page.get_by_role("slider", name=re.compile("Step history"))
    history.focus()
    page.keyboard.press("Home")  # step 0: before the first applied step
    expect(page.get_by_text("Showing step 0 of 10")).to_be_visible(timeout=20_000)
    start = compute(cfg_json_of(preset_config("lesson-step"))).trace
    expect(page.locator(METRIC).nth(2)).to_have_text(fmt(start.loss_before))
    page.keyboard.press("ArrowRight")
    cfg = preset_config("lesson-step")
    done = take_steps(cfg, 1)
    one = compute(cfg_json_of(with_parameters(cfg, done.weights, done.biases))).trace
    expect(page.get_by_text("Showing step 1 of 10")).to_be_visible(timeout=20_000)
    expect(page.locator(METRIC).nth(2)).to_have_text(fmt(one.loss_before))
    page.screenshot(path=str(artifact_dir / "classroom-history.png"))
    page.get_by_role("button", name="Back to now").click()
    expect(page.get_by_text("Showing step")).to_have_count(0, timeout=20_000)


def test_a_typed_exponent_in_the_n_box_is_read_whole(page: Page, url: str):
    # An integer box kept only the digits before the "e": 1e2 took 1 step, 1e9 took 1.
    open_app(page, url)
    box = page.locator(".st-key-step_take_n input")
    box.fill("1e2")
    box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Take N steps").click()
    expect(page.locator(BUTTONS)).to_contain_text("100 step(s) applied", timeout=30_000)
    wait_idle(page)
    box.fill("1e9")
    box.press("Enter")
    wait_idle(page)
    # Refused where it is typed: the box is marked invalid (Streamlit's range check), and
    # its value stays the last valid one, never 1 or 10⁹.
    expect(box).to_have_attribute("aria-invalid", "true", timeout=30_000)
    page.get_by_role("button", name="Take N steps").click()
    expect(page.locator(BUTTONS)).to_contain_text("200 step(s) applied", timeout=30_000)
