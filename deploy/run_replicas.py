"""Run N backprop-viz replicas behind nginx on 127.0.0.1, and stop them all on exit.

    python -m deploy.run_replicas --replicas 3 --port 8080     # then open http://127.0.0.1:8080
    python -m deploy.run_replicas --print-config --replicas 2  # the nginx config, not run

Each replica is `streamlit run app.py` on its own local port; nginx (Debian's `nginx`
package) listens on `--port` with sticky sessions and WebSocket upgrade, using the config
rendered from `deploy/nginx.conf.template`. nginx runs unprivileged: its prefix, pid file,
logs and temp paths live in a temporary directory, and it stays in the foreground. Ctrl-C,
SIGTERM or the end of a `with Deployment(...)` block stops nginx and every replica.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "nginx")
# Passive health check: one refused connection takes a replica out for this long.
FAIL_TIMEOUT_S = 10


def find_nginx() -> str | None:
    """The nginx binary: $BACKPROP_VIZ_NGINX, else /usr/sbin/nginx, else `nginx` on PATH."""
    override = os.environ.get("BACKPROP_VIZ_NGINX")
    for candidate in (override,) if override else NGINX_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
        found = shutil.which(candidate)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def render_config(prefix: str | os.PathLike[str], listen_port: int, ports: Sequence[int]) -> str:
    """The nginx config for replicas on 127.0.0.1 `ports`, nginx listening on `listen_port`."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;" for p in ports
    )
    text = TEMPLATE.read_text()
    for marker, value in (
        ("@@PREFIX@@", str(prefix)),
        ("@@LISTEN@@", f"127.0.0.1:{listen_port}"),
        ("@@SERVERS@@", servers),
    ):
        text = text.replace(marker, value)
    return text


