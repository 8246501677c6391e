"""Processes of the benchmarks: ports, servers, memory and CPU.

Shared by every benchmark script: servers start in their own process group
on a free loopback port and stop with their children; RSS and CPU time are
read from ``/proc`` for a process and all its descendants (gunicorn's
worker, Chromium's renderers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import http.client
import os
import signal
import socket
import subprocess
import threading
import time


HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port that was free on the loopback interface a moment ago."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_ready(port: int, path: str, process, timeout: float = 180) -> None:
    """Wait until ``GET path`` gets any HTTP answer, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready after {timeout}s")


class Server:
    """One server process in its own process group, logging to a file."""

    def __init__(self, name, command, *, env=None, cwd=None, log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM to the group, then SIGKILL if it does not end in 10 s."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        self.log.close()


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    pids, index = [pid], 0
    while index < len(pids):
        current = pids[index]
        index += 1
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pids.extend(int(child) for child in children.read().split())
        except OSError:
            pass
    return pids


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def cpu_seconds(*pids: int) -> float:
    """utime + stime of the processes and all their descendants, each once."""
    members = {member for pid in pids for member in process_tree(pid)}
    ticks = 0
    for member in members:
        try:
            with open(f"/proc/{member}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ticks / CLOCK_TICKS


class Sampler:
    """Sample a server's RSS every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.baseline = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.baseline = self.peak = rss_bytes(self.pid)
        self.cpu_start = cpu_seconds(self.pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))
        self.cpu = cpu_seconds(self.pid) - self.cpu_start

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def settle(
    pids: Callable[[], list[int]], *, quiet: float = 0.05, period: float = 0.5
) -> float:
    """Wait until processes are idle (at most 15 s); return the seconds waited.

    Idle: the processes ``pids()`` names used less than ``quiet`` CPU
    seconds in ``period``.
    """
    started = time.monotonic()
    before = cpu_seconds(*pids())
    while time.monotonic() - started < 15:
        time.sleep(period)
        now = cpu_seconds(*pids())
        if now - before < quiet:
            break
        before = now
    return time.monotonic() - started
