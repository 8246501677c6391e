"""Publishing a session of staged files against creating them one by one (issue 22).

A fresh ``make run`` site (the front server) is started; then, in turns,
``runs`` times each, into a fresh folder:

- **one by one**: ``files`` tus uploads with creation-with-upload (one POST
  each), every one of which becomes an item at once;
- **session**: one upload session, each file declared, sent
  (``http-post-bytes``) and completed, then one publish that makes all the
  items in one transaction. Reported apart: the staging and the publish.

The number to watch is the publish against the one-by-one creation: both
end with the same items in the folder, measured in the same run. Run alone::

    .venv/bin/python benchmarks/sessions.py --files 200 --runs 3
"""

from __future__ import annotations

from pathlib import Path
from slow_clients import basic_auth
from slow_clients import Site
from zope_instance import ADMIN

import argparse
import base64
import hashlib
import json
import os
import requests
import statistics
import sys
import tempfile
import time


FILES = 200
FILE_SIZE = 64 * 1024
RUNS = 3


def payload(index: int, size: int) -> bytes:
    return index.to_bytes(4, "big") + os.urandom(size - 4)


def http() -> requests.Session:
    session = requests.Session()
    session.auth = ADMIN
    session.headers["Accept"] = "application/json"
    return session


def new_folder(site: Site, client, name: str) -> str:
    response = client.post(
        site.url, json={"@type": "Folder", "id": name, "title": name}
    )
    response.raise_for_status()
    return f"{site.url}/{name}"


def one_by_one(folder: str, client, files: list[bytes]) -> float:
    """Seconds to create the items with one tus POST each."""
    started = time.perf_counter()
    for index, data in enumerate(files):
        name = base64.b64encode(f"f{index:04d}.bin".encode()).decode()
        response = client.post(
            f"{folder}/@tus-upload",
            data=data,
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(data)),
                "Upload-Metadata": f"filename {name}",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert response.status_code == 201, response.text
    return time.perf_counter() - started


def with_session(folder: str, client, files: list[bytes]) -> tuple[float, float]:
    """Seconds to stage the files, and to publish them."""
    started = time.perf_counter()
    session = client.post(f"{folder}/@upload-sessions", json={"name": "bench"}).json()
    for index, data in enumerate(files):
        declared = client.post(
            session["links"]["upload"],
            json={
                "filename": f"f{index:04d}.bin",
                "size": len(data),
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                "mechanism": "http-post-bytes",
            },
        )
        assert declared.status_code == 201, declared.text
        file_reply = declared.json()
        sent = client.post(
            file_reply["mechanism"]["file_url"],
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert sent.status_code == 200, sent.text
        completed = client.post(file_reply["links"]["complete"], json={})
        assert completed.status_code == 201, completed.text
    staged = time.perf_counter() - started
    started = time.perf_counter()
    published = client.post(session["links"]["publish"], json={})
    assert published.status_code == 201, published.text
    return staged, time.perf_counter() - started


def configure(site: Site, files: int) -> None:
    """No per-user limit of unfinished uploads; publish in the request."""
    response = requests.patch(
        f"{site.url}/@registry",
        json={
            "collective.tusupload.max_pending_uploads": 0,
            "collective.tusupload.publish_async_threshold": files + 1,
        },
        headers={"Accept": "application/json", "Authorization": basic_auth()},
        timeout=60,
    )
    assert response.status_code == 204, response.text


def measure(workdir: Path, *, files: int = FILES, runs: int = RUNS) -> dict:
    """Start a site, measure both ways ``runs`` times, stop it."""
    site = Site("front", workdir)
    site.directory.mkdir(parents=True, exist_ok=True)
    site.start()
    try:
        configure(site, files)
        client = http()
        records = []
        for run in range(runs):
            data = [payload(index, FILE_SIZE) for index in range(files)]
            single = one_by_one(new_folder(site, client, f"single-{run}"), client, data)
            staged, publish = with_session(
                new_folder(site, client, f"session-{run}"), client, data
            )
            records.append(
                {"one_by_one": single, "staging": staged, "publish": publish}
            )
            print(
                f"sessions run {run + 1}: {files} files one by one {single:.2f} s; "
                f"session: staging {staged:.2f} s, publish {publish:.2f} s",
                flush=True,
            )
    finally:
        site.stop()
    median = {
        key: statistics.median(record[key] for record in records)
        for key in ("one_by_one", "staging", "publish")
    }
    return {"files": files, "file_size": FILE_SIZE, "runs": records, "median": median}


def report(result: dict) -> str:
    """The report's section (Markdown)."""
    median = result["median"]
    files = result["files"]
    lines = [
        f"{files} files of {result['file_size'] // 1024} KiB into a fresh folder, "
        f"median of {len(result['runs'])} runs (the same site, taking turns):",
        "",
        "| way | seconds | per file (ms) | vs one by one |",
        "|---|---:|---:|---:|",
    ]
    base = median["one_by_one"]
    for label, key in (
        ("one by one (tus POST each, items at once)", "one_by_one"),
        ("session: staging (declare, POST bytes, complete)", "staging"),
        ("session: publish (all items, one transaction)", "publish"),
    ):
        value = median[key]
        lines.append(
            f"| {label} | {value:.2f} | {value * 1000 / files:.1f} | "
            f"{value / base:.2f}x |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=FILES)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--output", help="write the result as JSON here")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tusupload-sessions-") as workdir:
        result = measure(Path(workdir), files=options.files, runs=options.runs)
    print(report(result))
    if options.output:
        Path(options.output).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
