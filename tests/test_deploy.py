"""The deployment files, checked: the Dockerfile's user, health check and command, the
nginx config that deploy/run_replicas.py generates (`nginx -t`), and the runner stopping
everything it started on a signal. (No container engine runs here: the image is not built.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from deploy.run_replicas import Deployment, find_nginx, free_port, render_config, streamlit_command

ROOT = Path(__file__).resolve().parents[1]
RUNNER = [sys.executable, "-m", "deploy.run_replicas"]
needs_nginx = pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) CMD or HEALTHCHECK CMD."""
    words = json.loads(args)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), args
    return words


def test_dockerfile_runs_as_a_user_it_creates_not_root():
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for word, args in steps if word == "USER"]
    assert users, "no USER: the app would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(args for word, args in steps if word == "RUN")
    assert re.search(rf"useradd\b.*\b{re.escape(user)}\b", created), "USER is never created"
    # The user is switched to before the command runs, after every install step.
    order = [word for word, _ in steps]
    assert order.index("USER") > max(i for i, w in enumerate(order) if w == "RUN")
    assert any("pip install -r requirements.txt -e ." in args for word, args in steps)


def test_dockerfile_command_is_the_headless_app_on_8501():
    steps = dict(dockerfile())
    assert steps["EXPOSE"] == "8501"
    command = exec_form(steps["CMD"])
    assert command[:3] == ["streamlit", "run", "app.py"]
    flags = dict(zip(command[3::2], command[4::2], strict=True))
    # The same flags the replicas get, but listening on every interface of the container.
    wanted = streamlit_command("app.py", 8501)[5:]
    expected = dict(zip(wanted[::2], wanted[1::2], strict=True))
    expected["--server.address"] = "0.0.0.0"
    assert flags == expected


class _Health(BaseHTTPRequestHandler):
    body = b"ok"

    def do_GET(self) -> None:
        code = 200 if self.path == "/_stcore/health" else 404
        self.send_response(code)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_health_check_passes_on_ok_and_fails_otherwise(health_server):
    (args,) = [args for word, args in dockerfile() if word == "HEALTHCHECK"]
    options, _, command = args.partition("CMD ")
    assert "--interval" in options and "--timeout" in options
    words = exec_form(command)
    assert "/_stcore/health" in words[-1] and "127.0.0.1:8501" in words[-1]
    port = health_server.server_address[1]

    def check(port: int) -> int:
        # The image's command, run by this Python against a stand-in server.
        here = [sys.executable, *words[1:-1], words[-1].replace(":8501", f":{port}")]
        return subprocess.run(here, capture_output=True, timeout=30, check=False).returncode

    assert words[0] == "python"
    assert check(port) == 0
    _Health.body = b"starting"
    try:
        assert check(port) != 0
    finally:
        _Health.body = b"ok"
    assert check(free_port()) != 0  # nothing listening


def test_dockerignore_keeps_the_app_and_leaves_out_the_rest():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "test-output", "data/*.csv"} <= ignored
    for needed in ("app.py", "backprop_viz", ".streamlit", "requirements.txt", "pyproject.toml"):
        assert not any(needed == pattern or needed.startswith(pattern + "/") for pattern in ignored)


def test_the_nginx_config_is_sticky_by_cookie_with_websockets():
    text = render_config("/tmp/prefix", 8080, [8501, 8502, 8503])
    assert not re.search(r"@@[A-Z]+@@", text)
    assert re.search(r"hash \$bpv_route consistent;", text)
    assert "ip_hash" not in re.sub(r"#.*", "", text)  # one NAT address = one replica
    servers = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=\d+ fail_timeout=\d+s;", text)
    assert servers == ["8501", "8502", "8503"]
    assert "Set-Cookie $bpv_set_cookie" in text
    stream = text[text.index("location = /_stcore/stream") :]
    for line in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
    ):
        assert line in stream
    # The app's own upload limit must speak before nginx refuses a body.
    upload_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"][
        "maxUploadSize"
    ]
    (body_mb,) = re.findall(r"client_max_body_size (\d+)m;", text)
    assert int(body_mb) > upload_mb


