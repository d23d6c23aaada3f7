"""Getting the lesson's data: fetch-data and the training page's button, against a local
HTTP server on 127.0.0.1 serving the real file (copied into a temporary folder), a CRLF
copy, a tampered copy, a 404, oversized, slow and non-CSV bodies. Nothing reaches outside
the machine."""

import contextlib
import csv
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backprop_viz.data.admissions import (
    ADMISSIONS_ENV,
    DATA_DIR_ENV,
    default_path,
    load_admissions,
)
from backprop_viz.data.fetch import (
    ADMISSIONS_SHA256,
    ADMISSIONS_URL,
    URL_ENV,
    admissions_url,
    fetch_admissions,
)
from backprop_viz.errors import DataError
from backprop_viz.limits import MAX_FETCH_BYTES
from tests.lesson_facts import ACCURACY, LESSON_CSV, needs_lesson_csv

pytestmark = needs_lesson_csv

ROOT = Path(__file__).resolve().parents[1]
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the files in `server.folder` by name, and a few misbehaving answers."""

    protocol_version = "HTTP/1.0"  # the connection closes after each answer

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/csv")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # the client may stop reading, as it should

    def do_GET(self):
        name = self.path.lstrip("/")
        folder: Path = self.server.folder
        if name == "huge-declared":  # says how large it is: refused before reading
            self._send(200, b"admit,gre,gpa,rank\n", length=MAX_FETCH_BYTES + 1)
        elif name == "huge-streamed":  # says nothing: refused while reading
            self.send_response(200)
            self.end_headers()
            row = b"0,380,3.61,3\n" * 1000
            try:
                for _ in range(MAX_FETCH_BYTES // len(row) + 20):
                    self.wfile.write(row)
                    self.server.sent += len(row)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif name == "slow":  # a byte every 0.05 s: never idle, never done
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"0")
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif name == "to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/binary.csv")
            self.end_headers()
        elif name == "to-real":
            self.send_response(302)
            self.send_header("Location", "/binary.csv")
            self.end_headers()
        elif (folder / name).is_file():
            body = (folder / name).read_bytes()
            self._send(200, body, length=len(body))
        else:
            self._send(404, b"not here", length=8)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A local server's base address, serving the real file and its variants."""
    for name in PROXY_VARIABLES:  # the requests go straight to 127.0.0.1
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "served"
    folder.mkdir()
    real = folder / "binary.csv"
    shutil.copyfile(LESSON_CSV, real)
    text = real.read_bytes()
    (folder / "crlf.csv").write_bytes(text.replace(b"\n", b"\r\n"))
    lines = text.decode().splitlines(keepends=True)
    row = lines[5].split(",")
    row[1] = str(int(row[1]) + 20)  # one gre changed
    (folder / "tampered.csv").write_text("".join([*lines[:5], ",".join(row), *lines[6:]]))
    (folder / "half.csv").write_text("".join(lines[:201]))
    (folder / "page.html").write_text(
        "<!doctype html>\n<html>\n<head><title>Moved</title></head>\n<body>\n"
        "<p>This page has moved.</p>\n</body>\n</html>\n"
    )
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.folder = folder
    server.sent = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()


