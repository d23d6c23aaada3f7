"""The app's addresses, as a browser asks for them: `/`, `/step` and `/training` each run
their page with no "Page not found" dialog; an unknown path does get that dialog.

A browser opening `/PATH` sends PATH as the page name of its first run; the server answers
with the pages it knows (a `navigation` message naming the page it runs) and, for a name no
page has, a `page_not_found` message (the dialog "The page that you have requested does not
seem to exist"). This speaks that exchange over the websocket, as the frontend does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from tools.browser import REPO_ROOT, StreamlitServer, run_coroutine

APP = REPO_ROOT / "app.py"
_ENDED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_EARLY_FOR_RERUN,
}


@dataclass
class FirstRun:
    """What the server sent for a first visit to one path."""

    page_not_found: bool = False
    running_url_path: str | None = None  # the url path of the page the server ran
    pages: dict[str, tuple[str, bool]] = field(default_factory=dict)  # path -> title, hidden
    metrics: list[str] = field(default_factory=list)  # labels drawn
    exceptions: list[str] = field(default_factory=list)


async def _first_run(base_url: str, path: str, timeout_s: float = 60) -> FirstRun:
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    out = FirstRun()
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:  # type: ignore[list-item]
        msg = BackMsg()
        msg.rerun_script.page_name = path.strip("/")  # what the frontend sends for /PATH
        msg.rerun_script.page_script_hash = ""
        await ws.send(msg.SerializeToString())
        hashes: dict[str, str] = {}
        running = ""
        async with asyncio.timeout(timeout_s):
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await ws.recv())
                kind = fwd.WhichOneof("type")
                if kind == "page_not_found":
                    out.page_not_found = True
                elif kind == "navigation":
                    running = fwd.navigation.page_script_hash
                    for p in fwd.navigation.app_pages:
                        hashes[p.page_script_hash] = p.url_pathname
                        out.pages[p.url_pathname] = (p.page_name, p.is_hidden)
                elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    element = fwd.delta.new_element
                    if element.WhichOneof("type") == "metric":
                        out.metrics.append(element.metric.label)
                    elif element.WhichOneof("type") == "exception":
                        out.exceptions.append(element.exception.message)
                elif kind == "script_finished" and fwd.script_finished in _ENDED:
                    break
    out.running_url_path = hashes.get(running)
    return out


@pytest.fixture(scope="module")
def visit() -> Callable[[str], FirstRun]:
    with StreamlitServer(APP) as server:
        yield lambda path: run_coroutine(_first_run(server.url, path))


def test_the_root_runs_the_step_page(visit):
    run = visit("/")
    assert not run.page_not_found and not run.exceptions
    assert "Output ŷ" in run.metrics
    assert run.running_url_path == ""  # the default page, at the root


def test_training_is_a_real_route(visit):
    run = visit("/training")
    assert not run.page_not_found and not run.exceptions
    assert run.running_url_path == "training"
    assert "Output ŷ" not in run.metrics


def test_an_unknown_path_gets_streamlits_page_not_found(visit):
    # The oracle: the exchange above does see the dialog when a path has no page.
    run = visit("/no-such-page")
    assert run.page_not_found
    assert "Output ŷ" in run.metrics  # and the default page runs instead


def test_step_is_a_real_route(visit):
    run = visit("/step")
    assert not run.page_not_found, "/step shows Streamlit's 'Page not found' dialog"
    assert not run.exceptions
    assert "Output ŷ" in run.metrics
    assert run.running_url_path == "step"
    # The menu still shows the two pages, once each.
    shown = [title for title, hidden in run.pages.values() if not hidden]
    assert sorted(shown) == ["One step", "Training"]
