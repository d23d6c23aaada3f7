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
