"""A real waitress serving the tus filter in a child process, for the client tests.

Run as a script it serves; imported, :class:`ServerProcess` starts, kills
(SIGKILL) and restarts that script on one loopback port and one directory.
"""

from __future__ import annotations

from helpers.network import free_port

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time


HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
SRC = os.path.join(os.path.dirname(TESTS), "src")


class ServerProcess:
    """The filter + example app under waitress in a subprocess.

    :param directory: base directory; uploads go to ``<directory>/uploads``,
        the app's summaries of finished uploads to ``<directory>/received``.
    :param throttle: seconds to sleep per 64 KiB of request body read by the
        app, so that a PATCH stays in flight long enough to be interrupted.
    :param environment: extra environment variables of the process (e.g.
        ``TUSUPLOAD_FAULT``).
    """

    def __init__(
        self,
        directory: str,
        *,
        port: int | None = None,
        throttle: float = 0.0,
        threads: int = 8,
        keep_finished: bool = False,
        extra_arguments: tuple[str, ...] = (),
        environment: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.upload_dir = os.path.join(directory, "uploads")
        self.received_dir = os.path.join(directory, "received")
        self.port = port or free_port()
        self.throttle = throttle
        self.threads = threads
        self.keep_finished = keep_finished
        self.extra_arguments = tuple(extra_arguments)
        #: Extra environment variables of the server process (changeable
        #: between restarts).
        self.environment = dict(environment or {})
        self.process: subprocess.Popen | None = None
        self.log_path = os.path.join(directory, "server.log")
        os.makedirs(directory, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/files"

    def start(self, timeout: float = 15.0) -> ServerProcess:
        env = {**os.environ, **self.environment}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [SRC, TESTS, env.get("PYTHONPATH")])
        )
        command = [
            sys.executable,
            "-m",
            "helpers.tus_server",
            "--directory",
            self.directory,
            "--port",
            str(self.port),
            "--throttle",
            str(self.throttle),
            "--threads",
            str(self.threads),
        ]
        if self.keep_finished:
            command.append("--keep-finished")
        command.extend(self.extra_arguments)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tus server exited early:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"tus server did not start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the server and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def restart(self) -> ServerProcess:
        self.kill()
        return self.start()

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log_file:
                return log_file.read()[-4000:]
        except FileNotFoundError:
            return ""

    def received(self, upload_id: str, timeout: float = 5.0) -> dict:
        """Return the app's summary of the finished upload ``upload_id``."""
        path = os.path.join(self.received_dir, upload_id + ".json")
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"upload {upload_id} was not handed on to the app:\n{self.log()}"
                )
            time.sleep(0.05)
        with open(path, encoding="utf-8") as summary_file:
            return json.load(summary_file)

    def app_calls(self, upload_id: str) -> int:
        """How often the app was handed the finished upload ``upload_id``."""
        try:
            with open(os.path.join(self.received_dir, "calls.log")) as calls:
                return sum(1 for line in calls if line.strip() == upload_id)
        except FileNotFoundError:
            return 0

    def data_path(self, upload_id: str) -> str:
        return os.path.join(self.upload_dir, upload_id + ".data")


class _SlowInput:
    """A ``wsgi.input`` that hands out at most 64 KiB per read, sleeping first."""

    block = 64 * 1024

    def __init__(self, stream, delay: float) -> None:
        self._stream = stream
        self._delay = delay

    def read(self, size: int = -1) -> bytes:
        time.sleep(self._delay)
        if size is None or size < 0 or size > self.block:
            size = self.block
        return self._stream.read(size)


def _throttled(app, delay: float):
    def middleware(environ, start_response):
        if environ.get("REQUEST_METHOD") in ("PATCH", "POST"):
            environ["wsgi.input"] = _SlowInput(environ["wsgi.input"], delay)
        return app(environ, start_response)

    return middleware


def _counting(app, calls_path: str):
    """Append the upload id of every finished upload the app is handed."""

    def middleware(environ, start_response):
        upload_id = environ.get("tus.upload_id")
        if upload_id:
            with open(calls_path, "a", encoding="utf-8") as calls:
                calls.write(upload_id + "\n")
        return app(environ, start_response)

    return middleware


def main(argv: list[str] | None = None) -> None:
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--directory", required=True)
    arguments.add_argument("--port", type=int, required=True)
    arguments.add_argument("--throttle", type=float, default=0.0)
    arguments.add_argument("--threads", type=int, default=8)
    arguments.add_argument("--keep-finished", action="store_true")
    arguments.add_argument("--max-size", type=int, default=None)
    arguments.add_argument("--max-append-size", type=int, default=None)
    options = arguments.parse_args(argv)

    from collective.tusupload.adapters.example import ExampleApp
    from collective.tusupload.adapters.wsgi import Filter

    import waitress

    received_dir = os.path.join(options.directory, "received")
    example = ExampleApp(received_dir=received_dir)
    app = Filter(
        _counting(example, os.path.join(received_dir, "calls.log")),
        tmp_file_dir=os.path.join(options.directory, "uploads"),
        upload_path="/files",
        keep_finished=options.keep_finished,
        max_size=options.max_size,
        handler_options={"max_append_size": options.max_append_size},
    )
    if options.throttle:
        app = _throttled(app, options.throttle)
    waitress.serve(
        app,
        host="127.0.0.1",
        port=options.port,
        threads=options.threads,
        channel_timeout=30,
    )


if __name__ == "__main__":
    main()
