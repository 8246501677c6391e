"""The Volto benchmark's report: medians, ratios to the ceiling, the chart."""

from __future__ import annotations

from pathlib import Path
from volto_stack import ADDON
from volto_stack import ADDON_ROUTED
from volto_stack import CLASSIC
from volto_stack import HERE
from volto_stack import SINK
from volto_stack import VOLTO_OWN

import datetime
import json
import statistics


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratios(runs, client: str, size: int) -> list[float]:
    by_round = {
        (run["round"], run["client"]): run for run in runs if run["size_mib"] == size
    }
    found = []
    for (index, name), run in by_round.items():
        sink = by_round.get((index, SINK))
        if name == client and sink and run.get("mb_s") and sink.get("mb_s"):
            found.append(run["mb_s"] / sink["mb_s"])
    return found


def write_chart(runs, sizes, base: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, (memory_axis, speed_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.38
    for offset, client in ((-width / 2, ADDON), (width / 2, VOLTO_OWN)):
        peaks = []
        for size in sizes:
            rows = [r for r in runs if r["client"] == client and r["size_mib"] == size]
            peaks.append(median(r.get("rss_growth_mib") for r in rows) or 0)
        bars = memory_axis.bar(
            [index + offset for index in range(len(sizes))], peaks, width, label=client
        )
        for bar, size in zip(bars, sizes):
            rows = [r for r in runs if r["client"] == client and r["size_mib"] == size]
            if rows and all(r["outcome"] != "ok" for r in rows):
                memory_axis.annotate(
                    "failed",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    color="#9f3a38",
                )
    memory_axis.set_xticks(range(len(sizes)), [f"{size} MiB" for size in sizes])
    memory_axis.set_ylabel("renderer memory growth, MiB (peak)")
    memory_axis.set_title("Memory during the upload")
    memory_axis.legend()
    clients = [ADDON, CLASSIC, SINK]
    for offset, client in zip((-0.27, 0, 0.27), clients):
        speeds = [
            median(
                r["mb_s"]
                for r in runs
                if r["client"] == client and r["size_mib"] == size
            )
            or 0
            for size in sizes
        ]
        speed_axis.bar(
            [index + offset for index in range(len(sizes))], speeds, 0.27, label=client
        )
    speed_axis.set_xticks(range(len(sizes)), [f"{size} MiB" for size in sizes])
    speed_axis.set_ylabel("MB/s")
    speed_axis.set_title("Throughput (median)")
    speed_axis.legend(fontsize="small")
    figure.tight_layout()
    chart = base.with_suffix(".png")
    figure.savefig(chart, dpi=110)
    return chart


def write_report(options, runs, facts) -> Path:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    base = (
        Path(options.out).with_suffix("")
        if options.out
        else (results / f"volto-{datetime.date.today().isoformat()}")
    )
    sizes = options.sizes
    lines = [
        "# Volto: this add-on's upload dialog beside Volto's own",
        "",
        f"Sizes {', '.join(f'{size} MiB' for size in sizes)}; {options.rounds} "
        "round(s); one backend (scripts/run.sh) with the sites /Volto and "
        "/Plone, two Volto production servers (scripts/volto.sh), with and "
        "without the add-on; Chromium from Debian, a new browser context per "
        "upload.",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['machine']}, {facts['cpus']} CPUs, shared",
        f"- load average before: {facts['load_before']}; after: "
        f"{facts.get('load_after', '?')}",
        f"- chunk size setting: {options.chunk_size} MiB",
        "",
        "## Memory and outcome",
        "",
        "| size | dialog | outcome | seconds | MB/s | JS heap growth MiB | "
        "renderer RSS growth MiB |",
        "|---|---|---|---|---|---|---|",
    ]

    def number(value, digits=0):
        return "" if value is None else f"{value:.{digits}f}"

    for size in sizes:
        for client in (ADDON, VOLTO_OWN):
            for run in (
                r for r in runs if r["client"] == client and r["size_mib"] == size
            ):
                lines.append(
                    f"| {size} MiB | {client} | {run['outcome']} | "
                    f"{number(run.get('seconds'), 1)} | {number(run.get('mb_s'))} | "
                    f"{number(run.get('heap_growth_mib'))} | "
                    f"{number(run.get('rss_growth_mib'))} |"
                )
    own_failures = [
        size
        for size in sizes
        if any(
            r["client"] == VOLTO_OWN and r["size_mib"] == size and r["outcome"] != "ok"
            for r in runs
        )
    ]
    largest = max(sizes)
    addon_peak = (
        max(
            (r.get("rss_growth_mib") or 0)
            for r in runs
            if r["client"] == ADDON and r["size_mib"] == largest
        )
        if any(r["client"] == ADDON for r in runs)
        else None
    )
    lines += [
        "",
        f"Volto's own dialog first failed at: "
        f"{f'{min(own_failures)} MiB' if own_failures else 'none of these sizes'}.",
        "",
        f"The add-on's largest renderer memory growth at {largest} MiB: "
        f"{number(addon_peak)} MiB (target for 1 GiB: at most 64 MiB).",
        "",
        "## Throughput against Chromium's ceiling",
        "",
        "The ceiling: the same file in the same pieces over the same number of "
        "connections, sent with plain XMLHttpRequests to a server that only reads "
        "the bodies (benchmarks/browser.py's sink), in the same round.",
        "",
        "| size | client | median MB/s | median ratio to the ceiling | target 0.8 |",
        "|---|---|---|---|---|",
    ]
    for size in sizes:
        for client in (ADDON, ADDON_ROUTED, CLASSIC):
            found = ratios(runs, client, size)
            speed = median(
                r.get("mb_s")
                for r in runs
                if r["client"] == client and r["size_mib"] == size
            )
            if not found:
                continue
            ratio = statistics.median(found)
            lines.append(
                f"| {size} MiB | {client} | {number(speed)} | {ratio:.2f} | "
                f"{'met' if ratio >= 0.8 else 'missed'} |"
            )
        ceiling = median(
            r.get("mb_s") for r in runs if r["client"] == SINK and r["size_mib"] == size
        )
        if ceiling:
            lines.append(f"| {size} MiB | {SINK} | {ceiling:.0f} | 1 | |")
    chart = write_chart(runs, sizes, base)
    if chart:
        lines += ["", f"![chart]({chart.name})"]
    lines += [
        "",
        "Memory: JSHeapUsedSize from DevTools' Performance domain, sampled every "
        "100 ms from the press of Upload (Volto's own dialog: from choosing the "
        "file, as it reads the file then) to the end; the renderer's RSS is the "
        "sum over Chromium's renderer processes, sampled every 100 ms, minus its "
        "value before. 'crashed' is a renderer that died; 'failed' an error the "
        "page showed; 'timed out' no outcome within the limit.",
        "",
    ]
    base.with_suffix(".md").write_text("\n".join(lines))
    base.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "runs": runs}, indent=2)
    )
    return base.with_suffix(".md")
