"""Run the upload benchmarks side by side and write a report.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py            # make bench (full)
    .venv/bin/python benchmarks/run.py --quick    # make bench-quick (< 2 min)

Every contender is started here on a free loopback port, driven by the same
client (``client.py``), measured several times and stopped again. The report
goes to ``benchmarks/results/<date>[-quick].md`` with a PNG chart beside it and
the raw numbers as JSON.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import argparse
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import TusClient  # noqa: E402
from client import UploadResult  # noqa: E402

import contenders as cmod  # noqa: E402
import slow_clients  # noqa: E402


MIB = 1 << 20
GIB = 1 << 30
HERE = Path(__file__).resolve().parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- process facts -------------------------------------------------------------


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


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its descendants."""
    ticks = 0
    for member in process_tree(pid):
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


# -- machine facts -------------------------------------------------------------


def dd_speed(directory: Path, size: int) -> float:
    """MB/s of ``dd if=/dev/zero bs=8M conv=fdatasync`` into ``directory``."""
    target = directory / "dd.bin"
    result = subprocess.run(
        [
            "dd",
            "if=/dev/zero",
            f"of={target}",
            "bs=8M",
            f"count={size // (8 * MIB)}",
            "conv=fdatasync",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    target.unlink()
    match = re.search(r"copied, ([\d.,]+) s", result.stderr)
    seconds = float(match.group(1).replace(",", "."))
    return size / seconds / 1e6


def machine_facts() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break

    def version(command):
        try:
            return subprocess.run(
                command, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "n/a"

    from importlib.metadata import version as dist_version

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(total_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "waitress": dist_version("waitress"),
        "gunicorn": dist_version("gunicorn"),
        "Products.CMFPlone": dist_version("Products.CMFPlone"),
        "plone.restapi": dist_version("plone.restapi"),
        "git": version(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"]),
    }


# -- measurements --------------------------------------------------------------


def make_file(directory: Path, size: int) -> Path:
    """A file of ``size`` pseudo-random bytes (a 16 MiB random block repeated)."""
    path = directory / f"data-{size // MIB}MiB.bin"
    if not path.exists():
        block = os.urandom(16 * MIB)
        with open(path, "wb") as out:
            written = 0
            while written < size:
                count = min(len(block), size - written)
                out.write(block[:count])
                written += count
    return path


@dataclasses.dataclass
class Step:
    """One series of timed runs: ``method(contender, *arguments, runs, **keywords)``."""

    title: str
    method: object
    arguments: tuple
    runs: int
    keywords: dict = dataclasses.field(default_factory=dict)


class Bench:
    def __init__(self, options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.records: list[dict] = []

    def record(self, contender, kind, **values) -> dict:
        row = {"contender": contender.key, "kind": kind, **values}
        self.records.append(row)
        return row

    def upload(self, contender, path: Path, chunk: int, filename: str | None = None):
        """Upload ``path`` once; return ``(client, result)`` (the timed part).

        :param filename: the name the upload's metadata gives (default: the
            file's own name).
        """
        client = TusClient(contender.url, headers=contender.headers)
        metadata = {
            "filename": filename or path.name,
            "content-type": "application/octet-stream",
        }
        return client, client.upload(str(path), chunk_size=chunk, metadata=metadata)

    def single(self, contender, path: Path, chunk: int) -> UploadResult:
        """Upload once and clean up after it (the cleanup is not measured)."""
        client, result = self.upload(contender, path, chunk)
        contender.after_upload(client, result)
        return result

    def throughput(self, contender, size: int, chunk: int, runs, kind="single"):
        """Timed uploads of one size in one chunk size, one per run number."""
        path = make_file(self.workdir, size)
        for run in runs:
            client_cpu = time.thread_time()
            retries = contender.retries()
            with Sampler(contender.pid) as sampler:
                client, result = self.upload(contender, path, chunk)
            retries = contender.retries() - retries
            contender.after_upload(client, result)
            row = self.record(
                contender,
                kind,
                size=size,
                chunk=chunk,
                run=run,
                mbps=result.throughput,
                seconds=result.total,
                final_patch=result.final_patch,
                final_wait=result.final_wait,
                status=result.status,
                server_cpu=sampler.cpu,
                client_cpu=time.thread_time() - client_cpu,
                rss_base=sampler.baseline,
                rss_peak=sampler.peak,
                rss_growth=sampler.growth,
                retries=retries,
            )
            print(
                f"  [{contender.key}] {kind} {size // MIB} MiB / {chunk // MIB} MiB "
                f"run {run}: {row['mbps']:.0f} MB/s, final PATCH "
                f"{result.final_patch * 1000:.0f} ms, RSS +{sampler.growth / MIB:.1f}"
                f" MiB, CPU {sampler.cpu:.2f}s",
                flush=True,
            )

    def parallel(self, contender, size: int, streams: int, chunk: int, runs):
        """Timed rounds of ``streams`` uploads at once, one per run number."""
        path = make_file(self.workdir, size)

        def one(stream):
            # Parallel uploads are of different files: one name each, as an
            # editor's would be (Plone retries a transaction when two create
            # the same id in one folder at once). All streams go into ONE
            # folder (the Plone contenders' ``bench``), as the upload page's
            # do: their finishes contend for that folder.
            try:
                return self.upload(
                    contender, path, chunk, f"{path.stem}-{stream}{path.suffix}"
                )
            except Exception as error:
                return error

        for run in runs:
            retries = contender.retries()
            with Sampler(contender.pid) as sampler:
                started = time.perf_counter()
                with ThreadPoolExecutor(streams) as pool:
                    results = list(pool.map(one, range(streams)))
                seconds = time.perf_counter() - started
            retries = contender.retries() - retries
            failures = [r for r in results if isinstance(r, Exception)]
            uploads = [r for r in results if not isinstance(r, Exception)]
            for client, result in uploads:
                contender.after_upload(client, result)
            total = sum(result.length for _, result in uploads)
            row = self.record(
                contender,
                "parallel",
                size=size,
                chunk=chunk,
                streams=streams,
                run=run,
                mbps=total / seconds / 1e6,
                seconds=seconds,
                failed=len(failures),
                error=str(failures[0])[:200] if failures else None,
                server_cpu=sampler.cpu,
                rss_base=sampler.baseline,
                rss_peak=sampler.peak,
                rss_growth=sampler.growth,
                retries=retries,
                finished=len(uploads),
            )
            print(
                f"  [{contender.key}] parallel {streams}x{size // MIB} MiB run {run}: "
                f"{row['mbps']:.0f} MB/s, RSS +{sampler.growth / MIB:.1f} MiB, "
                f"{retries} conflict retries"
                + (f", {len(failures)} failed: {row['error']}" if failures else ""),
                flush=True,
            )

    def steps(self) -> list[Step]:
        """What each contender does, in order."""
        options = self.options
        steps = [
            Step(
                f"{size // MIB} MiB / {chunk // MIB} MiB chunks",
                self.throughput,
                (size, chunk),
                options.runs,
            )
            for size in options.sizes
            for chunk in chunks_for(options, size)
            if chunk >= 8 * MIB or size <= options.small_chunks_upto
        ]
        if options.final_small:
            steps.append(
                Step(
                    "final PATCH",
                    self.throughput,
                    (options.final_small, 8 * MIB),
                    options.runs,
                    {"kind": "final"},
                )
            )
        if options.parallel_size:
            steps.append(
                Step(
                    "8 parallel",
                    self.parallel,
                    (options.parallel_size, 8, 8 * MIB),
                    options.parallel_runs,
                )
            )
        return steps

    def start(self, contender) -> None:
        print(f"== {contender.label}", flush=True)
        contender.start()
        # Warm up: imports, caches, first traversal.
        self.single(contender, make_file(self.workdir, 16 * MIB), 8 * MIB)

    def step(self, contender, step: Step, run_numbers) -> None:
        """One step's runs for one contender; a failure is noted, not raised."""
        try:
            step.method(contender, *step.arguments, run_numbers, **step.keywords)
        except Exception as error:  # note it and go on with the next step
            note = f"{step.title}: {type(error).__name__}: {error}"[:300]
            contender.notes.append(note)
            print(f"   failed: {note}", flush=True)

    def run_contender(self, contender) -> None:
        """All of one contender's runs in a row."""
        self.start(contender)
        for step in self.steps():
            self.step(contender, step, range(step.runs))
            contender.after_block()

    def run_interleaved(self, contenders) -> None:
        """All contenders at once, taking turns run by run.

        On a VM a slow spell (the guest's memory costing the kernel several
        times the CPU now and then) then falls on every contender alike,
        instead of on the one whose runs it happens to meet.
        """
        for step in self.steps():
            print(f"-- {step.title}", flush=True)
            for run in range(step.runs):
                # Who goes first changes from run to run.
                turn = run % len(contenders) if contenders else 0
                for contender in contenders[turn:] + contenders[:turn]:
                    self.step(contender, step, [run])
            for contender in contenders:
                contender.after_block()


def chunks_for(options, size: int) -> list[int]:
    """The chunk sizes measured for ``size``: the options', then the whole file."""
    return options.chunks + ([size] if options.whole else [])


def chunk_text(size: int, chunk: int) -> str:
    if chunk >= size:
        return f"{size // MIB} MiB / whole file"
    return f"{size // MIB} MiB / {chunk // MIB} MiB"


# -- report --------------------------------------------------------------------


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    return (min(values), max(values)) if values else (None, None)


def fmt(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def summarise(records, kind, key, **match):
    rows = [
        row
        for row in records
        if row["kind"] == kind and all(row.get(k) == v for k, v in match.items())
    ]
    return [row[key] for row in rows]


def write_report(options, facts, contenders, records, out_base: Path) -> Path:
    labels = {c.key: c.label for c in contenders}
    keys = [c.key for c in contenders if c.available]
    lines = [
        f"# Upload benchmark {facts['date']}{' (quick)' if options.quick else ''}",
        "",
        "## Machine",
        "",
        f"- {facts['cores']} cores ({facts['cpu']}), {facts['ram_gib']} GiB RAM, "
        f"Linux {facts['kernel']}",
        f"- disk sequential write (`dd bs=8M conv=fdatasync`, "
        f"{facts['dd_size'] // MIB} MiB, median of {len(facts['dd'])}): "
        f"**{facts['dd_median']:.0f} MB/s** (min {min(facts['dd']):.0f}, "
        f"max {max(facts['dd']):.0f})",
        f"- Python {facts['python']}, Node {facts['node']}, waitress "
        f"{facts['waitress']}, gunicorn {facts.get('gunicorn', 'n/a')} (gthread), "
        f"Plone {facts['Products.CMFPlone']}, plone.restapi "
        f"{facts['plone.restapi']}, commit {facts['git']}",
        f"- load average before the run: {facts['load']}; other work on the "
        "machine during the run distorts the numbers",
        (
            "- order: all contenders up at once, taking turns run by run (a "
            "slow spell of the VM falls on each alike)"
            if options.interleave
            else "- order: all runs of one contender, then the next, each "
            "alone on the machine"
        ),
        f"- runs per measurement: {options.runs}; all servers {cmod.THREADS} "
        "threads (gunicorn: one worker process; Node: one event loop), "
        "loopback, one client process "
        "(`benchmarks/client.py`); MB = 10^6 bytes",
        f"- command: `python benchmarks/run.py {' '.join(options.argv)}`"
        if options.argv
        else "- command: `python benchmarks/run.py`",
        "- between runs (untimed) every contender's finished file leaves the "
        "disk: Node's and the sink's files are deleted, the Plone content is "
        "deleted and the ZODB packed. On a virtual machine, page cache that "
        "stays allocated makes the next run write into fresh guest memory, "
        "several times slower (a file written to new pages: ~400 MB/s, into "
        "reused ones: ~5000 MB/s here), which would penalise whoever keeps "
        "its files",
        "",
        "## Contenders",
        "",
    ]
    for contender in contenders:
        state = (
            "" if contender.available else f" — **not available**: {contender.reason}"
        )
        lines.append(f"- {contender.label}{state}")
        for note in contender.notes:
            lines.append(f"  - failed step: {note}")
    lines += [
        "",
        "## Throughput (single stream)",
        "",
        "Median MB/s over the whole upload (POST + PATCHes), [min–max]; server "
        "CPU seconds per GiB; server RSS growth (peak − before) in MiB.",
        "",
        "| file / chunk | contender | MB/s | spread | CPU s/GiB | RSS growth MiB"
        " | final PATCH ms |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    medians = {}
    for size in options.sizes:
        for chunk in chunks_for(options, size):
            for key in keys:
                match = {"size": size, "chunk": chunk, "contender": key}
                values = summarise(records, "single", "mbps", **match)
                if not values:
                    continue
                low, high = spread(values)
                cpu = summarise(records, "single", "server_cpu", **match)
                growth = summarise(records, "single", "rss_growth", **match)
                final = summarise(records, "single", "final_patch", **match)
                medians[(size, chunk, key)] = median(values)
                lines.append(
                    f"| {chunk_text(size, chunk)} | {labels[key]} | "
                    f"**{median(values):.0f}** | {low:.0f}–{high:.0f} | "
                    f"{median(cpu) / size * GIB:.2f} | "
                    f"{median(growth) / MIB:.1f} (max {max(growth) / MIB:.1f}) | "
                    f"{median(final) * 1000:.0f} |"
                )
    lines += [
        f"| — | dd fdatasync | **{facts['dd_median']:.0f}** | "
        f"{min(facts['dd']):.0f}–{max(facts['dd']):.0f} | | | |",
        "",
        "## Ratios (median MB/s of 1, 3, 6 and 7 against the others)",
        "",
        "| file / chunk | ratio | value |",
        "|---|---|---:|",
    ]
    counterpart = {"1": "6", "6": "10", "10": "6", "3": "7", "7": "11", "11": "7"}
    for size in options.sizes:
        for chunk in chunks_for(options, size):
            for mine in ("1", "3", "6", "7", "10", "11"):
                for other in (counterpart[mine], "2", "4", "5", "8", "12", "dd"):
                    a = medians.get((size, chunk, mine))
                    b = (
                        facts["dd_median"]
                        if other == "dd"
                        else medians.get((size, chunk, other))
                    )
                    if a and b:
                        lines.append(
                            f"| {chunk_text(size, chunk)} | "
                            f"{mine} / {other} | {a / b:.2f}x |"
                        )
    if options.final_small:
        lines += [
            "",
            "## Final PATCH (8 MiB chunks)",
            "",
            "Time of the request that completes the upload (and, in Plone, "
            "creates the File): whole request, and the wait after its last byte.",
            "",
            "| contender | file | request ms (median, min–max) | wait after body ms |",
            "|---|---|---:|---:|",
        ]
        big = max(options.sizes)
        for key in keys:
            for kind, size in (("final", options.final_small), ("single", big)):
                match = {"size": size, "chunk": 8 * MIB, "contender": key}
                values = summarise(records, kind, "final_patch", **match)
                waits = summarise(records, kind, "final_wait", **match)
                if values:
                    low, high = spread(values)
                    lines.append(
                        f"| {labels[key]} | {size // MIB} MiB | "
                        f"{median(values) * 1000:.0f} ({low * 1000:.0f}–"
                        f"{high * 1000:.0f}) | {median(waits) * 1000:.0f} |"
                    )
    if options.parallel_size:
        lines += [
            "",
            f"## 8 parallel uploads of {options.parallel_size // MIB} MiB "
            "(8 MiB chunks)",
            "",
            "All streams upload into one folder (Plone: the site's `bench`). "
            "Conflict retries: tus requests Zope retried after a ConflictError, "
            "counted from the instance's log, per finished upload.",
            "",
            "| contender | aggregate MB/s (median, min–max) | vs single | "
            "CPU s/GiB | RSS growth MiB (median, max) | RSS peak MiB | "
            "failed uploads | conflict retries per upload |",
            "|---|---:|---:|---:|---:|---:|---|---:|",
        ]
        reference = max(options.sizes)
        for key in keys:
            values = summarise(records, "parallel", "mbps", contender=key)
            if not values:
                continue
            low, high = spread(values)
            cpu = summarise(records, "parallel", "server_cpu", contender=key)
            growth = summarise(records, "parallel", "rss_growth", contender=key)
            peak = summarise(records, "parallel", "rss_peak", contender=key)
            single = medians.get((reference, 8 * MIB, key))
            lines.append(
                f"| {labels[key]} | **{median(values):.0f}** ({low:.0f}–{high:.0f}) | "
                f"{fmt(median(values) / single if single else None, 2)}x | "
                f"{median(cpu) / (8 * options.parallel_size) * GIB:.2f} | "
                f"{median(growth) / MIB:.1f} ({max(growth) / MIB:.1f}) | "
                f"{max(peak) / MIB:.0f} | {failed_text(records, key)} | "
                f"{retries_text(records, key, 'parallel')} |"
            )
    lines += ["", "## Client overhead", ""]
    for key in keys:
        match = {"contender": key}
        cpu = summarise(records, "single", "client_cpu", **match)
        sizes = summarise(records, "single", "size", **match)
        if cpu:
            per_gib = median([c / s * GIB for c, s in zip(cpu, sizes)])
            lines.append(
                f"- client CPU against {labels[key]}: {per_gib:.2f} s/GiB (median)"
            )
    lines += [
        "",
        "Against contender 5 the client is the only other thing on the machine: "
        "its CPU per GiB above, next to 5's server CPU per GiB, bounds what the "
        "client costs every contender.",
        "",
        f"![throughput]({out_base.name}.png)",
        "",
    ]
    targets = serving_target_lines(options, medians, facts)
    targets += streaming_target_lines(options, medians, records, keys, facts)
    targets += target_lines(options, medians, records, keys, facts)
    lines[lines.index("## Contenders") : lines.index("## Contenders")] = targets
    report = out_base.with_suffix(".md")
    report.write_text("\n".join(lines))
    return report


def retries_per_upload(records, key, kind):
    """Conflict retries per finished upload over all ``kind`` rows of ``key``."""
    rows = [r for r in records if r["kind"] == kind and r["contender"] == key]
    if not rows or all("retries" not in r for r in rows):
        return None
    finished = sum(r.get("finished", 1) for r in rows)
    return sum(r.get("retries", 0) for r in rows) / finished if finished else None


def retries_text(records, key, kind) -> str:
    if key not in ("1", "2", "6", "10"):
        return "—"
    value = retries_per_upload(records, key, kind)
    return "n/a" if value is None else f"{value:.2f}"


def failed_text(records, key) -> str:
    rows = [r for r in records if r["kind"] == "parallel" and r["contender"] == key]
    failed = sum(r.get("failed", 0) for r in rows)
    if not failed:
        return "0"
    errors = {r["error"] for r in rows if r.get("error")}
    return f"{failed} of {8 * len(rows)}: " + "; ".join(sorted(errors))[:160]


def serving_target_lines(options, medians, facts) -> list[str]:
    """The targets of issue 19 (the front server) and its slow-clients step."""
    lines = [
        "## Targets (issue 19: the front server)",
        "",
        "Medians of this run. 10 = Plone + collective.tusupload on the front "
        "server, 12 = the raw body sink on the front server, 2 = Plone + "
        "plone.restapi on waitress, 4 = Node's @tus/server, 11 = the filter on "
        "the front server.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    chunk = 8 * MIB
    for size in options.sizes:
        for mine, other, goal in (
            ("10", "12", 0.9),
            ("10", "2", 1.3),
            ("10", "4", 1.5),
            ("11", "12", 0.9),
        ):
            a, b = medians.get((size, chunk, mine)), medians.get((size, chunk, other))
            measured = f"{a / b:.2f}x" if a and b else "n/a"
            met = ("yes" if a / b >= goal else "**no**") if a and b else "n/a"
            lines.append(
                f"| {size // MIB} MiB / 8 MiB: {mine} ≥ {goal:.1f}x {other} "
                f"| {measured} | {met} |"
            )
    if options.whole:
        for size in options.sizes:
            a = medians.get((size, size, "10"))
            measured = f"{a / facts['dd_median']:.2f}x" if a else "n/a"
            met = ("yes" if a / facts["dd_median"] >= 0.8 else "**no**") if a else "n/a"
            lines.append(
                f"| {size // MIB} MiB in one PATCH: 10 ≥ 0.8x dd | {measured} | {met} |"
            )
    rows = facts.get("slow_clients") or []
    if rows:
        lines += [
            "",
            "### Pages while clients upload slowly (benchmarks/slow_clients.py)",
            "",
            slow_clients.report(rows),
            "",
            "| target | measured | met |",
            "|---|---|---|",
        ]
        for row in rows:
            if row["server"] != "front":
                continue
            p95 = row["p95"]
            ok = p95 is not None and p95 <= 1.0 and not row["timeouts"]
            lines.append(
                f"| front, {row['uploads']} uploads + {row['loris']} slowloris: "
                f"pages p95 ≤ 1 s, no timeout | "
                f"{'n/a' if p95 is None else f'{p95:.3f} s'}, "
                f"{row['timeouts']} timeouts | {'yes' if ok else '**no**'} |"
            )
            if row["uploads"] >= 128:
                growth = row["rss_growth"] / MIB
                lines.append(
                    f"| front, {row['uploads']} + {row['loris']}: RSS growth "
                    f"≤ 256 MiB | {growth:.0f} MiB | "
                    f"{'yes' if growth <= 256 else '**no**'} |"
                )
    return lines + [""]


def streaming_target_lines(options, medians, records, keys, facts) -> list[str]:
    """The targets of issue 15 (streaming server) and issue 12 (parallel)."""
    lines = [
        "## Targets (issue 15: a streaming server; issue 12: parallel finishes)",
        "",
        "Medians of this run. 6 = Plone + collective.tusupload on gunicorn, "
        "2 = Plone + plone.restapi on waitress, 7 = the filter on gunicorn, "
        "8 = the raw body sink on gunicorn, 1 = Plone + collective.tusupload "
        "on waitress.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]

    def row(text, value, goal, *, at_most=False, unit="x"):
        if value is None:
            lines.append(f"| {text} | n/a | n/a |")
            return
        met = value <= goal if at_most else value >= goal
        lines.append(f"| {text} | {value:.2f}{unit} | {'yes' if met else '**no**'} |")

    chunk = 8 * MIB
    for size in options.sizes:
        for mine, other, goal in (("6", "2", 1.3), ("6", "8", 0.9), ("7", "8", 0.9)):
            a, b = medians.get((size, chunk, mine)), medians.get((size, chunk, other))
            row(
                f"{size // MIB} MiB / 8 MiB: {mine} ≥ {goal:.1f}x {other}",
                a / b if a and b else None,
                goal,
            )
    if options.whole:
        for size in options.sizes:
            for key in ("6", "7"):
                a = medians.get((size, size, key))
                row(
                    f"{size // MIB} MiB in one PATCH: {key} ≥ 0.8x dd",
                    a / facts["dd_median"] if a else None,
                    0.8,
                )
    big = max(options.sizes)
    for key in ("6", "7"):
        growth = summarise(records, "single", "rss_growth", contender=key, size=big)
        row(
            f"RSS growth ≤ 32 MiB, {big // MIB} MiB uploads (contender {key})",
            max(growth) / MIB if growth else None,
            32,
            at_most=True,
            unit=" MiB",
        )
    for key in ("1", "6"):
        values = summarise(records, "parallel", "mbps", contender=key)
        single = medians.get((big, chunk, key))
        row(
            f"8 parallel into one folder ≥ 0.7x single (contender {key})",
            median(values) / single if values and single else None,
            0.7,
        )
        value = retries_per_upload(records, key, "parallel")
        lines.append(
            f"| conflict retries per finished upload, 8 parallel (contender {key})"
            f" | {fmt(value, 2)} | (reported) |"
        )
    return lines + [""]


def target_lines(options, medians, records, keys, facts) -> list[str]:
    lines = ["## Targets (issue 7)", "", "| target | measured | met |", "|---|---|---|"]
    chunk = 8 * MIB
    for size in options.sizes:
        for mine, other, goal in (("1", "2", 2.0), ("1", "4", 1.0), ("3", "4", 1.0)):
            a, b = medians.get((size, chunk, mine)), medians.get((size, chunk, other))
            measured = f"{a / b:.2f}x" if a and b else "n/a"
            met = ("yes" if a / b >= goal else "**no**") if a and b else "n/a"
            lines.append(
                f"| {size // MIB} MiB / 8 MiB: {mine} ≥ {goal:.1f}x {other} | "
                f"{measured} | {met} |"
            )
    big = max(options.sizes)
    for key in ("1", "2"):
        if options.final_small and key in keys:
            small = summarise(
                records, "final", "final_patch", contender=key, chunk=chunk
            )
            large = summarise(
                records, "single", "final_patch", contender=key, size=big, chunk=chunk
            )
            if small and large:
                ratio = median(large) / median(small)
                lines.append(
                    f"| final PATCH {big // MIB} MiB ≤ 1.5x "
                    f"{options.final_small // MIB} MiB (contender {key}) | "
                    f"{ratio:.2f}x ({median(large) * 1000:.0f} vs "
                    f"{median(small) * 1000:.0f} ms) | "
                    f"{'yes' if ratio <= 1.5 else '**no**'} |"
                )
    for key in ("1", "3"):
        if key not in keys:
            continue
        growth = summarise(records, "single", "rss_growth", contender=key, size=big)
        if growth:
            worst = max(growth) / MIB
            lines.append(
                f"| RSS growth ≤ 32 MiB, {big // MIB} MiB upload (contender {key}) "
                f"| max {worst:.1f} MiB | {'yes' if worst <= 32 else '**no**'} |"
            )
        growth = summarise(records, "parallel", "rss_growth", contender=key)
        if growth:
            worst = max(growth) / MIB
            lines.append(
                f"| RSS growth ≤ 32 MiB, 8 parallel (contender {key}) "
                f"| max {worst:.1f} MiB | {'yes' if worst <= 32 else '**no**'} |"
            )
        values = summarise(records, "parallel", "mbps", contender=key)
        single = medians.get((big, chunk, key))
        if values and single:
            ratio = median(values) / single
            lines.append(
                f"| 8 parallel ≥ 0.9x single (contender {key}) | {ratio:.2f}x | "
                f"{'yes' if ratio >= 0.9 else '**no**'} |"
            )
    return lines + [""]


def write_chart(options, contenders, records, facts, out_base: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
        return
    keys = [c.key for c in contenders if c.available]
    labels = {c.key: c.label for c in contenders}
    scenarios = [(s, c) for s in options.sizes for c in options.chunks]
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]}
    )
    width = 0.8 / max(len(keys), 1)
    for index, key in enumerate(keys):
        values, errors_low, errors_high = [], [], []
        for size, chunk in scenarios:
            runs = summarise(
                records, "single", "mbps", contender=key, size=size, chunk=chunk
            )
            mid = median(runs) or 0
            values.append(mid)
            errors_low.append(mid - min(runs) if runs else 0)
            errors_high.append(max(runs) - mid if runs else 0)
        positions = [n + index * width for n in range(len(scenarios))]
        left.bar(
            positions,
            values,
            width,
            yerr=[errors_low, errors_high],
            label=labels[key],
            capsize=2,
        )
    left.axhline(
        facts["dd_median"], color="black", linestyle="--", label="dd fdatasync"
    )
    left.set_xticks([n + width * (len(keys) - 1) / 2 for n in range(len(scenarios))])
    left.set_xticklabels(
        [f"{s // MIB} MiB\n{c // MIB} MiB chunks" for s, c in scenarios]
    )
    left.set_ylabel("MB/s (median, min–max)")
    left.set_title("Single upload throughput")
    left.legend(fontsize=8)
    growth = [
        max(summarise(records, "single", "rss_growth", contender=key) or [0]) / MIB
        for key in keys
    ]
    parallel = [
        max(summarise(records, "parallel", "rss_growth", contender=key) or [0]) / MIB
        for key in keys
    ]
    positions = range(len(keys))
    right.bar([p - 0.2 for p in positions], growth, 0.4, label="single upload")
    right.bar([p + 0.2 for p in positions], parallel, 0.4, label="8 parallel")
    right.axhline(32, color="red", linestyle=":", label="target 32 MiB")
    right.set_xticks(list(positions))
    right.set_xticklabels(keys)
    right.set_xlabel("contender")
    right.set_ylabel("MiB")
    right.set_title("Server RSS growth (max over runs)")
    right.legend(fontsize=8)
    figure.suptitle(f"collective.tusupload benchmark {facts['date']}")
    figure.tight_layout()
    figure.savefig(out_base.with_suffix(".png"), dpi=90)


# -- main ----------------------------------------------------------------------


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the < 2 minute run")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--contenders", help="comma-separated keys, e.g. 1,3,4,5")
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
        defaults = {
            "runs": 3,
            "contenders": "1,2,3,4,5,6,7,8,10,11,12",
            "sizes": "64",
            "chunks": "8",
            "parallel_size": 16,
        }
        options.slow_clients = False
        options.final_small = 16 * MIB
        options.parallel_runs = 3
    else:
        defaults = {
            "runs": 5,
            "contenders": "1,2,3,4,5,6,7,8,10,11,12",
            "sizes": "256,1024",
            "chunks": "8,1",
            "parallel_size": 128,
        }
        options.final_small = 16 * MIB
        options.parallel_runs = 5
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    options.keys = options.contenders.split(",")
    options.sizes = [int(v) * MIB for v in str(options.sizes).split(",")]
    options.chunks = [int(v) * MIB for v in str(options.chunks).split(",")]
    options.parallel_size *= MIB
    options.small_chunks_upto *= MIB
    options.parallel_runs = min(options.parallel_runs, options.runs)
    return options


def run_slow_clients(workdir: Path) -> list[dict]:
    """Pages while uploads trickle in (16 + 32 on each server, 128 + 128 on front)."""
    rows = []
    plan = [(server, 16, 32) for server in slow_clients.SERVERS]
    plan.append(("front", 128, 128))
    for server, uploads, loris in plan:
        print(f"== slow clients: {server}, {uploads} uploads, {loris} slowloris")
        try:
            rows.append(
                slow_clients.measure(
                    server,
                    workdir,
                    uploads=uploads,
                    loris=loris,
                    rate=256 * 1024,
                    duration=20.0,
                )
            )
        except Exception as error:  # one server failing must not lose the rest
            print(f"   failed: {type(error).__name__}: {error}", flush=True)
    return rows


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
            for server, keys in (
                ("waitress", ("1", "2")),
                ("gunicorn", ("6",)),
                ("front", ("10",)),
            ):
                left = [c for c in contenders if c.key in keys]
                if instances[server] is not None and contender is left[-1]:
                    instances[server].stop()  # idle Zope off the machine


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

    sites = [
        site for key, site in (("1", "addon"), ("2", "restapi")) if key in options.keys
    ]
    instances = {
        "waitress": cmod.ZopeInstance(workdir, sites) if sites else None,
        "gunicorn": (
            cmod.ZopeInstance(workdir, ["addon"], server="gunicorn")
            if "6" in options.keys
            else None
        ),
        "front": (
            cmod.ZopeInstance(workdir, ["addon"], server="front")
            if "10" in options.keys
            else None
        ),
    }
    instance = instances["waitress"]
    factories = {
        "1": lambda: cmod.AddonContender(workdir, instance),
        "2": lambda: cmod.RestapiContender(workdir, instance),
        "3": lambda: cmod.FilterContender(workdir),
        "4": lambda: cmod.NodeContender(workdir),
        "5": lambda: cmod.SinkContender(workdir),
        "6": lambda: cmod.AddonGunicornContender(workdir, instances["gunicorn"]),
        "7": lambda: cmod.FilterGunicornContender(workdir),
        "8": lambda: cmod.SinkGunicornContender(workdir),
        "10": lambda: cmod.AddonFrontContender(workdir, instances["front"]),
        "11": lambda: cmod.FilterFrontContender(workdir),
        "12": lambda: cmod.SinkFrontContender(workdir),
    }
    contenders = [factories[key]() for key in sorted(options.keys)]
    addon = [c for c in contenders if c.key == "1"]
    if instance and addon and not addon[0].available:
        instance.sites = [site for site in sites if site != "addon"] or sites
    bench = Bench(options, workdir)
    try:
        if options.interleave:
            run_taking_turns(bench, contenders)
        else:
            run_in_a_row(bench, contenders, instances)
        for server_instance in instances.values():
            if server_instance is not None:
                server_instance.stop()  # the machine to the next step alone
        if options.slow_clients:
            facts["slow_clients"] = run_slow_clients(workdir)
    finally:
        for contender in contenders:
            contender.stop()
        for server_instance in instances.values():
            if server_instance is not None:
                server_instance.stop()
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
