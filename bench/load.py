"""Load test of the real dashboard server, by websocket clients speaking the browser's protocol.

Starts `okrlens run`'s own server command (the same `streamlit run` flags) on 127.0.0.1 and a free
port, serving a copy of --home (a demo workspace built into a temporary folder when absent), then
runs the scenarios asked for, each bounded in sessions and time:

- `--sessions N --reruns R`: N concurrent sessions each open the overview, then rerun R times,
  cycling "change As of" (a widget change), "open the Key result page", "change As of", "open the
  overview", with a think time of about --think seconds between reruns. Reports p50/p95/max of the
  first load and of the reruns, runs per second and failed sessions.
- `--burst N --within S`: N sessions open at even intervals within S seconds; reports the time
  from a session's first request to its first script_finished (p50/p95/max) and failures.
- `--ingest-midway`: --sessions sessions browse as above; once half their runs are done,
  `okrlens ingest kpis` commits one MRR value, and every session's next rerun must show it.
- `--soak-minutes M`: --soak-sessions workers open, browse and close sessions back to back for
  M minutes while the server's RSS is sampled; reports RSS per minute, first vs last.

A session is what a browser tab does: GET /_stcore/health (which sets the XSRF cookie) and
/_stcore/host-config, open ws://…/_stcore/stream offering the subprotocols ["streamlit", <xsrf
cookie>] with the cookie and a same-origin Origin header, then send BackMsg.rerun_script
(ClientState: query string, page, widget states, the hashes of the messages it has cached) and
read ForwardMsgs until the run's script_finished. A rerun's time is from sending the BackMsg to
that script_finished. A session fails on an exception element, an error alert, a compile error,
"page not found", a missing page title, a closed socket or a run over RUN_CEILING seconds.

Prints a table and writes JSON to bench/results/load.json (or --json), the server's log beside
it. Exits 1 when a session failed or a session missed the ingested data. The README's figures:

    python bench/load.py --sessions 25 --reruns 8 --burst 40 --within 10 --ingest-midway \
        --soak-minutes 10

Why this module is long: the server harness, the protocol client and the four scenarios are one
tool, and a single script is what a reader runs and reads.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from streamlit.proto.AppPage_pb2 import AppPage
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

from bench import serving
from bench.serving import unused_port
from cli.main import server_command
from pipelines.service import Workspace, trust

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")

OVERVIEW, KEY_RESULT = "", "key-result"  # url paths; the default page lives at the root
TITLES = {OVERVIEW: "OKRs · ", KEY_RESULT: "Key result"}  # in the page's heading
KR = "company-q4-mrr"
# Both dates come after the ingested MRR value's week, so every page a session shows, at
# either date, carries it: the overview's "now" column and the Key result page's "current".
AS_OF = ("2026-11-23", "2026-11-30")
INGEST_CSV = 'date,metric,value\n2026-11-23,MRR,"$477,777.00"\n'
# How the value is drawn (value_text): a string in a delta's protobuf or an Arrow table's
# UTF-8 buffer, neither compressed, so it is found in the raw frame without decoding tables.
INGEST_MARK = b"$477,777"

STARTUP_SECONDS = 60
CONNECT_CEILING = 60.0  # seconds for the HTTP probes and the websocket handshake
RUN_CEILING = 300.0  # a run that takes longer counts as failed: the server hung
INGEST_CEILING = 300.0
SAMPLE_SECONDS = 5.0  # RSS sampling period in the soak
SOAK_THINK = 0.5  # mean seconds between a soak session's reruns: sessions come and go quickly


# The server ---------------------------------------------------------------------------------


@contextmanager
def running_server(home: Path, log_file: Path, options: list[str]) -> Iterator[tuple[str, int]]:
    """(base URL, pid) of `okrlens run`'s server command serving home, once it is healthy.

    options are extra Streamlit settings as KEY=VALUE, to measure what one changes.
    """
    port = unused_port()
    extra = [f"--server.port={port}", "--server.headless=true", "--server.fileWatcherType=none"]
    extra += [f"--{option}" for option in options]
    command = server_command(extra, expose=False, access=trust.access_settings(Workspace(home)))
    env = {**os.environ, "OKRLENS_HOME": str(home)}
    base_url = f"http://127.0.0.1:{port}"
    try:
        with serving.running_server(command, base_url, log_file, cwd=ROOT, env=env) as pid:
            yield base_url, pid
    except serving.ServerDidNotStart as exc:
        raise SystemExit(str(exc)) from None


def rss_mb(pid: int) -> float:
    """The resident set size of process pid, in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds process pid has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# The client -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One script run a session asked for, as the session saw it."""

    action: str
    started: float  # time.monotonic() when the BackMsg was sent
    seconds: float
    problems: list[str]
    marked: bool  # the ingested value was on the page


