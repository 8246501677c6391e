"""Volto: this add-on's upload dialog beside Volto's own, in Chromium.

Issue 23 asks, for 64 MiB, 256 MiB and 1 GiB: the JavaScript heap and the
renderer's memory during the upload, whether it succeeded and how long it
took, for both dialogs on the same site in the same run; and the throughput
of this add-on's dialog and of the Classic upload page against Chromium's
own ceiling (``benchmarks/browser.py``: the same pieces over the same
connections to a server that only reads the bodies), measured in the same
run.

One backend is started as ``make run`` starts it (``scripts/run.sh``: the
Classic site ``/Plone`` and the Volto site ``/Volto``), and two Volto
servers as ``make volto`` starts one (``scripts/volto.sh``): the project's
production build with the add-on, and the same project built without it
(Volto's own dialog), in a temporary copy. Each upload has a fresh browser
context; memory is sampled every 100 ms: the page's JavaScript heap
(DevTools ``Performance.getMetrics``, ``JSHeapUsedSize``) and the resident
memory of Chromium's renderer processes (psutil), each as its peak minus
its value just before the upload.

    .venv/bin/python benchmarks/volto.py                 # 64, 256, 1024 MiB
    .venv/bin/python benchmarks/volto.py --sizes 64 --rounds 1

Needs ``make volto-build`` (done here when missing) and Chromium. Writes
``benchmarks/results/volto-<date>.md``, ``.json`` and ``.png`` (the chart).
"""

from __future__ import annotations

from bench import make_file
from browser_chromium import CHROMIUM
from browser_chromium import CHROMIUM_ARGS
from browser_chromium import Unobserved
from browser_sink import SinkServer
from machine import load_average
from pathlib import Path
from volto_report import write_report
from volto_stack import ADDON
from volto_stack import ADDON_ROUTED
from volto_stack import build_without_addon
from volto_stack import MIB
from volto_stack import PROJECT
from volto_stack import ROOT
from volto_stack import Stack
from volto_uploads import addon_settings
from volto_uploads import classic_upload
from volto_uploads import sink_upload
from volto_uploads import upload_in_volto
from volto_uploads import upload_unwatched

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=8, help="MiB (8)")
    parser.add_argument("--timeout", type=float, default=600, help="per upload, s")
    parser.add_argument("--out", default="")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = parse_options(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium")
        return 2
    subprocess.run(
        ["make", "--no-print-directory", "volto-build"], cwd=ROOT, check=True
    )
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="tusupload-volto-bench-"))
    facts = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "load_before": load_average(),
    }
    runs = []
    stack = Stack(workdir)
    sink = None
    try:
        print("building Volto without the add-on ...", flush=True)
        without = build_without_addon(workdir)
        stack.start_backend(options.chunk_size)
        with_addon = stack.start_volto(PROJECT, "addon")
        routed = stack.start_router(with_addon)
        volto_own = stack.start_volto(without, "own")
        sink = SinkServer()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
            )
            settings = addon_settings(browser, with_addon)
            unwatched = Unobserved(workdir / "unwatched-profile")
            for size in options.sizes:
                path = make_file(workdir, size * MIB)
                for index in range(1, options.rounds + 1):
                    attempts = [
                        (
                            upload_in_volto,
                            (browser, with_addon, path, ADDON, options.timeout),
                        ),
                        (
                            upload_in_volto,
                            (browser, routed, path, ADDON_ROUTED, options.timeout),
                        ),
                        (classic_upload, (stack, browser, path)),
                        (sink_upload, (sink, browser, path, settings)),
                        (
                            upload_unwatched,
                            (unwatched, volto_own, path, options.timeout),
                        ),
                    ]
                    for function, arguments in attempts:
                        result = {**function(*arguments), "round": index}
                        runs.append(result)
                        print(
                            f"{size} MiB round {index} {result['client']}: "
                            f"{result['outcome']} {result.get('mb_s') or 0:.0f} MB/s "
                            f"rss +{result.get('rss_growth_mib') or 0:.0f} MiB",
                            flush=True,
                        )
                        stack.delete_uploads()
                path.unlink()
            unwatched.close()
            browser.close()
    finally:
        if sink is not None:
            sink.stop()
        stack.stop()
        facts["load_after"] = load_average()
        shutil.rmtree(workdir, ignore_errors=True)
    report = write_report(options, runs, facts)
    print(report.read_text())
    print(f"written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
