"""Do pages answer while people upload over slow links? (``make bench``, issue 19)

For each server choice of ``make run`` (the front server, waitress,
gunicorn) a fresh Plone site is started, then, at the same time:

- ``uploads`` tus uploads into the site, each sending its PATCH body at
  ``rate`` bytes a second (256 KiB/s: a 2 Mbit/s home uplink);
- ``slowloris`` connections that send a request head one byte a second
  (and open again when the server closes them);
- one client that GETs the site's front page again and again, each with a
  10 s timeout, and notes how long each took.

Reported per server: pages answered, their median, p95 and longest time,
timeouts, and the growth of the server's memory (RSS of its processes)
from before the load to its peak. Run alone::

    .venv/bin/python benchmarks/slow_clients.py --uploads 16 --slowloris 32
"""

from __future__ import annotations

from pathlib import Path

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ADMIN = ("admin", "admin")
KIB = 1024
SERVERS = ("front", "waitress", "gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def basic_auth() -> str:
    return "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode()


class Site:
    """``make run``'s site on one server choice, in a temporary directory."""

    def __init__(self, server: str, workdir: Path, threads: int = 4) -> None:
        self.server = server
        self.directory = workdir / f"site-{server}"
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}/Plone"
        self.threads = threads
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> None:
        env = dict(
            os.environ,
            HOST=HOST,
            PORT=str(self.port),
            SERVER=self.server,
            THREADS=str(self.threads),
            INSTANCE_DIR=str(self.directory / "instance"),
            VAR_DIR=str(self.directory / "var"),
            ADMIN_USER=ADMIN[0],
            ADMIN_PASSWORD=ADMIN[1],
        )
        self.log = open(self.directory.parent / f"{self.server}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.server}: make run ended early")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"{self.server}: the site did not answer in time")

    def allow_many_uploads(self) -> None:
        """Lift the per-user limit of unfinished uploads (50 by default)."""
        request = urllib.request.Request(  # noqa: S310
            self.url + "/@registry",
            method="PATCH",
            data=json.dumps({"collective.tusupload.max_pending_uploads": 0}).encode(),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "Authorization": basic_auth(),
            },
        )
        with urllib.request.urlopen(request, timeout=60):  # noqa: S310
            pass

    def rss(self) -> int:
        """Resident memory of the server's processes, in bytes."""
        assert self.process is not None
        total = 0
        for pid in process_tree(self.process.pid):
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * KIB
            except OSError:
                continue
        return total

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def process_tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        current = pids[index]
        index += 1
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pids += [int(child) for child in children.read().split()]
        except OSError:
            continue
    return pids


# -- the load ---------------------------------------------------------------------


async def create_upload(site: Site, length: int) -> str:
    """POST a tus upload into the site (in a thread: a short request)."""

    def post() -> str:
        request = urllib.request.Request(  # noqa: S310
            site.url + "/@tus-upload",
            method="POST",
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(length),
                "Upload-Metadata": "filename " + base64.b64encode(b"slow.bin").decode(),
                "Authorization": basic_auth(),
            },
        )
        with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310
            return reply.headers["Location"]

    return await asyncio.to_thread(post)


