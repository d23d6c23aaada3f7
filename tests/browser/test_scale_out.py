"""Past one process, in a real browser: two replicas behind nginx (deploy/run_replicas.py).

Sessions opened through nginx work, stay on the replica their cookie picks, and when that
replica dies they come back on the other one with the page rebuilt from its address.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from backprop_viz.core.config import parse_config
from backprop_viz.explain.notation import fmt
from backprop_viz.ui.step.address import from_query
from backprop_viz.ui.step.edits import encode_link, preset_config
from deploy.run_replicas import Deployment, find_nginx
from tools.browser import wait_idle

METRIC = '[data-testid="stMetricValue"]'
Y_HAT = '[data-testid="stMetric"]:has-text("Output ŷ") [data-testid="stMetricValue"]'
COOKIE = "bpv_route"


@pytest.fixture
def deployment(artifact_dir: Path) -> Iterator[Deployment]:
    if find_nginx() is None:
        reason = "nginx is not installed (Debian's 'nginx' package)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: .ci/run installs it, so CI without it is broken")
        pytest.skip(reason)
    running = Deployment(replicas=2)
    try:
        yield running.start()
    finally:
        running.stop()
        # The logs of both replicas and nginx, for whoever reads a failure.
        for name in ("access.log", "error.log", "nginx.log", "replica-0.log", "replica-1.log"):
            source = running.workdir / name
            if source.exists():
                shutil.copy(source, artifact_dir / f"scale-out-{name}")
        running.cleanup()


def y_hat_of(cfg: dict) -> str:
    """ŷ as the page shows it, computed by the core from the configuration."""
    trace = parse_config(cfg).step()
    return ", ".join(fmt(v) for v in np.ravel(trace.output[0]))


def config_of(url: str) -> dict:
    """The configuration the page's address describes."""
    found = from_query(parse_qs(urlsplit(url).query))
    assert found is not None, url
    return found[0]


def upstream(context: BrowserContext, base_url: str) -> str:
    """The replica nginx sends this browser's requests to (its cookie goes along)."""
    response = context.request.get(base_url + "/_stcore/health")
    assert response.ok and response.text() == "ok"
    return response.headers["x-upstream"]


def one_browser_per_replica(browser: Browser, d: Deployment) -> dict[str, BrowserContext]:
    """New browsers (contexts) until each replica has one. The cookie nginx sets on the
    first request picks the replica, at random: 2 replicas, so a few tries suffice."""
    found: dict[str, BrowserContext] = {}
    wanted = {r.address for r in d.replicas}
    try:
        for _ in range(40):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            found.setdefault(upstream(context, d.url), context)
            assert [c["name"] for c in context.cookies()].count(COOKIE) == 1
            if context not in found.values():
                context.close()
            if set(found) == wanted:
                return found
    except BaseException:
        for context in found.values():
            context.close()
        raise
    raise AssertionError(f"40 new browsers all landed on {set(found)}")


def nudge_x1(page: Page) -> None:
    """One step right on the x₁ slider: the address changes and ŷ moves to what the core
    computes for the new address (the session's state and the address agree)."""
    before, address = page.locator(Y_HAT).inner_text(), page.url
    page.get_by_role("slider", name="Input x₁").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: url != address, timeout=20_000)
    expect(page.locator(Y_HAT)).to_have_text(y_hat_of(config_of(page.url)), timeout=20_000)
    assert page.locator(Y_HAT).inner_text() != before
    wait_idle(page)


def served_streams(log: str, route: str) -> list[str]:
    """The upstreams nginx tried for each WebSocket of one browser, in order of closing."""
    return re.findall(rf'"GET /_stcore/stream [^"]*" 101 route={route} upstream=(.+?) rt=', log)


