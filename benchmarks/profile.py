"""Profile one contender's server with py-spy while the bench client uploads.

Usage: ``.venv/bin/python benchmarks/profile.py [--contender plone-waitress]
[--size 256] [--chunk 8] [--seconds 20] [--out DIR]``

Writes py-spy's collapsed stacks (``<out>/<contender>.folded``) and prints the
functions with the largest own and total share of the samples. Needs py-spy
(``uv pip install py-spy``) and permission to ptrace the server.
"""

from __future__ import annotations

from bench import make_file
from bench import MIB
from checkouts import THIS
from client import TusClient
from contenders import CONTENDERS
from contenders import make_contenders
from pathlib import Path

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading


#: Leaf frames of threads that wait for work (py-spy --idle shows them too).
IDLE_LEAVES = (
    "wait (threading.py",
    "select (",
    "poll (",
    "handler_thread (",
    "_worker (concurrent/futures/thread.py",
    "sleep (gunicorn/arbiter.py",
)


def summarise(folded: Path, top: int = 25) -> None:
    own, total, samples = collections.Counter(), collections.Counter(), 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        count = int(count)
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE_LEAVES):
            continue  # threads waiting for work, not for the disk
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    print(f"{samples} samples\n-- own time")
    for frame, count in own.most_common(top):
        print(f"{100 * count / samples:5.1f}%  {frame}")
    print("-- total time")
    for frame, count in total.most_common(top * 2):
        print(f"{100 * count / samples:5.1f}%  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--contender", default="plone-waitress", choices=list(CONTENDERS)
    )
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--chunk", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir())))
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tusupload-profile-"))
    (contender,), instances = make_contenders([options.contender], workdir)
    folded = Path(options.out) / f"{options.contender}.folded"
    try:
        contender.start()
        path = make_file(workdir, options.size * MIB)
        client = TusClient(contender.url, headers=contender.headers)
        contender.after_upload(client, client.upload(str(path), chunk_size=MIB * 8))
        stop = threading.Event()

        def upload_loop():
            while not stop.is_set():
                result = client.upload(str(path), chunk_size=options.chunk * MIB)
                print(f"  {result.throughput:.0f} MB/s", flush=True)
                contender.after_upload(client, result)

        thread = threading.Thread(target=upload_loop, daemon=True)
        thread.start()
        subprocess.run(
            [
                str(THIS.bin / "py-spy"),
                "record",
                "--pid",
                str(contender.pid),
                "--duration",
                str(options.seconds),
                "--rate",
                "200",
                "--format",
                "raw",
                "--idle",
                # gunicorn serves from a worker process, a child of the pid.
                "--subprocesses",
                "--output",
                str(folded),
            ],
            check=True,
        )
        stop.set()
        thread.join()
    finally:
        contender.stop()
        for instance in instances:
            instance.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    summarise(folded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
