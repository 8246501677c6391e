"""Run the upload benchmarks side by side and write a report.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py            # make bench (full)
    .venv/bin/python benchmarks/run.py --quick    # make bench-quick (< 2 min)
    .venv/bin/python benchmarks/run.py --quick --baseline ../other-checkout

Every contender (:mod:`contenders`, by name) is started here on a free
loopback port, driven by the same client (``client.py``), measured several
times (:mod:`bench`) and stopped again. The report (:mod:`report`, with the
targets of :mod:`targets`) goes to ``benchmarks/results/<date>[-quick].md``
with a PNG chart beside it and the raw numbers as JSON.
"""

from __future__ import annotations

from bench import Bench
from bench import GIB
from bench import MIB
from chart import write_chart
from checkouts import Checkout
from contenders import CONTENDERS
from contenders import make_contenders
from machine import dd_speed
from machine import machine_facts
from pathlib import Path
from report import write_report

import argparse
import datetime
import json
import sessions
import shutil
import slow_clients
import statistics
import sys
import tempfile
import time


HERE = Path(__file__).resolve().parent
ALL = ",".join(CONTENDERS)


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the < 2 minute run")
    parser.add_argument("--runs", type=int)
    parser.add_argument(
        "--contenders", help=f"comma-separated names (default: all): {ALL}"
    )
    parser.add_argument("--sizes", help="MiB, comma-separated")
    parser.add_argument("--chunks", help="MiB, comma-separated")
    parser.add_argument("--parallel-size", type=int, help="MiB per stream (0: skip)")
    parser.add_argument(
        "--no-whole",
        dest="whole",
        action="store_false",
        help="skip the whole-file uploads (one PATCH per file)",
    )
    parser.add_argument(
        "--small-chunks-upto",
        type=int,
        default=1 << 20,
        help="MiB: chunks under 8 MiB only for files up to this size",
    )
    parser.add_argument(
        "--no-slow-clients",
        dest="slow_clients",
        action="store_false",
        help="skip the step that measures pages while uploads trickle in",
    )
    parser.add_argument(
        "--no-sessions",
        dest="sessions",
        action="store_false",
        help="skip publishing a session of 200 staged files (not in --quick)",
    )
    parser.add_argument(
        "--baseline",
        help="another checkout (with its own .venv) whose add-on runs as a twin "
        "of each Plone and filter contender, named <name>@base",
    )
    parser.add_argument("--workdir", help="parent of the temp dir (default: TMPDIR)")
    parser.add_argument("--output", help="report base name (default: date)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument(
        "--in-a-row",
        dest="interleave",
        action="store_false",
        help="all runs of one contender, then the next (default: they take turns)",
    )
    options = parser.parse_args(argv)
    options.argv = list(sys.argv[1:] if argv is None else argv)
    if options.quick:
        defaults = {"runs": 3, "sizes": "64", "chunks": "8", "parallel_size": 16}
        options.parallel_runs = 3
        options.slow_clients = False
    else:
        defaults = {
            "runs": 5,
            "sizes": "256,1024",
            "chunks": "8,1",
            "parallel_size": 128,
        }
        options.parallel_runs = 5
    defaults["contenders"] = ALL
    options.final_small = 16 * MIB
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    options.names = [name.strip() for name in options.contenders.split(",") if name]
    options.sizes = [int(v) * MIB for v in str(options.sizes).split(",")]
    options.chunks = [int(v) * MIB for v in str(options.chunks).split(",")]
    options.parallel_size *= MIB
    options.small_chunks_upto *= MIB
    options.parallel_runs = min(options.parallel_runs, options.runs)
    return options


def unavailable(contender, error) -> None:
    contender.available = False
    contender.reason = f"failed: {type(error).__name__}: {error}"[:300]
    print(f"   {contender.reason}", flush=True)


def available(contenders):
    """The contenders that can run; the others are named with their reason."""
    for contender in contenders:
        if contender.available:
            yield contender
        else:
            print(f"== {contender.label}: not available ({contender.reason})")


def run_taking_turns(bench, contenders) -> None:
    """Start every contender, then each run of each step goes round them all."""
    started = []
    for contender in available(contenders):
        try:
            bench.start(contender)
        except Exception as error:  # keep going with the others
            unavailable(contender, error)
            contender.stop()
        else:
            started.append(contender)
    bench.run_interleaved(started)


def run_in_a_row(bench, contenders, instances) -> None:
    """One contender after the other, each alone on the machine."""
    for contender in available(contenders):
        try:
            bench.run_contender(contender)
        except Exception as error:  # keep going with the others
            unavailable(contender, error)
        finally:
            contender.stop()
            for instance in instances:
                users = [
                    c for c in contenders if getattr(c, "instance", None) is instance
                ]
                if users and contender is users[-1]:
                    instance.stop()  # idle Zope off the machine


def main(argv=None) -> int:
    options = parse_options(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="tusupload-bench-", dir=options.workdir))
    today = datetime.date.today().isoformat()
    name = options.output or (today + ("-quick" if options.quick else ""))
    out_base = HERE / "results" / name
    out_base.parent.mkdir(exist_ok=True)
    facts = machine_facts()
    facts["date"] = today
    facts["load"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    facts["dd_size"] = 256 * MIB if options.quick else GIB
    facts["dd"] = [dd_speed(workdir, facts["dd_size"]) for _ in range(3)]
    facts["dd_median"] = statistics.median(facts["dd"])
    print(f"dd fdatasync: {facts['dd_median']:.0f} MB/s", flush=True)
    baseline = None
    if options.baseline:
        baseline = Checkout(Path(options.baseline).resolve(), tag="base")
        facts["baseline"] = str(baseline.root)
    contenders, instances = make_contenders(options.names, workdir, baseline=baseline)
    bench = Bench(options, workdir)
    try:
        if options.interleave:
            run_taking_turns(bench, contenders)
        else:
            run_in_a_row(bench, contenders, instances)
        for contender in contenders:
            contender.stop()
        for instance in instances:
            instance.stop()  # the machine to the next step alone
        if options.slow_clients:
            facts["slow_clients"] = slow_clients.measure_all(workdir)
        if options.sessions and not options.quick:
            facts["sessions"] = sessions.measure(workdir, files=sessions.FILES, runs=3)
    finally:
        for contender in contenders:
            contender.stop()
        for instance in instances:
            instance.stop()
        facts["seconds"] = round(time.monotonic() - started)
        (out_base.with_suffix(".json")).write_text(
            json.dumps({"facts": facts, "records": bench.records}, indent=1)
        )
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report = write_report(options, facts, contenders, bench.records, out_base)
    write_chart(options, contenders, bench.records, facts, out_base)
    print(f"wrote {report} in {facts['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
