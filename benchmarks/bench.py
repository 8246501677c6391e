"""What the benchmark measures: timed uploads, single and in parallel.

A :class:`Bench` runs :class:`Step` s (one size and chunk size, the final
PATCH of a small file, 8 uploads at once into one folder) against started
contenders and keeps one record (a dict) per run; :mod:`report` and
:mod:`targets` read the records.
"""

from __future__ import annotations

from client import TusClient
from client import UploadResult
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from processes import Sampler

import dataclasses
import os
import time


MIB = 1 << 20
GIB = 1 << 30


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