@needs_nginx
def test_nginx_accepts_the_generated_config(tmp_path: Path):
    deployment = Deployment(replicas=3, workdir=tmp_path)
    deployment.write_config()  # runs `nginx -t` itself and raises on failure
    nginx = find_nginx()
    assert nginx is not None
    check = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(deployment.config_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0 and "test is successful" in check.stderr, check.stderr
    broken = tmp_path / "broken.conf"
    broken.write_text(deployment.config_path.read_text().replace("consistent;", "consistent"))
    check = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode != 0  # `nginx -t` does catch a broken config


def test_ci_installs_nginx_before_the_test_command():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    install = [i for i, line in enumerate(lines) if "apt-get install -y nginx" in line]
    tests = [i for i, line in enumerate(lines) if "python -m pytest" in line]
    assert install and tests and install[0] < tests[0]
    assert lines[install[0]].startswith("command -v nginx >/dev/null ||")  # idempotent


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat's fields after the command name (state, ppid, ...)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return f.read().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(entry.name)[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError):
                pass  # gone meanwhile
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


@needs_nginx
def test_the_runner_stops_nginx_and_every_replica_on_sigterm(tmp_path: Path):
    port = free_port()
    runner = subprocess.Popen(
        [*RUNNER, "--replicas", "2", "--port", str(port), "--workdir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert runner.stdout is not None
        banner = runner.stdout.readline()  # printed once everything answers its health check
        assert banner.startswith(f"backprop-viz on http://127.0.0.1:{port}"), banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as r:
            assert r.read() == b"ok"
        children = _children(runner.pid)
        nginx_pid = int((tmp_path / "nginx.pid").read_text())
        assert len(children) == 3 and nginx_pid in children
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while any(_pid_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_pid_alive(pid) for pid in children), shlex.join(map(str, children))
        assert not (tmp_path / "nginx.pid").exists()  # nginx removed it on its way out
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


class _Replica(BaseHTTPRequestHandler):
    """A stand-in replica: answers every GET with its own port and records the headers."""

    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Replica.seen.append({k.lower(): v for k, v in self.headers.items()})
        body = str(self.server.server_address[1]).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def nginx_on_stand_ins(tmp_path: Path) -> Iterator[tuple[Deployment, list[ThreadingHTTPServer]]]:
    """nginx from the generated config in front of two stand-in replicas."""
    stand_ins = [ThreadingHTTPServer(("127.0.0.1", 0), _Replica) for _ in range(2)]
    for server in stand_ins:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    deployment = Deployment(replicas=2, workdir=tmp_path)
    for replica, server in zip(deployment.replicas, stand_ins, strict=True):
        replica.port = server.server_address[1]
    deployment.write_config()
    deployment._start_nginx()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(deployment.url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield deployment, stand_ins
    finally:
        deployment.stop()
        for server in stand_ins:
            server.shutdown()
            server.server_close()


def _get(url: str, cookie: str | None = None, **headers: str) -> tuple[str, str, str | None]:
    """(body, X-Upstream, the bpv_route cookie set) for one GET through nginx."""
    request = urllib.request.Request(url, headers=headers)
    if cookie is not None:
        request.add_header("Cookie", f"bpv_route={cookie}")
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read().decode()
        upstream = response.headers["X-Upstream"]
        set_cookie = response.headers.get("Set-Cookie")
    route = re.match(r"bpv_route=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax$", set_cookie or "")
    assert set_cookie is None or route, set_cookie
    return body, upstream, route.group(1) if route else None


@needs_nginx
def test_nginx_sticks_a_browser_to_one_replica_by_the_cookie_it_sets(nginx_on_stand_ins):
    d, stand_ins = nginx_on_stand_ins
    ports = {str(s.server_address[1]) for s in stand_ins}
    body, upstream, cookie = _get(d.url)
    assert cookie is not None and body in ports and upstream.endswith(":" + body)
    # With its cookie, a browser gets no new one and always the same replica.
    answers = {_get(d.url + "/any/path", cookie)[:2] for _ in range(10)}
    assert answers == {(body, upstream)}
    # Browsers spread over the replicas (40 cookies all on one: chance 2⁻³⁹).
    spread = {_get(d.url, f"{i:032x}")[0] for i in range(40)}
    assert spread == ports
    # A cookie that is not nginx's own is replaced.
    assert _get(d.url, "not-a-route")[2] is not None
    assert _get(d.url, cookie.upper())[2] is not None


@needs_nginx
def test_nginx_upgrades_the_stream_and_keeps_other_requests_plain(nginx_on_stand_ins):
    d, _ = nginx_on_stand_ins
    _Replica.seen.clear()
    _get(d.url + "/_stcore/stream", "0" * 32, Upgrade="websocket", Connection="Upgrade")
    _get(d.url + "/_stcore/health", "0" * 32)
    stream, plain = _Replica.seen
    assert stream["upgrade"] == "websocket" and stream["connection"] == "upgrade"
    assert "upgrade" not in plain and plain.get("connection", "") != "upgrade"
    assert stream["host"] == plain["host"] == f"127.0.0.1:{d.port}"  # the port kept


@needs_nginx
def test_nginx_moves_a_browser_whose_replica_is_gone(nginx_on_stand_ins):
    d, stand_ins = nginx_on_stand_ins
    body, _, cookie = _get(d.url)
    (gone,) = [s for s in stand_ins if str(s.server_address[1]) == body]
    (other,) = [s for s in stand_ins if s is not gone]
    gone.shutdown()
    gone.server_close()
    # The first request after the death is retried on the other replica; later ones go
    # there directly (max_fails=1 took the dead one out).
    for _ in range(3):
        assert _get(d.url, cookie)[0] == str(other.server_address[1])
