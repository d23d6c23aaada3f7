"""The step view in a real browser: load, keyboard slider, animation, kept stage, edge click,
no tracebacks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from backprop_viz.core.network import Network
from backprop_viz.core.step import StepTrace, step
from backprop_viz.figures.network import HOVER
from backprop_viz.ui.step.edits import preset_config
from tests.lesson_facts import LESSON_STAGES
from tools.browser import (
    REPO_ROOT,
    ConsoleErrors,
    StreamlitServer,
    open_app,
    quicken_play,
    wait_idle,
)

APP = REPO_ROOT / "app.py"
RAISES = REPO_ROOT / "tests" / "browser" / "apps" / "raises.py"
METRIC = '[data-testid="stMetricValue"]'
DIAGRAM = '.st-key-step_diagram [data-testid="stPlotlyChart"]'
PLOT = DIAGRAM + " .js-plotly-plot"
DIAGRAM_TEXT = ".st-key-step_diagram .main-svg text"
STAGE_LABEL = "Stage shown (kept while you change values)"
STAGES = LESSON_STAGES  # the diagram's frames in order; the page rests on the last
WHOLE_TITLE = "12/12 · The whole step"
BACK_TITLE = "8/12 · Error flows back into the hidden layer, scaled by the weights"
EDGE_HOVER = HOVER  # the figure's trace of edge markers (hover and click targets)


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1500, "height": 2200}  # tall: Streamlit scrolls an inner container


@pytest.fixture
def step_page(page: Page, start_server: Callable[..., StreamlitServer]) -> Page:
    open_app(page, start_server(APP).url)
    expect(page.locator(DIAGRAM + " .main-svg").first).to_be_visible()
    return page


def lesson_step(x1: float) -> tuple[StepTrace, float]:
    """The lesson's step with input x₁ = `x1` (computed by the core), and its η."""
    cfg = preset_config("lesson-step")
    inputs = [x1, *cfg["inputs"][1:]]
    trace = step(Network.build(cfg["weights"]), inputs, cfg["targets"], cfg["learning_rate"])
    return trace, float(cfg["learning_rate"])


def expected_output(x1: float) -> str:
    cfg = preset_config("lesson-step")
    net = Network.build(cfg["weights"])
    out = net.predict([[x1, *cfg["inputs"][1:]]])[0, 0]
    return f"{out:.4g}"


def label(value: float) -> str:
    """An edge label as the diagram writes it: 3 significant digits, a real minus sign."""
    return f"{value:.3g}".replace("-", "−")


def weight_step_labels(x1: float) -> list[str]:
    """Every edge's Δw label, in the diagram's edge order (layer by layer, from-unit then
    to-unit: row-major over each (in × out) matrix)."""
    trace, _ = lesson_step(x1)
    return [label(v) for layer in trace.layers for v in np.ravel(layer.weight_delta)]


def back_labels(x1: float) -> list[str]:
    """The "error flows back" stage's edge labels: δ of the output unit times each weight
    into it (hidden unit j → output)."""
    trace, _ = lesson_step(x1)
    delta_out = trace.layers[-1].error_term[0]
    w_out = trace.network.weights[-1]
    rows, cols = w_out.shape
    return [label(w_out[j, k] * delta_out[k]) for j in range(rows) for k in range(cols)]


def exactly(texts: Sequence[str]) -> list[re.Pattern[str]]:
    """Whole-text patterns, for `to_contain_text` over many elements (in order)."""
    return [re.compile(f"^{re.escape(t)}$") for t in texts]


def diagram_title(page: Page) -> str:
    return page.locator(PLOT).first.evaluate("el => el.layout.title.text")


def edge_point(plot: Locator, index: int) -> tuple[float, float]:
    """Page coordinates of edge `index`'s midpoint marker (where Plotly takes its click)."""
    x, y = plot.evaluate(
        """(el, [trace, i]) => {
          const L = el._fullLayout, d = el.data[trace], r = el.getBoundingClientRect();
          return [r.left + L._size.l + L.xaxis.l2p(d.x[i]),
                  r.top + L._size.t + L.yaxis.l2p(d.y[i])];
        }""",
        [EDGE_HOVER, index],
    )
    return float(x), float(y)


def click_edge(page: Page, index: int) -> None:
    x, y = edge_point(page.locator(PLOT).first, index)
    page.mouse.move(x, y)  # Plotly finds the clicked point from the hover under the mouse
    page.mouse.click(x, y)


