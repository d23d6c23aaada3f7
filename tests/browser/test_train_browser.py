"""The training view in a real browser: train, play the loss curves, see the boundary."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from backprop_viz.data.admissions import ADMISSIONS_ENV
from backprop_viz.figures.boundary import GRID
from tools.browser import (
    REPO_ROOT,
    ConsoleErrors,
    StreamlitServer,
    open_app,
    quicken_play,
    wait_idle,
)

APP = REPO_ROOT / "app.py"
LESSON_CSV = REPO_ROOT.parent / "shared" / "data" / "binary.csv"
LOSS = ".st-key-train_chart_loss"
BOUNDARY = ".st-key-train_chart_boundary"
METRIC = '[data-testid="stMetric"]'


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1500, "height": 2600}  # tall: Streamlit scrolls an inner container


# Generous waits: the page opens on a trained run with all its charts, and the 2 cores may
# be shared with other work; the tests assert what happens, never how fast.
WAIT_MS = 90_000


def open_training(page: Page, server: StreamlitServer) -> Page:
    # From the app's root, as a visitor would: the navigation link switches pages.
    page.set_default_timeout(WAIT_MS)
    open_app(page, server.url, WAIT_MS)
    page.get_by_role("link", name="Training").click()
    expect(page.get_by_role("heading", name="Training", level=1)).to_be_visible()
    wait_idle(page, WAIT_MS)
    return page


def metric_value(page: Page, label: str):
    return page.locator(METRIC).filter(has_text=label).locator('[data-testid="stMetricValue"]')


def choose_preset(page: Page, label: str) -> None:
    # A fresh session starts at widget generation 0; loading a preset moves it to 1.
    page.locator(".st-key-train_preset_g0").click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.locator(".st-key-train_preset_g1 input")).to_have_value(label)
    wait_idle(page, WAIT_MS)


def test_train_play_the_loss_curves_and_see_the_boundary(
    page: Page,
    start_server: Callable[..., StreamlitServer],
    console_errors: ConsoleErrors,
    artifact_dir: Path,
):
    open_training(page, start_server(APP))
    choose_preset(page, "XOR")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(metric_value(page, "Test accuracy")).to_have_text("1.000", timeout=WAIT_MS)
    wait_idle(page, WAIT_MS)

    loss = page.locator(f"{LOSS} .js-plotly-plot")
    frames = loss.evaluate("el => el._transitionData._frames.length")
    assert 2 <= frames <= 60
    assert loss.evaluate("el => el.layout.sliders[0].active") == frames - 1
    full = loss.evaluate("el => el._fullData[0]._length")
    # A user's Play shows each epoch frame for 0.1 s; here for 0.04 s, the same frames.
    assert quicken_play(loss, 40) == 100
    page.locator(f"{LOSS} .updatemenu-button").first.click()  # ▶ Play
    # Playback starts over from the first frame: mid-way the curve is only partly drawn...
    page.wait_for_function(
        "([el, n]) => { const a = el.layout.sliders[0].active; return a >= 3 && a < n - 5; }",
        arg=[loss.element_handle(), frames],
        timeout=WAIT_MS,
    )
    assert loss.evaluate("el => el._fullData[0]._length") < full
    # ...and it advances to the last frame, where the whole curve is back.
    page.wait_for_function(
        "([el, n]) => el.layout.sliders[0].active === n - 1",
        arg=[loss.element_handle(), frames],
        timeout=WAIT_MS,
    )
    page.wait_for_function(
        "([el, n]) => el._fullData[0]._length === n", arg=[loss.element_handle(), full]
    )

    boundary = page.locator(f"{BOUNDARY} .js-plotly-plot")
    assert boundary.evaluate("el => el._fullData[0].type") == "heatmap"
    assert boundary.evaluate("el => el._fullData[0].z.length") == GRID
    assert boundary.evaluate("el => el._transitionData._frames.length") == frames
    expect(page.locator(f"{BOUNDARY} .heatmaplayer image")).to_have_count(1)
    expect(page.locator(f"{BOUNDARY} .scatterlayer .point").first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)

    wait_idle(page, WAIT_MS)
    shot = artifact_dir / "train-xor.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    console_errors.assert_none()


@pytest.mark.skipif(not LESSON_CSV.exists(), reason=f"no lesson data at {LESSON_CSV}")
def test_the_lessons_run_on_its_real_data(
    page: Page,
    start_server: Callable[..., StreamlitServer],
    console_errors: ConsoleErrors,
    artifact_dir: Path,
):
    open_training(page, start_server(APP, env={ADMISSIONS_ENV: str(LESSON_CSV)}))
    expect(page.get_by_text("Synthetic data")).to_have_count(0)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(metric_value(page, "Test accuracy")).to_have_text("0.725", timeout=WAIT_MS)
    code = page.locator('[data-testid="stCode"]')
    expect(code).to_contain_text("Train loss:  0.2513572524259881")
    expect(code).to_contain_text("Train loss:  0.24040067932493334")
    expect(code).to_contain_text("Prediction accuracy: 0.725")
    wait_idle(page, WAIT_MS)
    page.screenshot(path=str(artifact_dir / "train-lesson.png"))
    console_errors.assert_none()


# The page's epoch counter and test accuracy, recorded in the page every time they change.
WATCH_JS = """
() => {
  const value = (label) => {
    const m = [...document.querySelectorAll('[data-testid=stMetric]')]
      .find(x => x.innerText.startsWith(label));
    return m ? m.querySelector('[data-testid=stMetricValue]').innerText : null;
  };
  window.__seen = [];
  new MutationObserver(() => {
    const epochs = value('Epochs'), accuracy = value('Test accuracy');
    const seen = window.__seen;
    if (epochs !== null && (!seen.length || seen[seen.length - 1][0] !== epochs))
      seen.push([epochs, accuracy]);
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def epochs_metric(page: Page):
    """The Epochs metric's value (not the lesson panel's "… after 900 epochs")."""
    label = page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(r"^Epochs$"))
    return page.locator(METRIC).filter(has=label).get_by_test_id("stMetricValue")


def epochs_shown(page: Page) -> int:
    return int(epochs_metric(page).inner_text().replace(",", ""))


def test_train_live_on_spirals_learns_before_your_eyes_and_pauses(
    page: Page,
    start_server: Callable[..., StreamlitServer],
    console_errors: ConsoleErrors,
    artifact_dir: Path,
):
    open_training(page, start_server(APP))
    # The page opens on a result: the lesson's run, trained, with no click.
    expect(epochs_metric(page)).to_have_text("900", timeout=WAIT_MS)
    expect(page.locator(f"{LOSS} .main-svg").first).to_be_visible(timeout=WAIT_MS)
    choose_preset(page, "Two spirals")
    expect(epochs_metric(page)).to_have_text("1,000", timeout=WAIT_MS)
    # Further than the preset goes, so that Pause has something to stop.
    epochs_box = page.locator(".st-key-train_epochs_g1 input")
    epochs_box.fill("8000")
    epochs_box.press("Enter")
    expect(page.get_by_text("Changed from this preset.")).to_be_visible(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS)
    page.evaluate(WATCH_JS)
    page.get_by_role("button", name="▶ Train live").click()

    # The counter rises, screenshot after screenshot, while training runs live.
    shown = []
    for i in range(3):
        floor = shown[-1] if shown else 0
        page.wait_for_function(
            """(floor) => { const s = window.__seen; if (!s.length) return false;
                const e = parseInt(s[s.length - 1][0].replace(/,/g, ''));
                return e > floor && e < 8000; }""",
            arg=floor,
            timeout=WAIT_MS,
        )
        shown.append(epochs_shown(page))
        page.screenshot(path=str(artifact_dir / f"train-live-{i + 1}.png"))
    assert shown == sorted(shown) and len(set(shown)) == 3, shown
    # It gets to 0.95 test accuracy live (how soon is the benchmark's business).
    page.wait_for_function(
        """() => window.__seen.some(([e, a]) => parseInt(e.replace(/,/g, '')) < 8000
                                           && a !== '—' && parseFloat(a) >= 0.95)""",
        timeout=WAIT_MS,
    )
    # Live, the decision boundary and every unit's picture are images, loaded and drawn:
    # 360 px square, and the 8 + 8 + 1 pictures in three columns.
    images = page.locator("[data-testid=stImage] img")
    expect(images).to_have_count(2, timeout=WAIT_MS)
    sizes = images.evaluate_all("els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    assert sizes == [[360, 360], [3 * 48 + 2 * 28, 8 * 48 + 7 * 8]], sizes

    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_role("button", name="▶ Train live")).to_be_visible(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS)
    # Paused, they are charts again, with hover: one heatmap per layer (the pictures of
    # its units stacked), each picture named: 8 + 8 + 1, under 3 titles.
    units = page.locator(".st-key-train_chart_units")
    expect(units.locator(".heatmaplayer image")).to_have_count(3, timeout=WAIT_MS)
    expect(units.locator(".textpoint")).to_have_count(3 + 17, timeout=WAIT_MS)
    expect(images).to_have_count(0)
    paused = epochs_shown(page)
    assert paused < 8000
    page.wait_for_timeout(1500)  # several live intervals: nothing more may train
    assert epochs_shown(page) == paused
    # Paused, the run is replayable again: the loss curves have their frames back.
    loss = page.locator(f"{LOSS} .js-plotly-plot")
    assert loss.evaluate("el => el._transitionData._frames.length") >= 2
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=str(artifact_dir / "train-live-paused.png"))
    console_errors.assert_none()


def test_clicking_an_edge_picks_its_weight_and_changing_it_redraws_the_output_picture(
    page: Page,
    start_server: Callable[..., StreamlitServer],
    console_errors: ConsoleErrors,
    artifact_dir: Path,
):
    open_training(page, start_server(APP))
    choose_preset(page, "XOR")
    expect(epochs_metric(page)).to_have_text("300", timeout=WAIT_MS)
    page.get_by_text("Change one weight by hand").click()
    weight = page.locator("[class*=st-key-train_edit_weight_] input")
    expect(weight).to_have_value("w(x₁ → a₁)", timeout=WAIT_MS)
    # Click the midpoint of the edge a₂ → ŷ₁ (the 2-4-1 network's tenth edge).
    network = page.locator(".st-key-train_chart_network .js-plotly-plot")
    x, y = network.evaluate(
        """el => { const t = el._fullData.find(d => d.name === 'weights');
            const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
            return [xa._offset + xa.l2p(t.x[9]), ya._offset + ya.l2p(t.y[9])]; }"""
    )
    box = network.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(weight).to_have_value("w(a₂ → ŷ₁)", timeout=WAIT_MS)
    wait_idle(page, WAIT_MS)
    units = page.locator(".st-key-train_chart_units .js-plotly-plot")
    hidden_z = "el => JSON.stringify(el._fullData[0].z)"
    output_z = "el => JSON.stringify(el._fullData[el._fullData.length - 2].z)"  # labels last
    before_out = units.evaluate(output_z)
    before_hidden = units.evaluate(hidden_z)
    value = page.locator("[class*=st-key-train_edit_value_9_] input")
    value.fill("6")
    value.press("Enter")
    expect(page.get_by_text("You set w(a₂ → ŷ₁)")).to_be_visible(timeout=WAIT_MS)
    wait_idle(page, WAIT_MS)
    units = page.locator(".st-key-train_chart_units .js-plotly-plot")
    assert units.evaluate(output_z) != before_out
    assert units.evaluate(hidden_z) == before_hidden  # upstream of the weight: unchanged
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=str(artifact_dir / "train-weight-changed.png"))
    console_errors.assert_none()


