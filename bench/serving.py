"""Starting a real dashboard server and knowing when it is ready: for the load bench and tests."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 60


class ServerDidNotStart(RuntimeError):
    """The server exited, or never answered its health check in time; the message has its log."""


def unused_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def is_healthy(base_url: str) -> bool:
    """True when the server at base_url answers its health check."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=1) as response:
            return bool(response.read() == b"ok")
    except OSError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_server(
    command: list[str], base_url: str, log_file: Path, *, cwd: Path, env: dict[str, str]
) -> Iterator[int]:
    """The pid of a server started by command, yielded once base_url answers its health check.

    Its output goes to log_file, never to a pipe (a full pipe would block the server).
    ServerDidNotStart, with the log's tail, if it exits or is not healthy in STARTUP_SECONDS.
    """
    with log_file.open("w") as log:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not is_healthy(base_url):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(
                        f"the server at {base_url} did not start (exit code {server.poll()}); "
                        f"log {log_file}:\n{_tail(log_file)}"
                    )
                time.sleep(0.25)  # polling the health endpoint, not waiting for the UI
            yield server.pid
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