def xsrf_cookie(url: str) -> str | None:
    """The XSRF cookie that a GET of url sets, if any."""
    with urllib.request.urlopen(url, timeout=CONNECT_CEILING) as response:
        response.read()
        cookies: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        morsel = cookies.get("_streamlit_xsrf")
        return morsel.value if morsel else None


class Session:
    """One browser tab's conversation with the server over /_stcore/stream."""

    def __init__(self, base_url: str, ws: ClientConnection) -> None:
        self.base_url = base_url
        self.ws = ws
        self.page = OVERVIEW
        self.query = ""
        self.page_hashes: dict[str, str] = {}  # url path → page script hash
        self.as_of_widget = ""  # the "As of" date input's widget id on the current page
        # What a browser keeps: big messages by hash, so the server may send just the hash.
        self.cache: dict[str, bytes] = {}

    @classmethod
    async def open(cls, base_url: str) -> Session:
        """A connected session, after the probes a browser makes before its websocket."""
        async with asyncio.timeout(CONNECT_CEILING):
            xsrf = await asyncio.to_thread(xsrf_cookie, f"{base_url}/_stcore/health")
            await asyncio.to_thread(xsrf_cookie, f"{base_url}/_stcore/host-config")
            ws = await connect(
                f"ws{base_url.removeprefix('http')}/_stcore/stream",
                subprotocols=[
                    Subprotocol("streamlit"),
                    Subprotocol(xsrf or "PLACEHOLDER_AUTH_TOKEN"),
                ],
                origin=Origin(base_url),
                additional_headers={"Cookie": f"_streamlit_xsrf={xsrf}"} if xsrf else None,
                max_size=None,
            )
        return cls(base_url, ws)

    async def close(self) -> None:
        """Close the websocket, as closing the tab does."""
        await self.ws.close()

    async def visit(self, page: str, as_of: str) -> Run:
        """The run of opening page at as_of (for the Key result page, KR), as a link does."""
        query = f"as_of={as_of}" + (f"&kr={KR}" if page == KEY_RESULT else "")
        state = ClientState(query_string=query, page_name=page)
        if page in self.page_hashes:
            state.page_script_hash = self.page_hashes[page]
        self.page, self.query = page, query
        return await self.run(f"open {page_label(page)}", state)

    async def set_as_of(self, as_of: str) -> Run:
        """The run after the person picks as_of in the page's "As of" date input."""
        state = ClientState(
            query_string=self.query, page_script_hash=self.page_hashes.get(self.page, "")
        )
        widget = state.widget_states.widgets.add()
        widget.id = self.as_of_widget
        widget.string_array_value.data.append(as_of)
        return await self.run(f"as_of {page_label(self.page)}", state)

    async def run(self, action: str, state: ClientState) -> Run:
        """Send state as a rerun request and read the stream until that run has finished."""
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = f"{self.base_url}/{self.page}?{state.query_string}"
        state.cached_message_hashes.extend(self.cache)
        request = BackMsg()
        request.rerun_script.CopyFrom(state)
        problems: list[str] = []
        marked, run_id = False, None
        titles: set[str] = set()
        started = time.monotonic()
        await self.ws.send(request.SerializeToString())
        async with asyncio.timeout(RUN_CEILING):
            while True:
                frame = await self.ws.recv(decode=False)
                msg = ForwardMsg.FromString(frame)
                if msg.WhichOneof("type") == "ref_hash":
                    frame = self.cache[msg.ref_hash]
                    msg = ForwardMsg.FromString(frame)
                elif msg.metadata.cacheable:
                    self.cache[msg.hash] = frame
                marked = marked or INGEST_MARK in frame
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    run_id = msg.metadata.run.script_run_id
                    self.as_of_widget = ""
                    titles.clear()
                    self.learn_pages(msg.new_session.app_pages)
                elif kind == "navigation":
                    self.learn_pages(msg.navigation.app_pages)
                elif kind == "page_info_changed":
                    self.query = msg.page_info_changed.query_string
                elif kind == "delta":
                    problems += self.read_delta(msg, titles)
                elif kind == "page_not_found":
                    problems.append("page not found")
                elif kind == "session_event" and msg.session_event.HasField(
                    "script_compilation_exception"
                ):
                    problems.append("script compilation exception")
                elif kind == "script_finished" and run_id == msg.metadata.run.script_run_id:
                    if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        problems.append("finished with a compile error")
                        break
                    if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                        break
        seconds = time.monotonic() - started
        if not any(TITLES[self.page] in title for title in titles):
            problems.append(f"no title {TITLES[self.page]!r}")
        if not problems and not self.as_of_widget:
            problems.append("no As of date input")
        return Run(action, started, seconds, problems, marked)

    def learn_pages(self, pages: Iterable[AppPage]) -> None:
        """Remember each page's script hash by its url path (the default page's is "")."""
        for page in pages:
            self.page_hashes[OVERVIEW if page.is_default else page.url_pathname] = (
                page.page_script_hash
            )

    def read_delta(self, msg: ForwardMsg, titles: set[str]) -> list[str]:
        """The problems a delta shows; notes the titles and the As of widget it draws."""
        if msg.delta.WhichOneof("type") != "new_element":
            return []
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            return [f"exception {element.exception.type}: {element.exception.message}"]
        if kind == "alert" and element.alert.format == element.alert.ERROR:
            return [f"error: {element.alert.body}"]
        if kind == "heading":
            titles.add(element.heading.body)
        elif kind == "date_input" and element.date_input.label == "As of":
            self.as_of_widget = element.date_input.id
        return []