def test_a_three_class_preset_reaches_its_accuracy_and_draws_three_colours(
    page: Page,
    start_server: Callable[..., StreamlitServer],
    console_errors: ConsoleErrors,
    artifact_dir: Path,
):
    from backprop_viz.figures.boundary import CLASS_COLOURS, tint
    from backprop_viz.trainer import PRESETS

    preset = PRESETS["spirals3"]
    open_training(page, start_server(APP))
    choose_preset(page, preset.label)  # loading a preset trains it
    documented = f"{preset.min_test_accuracy:.3f}"
    value = metric_value(page, "Test accuracy")
    expect(value).to_have_text(re.compile(r"\d\.\d{3}"), timeout=WAIT_MS)
    assert float(value.inner_text()) >= float(documented)
    assert "test accuracy 1.000" in preset.note  # the note's figure is what the page shows
    expect(value).to_have_text("1.000")
    wait_idle(page, WAIT_MS)

    boundary = page.locator(f"{BOUNDARY} .js-plotly-plot")
    expect(page.locator(f"{BOUNDARY} .heatmaplayer image")).to_have_count(1)
    classes = boundary.evaluate(
        "el => Array.from(new Set([].concat(...el._fullData[0].z.map(r => Array.from(r)))))"
    )
    assert sorted(classes) == [0, 1, 2]  # every class holds part of the plane
    scale = boundary.evaluate("el => el._fullData[0].colorscale.map(s => s[1])")
    assert {c.upper() for c in scale} == {tint(c) for c in CLASS_COLOURS}
    # The points in the three classes' colours, drawn.
    fills = page.locator(f"{BOUNDARY} .scatterlayer .point").evaluate_all(
        "els => Array.from(new Set(els.map(e => getComputedStyle(e).fill)))"
    )

    def rgb(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgb({r}, {g}, {b})"

    assert {rgb(c) for c in CLASS_COLOURS} <= set(fills)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    shot = artifact_dir / "train-spirals3.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    console_errors.assert_none()
