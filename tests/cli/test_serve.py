"""`okrlens run`: one person on this machine by default, the network only when asked loudly."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.serving import unused_port
from cli.main import server_command
from pipelines.access import AccessSpec
from pipelines.errors import OkrlensError
from pipelines.workspace import Workspace
from tests.cli.test_cli import okrlens

ROOT = Path(__file__).resolve().parents[2]
LOCAL = AccessSpec()
OIDC = AccessSpec(sign_in="oidc", users={"ana@example.com": "admin"})
PROXY = AccessSpec(
    sign_in="proxy",
    proxy_header="X-Forwarded-Email",
    proxy_groups_header="X-Forwarded-Groups",
    users={"ana@example.com": "admin"},
)


def flags(command: list[str]) -> dict[str, str]:
    """The --key=value settings of a streamlit command line."""
    return dict(a[2:].split("=", 1) for a in command if a.startswith("--") and "=" in a)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("server.address", "127.0.0.1"),
        ("server.enableXsrfProtection", "true"),
        ("server.enableCORS", "true"),
        ("server.maxUploadSize", "50"),
        ("client.showErrorDetails", "none"),
        ("browser.gatherUsageStats", "false"),
    ],
)
def test_the_server_starts_with_the_safe_settings(setting: str, value: str) -> None:
    assert flags(server_command([], expose=False, access=LOCAL))[setting] == value


@pytest.mark.parametrize(
    ("extra", "expose", "address"),
    [
        pytest.param(["--server.port", "8600"], False, "127.0.0.1", id="port-only"),
        pytest.param(["--server.address", "localhost"], False, "localhost", id="localhost"),
        pytest.param([], True, "0.0.0.0", id="expose"),
    ],
)
def test_where_the_server_listens(extra: list[str], expose: bool, address: str) -> None:
    command = server_command(extra, expose=expose, access=LOCAL)
    # Streamlit takes the last value of a repeated option: the user's extra options come last.
    given = [v for k, v in itertools.pairwise(command) if k == "--server.address"]
    set_ = [a.split("=", 1)[1] for a in command if a.startswith("--server.address=")]
    assert (given or set_)[-1] == address


@pytest.mark.parametrize(
    "extra",
    [["--server.address", "0.0.0.0"], ["--server.address=192.0.2.1"], ["--server.address", "::"]],
)
def test_listening_beyond_this_machine_needs_expose(extra: list[str]) -> None:
    with pytest.raises(OkrlensError, match="--expose"):
        server_command(extra, expose=False, access=LOCAL)


@pytest.mark.parametrize("access", [OIDC, PROXY], ids=["oidc", "proxy"])
def test_with_sign_in_configured_any_address_may_be_served(access: AccessSpec) -> None:
    command = server_command(["--server.address", "0.0.0.0"], expose=False, access=access)
    assert command[-2:] == ["--server.address", "0.0.0.0"]
    assert flags(command)["server.address"] == "127.0.0.1"  # the default stays this machine


@pytest.mark.parametrize(
    ("access", "headers"),
    [
        (LOCAL, None),
        (OIDC, None),
        (PROXY, {"X-Forwarded-Email": "email", "X-Forwarded-Groups": "groups"}),
    ],
    ids=["local", "oidc", "proxy"],
)
def test_only_a_configured_proxy_has_its_identity_headers_read(
    access: AccessSpec, headers: dict[str, str] | None
) -> None:
    read = flags(server_command([], expose=False, access=access)).get("server.trustedUserHeaders")
    assert (json.loads(read) if read else None) == headers


def test_the_command_refuses_a_network_address_in_one_paragraph(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    Workspace(tmp_path / "ws").init(example=True)
    code, _, err = okrlens(
        capsys, "--home", str(tmp_path / "ws"), "run", "--server.address", "0.0.0.0"
    )
    assert code == 2
    assert err.startswith("error: okrlens serves one person") and "Traceback" not in err


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on port (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc writes each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, width // 2, 4))
                found.add(
                    socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, words)
                )
    return found


def test_the_running_dashboard_answers_on_loopback_only(tmp_path: Path) -> None:
    Workspace(tmp_path / "ws").init(example=True)
    port = unused_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "cli", "--home", str(tmp_path / "ws"), "run"]
    command += ["--server.port", str(port), "--server.headless", "true"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:  # poll the health endpoint until the server is ready
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert listening_addresses(port) <= {"127.0.0.1", "::1"}
        assert listening_addresses(port)
        assert "Network URL" not in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)


# Runs dashboard.serve with Streamlit's own command replaced by a report of what was imported.
PRELOAD_PROBE = """
import runpy, sys
import streamlit.web.cli as streamlit_cli
heavy = ("pandas", "duckdb", "altair", "sqlglot", "pydantic")
streamlit_cli.main = lambda: print(sys.argv, [m for m in heavy if m in sys.modules])
sys.argv = ["serve", "run", "dashboard/app.py", "--server.port=8599"]
runpy.run_module("dashboard.serve", run_name="__main__")
"""


def test_the_server_imports_the_libraries_before_it_hands_over_to_streamlit() -> None:
    assert server_command([], expose=False, access=LOCAL)[1:5] == [
        "-m",
        "dashboard.serve",
        "run",
        str(ROOT / "dashboard" / "app.py"),
    ]
    out = subprocess.run(
        [sys.executable, "-c", PRELOAD_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == (
        "['streamlit', 'run', 'dashboard/app.py', '--server.port=8599'] "
        "['pandas', 'duckdb', 'altair', 'sqlglot', 'pydantic']"
    )