def page_label(page: str) -> str:
    """A page's name in reports."""
    return page or "overview"


# Sessions and scenarios -----------------------------------------------------------------------


@dataclass
class SessionLog:
    """Everything one session did, and why it failed if it did."""

    runs: list[Run] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> bool:
        """True when a run showed a problem or the session broke off."""
        return bool(self.error) or any(run.problems for run in self.runs)


def next_action(session: Session, step: int) -> Callable[[], Awaitable[Run]]:
    """The step-th thing a browsing person does after opening the overview."""
    as_of = AS_OF[(step // 2 + 1) % 2]
    if step % 2 == 0:
        return lambda: session.set_as_of(as_of)
    return lambda: session.visit(KEY_RESULT if session.page == OVERVIEW else OVERVIEW, as_of)


async def browse(
    base_url: str,
    log: SessionLog,
    reruns: int,
    think: Callable[[], float],
    after: asyncio.Event | None = None,
) -> None:
    """Open the overview, rerun reruns times, close; with after, rerun once more after it is set.

    Every run goes into log as it finishes, so a scenario can watch sessions progress.
    """
    session = None
    try:
        session = await Session.open(base_url)
        log.runs.append(await session.visit(OVERVIEW, AS_OF[0]))
        for step in range(reruns):
            await asyncio.sleep(think())  # the person reads the page
            log.runs.append(await next_action(session, step)())
        if after is not None:
            async with asyncio.timeout(RUN_CEILING):
                await after.wait()
            await asyncio.sleep(think())
            log.runs.append(await next_action(session, reruns)())
    except Exception as exc:  # any way a session breaks off is a failed session
        log.error = f"{type(exc).__name__}: {exc}"
    finally:
        if session is not None:
            await session.close()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of values by nearest rank (NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timings(values: list[float]) -> dict[str, float | int]:
    """Count, p50, p95 and max of values (seconds), rounded to milliseconds."""
    return {
        "n": len(values),
        "p50_s": round(percentile(values, 0.50), 3),
        "p95_s": round(percentile(values, 0.95), 3),
        "max_s": round(max(values, default=math.nan), 3),
    }


def failures(logs: list[SessionLog]) -> list[str]:
    """One line per failed session: its error or its runs' problems."""
    return [
        f"session {i}: {log.error or '; '.join(p for run in log.runs for p in run.problems)}"
        for i, log in enumerate(logs)
        if log.failed
    ]


def thinker(rng: random.Random, mean: float) -> Callable[[], float]:
    """Think times drawn uniformly from [mean/2, 3·mean/2]."""
    return lambda: rng.uniform(mean / 2, 3 * mean / 2)


@contextmanager
def cpu_meter(pid: int, out: dict[str, Any]) -> Iterator[None]:
    """Record in out the wall time, the server's and this client's CPU use and the load average."""
    wall, server, client = time.monotonic(), cpu_seconds(pid), time.process_time()
    out["load_average_before"] = load_average()
    yield
    wall = time.monotonic() - wall
    out["wall_s"] = round(wall, 1)
    out["server_cpu_cores"] = round((cpu_seconds(pid) - server) / wall, 2)
    out["client_cpu_cores"] = round((time.process_time() - client) / wall, 2)
    out["load_average_after"] = load_average()


async def warm_up(base_url: str) -> dict[str, Any]:
    """The cold first visit of each page and date, which fills the server's caches."""
    log = SessionLog()
    await browse(base_url, log, reruns=3, think=lambda: 0.0)
    return {"runs": {r.action: round(r.seconds, 3) for r in log.runs}, "failures": failures([log])}


async def steady(
    base_url: str, pid: int, sessions: int, reruns: int, think: Callable[[], float]
) -> dict[str, Any]:
    """N sessions browsing at once: first loads, reruns, throughput and failures."""
    logs = [SessionLog() for _ in range(sessions)]
    out: dict[str, Any] = {"sessions": sessions, "reruns_per_session": reruns}
    with cpu_meter(pid, out):
        await asyncio.gather(*(browse(base_url, log, reruns, think) for log in logs))
    runs = [run for log in logs for run in log.runs]
    out["first_load"] = timings([log.runs[0].seconds for log in logs if log.runs])
    out["rerun"] = timings([run.seconds for log in logs for run in log.runs[1:]])
    by_action: dict[str, list[float]] = {}
    for run in runs:
        by_action.setdefault(run.action, []).append(run.seconds)
    out["by_action"] = {action: timings(values) for action, values in sorted(by_action.items())}
    out["runs_per_s"] = round(len(runs) / out["wall_s"], 2)
    out["failed_sessions"] = sum(log.failed for log in logs)
    out["failures"] = failures(logs)
    return out


async def burst(base_url: str, pid: int, sessions: int, within: float) -> dict[str, Any]:
    """Sessions opened at even intervals within `within` seconds: time to their first page."""
    logs = [SessionLog() for _ in range(sessions)]
    starts: list[float] = []
    holding = asyncio.Event()  # sessions stay connected until every one has loaded

    async def one(i: int, log: SessionLog, t0: float) -> float:
        """Seconds from this session's first request to its first script_finished."""
        await asyncio.sleep(max(0.0, t0 + i * within / sessions - time.monotonic()))
        start = time.monotonic()
        starts.append(start - t0)
        session = None
        try:
            session = await Session.open(base_url)
            log.runs.append(await session.visit(OVERVIEW, AS_OF[0]))
            async with asyncio.timeout(RUN_CEILING):
                await holding.wait()
        except Exception as exc:
            log.error = f"{type(exc).__name__}: {exc}"
        finally:
            if session is not None:
                await session.close()
        return (log.runs[0].started + log.runs[0].seconds - start) if log.runs else math.nan

    out: dict[str, Any] = {"sessions": sessions, "within_s": within}
    with cpu_meter(pid, out):
        t0 = time.monotonic()
        tasks = [asyncio.create_task(one(i, log, t0)) for i, log in enumerate(logs)]
        while any(not log.runs and not log.error for log in logs):
            await asyncio.sleep(0.05)  # watching sessions progress, not waiting for the server
        out["all_loaded_after_s"] = round(time.monotonic() - t0, 2)
        holding.set()
        opened = await asyncio.gather(*tasks)
    out["last_opened_at_s"] = round(max(starts), 2)
    out["time_to_first_page"] = timings([s for s in opened if not math.isnan(s)])
    out["failed_sessions"] = sum(log.failed for log in logs)
    out["failures"] = failures(logs)
    return out


async def ingest_midway(
    base_url: str, pid: int, home: Path, sessions: int, reruns: int, think: Callable[[], float]
) -> dict[str, Any]:
    """Sessions browsing while an ingest commits: does each one's next rerun show the new data?"""
    csv = home.parent / "midway_kpis.csv"
    csv.write_text(INGEST_CSV)
    logs = [SessionLog() for _ in range(sessions)]
    committed = asyncio.Event()
    out: dict[str, Any] = {"sessions": sessions, "reruns_per_session": reruns + 1}
    with cpu_meter(pid, out):
        tasks = [
            asyncio.create_task(browse(base_url, log, reruns, think, after=committed))
            for log in logs
        ]
        half = sessions * (reruns + 1) // 2
        while sum(len(log.runs) for log in logs) < half and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)  # watching sessions progress, not waiting for the server
        ingest_started = time.monotonic()
        command = [sys.executable, "-m", "cli", "--home", str(home), "ingest", "kpis", str(csv)]
        proc = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        stdout, _ = await asyncio.wait_for(proc.communicate(), INGEST_CEILING)
        commit_at = time.monotonic()
        committed.set()
        await asyncio.gather(*tasks)
    out["ingest"] = {
        "returncode": proc.returncode,
        "output": stdout.decode(errors="replace").strip(),
        "seconds": round(commit_at - ingest_started, 2),
        "runs_done_before": sum(
            r.started + r.seconds < ingest_started for g in logs for r in g.runs
        ),
    }
    before = [r for log in logs for r in log.runs if r.started + r.seconds < ingest_started]
    after = [[r for r in log.runs if r.started > commit_at] for log in logs]
    out["marked_before_ingest"] = sum(r.marked for r in before)
    out["sessions_seeing_new_data_next_rerun"] = sum(bool(a) and a[0].marked for a in after)
    out["post_ingest_runs_without_new_data"] = sum(not r.marked for a in after for r in a)
    out["next_rerun_after_ingest"] = timings([a[0].seconds for a in after if a])
    out["rerun"] = timings([r.seconds for log in logs for r in log.runs[1:]])
    out["failed_sessions"] = sum(log.failed for log in logs)
    out["failures"] = failures(logs)
    return out


async def soak(
    base_url: str, pid: int, minutes: float, workers: int, think: Callable[[], float]
) -> dict[str, Any]:
    """Sessions opened, browsed and closed back to back for minutes; the server's RSS meanwhile."""
    deadline = time.monotonic() + minutes * 60
    t0 = time.monotonic()
    samples: list[tuple[float, float]] = []
    logs: list[SessionLog] = []

    async def sample() -> None:
        """Sample the server's RSS every SAMPLE_SECONDS until the deadline."""
        while time.monotonic() < deadline:
            samples.append((time.monotonic() - t0, rss_mb(pid)))
            await asyncio.sleep(SAMPLE_SECONDS)
        samples.append((time.monotonic() - t0, rss_mb(pid)))

    async def worker() -> None:
        """Open, browse (three reruns) and close sessions until the deadline."""
        while time.monotonic() < deadline:
            logs.append(SessionLog())
            await browse(base_url, logs[-1], reruns=3, think=think)

    out: dict[str, Any] = {"minutes": minutes, "concurrent_sessions": workers}
    with cpu_meter(pid, out):
        await asyncio.gather(sample(), *(worker() for _ in range(workers)))
    per_minute: dict[int, list[float]] = {}
    for at, mb in samples:
        per_minute.setdefault(min(int(at // 60), math.ceil(minutes) - 1), []).append(mb)
    means = [round(sum(v) / len(v), 1) for _, v in sorted(per_minute.items())]
    out["rss_mb_per_minute"] = means
    out["rss_mb_first_minute"] = {"mean": means[0], "max": round(max(per_minute[0]), 1)}
    last = per_minute[max(per_minute)]
    out["rss_mb_last_minute"] = {"mean": means[-1], "max": round(max(last), 1)}
    out["rss_mb_peak"] = round(max(mb for _, mb in samples), 1)
    out["sessions_opened"] = len(logs)
    out["rerun"] = timings([r.seconds for log in logs for r in log.runs[1:]])
    out["failed_sessions"] = sum(log.failed for log in logs)
    out["failures"] = failures(logs)[:20]
    return out


# The command ----------------------------------------------------------------------------------


def bounded(low: float, high: float, kind: type = int) -> Callable[[str], Any]:
    """An argparse type: a number of kind in [low, high]."""

    def parse(text: str) -> Any:
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not in [{low}, {high}]")
        return value

    return parse


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line, every count and duration bounded."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--home", type=Path, help="workspace to serve (a copy); default: a demo")
    parser.add_argument("--sessions", type=bounded(0, 100), default=0, help="concurrent sessions")
    parser.add_argument("--reruns", type=bounded(1, 50), default=8, help="reruns per session")
    parser.add_argument("--think", type=bounded(0, 30, float), default=3.0, help="mean seconds")
    parser.add_argument("--burst", type=bounded(0, 200), default=0, help="sessions in the burst")
    parser.add_argument("--within", type=bounded(0, 120, float), default=10.0, help="seconds")
    parser.add_argument("--ingest-midway", action="store_true", help="ingest while browsing")
    parser.add_argument("--soak-minutes", type=bounded(0, 30, float), default=0.0)
    parser.add_argument("--soak-sessions", type=bounded(1, 50), default=10)
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra Streamlit setting for the server, e.g. runner.postScriptGC=false",
    )
    parser.add_argument("--seed", type=int, default=1, help="for the think times")
    parser.add_argument("--json", type=Path, default=RESULTS / "load.json", help="results file")
    args = parser.parse_args(argv)
    if args.ingest_midway and not args.sessions:
        parser.error("--ingest-midway browses with --sessions sessions; give --sessions")
    return args


async def scenarios(
    args: argparse.Namespace, base_url: str, pid: int, home: Path
) -> dict[str, Any]:
    """The results of each scenario asked for, in order, on one server."""
    think = thinker(random.Random(args.seed), args.think)
    report: dict[str, Any] = {"warm_up": await warm_up(base_url)}
    if args.sessions:
        report["steady"] = await steady(base_url, pid, args.sessions, args.reruns, think)
    if args.burst:
        report["burst"] = await burst(base_url, pid, args.burst, args.within)
    if args.ingest_midway:
        report["ingest_midway"] = await ingest_midway(
            base_url, pid, home, args.sessions, args.reruns, think
        )
    if args.soak_minutes:
        report["soak"] = await soak(
            base_url,
            pid,
            args.soak_minutes,
            args.soak_sessions,
            thinker(random.Random(2), SOAK_THINK),
        )
    return report


def print_table(report: dict[str, Any]) -> None:
    """The figures that matter, one line each."""
    lines = [f"warm-up (cold first visit): {report['warm_up']['runs']}"]
    if "steady" in report:
        s = report["steady"]
        lines += [
            f"steady {s['sessions']} sessions × {s['reruns_per_session']} reruns: "
            f"rerun p50 {s['rerun']['p50_s']} s, p95 {s['rerun']['p95_s']} s, "
            f"max {s['rerun']['max_s']} s; first load p95 {s['first_load']['p95_s']} s; "
            f"{s['runs_per_s']} runs/s; failed sessions {s['failed_sessions']}",
            *(
                f"    {action:22} n {t['n']:4}  p50 {t['p50_s']:6} s  p95 {t['p95_s']:6} s"
                for action, t in s["by_action"].items()
            ),
        ]
    if "burst" in report:
        b = report["burst"]
        t = b["time_to_first_page"]
        lines.append(
            f"burst {b['sessions']} sessions opened within {b['last_opened_at_s']} s: first page "
            f"p50 {t['p50_s']} s, p95 {t['p95_s']} s, max {t['max_s']} s; all loaded after "
            f"{b['all_loaded_after_s']} s; failed sessions {b['failed_sessions']}"
        )
    if "ingest_midway" in report:
        m = report["ingest_midway"]
        lines.append(
            f"ingest midway ({m['ingest']['seconds']} s, rc {m['ingest']['returncode']}): "
            f"{m['sessions_seeing_new_data_next_rerun']}/{m['sessions']} sessions saw the new "
            f"data on their next rerun (p95 {m['next_rerun_after_ingest']['p95_s']} s); "
            f"marked before ingest {m['marked_before_ingest']}; failed sessions "
            f"{m['failed_sessions']}"
        )
    if "soak" in report:
        k = report["soak"]
        lines.append(
            f"soak {k['minutes']} min, {k['sessions_opened']} sessions: RSS first minute "
            f"{k['rss_mb_first_minute']['mean']} MB, last minute {k['rss_mb_last_minute']['mean']}"
            f" MB, peak {k['rss_mb_peak']} MB, per minute {k['rss_mb_per_minute']}; "
            f"rerun p95 {k['rerun']['p95_s']} s; failed sessions {k['failed_sessions']}"
        )
    for name, part in report.items():
        if not isinstance(part, dict):
            continue
        if "server_cpu_cores" in part:
            lines.append(
                f"{name}: server {part['server_cpu_cores']} cores, client "
                f"{part['client_cpu_cores']} cores, load {part['load_average_before']} → "
                f"{part['load_average_after']}"
            )
        lines += [f"  FAILED {line}" for line in part.get("failures", [])]
    print("\n".join(lines))


def passed(report: dict[str, Any]) -> bool:
    """True when no session failed and every session saw the ingested data."""
    parts = [p for p in report.values() if isinstance(p, dict)]
    if any(p.get("failures") for p in parts):
        return False
    midway = report.get("ingest_midway")
    return midway is None or (
        midway["ingest"]["returncode"] == 0
        and midway["sessions_seeing_new_data_next_rerun"] == midway["sessions"]
        and midway["marked_before_ingest"] == 0
        and midway["post_ingest_runs_without_new_data"] == 0
    )


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios asked for; 0 when every session passed."""
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="okrlens-load-") as tmp:
        home = Path(tmp) / "home"
        # A copy: the ingest and the sessions' sign-in records change the workspace.
        if args.home:
            shutil.copytree(args.home, home)
        else:
            subprocess.run(
                [sys.executable, "-m", "cli", "--home", str(home), "demo"], cwd=ROOT, check=True
            )
        args.json.parent.mkdir(parents=True, exist_ok=True)
        log_file = args.json.with_name(f"{args.json.stem}-server.log")
        with running_server(home, log_file, args.server_option) as (base_url, pid):
            report = {
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "cpus": os.cpu_count(),
                "arguments": {k: str(v) for k, v in vars(args).items()},
                **asyncio.run(scenarios(args, base_url, pid, home)),
            }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"results: {args.json}")
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
