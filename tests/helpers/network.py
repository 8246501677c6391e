"""Ports and servers on the loopback interface."""

from __future__ import annotations

import socket
import time


HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process, timeout: float = 60) -> None:
    """Wait until something listens on ``port``; fail if ``process`` exits first.

    :param process: the :class:`subprocess.Popen` that is to listen there.
    """
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.2)