def lesson_values(path: Path) -> np.ndarray:
    """The file's admit, gre, gpa, rank as float64, read with the csv module (not pandas)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r[c]) for c in ("admit", "gre", "gpa", "rank")] for r in rows])


def test_the_recorded_checksum_is_the_lessons_files(tmp_path):
    values = lesson_values(LESSON_CSV)
    assert values.shape == (400, 4)
    assert hashlib.sha256(values.astype("<f8").tobytes()).hexdigest() == ADMISSIONS_SHA256


@pytest.mark.parametrize("name", ["binary.csv", "crlf.csv", "to-real"])
def test_the_lessons_file_is_checked_and_saved(served, tmp_path, name):
    base, server = served
    target = tmp_path / "out" / "binary.csv"  # its folder does not exist yet
    result = fetch_admissions(f"{base}/{name}", target)
    assert result.rows == 400 and result.path == target.resolve()
    sent = (server.folder / ("binary.csv" if name == "to-real" else name)).read_bytes()
    assert target.read_bytes() == sent  # saved as downloaded
    assert result.size == len(sent)
    assert np.array_equal(lesson_values(target), lesson_values(LESSON_CSV))
    assert [p.name for p in target.parent.iterdir()] == ["binary.csv"]  # no temporary left
    src = load_admissions(target)
    assert not src.synthetic and len(src.frame) == 400


def saved_nothing(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("tampered.csv", "differ from the lesson's data (its checksum does not match)"),
        ("half.csv", "has 200 rows, not the lesson's 400"),
        ("missing.csv", "answered 404 (Not Found) instead of the admissions file"),
        ("huge-declared", f"larger than the {MAX_FETCH_BYTES // 1024} KB limit"),
        ("huge-streamed", "the download was stopped"),
        ("page.html", "has no column 'admit', 'gre', 'gpa', 'rank'"),
        ("image.png", "UTF-8"),
        ("to-ftp", "redirected the download to an address that is not http"),
    ],
)
def test_a_bad_answer_is_refused_and_nothing_is_saved(served, tmp_path, name, message):
    base, server = served
    target = tmp_path / "out" / "binary.csv"
    with pytest.raises(DataError) as err:
        fetch_admissions(f"{base}/{name}", target)
    text = str(err.value)
    assert message in text, text
    assert "\n" not in text and text.endswith(".")
    assert saved_nothing(target.parent)
    if name == "huge-streamed":  # it stopped reading soon after the limit
        assert server.sent < MAX_FETCH_BYTES + 20 * 13_000


def test_a_refused_download_leaves_the_file_there_untouched(served, tmp_path):
    base, _ = served
    target = tmp_path / "binary.csv"
    target.write_text("the file that was there\n")
    with pytest.raises(DataError, match="checksum"):
        fetch_admissions(f"{base}/tampered.csv", target)
    assert target.read_text() == "the file that was there\n"
    assert [p.name for p in tmp_path.iterdir() if p.name != "served"] == ["binary.csv"]


def test_a_download_that_takes_too_long_is_stopped(served, tmp_path):
    base, _ = served
    start = time.monotonic()
    with pytest.raises(DataError, match=r"took longer than 0\.5 seconds"):
        fetch_admissions(f"{base}/slow", tmp_path / "binary.csv", timeout=0.5)
    # Stopped while the body still trickles in (it lasts 10 s), not at its end.
    assert time.monotonic() - start < 5
    assert not (tmp_path / "binary.csv").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_nothing_answers_and_the_message_says_so(tmp_path, monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    port = free_port()  # closed again: nothing listens there
    with pytest.raises(DataError) as err:
        fetch_admissions(f"http://127.0.0.1:{port}/binary.csv", tmp_path / "binary.csv")
    assert str(err.value) == f"Could not reach 127.0.0.1:{port}: the connection was refused."
    assert saved_nothing(tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        f"file://{LESSON_CSV}",
        "ftp://127.0.0.1/binary.csv",
        "data:text/csv,admit",
        "javascript:alert(1)",
        "127.0.0.1/binary.csv",
        "http:///binary.csv",
    ],
)
def test_only_http_and_https_addresses_are_downloaded(tmp_path, url):
    with pytest.raises(DataError, match=r"http:// or https://|names no server"):
        fetch_admissions(url, tmp_path / "binary.csv")
    assert saved_nothing(tmp_path)


def test_a_target_that_cannot_be_written_is_refused(served, tmp_path):
    base, _ = served
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(DataError, match="Could not save the admissions file to"):
        fetch_admissions(f"{base}/binary.csv", tmp_path / "a-file" / "binary.csv")
    with pytest.raises(DataError, match="is a folder"):
        fetch_admissions(f"{base}/binary.csv", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "served"]


def test_the_address_and_the_folder_come_from_the_environment(served, tmp_path):
    base, _ = served
    assert admissions_url(env={}) == ADMISSIONS_URL
    assert ADMISSIONS_URL == "https://stats.oarc.ucla.edu/stat/data/binary.csv"
    assert admissions_url(env={URL_ENV: "  "}) == ADMISSIONS_URL
    assert admissions_url(env={URL_ENV: f"{base}/crlf.csv"}) == f"{base}/crlf.csv"
    assert admissions_url("http://given/", env={URL_ENV: "http://other/"}) == "http://given/"
    env = {URL_ENV: f"{base}/crlf.csv", DATA_DIR_ENV: str(tmp_path / "data")}
    assert default_path(env=env) == tmp_path / "data" / "binary.csv"
    assert default_path(tmp_path / "root", env=env) == tmp_path / "root" / "data" / "binary.csv"
    result = fetch_admissions(env=env)
    assert result.path == (tmp_path / "data" / "binary.csv").resolve()
    # ...which is where the loader then looks.
    assert load_admissions(env={DATA_DIR_ENV: str(tmp_path / "data")}).path == str(result.path)
    assert default_path(env={}) == ROOT / "data" / "binary.csv"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.pop(URL_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "backprop_viz", "fetch-data", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_saves_and_says_where(served, tmp_path):
    base, _ = served
    target = tmp_path / "saved" / "binary.csv"
    proc = run_cli("--url", f"{base}/crlf.csv", "--to", str(target))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        f"Saved the lesson's admissions data (400 rows, checked) to {target.resolve()}"
    )
    assert np.array_equal(lesson_values(target), lesson_values(LESSON_CSV))
    # The saved file is the lesson's: train reproduces its accuracy from it.
    train = subprocess.run(
        [sys.executable, "-m", "backprop_viz", "train", "--data", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert train.stdout.splitlines()[-1] == f"Prediction accuracy: {ACCURACY:.3f}"


def test_the_command_line_refuses_with_one_line_and_exit_2(served, tmp_path):
    base, _ = served
    target = tmp_path / "saved" / "binary.csv"
    proc = run_cli("--url", f"{base}/tampered.csv", "--to", str(target))
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop-viz: error: "), proc.stderr
    assert "checksum does not match" in lines[0]
    assert saved_nothing(target.parent)


# --- the training page's button --------------------------------------------------------

SCRIPT = "from backprop_viz.ui.train.page import render_train_view\nrender_train_view()"


def page(monkeypatch, tmp_path, url: str) -> AppTest:
    monkeypatch.delenv(ADMISSIONS_ENV, raising=False)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception
    assert "Synthetic data" in at.warning[0].value
    return at


def test_the_button_gets_the_data_and_the_lesson_shows_its_accuracy(served, monkeypatch, tmp_path):
    base, _ = served
    at = page(monkeypatch, tmp_path, f"{base}/crlf.csv")
    assert [m.value for m in at.metric if m.label == "Test accuracy"] != ["0.725"]
    at.button(key="train_fetch_data").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = tmp_path / "data" / "binary.csv"
    assert np.array_equal(lesson_values(saved), lesson_values(LESSON_CSV))
    assert "400 rows, checked" in at.success[0].value
    assert not at.warning  # no longer synthetic
    assert any(f"Admissions data from {saved}" in c.value for c in at.caption)
    assert [m.value for m in at.metric if m.label == "Test accuracy"] == ["0.725"]
    at.run()  # the next rerun keeps the real data and its result
    assert not at.warning and not at.success
    # The button has done its work: the file is there, so it is no longer offered.
    assert not [b for b in at.button if b.key == "train_fetch_data"]
    assert [m.value for m in at.metric if m.label == "Test accuracy"] == ["0.725"]


def test_the_button_refuses_a_tampered_file_with_a_message(served, monkeypatch, tmp_path):
    base, _ = served
    at = page(monkeypatch, tmp_path, f"{base}/tampered.csv")
    before = [m.value for m in at.metric if m.label == "Test accuracy"]
    at.button(key="train_fetch_data").click().run()
    assert not at.exception
    assert "checksum does not match" in at.error[0].value
    assert not (tmp_path / "data").exists()
    assert "Synthetic data" in at.warning[0].value
    assert [m.value for m in at.metric if m.label == "Test accuracy"] == before
    assert [b for b in at.button if b.key == "train_fetch_data"]  # still offered


def test_no_button_when_the_data_is_there(monkeypatch, tmp_path):
    monkeypatch.setenv(ADMISSIONS_ENV, str(LESSON_CSV))
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "train_fetch_data"]