async def slow_upload(
    site: Site, rate: int, length: int, stop: asyncio.Event, locations: list
) -> None:
    """One tus upload sending its PATCH body at ``rate`` bytes a second."""
    try:
        location = await create_upload(site, length)
    except OSError:
        return
    locations.append(location)
    path = "/" + location.split("/", 3)[3]
    head = (
        f"PATCH {path} HTTP/1.1\r\nHost: {HOST}:{site.port}\r\n"
        f"Authorization: {basic_auth()}\r\nTus-Resumable: 1.0.0\r\n"
        "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    piece = b"u" * (rate // 16)
    try:
        reader, writer = await asyncio.open_connection(HOST, site.port)
        writer.write(head)
        sent = 0
        while not stop.is_set() and sent < length:
            writer.write(piece)
            await writer.drain()
            sent += len(piece)
            await asyncio.sleep(1 / 16)
        writer.close()
    except OSError:
        return


async def slowloris(site: Site, stop: asyncio.Event) -> None:
    """A request head sent a byte a second; opened again when closed."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(HOST, site.port)
            writer.write(f"GET /Plone HTTP/1.1\r\nHost: {HOST}\r\n".encode())
            while not stop.is_set():
                writer.write(b"X")
                await writer.drain()
                await asyncio.sleep(1)
                if reader.at_eof():
                    break
            writer.close()
        except OSError:
            await asyncio.sleep(0.5)


def page_times(site: Site, duration: float, results: dict) -> None:
    """GET the front page for ``duration`` seconds; note each time (None: timeout)."""
    times: list[float | None] = []
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(site.url, timeout=10) as reply:  # noqa: S310
                reply.read()
            times.append(time.monotonic() - started)
        except (urllib.error.URLError, OSError):
            times.append(None)
        time.sleep(0.2)
    results["times"] = times


async def load(
    site: Site, *, uploads: int, loris: int, rate: int, duration: float
) -> dict:
    stop = asyncio.Event()
    started = time.monotonic()
    length = int(rate * (duration + 180))
    locations: list[str] = []
    tasks = [
        asyncio.create_task(slow_upload(site, rate, length, stop, locations))
        for _ in range(uploads)
    ]
    tasks += [asyncio.create_task(slowloris(site, stop)) for _ in range(loris)]
    while len(locations) < uploads and time.monotonic() < started + 120:
        await asyncio.sleep(0.5)  # every upload created and sending
    await asyncio.sleep(2)
    results: dict = {}
    peak = site.rss()
    pages = threading.Thread(target=page_times, args=(site, duration, results))
    pages.start()
    while pages.is_alive():
        await asyncio.sleep(0.5)
        peak = max(peak, site.rss())
    stop.set()
    await asyncio.wait(tasks, timeout=15)
    results["peak_rss"] = peak
    results["stored"] = await asyncio.to_thread(stored_bytes, locations)
    results["created"] = len(locations)
    return results


def stored_bytes(locations: list[str]) -> int:
    """The sum of the uploads' offsets, as HEAD reports them."""
    total = 0
    for location in locations:
        request = urllib.request.Request(  # noqa: S310
            location,
            method="HEAD",
            headers={"Tus-Resumable": "1.0.0", "Authorization": basic_auth()},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
                total += int(reply.headers.get("Upload-Offset") or 0)
        except (urllib.error.URLError, OSError, ValueError):
            continue
    return total


def measure(server: str, workdir: Path, **load_options) -> dict:
    site = Site(server, workdir)
    site.start()
    try:
        site.allow_many_uploads()
        before = site.rss()
        results = asyncio.run(load(site, **load_options))
    finally:
        site.stop()
    answered = [value for value in results["times"] if value is not None]
    answered.sort()
    return {
        "server": server,
        "pages": len(answered),
        "timeouts": len(results["times"]) - len(answered),
        "median": statistics.median(answered) if answered else None,
        "p95": answered[int(0.95 * (len(answered) - 1))] if answered else None,
        "max": answered[-1] if answered else None,
        "rss_growth": results["peak_rss"] - before,
        "uploads_created": results["created"],
        "stored": results["stored"],
        **load_options,
    }


def report(rows: list[dict]) -> str:
    lines = [
        "| server | uploads at 256 KiB/s | slowloris | pages | timeouts "
        "| median s | p95 s | max s | RSS growth MiB | uploads stored MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def seconds(value):
        return "—" if value is None else f"{value:.3f}"

    for row in rows:
        lines.append(
            f"| {row['server']} | {row['uploads']} | {row['loris']} | {row['pages']} "
            f"| {row['timeouts']} | {seconds(row['median'])} | {seconds(row['p95'])} "
            f"| {seconds(row['max'])} | {row['rss_growth'] / (1 << 20):.0f} "
            f"| {row['stored'] / (1 << 20):.0f} ({row['uploads_created']} created) |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--uploads", type=int, default=16)
    parser.add_argument("--slowloris", type=int, default=32)
    parser.add_argument("--rate", type=int, default=256 * KIB)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--json", help="write the rows here too")
    options = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="tusupload-slow-") as workdir:
        for server in options.servers.split(","):
            print(
                f"{server}: {options.uploads} slow uploads,"
                f" {options.slowloris} slowloris",
                flush=True,
            )
            rows.append(
                measure(
                    server,
                    Path(workdir),
                    uploads=options.uploads,
                    loris=options.slowloris,
                    rate=options.rate,
                    duration=options.duration,
                )
            )
            print(report(rows[-1:]), flush=True)
    print(report(rows))
    if options.json:
        Path(options.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