def wait_band_on_edge(page: Page, index: int) -> None:
    """Wait until the diagram's one highlight shape is a band along edge `index` (its
    midpoint is that edge's marker)."""
    page.wait_for_function(
        """([selector, trace, i]) => {
          const el = document.querySelector(selector);
          const shapes = el?.layout?.shapes;
          if (!shapes || shapes.length !== 1 || shapes[0].type !== 'line') return false;
          const s = shapes[0], d = el.data[trace];
          return Math.abs((s.x0 + s.x1) / 2 - d.x[i]) < 1e-9
            && Math.abs((s.y0 + s.y1) / 2 - d.y[i]) < 1e-9;
        }""",
        arg=[PLOT, EDGE_HOVER, index],
        timeout=10_000,
    )


def test_default_page_loads_cleanly_resting_on_the_whole_step(
    step_page: Page, console_errors: ConsoleErrors, artifact_dir: Path
):
    page = step_page
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.5))
    expect(page.get_by_text("[0.00804047 0.00555918]", exact=False).first).to_be_attached()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    # No click: the diagram's own SVG shows every edge's weight step Δw, in edge order.
    labels = weight_step_labels(0.5)
    assert labels[6] == "0.00804"  # a₁ → ŷ₁: the lesson's printed Δw 0.00804047
    expect(page.locator(DIAGRAM_TEXT)).to_contain_text(exactly(labels))
    expect(page.locator(DIAGRAM + " .gtitle")).to_contain_text(WHOLE_TITLE)
    assert diagram_title(page).replace("<b>", "").startswith(WHOLE_TITLE)
    wait_idle(page)
    page.screenshot(path=str(artifact_dir / "step-default.png"))
    assert (artifact_dir / "step-default.png").stat().st_size > 50_000
    page.locator(".st-key-step_diagram").screenshot(path=str(artifact_dir / "step-whole.png"))
    # The equations, typeset: one row per stage, with the live numbers.
    page.locator(".st-key-step_section").get_by_text("Equations", exact=True).click()
    katex = page.locator(".katex-display").first
    expect(katex).to_contain_text("11. New weights")
    expect(katex).to_contain_text("0.006616")
    console_errors.assert_none()


def test_keyboard_slider_updates_the_numbers_and_the_weight_steps(
    step_page: Page, console_errors: ConsoleErrors
):
    page = step_page
    before, after = weight_step_labels(0.5), weight_step_labels(0.51)
    assert after[6:] == ["0.00805", "0.00553"] and before[6:] != after[6:]
    slider = page.get_by_role("slider", name="Input x₁")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.51))
    # The diagram redrawn with the new step's Δw on every edge, still on the whole step.
    expect(page.locator(DIAGRAM_TEXT)).to_contain_text(exactly(after))
    wait_idle(page)
    texts = page.locator(DIAGRAM_TEXT).all_text_contents()
    assert "x=0.51" in texts
    assert not {"0.00804", "0.00556"} & set(texts), texts
    assert diagram_title(page).replace("<b>", "").startswith(WHOLE_TITLE)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.49))
    expect(page.locator(DIAGRAM_TEXT)).to_contain_text(exactly(weight_step_labels(0.49)))
    console_errors.assert_none()


def test_play_runs_every_stage_and_ends_on_the_whole_step(
    step_page: Page, console_errors: ConsoleErrors
):
    page = step_page
    plot = page.locator(PLOT).first
    frames, sliders = plot.evaluate(
        "el => [el._transitionData._frames.map(f => f.name), el.layout.sliders ?? null]"
    )
    assert frames == STAGES
    assert sliders is None  # the stage control is Streamlit's, not a Plotly slider
    assert WHOLE_TITLE in diagram_title(page)
    # Record every frame Play shows (with the title the frame before it drew), and the end
    # of the animation.
    plot.evaluate(
        """el => {
          window.__played = []; window.__titles = []; window.__playDone = false;
          el.on('plotly_animatingframe', e => {
            window.__played.push(e.name);
            window.__titles.push(el.querySelector('.gtitle').textContent);
          });
          el.on('plotly_animated', () => { window.__playDone = true; });
        }"""
    )
    # A user's Play shows each stage for 1.4 s; here each for 0.1 s, the same frames.
    assert quicken_play(plot, 100) == 1400
    page.locator(DIAGRAM + " .updatemenu-button").first.click()  # ▶ Play
    # It starts over from the first stage and ends where the page rests, the whole step,
    # after all 12 frames in order, each drawn with its own stage's title.
    page.wait_for_function("() => window.__playDone", timeout=30_000)
    assert page.evaluate("() => window.__played") == STAGES
    titles = page.evaluate("() => window.__titles")
    assert [t.split(" · ")[0] for t in titles[1:]] == [f"{i}/12" for i in range(1, 12)]
    assert WHOLE_TITLE in diagram_title(page)
    console_errors.assert_none()


