"""The upload page in a real Chromium against tuspy, to the same Plone site.

Why a script of its own: the other benchmarks drive every server with one lean
client, so that they compare servers. This one keeps the server fixed and
compares clients: the editor's browser on ``@@upload-files`` (Uppy and
tus-js-client in Debian's Chromium, driven by Playwright) and tuspy, the
command-line client, sending the same file to the same folder of the same
site, in alternating rounds of one run. The ratio of the two is what counts:
on a shared machine absolute figures move with the load (the report gives the
load average), the ratio much less.

Besides the speed, it reports where the browser's time went: the requests it
made, how long the PATCH requests took, the time between requests, and the
CPU time Chromium and the server used. As Playwright watches every request
over the DevTools protocol, each upload is also made in a Chromium that
nothing watches while it uploads (``Unobserved``): the speed an editor's
browser has.

Run it from the checkout (``.venv`` with Plone and the add-on, Chromium at
``/usr/bin/chromium`` or ``$CHROMIUM``)::

    .venv/bin/python benchmarks/browser.py              # 256 MiB, 3 rounds
    .venv/bin/python benchmarks/browser.py --size 64 --rounds 1

It writes ``benchmarks/results/browser-<date>.md`` (and ``.json``).
The site (:mod:`browser_site`), the uploads (:mod:`browser_uploads`), the
Chromium nobody watches (:mod:`browser_chromium`), the sink
(:mod:`browser_sink`) and the report (:mod:`browser_report`) are modules
of their own.
"""

from __future__ import annotations

from bench import make_file
from browser_chromium import CHROMIUM
from browser_chromium import CHROMIUM_ARGS
from browser_chromium import chromium_pids
from browser_chromium import Unobserved
from browser_report import variant_name
from browser_report import write_report
from browser_sink import SinkServer
from browser_sink import UNOBSERVED
from browser_sink import upload_to_sink
from browser_site import Site
from browser_uploads import upload_to_sink_unobserved
from browser_uploads import upload_unobserved
from browser_uploads import upload_with_browser
from browser_uploads import upload_with_tuspy
from machine import load_average
from pathlib import Path

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile


MIB = 1024 * 1024


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="MiB (256)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument(
        "--chunk-size", type=int, default=8, help="the site's chunk size, MiB (8)"
    )
    parser.add_argument(
        "--tus-options",
        action="append",
        default=[],
        help="also run the page with these options of its Tus plugin (JSON), "
        "e.g. '{\"parallelUploads\": 1}'; may be repeated",
    )
    parser.add_argument("--out", default="", help="report path (.md)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = parse_options(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium package")
        return 2
    from playwright.sync_api import sync_playwright

    variants = [None] + [json.loads(text) for text in options.tus_options]
    workdir = Path(tempfile.mkdtemp(prefix="tusupload-browser-bench-"))
    site = Site(workdir, chunk_size=options.chunk_size)
    facts = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "load_before": load_average(),
    }
    runs = []
    sink = None
    try:
        site.start()
        sink = SinkServer()
        path = make_file(workdir, options.size * MIB)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            unobserved = None
            try:
                unobserved = Unobserved(workdir / "unobserved-profile")
                for index in range(1, options.rounds + 1):
                    result = upload_with_tuspy(site, path, options.chunk_size * MIB)
                    runs.append({**result, "round": index})
                    report_progress(index, result)
                    site.delete_items()
                    for variant in variants:
                        # Playwright first in odd rounds, unobserved first in
                        # even ones.
                        for alone in (index % 2 == 0, index % 2 == 1):
                            if alone:
                                result = upload_unobserved(
                                    site, unobserved, sink, path, tus_options=variant
                                )
                            else:
                                result = upload_with_browser(
                                    site, browser, path, tus_options=variant
                                )
                            result["client"] = variant_name(variant) + (
                                UNOBSERVED if alone else ""
                            )
                            runs.append({**result, "round": index})
                            report_progress(index, result)
                            site.delete_items()
                        if variant is None:
                            for alone in (index % 2 == 0, index % 2 == 1):
                                if alone:
                                    result = upload_to_sink_unobserved(
                                        sink, unobserved, path, result["settings"]
                                    )
                                else:
                                    result = upload_to_sink(
                                        chromium_pids,
                                        sink,
                                        browser,
                                        path,
                                        result["settings"],
                                    )
                                runs.append({**result, "round": index})
                                report_progress(index, result)
            finally:
                if unobserved is not None:
                    unobserved.close()
                browser.close()
    finally:
        if sink is not None:
            sink.stop()
        site.stop()
        facts["load_after"] = load_average()
        shutil.rmtree(workdir, ignore_errors=True)
    report = write_report(options, runs, facts)
    print(report.read_text())
    print(f"written to {report}")
    return 0


def report_progress(index: int, result: dict) -> None:
    print(
        f"round {index} {result['client']}: {result['mb_s']:.0f} MB/s "
        f"(load {load_average()})",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