def test_sessions_stick_to_their_replica_and_survive_its_death(
    browser: Browser, deployment: Deployment, artifact_dir: Path
):
    d = deployment
    contexts = one_browser_per_replica(browser, d)
    doomed, survivor = (r.address for r in d.replicas)
    opened: dict[str, list[str]] = {doomed: [], survivor: []}
    closed: dict[str, list[str]] = {doomed: [], survivor: []}
    routes = {
        where: next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
        for where, context in contexts.items()
    }
    pages: dict[str, Page] = {}
    configs: dict[str, dict] = {}
    try:
        # Two different networks, one per replica, opened from a `?config=` link.
        for where, inputs in ((doomed, [0.3, 0.2, -0.1]), (survivor, [-0.4, 0.6, 0.25])):
            cfg = preset_config("lesson-step")
            cfg["inputs"] = inputs
            # Large weights, so one slider step moves ŷ in its fourth digit.
            cfg["weights"] = [[[5.0, -6.0], [1.0, -2.0], [1.0, 7.0]], [[3.0], [-3.0]]]
            page = contexts[where].new_page()

            def on_socket(ws: WebSocket, where: str = where) -> None:
                opened[where].append(ws.url)
                ws.on("close", lambda ws: closed[where].append(ws.url))

            page.on("websocket", on_socket)
            # Both at once: each replica's first run (imports, caches) overlaps the other's.
            page.goto(f"{d.url}/?config={encode_link(cfg)}", wait_until="commit")
            pages[where] = page
            configs[where] = cfg
        for where, page in pages.items():
            wait_idle(page, 90_000)
            expect(page.locator(Y_HAT)).to_have_text(y_hat_of(configs[where]))

        # Each works: a slider moves ŷ.
        for page in pages.values():
            nudge_x1(page)

        # Each stays on its replica: every request its cookie made went there.
        for where, context in contexts.items():
            assert {upstream(context, d.url) for _ in range(5)} == {where}
        log = d.access_log.read_text()
        for where, route in routes.items():
            served = re.findall(rf"route={route} upstream=(\S+)", log)
            assert len(served) >= 5 and set(served) == {where}, (where, served)

        # The first replica dies. Its page reconnects by itself, through nginx, to the other
        # replica, whose new session rebuilds the page from the address the page sends.
        shown = {where: page.locator(METRIC).all_inner_texts() for where, page in pages.items()}
        d.kill_replica(0)
        page = pages[doomed]
        page.wait_for_timeout(100)
        for _ in range(300):
            if len(opened[doomed]) >= 2:
                break
            page.wait_for_timeout(100)
        # Every WebSocket it opened is closed but the newest (a slow retry may add one).
        assert len(closed[doomed]) == len(opened[doomed]) - 1 >= 1, (opened, closed)
        wait_idle(page)
        expect(page.locator(METRIC)).to_have_text(shown[doomed])
        assert upstream(contexts[doomed], d.url) == survivor
        nudge_x1(page)  # the state is really there, not just the old picture
        # Reloading the address gives the same page again.
        again = page.locator(METRIC).all_inner_texts()
        page.reload(wait_until="domcontentloaded")
        wait_idle(page)
        expect(page.locator(METRIC)).to_have_text(again)
        page.screenshot(path=str(artifact_dir / "scale-out-after-failover.png"))

        # The other session never noticed: same WebSocket, same numbers, still working.
        other = pages[survivor]
        assert closed[survivor] == [] and len(opened[survivor]) == 1
        expect(other.locator(METRIC)).to_have_text(shown[survivor])
        nudge_x1(other)
        assert upstream(contexts[survivor], d.url) == survivor
    finally:
        for context in contexts.values():
            context.close()

    # nginx logs a WebSocket when it closes: the doomed browser's first one ran on the
    # replica that died, every later one on the survivor; the other's only on the survivor.
    for _ in range(100):  # the closed pages' last WebSockets reach the log
        log = d.access_log.read_text()
        if served_streams(log, routes[survivor]):
            break
        time.sleep(0.1)
    first, *later = served_streams(log, routes[doomed])
    assert first == doomed and later and all(s.endswith(survivor) for s in later), log
    assert served_streams(log, routes[survivor]) == [survivor], log