def streamlit_command(app: str | os.PathLike[str], port: int) -> list[str]:
    """`streamlit run` for one replica on 127.0.0.1:`port`."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait_s: float = 10) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=wait_s)


@dataclass
class Replica:
    """One `streamlit run` process on a local port."""

    index: int
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """As nginx names it in $upstream_addr (the X-Upstream header, the access log)."""
        return f"127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Deployment:
    """N replicas plus nginx on 127.0.0.1; a context manager that stops them all."""

    def __init__(
        self,
        replicas: int = 2,
        port: int = 0,
        app: str | os.PathLike[str] = REPO_ROOT / "app.py",
        workdir: str | os.PathLike[str] | None = None,
        startup_timeout_s: float = 60.0,
        first_replica_port: int = 0,
    ) -> None:
        if replicas < 1:
            raise ValueError("at least one replica")
        nginx = find_nginx()
        if nginx is None:
            raise FileNotFoundError("nginx not found (install Debian's 'nginx' package)")
        self.nginx = nginx
        self.app = Path(app)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout_s = startup_timeout_s
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="backprop-viz-deploy-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # nginx started as root runs its workers as `nobody`: they must be able to reach
            # their temp paths (nginx creates those owned by the worker user).
            self.workdir.chmod(0o711)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        self.config_path = self.workdir / "nginx.conf"
        # Replica ports: consecutive from `first_replica_port`, or free ones picked now.
        ports = [
            first_replica_port + i if first_replica_port else free_port() for i in range(replicas)
        ]
        self.replicas = [
            Replica(i, port, self.workdir / f"replica-{i}.log") for i, port in enumerate(ports)
        ]
        self.nginx_log = self.workdir / "nginx.log"
        self.access_log = self.workdir / "access.log"
        self._nginx: subprocess.Popen[bytes] | None = None
        # One secret for all replicas, so any cookie one signs the others accept.
        self._cookie_secret = secrets.token_hex(32)

    # --- starting -------------------------------------------------------------------------

    def write_config(self) -> Path:
        """Render the nginx config into the work directory and check it with `nginx -t`."""
        ports = [r.port for r in self.replicas]
        self.config_path.write_text(render_config(self.workdir, self.port, ports))
        check = subprocess.run(
            [self.nginx, "-t", "-q", "-p", str(self.workdir), "-c", str(self.config_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        return self.config_path

    def start(self) -> Deployment:
        """Start every replica and nginx; return when all answer `/_stcore/health`."""
        try:
            self.write_config()
            for replica in self.replicas:
                self.start_replica(replica)
            self._start_nginx()
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def start_replica(self, replica: Replica) -> None:
        """Start (or restart) one replica's process."""
        # MALLOC_ARENA_MAX=2: glibc keeps fewer per-thread heaps, so memory freed after a
        # class leaves goes back (benchmarks/bench_memory.py); it only works from the start.
        env = {
            "MALLOC_ARENA_MAX": "2",
            **os.environ,
            "STREAMLIT_SERVER_COOKIE_SECRET": self._cookie_secret,
        }
        with open(replica.log_path, "ab") as log:
            replica.process = subprocess.Popen(
                streamlit_command(self.app, replica.port),
                cwd=REPO_ROOT,  # .streamlit/config.toml applies
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _start_nginx(self) -> None:
        with open(self.nginx_log, "ab") as log:
            self._nginx = subprocess.Popen(
                [self.nginx, "-p", str(self.workdir), "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        pending = [r.url for r in self.replicas] + [self.url]
        while pending:
            for name, process in self._processes():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with code {process.returncode}; see {self.workdir}"
                    )
            with contextlib.suppress(OSError):
                if _get(pending[0] + "/_stcore/health") == (200, b"ok"):
                    pending.pop(0)
                    continue
            if time.monotonic() > deadline:
                raise RuntimeError(f"{pending[0]} not healthy; logs in {self.workdir}")
            time.sleep(0.1)

    def _processes(self) -> list[tuple[str, subprocess.Popen[bytes]]]:
        named = [(f"replica {r.index}", r.process) for r in self.replicas]
        named.append(("nginx", self._nginx))
        return [(name, p) for name, p in named if p is not None]

    # --- stopping -------------------------------------------------------------------------

    def kill_replica(self, index: int) -> None:
        """Kill one replica outright (SIGKILL), as a crash would."""
        process = self.replicas[index].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def stop(self) -> None:
        """Stop nginx (fast shutdown), then every replica (SIGTERM, SIGKILL after 10 s)."""
        if self._nginx is not None:
            _stop(self._nginx)
            self._nginx = None
        for replica in self.replicas:
            if replica.process is not None:
                _stop(replica.process)

    def cleanup(self) -> None:
        """Remove the work directory if this deployment made it."""
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument(
        "--replica-port",
        type=int,
        default=0,
        help="first replica's port, the others follow (default: free ports)",
    )
    parser.add_argument("--app", default=str(REPO_ROOT / "app.py"), help="the app's script")
    parser.add_argument("--workdir", help="nginx prefix and logs (default: a new temp dir)")
    parser.add_argument(
        "--print-config", action="store_true", help="print the nginx config and exit"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be between 1 and 64")
    if args.print_config:
        ports = [(args.replica_port or 8501) + i for i in range(args.replicas)]
        print(render_config(args.workdir or "/tmp/backprop-viz-nginx", args.port, ports))
        return 0
    try:
        deployment = Deployment(
            args.replicas, args.port, args.app, args.workdir, first_replica_port=args.replica_port
        )
    except FileNotFoundError as error:
        print(f"run_replicas: {error}", file=sys.stderr)
        return 2

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds into the `finally` below

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        deployment.start()
        ports = ", ".join(str(r.port) for r in deployment.replicas)
        print(f"backprop-viz on {deployment.url} ({args.replicas} replicas on ports {ports})")
        print(f"logs and nginx config in {deployment.workdir}; Ctrl-C stops everything")
        reported: set[str] = set()
        while True:
            # A dead replica is reported, not fatal: nginx sends its browsers elsewhere.
            for name, process in deployment._processes():
                if process.poll() is not None and name not in reported:
                    reported.add(name)
                    print(f"run_replicas: {name} exited ({process.returncode})", file=sys.stderr)
            if "nginx" in reported or len(reported) == len(deployment.replicas):
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"run_replicas: {error}", file=sys.stderr)
        return 1
    finally:
        deployment.stop()


if __name__ == "__main__":
    sys.exit(main())
