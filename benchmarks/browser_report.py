"""The browser benchmark's report: the page against tuspy, per round."""

from __future__ import annotations

from browser_sink import SINK_NAME
from browser_sink import UNOBSERVED
from checkouts import HERE
from pathlib import Path
from zope_instance import THREADS

import datetime
import json
import statistics


MIB = 1024 * 1024


def variant_name(tus_options: dict | None) -> str:
    if not tus_options:
        return "browser"
    return "browser " + ", ".join(
        f"{key}={value}" for key, value in tus_options.items()
    )


def write_report(options, runs: list[dict], facts: dict) -> Path:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    base = results / f"browser-{datetime.date.today().isoformat()}"
    if options.out:
        base = Path(options.out).with_suffix("")
    names = list(dict.fromkeys(run["client"] for run in runs))
    sinks = (SINK_NAME, SINK_NAME + UNOBSERVED)
    browsers = [name for name in names if name != "tuspy" and name not in sinks]
    rounds = sorted({run["round"] for run in runs})
    by_round = {(run["round"], run["client"]): run for run in runs}

    def ratios(name: str) -> list[float]:
        return [
            by_round[(index, name)]["mb_s"] / by_round[(index, "tuspy")]["mb_s"]
            for index in rounds
            if (index, name) in by_round and (index, "tuspy") in by_round
        ]

    def median_speed(name: str) -> float:
        return statistics.median(run["mb_s"] for run in runs if run["client"] == name)

    page = browsers[0]
    ratio = statistics.median(ratios(page))
    target = "met" if ratio >= 0.8 else "missed"
    alone = page + UNOBSERVED
    settings = by_round[(rounds[0], page)]["settings"]
    lines = [
        "# The upload page in Chromium vs tuspy",
        "",
        f"{options.size} MiB, {len(rounds)} rounds, one site (Zope, waitress "
        f"with {THREADS} threads), one folder. Each round uploads the same "
        "file with tuspy, then with Chromium on `@@upload-files`, driven by "
        "Playwright and, in turn, unobserved (see below), and deletes "
        "the items.",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['machine']}, {facts['cpus']} CPUs, shared",
        f"- load average (1, 5, 15 min) before: {facts['load_before']}; "
        f"after: {facts['load_after']}",
        f"- chunk size setting: {options.chunk_size} MiB; tuspy sends pieces "
        "of the same size",
        f"- the page used: chunk size {settings['chunkSize'] // MIB} MiB, "
        f"parallel uploads {settings['parallelUploads']}",
        "",
        f"**Median: {page} {median_speed(page):.0f} MB/s, tuspy "
        f"{median_speed('tuspy'):.0f} MB/s, ratio {ratio:.2f}** "
        f"(target >= 0.8: {target}).",
        "",
    ]
    if alone in names:
        observed = statistics.median(
            by_round[(index, page)]["mb_s"] / by_round[(index, alone)]["mb_s"]
            for index in rounds
            if (index, alone) in by_round and (index, page) in by_round
        )
        alone_ratio = statistics.median(ratios(alone))
        lines += [
            f"**Unobserved**, the same page in the same Chromium with no "
            f"DevTools client attached during the upload, as in an editor's "
            f"browser: **median {median_speed(alone):.0f} MB/s, ratio "
            f"{alone_ratio:.2f}** (target >= 0.8: "
            f"{'met' if alone_ratio >= 0.8 else 'missed'}); driven by "
            f"Playwright the page reaches {observed:.2f} of that (per round).",
            "",
        ]
    if any(run["client"] == SINK_NAME for run in runs):
        ceiling = statistics.median(
            by_round[(index, page)]["mb_s"] / by_round[(index, SINK_NAME)]["mb_s"]
            for index in rounds
            if (index, SINK_NAME) in by_round and (index, page) in by_round
        )
        lines += [
            f"Chromium's own ceiling here, the same file over the same "
            f"connections in the same pieces to a server that only reads "
            f"the bodies: median {median_speed(SINK_NAME):.0f} MB/s, "
            f"{statistics.median(ratios(SINK_NAME)):.2f}x tuspy. The page "
            f"reaches {ceiling:.2f} of it.",
            "",
        ]
    if SINK_NAME + UNOBSERVED in names:
        lines += [
            f"The same to the sink, unobserved: median "
            f"{median_speed(SINK_NAME + UNOBSERVED):.0f} MB/s, "
            f"{statistics.median(ratios(SINK_NAME + UNOBSERVED)):.2f}x tuspy.",
            "",
        ]
    lines += [
        "| round | client | MB/s | x tuspy | requests | PATCH median ms | "
        "idle s | Chromium CPU s | server CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index in rounds:
        tuspy = by_round.get((index, "tuspy"))
        for name in names:
            run = by_round.get((index, name))
            if run is None:
                continue
            if name == "tuspy":
                lines.append(
                    f"| {index} | tuspy | {run['mb_s']:.0f} | 1 | | | | | "
                    f"{run['server_cpu']:.1f} |"
                )
                continue
            if name in sinks or "requests" not in run:
                lines.append(
                    f"| {index} | {name} | {run['mb_s']:.0f} | "
                    f"{run['mb_s'] / tuspy['mb_s']:.2f} | | | | "
                    f"{run['browser_cpu']:.1f} | "
                    + (f"{run['server_cpu']:.1f} |" if "server_cpu" in run else "|")
                )
                continue
            requests = run["requests"]
            methods = ", ".join(
                f"{method} {count}"
                for method, count in sorted(requests["methods"].items())
            )
            patch = requests["patch_ms_median"]
            patch = "" if patch is None else f"{patch:.0f}"
            lines.append(
                f"| {index} | {name} | {run['mb_s']:.0f} | "
                f"{run['mb_s'] / tuspy['mb_s']:.2f} | {requests['count']} "
                f"({methods}) | {patch} | {requests['idle_ms'] / 1000:.2f} | "
                f"{run['browser_cpu']:.1f} | {run['server_cpu']:.1f} |"
            )
    if len(browsers) > 1:
        lines += ["", "Median ratio to tuspy per variant:", ""]
        lines += [
            f"- {name}: {statistics.median(ratios(name)):.2f} "
            f"({median_speed(name):.0f} MB/s)"
            for name in browsers
        ]
    lines += [
        "",
        "MB/s are 10^6 bytes per second over the whole upload: from pressing "
        "Upload to Uppy's `complete` event in the browser, from the creation "
        "request to the final reply with tuspy; both include making the item. "
        "The ratio is taken per round (tuspy and the browser a few seconds "
        "apart), then its median. Requests, PATCH times and idle time (no tus "
        "request in flight) come from Chromium's resource timing; CPU seconds "
        "are those of Chromium's processes and of the Zope process during the "
        "upload. Each browser upload starts once Chromium is idle (at most "
        "15 s after the page was ready): each upload has a new browser "
        "context, for which Chromium starts a renderer for its own WebUI, "
        "about 0.9 CPU seconds that slowed an upload started at once by more "
        "than a quarter; an editor's browser has started its profile long "
        "before. "
        "Playwright enables DevTools' Network, Page and Runtime "
        "domains on its pages, so Chromium reports each request to it; the "
        "rows marked unobserved are the same Chromium binary with the same "
        "flags (not those Playwright adds), started with a DevTools "
        "pipe of the script's own, which uses it to log in, choose the file "
        "and press Upload (no domain enabled) and then detaches, so that "
        "nothing watches the upload; the page times itself and reports to "
        "the sink. Requests are not counted there (that would need watching).",
        "",
    ]
    base.with_suffix(".md").write_text("\n".join(lines))
    base.with_suffix(".json").write_text(
        json.dumps({"facts": facts, "runs": runs}, indent=2)
    )
    return base.with_suffix(".md")