def test_stage_control_picks_a_stage_that_value_changes_keep(
    step_page: Page, console_errors: ConsoleErrors, artifact_dir: Path
):
    page = step_page
    stage = page.get_by_role("slider", name=STAGE_LABEL)
    expect(stage).to_have_attribute("aria-valuetext", WHOLE_TITLE)
    # The Streamlit stage control, by keyboard: from the whole step back to stage 8.
    stage.focus()
    for _ in range(STAGES.index("whole") - STAGES.index("back-1")):
        page.keyboard.press("ArrowLeft")
    expect(stage).to_have_attribute("aria-valuetext", BACK_TITLE)
    expect(page.locator(DIAGRAM + " .gtitle")).to_contain_text(BACK_TITLE)
    before, after = back_labels(0.5), back_labels(0.51)
    assert before != after
    expect(page.locator(DIAGRAM_TEXT)).to_contain_text(exactly(before))
    assert BACK_TITLE in diagram_title(page)
    wait_idle(page)
    # A value step reruns the page: the diagram keeps the chosen stage, with new numbers.
    page.get_by_role("slider", name="Input x₁").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(METRIC).first).to_have_text(expected_output(0.51))
    expect(page.locator(DIAGRAM_TEXT).filter(has_text=re.compile(r"^x=0\.51$"))).to_have_count(1)
    wait_idle(page)
    expect(page.locator(DIAGRAM_TEXT)).to_contain_text(exactly(after))
    assert BACK_TITLE in diagram_title(page)
    expect(stage).to_have_attribute("aria-valuetext", BACK_TITLE)
    page.screenshot(path=str(artifact_dir / "step-kept-stage.png"))
    console_errors.assert_none()


def chain_panel(page: Page, symbol: str, edge: str) -> Locator:
    start = f"∂E/∂{symbol}: the weight {symbol} on the edge {edge}"
    return page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile("^" + re.escape(start))
    )


def slope_text(value: float) -> re.Pattern[str]:
    """∂E/∂w as the panel prints it (8 significant digits), with either minus sign."""
    digits = re.escape(f"{value:.8g}".lstrip("-"))
    return re.compile(("[-−]" if value < 0 else "(?<![-−])") + digits)


def test_clicking_an_edge_explains_its_weight(
    step_page: Page, console_errors: ConsoleErrors, artifact_dir: Path
):
    page = step_page
    trace, eta = lesson_step(0.5)
    dw = trace.layers[-1].weight_delta  # (hidden × output)
    section = page.locator(".st-key-step_section")
    expect(section.get_by_role("radio", name="Chain rule")).to_have_attribute(
        "aria-checked", "false"
    )
    # Edge 6 is a₁ → ŷ₁ (w²₁₁): the section switches to the chain rule for it.
    click_edge(page, 6)
    expect(section.get_by_role("radio", name="Chain rule")).to_have_attribute(
        "aria-checked", "true"
    )
    panel = chain_panel(page, "w²₁₁", "a₁ → ŷ₁")
    expect(panel).to_have_count(1)
    expect(panel).to_contain_text(slope_text(-dw[0, 0] / eta))  # -0.016080948
    # The chosen edge gets the highlight band.
    wait_band_on_edge(page, 6)
    wait_idle(page)
    page.screenshot(path=str(artifact_dir / "step-chain-rule.png"))
    # Edge 6 is also the panel's default weight: a click on edge 7 (a₂ → ŷ₁) must move it.
    click_edge(page, 7)
    panel = chain_panel(page, "w²₂₁", "a₂ → ŷ₁")
    expect(panel).to_have_count(1)
    expect(panel).to_contain_text(slope_text(-dw[1, 0] / eta))
    wait_band_on_edge(page, 7)
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


def test_a_contrast_loaded_from_inside_the_page_redraws_the_sidebar(
    step_page: Page, console_errors: ConsoleErrors
):
    # Loading a configuration from inside the live part (a contrast button, the Load box)
    # once left the sidebar naming the old example and showing the old weights.
    page = step_page
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Vanishing gradients: sigmoid (2-3-3-3-1)").click()
    button = page.get_by_role("button", name="Compare: The same with ReLU hidden layers")
    expect(button).to_be_visible(timeout=30_000)
    wait_idle(page)
    button.click()
    example = sidebar.get_by_role("combobox", name="Example")
    expect(example).to_match_aria_snapshot(
        '- combobox "Example": The same with ReLU hidden layers', timeout=30_000
    )
    expect(
        page.get_by_role("button", name="Compare: The same with tanh hidden layers")
    ).to_be_visible()
    console_errors.assert_none()
