"""The benchmark's report: Markdown tables of one run's records.

Throughput per contender and chunk size, ratios, the final PATCH, parallel
uploads, the client's own cost, the targets (:mod:`targets`) and, with
``--baseline``, this checkout against the baseline's twins.
"""

from __future__ import annotations

from bench import chunk_text
from bench import chunks_for
from bench import GIB
from bench import MIB
from pathlib import Path
from targets import retries_per_upload
from targets import target_lines
from zope_instance import THREADS

import sessions
import slow_clients
import statistics


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
    """Write ``<out_base>.md``; return its path."""
    labels = {c.key: c.label for c in contenders}
    by_key = {c.key: c for c in contenders}
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
        f"- runs per measurement: {options.runs}; all servers {THREADS} "
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
        "## Ratios (median MB/s of the add-on's contenders against the others)",
        "",
        "| file / chunk | ratio | value |",
        "|---|---|---:|",
    ]
    # The baseline's twins have a section of their own.
    peers = [key for key in keys if not by_key[key].checkout.tag]
    addon = [key for key in peers if by_key[key].runs_addon]
    for size in options.sizes:
        for chunk in chunks_for(options, size):
            for mine in addon:
                others = [key for key in peers if key != mine] + ["dd"]
                for other in others:
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
                f"{retries_text(records, by_key[key], 'parallel')} |"
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
        "Against the sinks the client is the only other thing on the machine: "
        "its CPU per GiB above, next to the sinks' server CPU per GiB, bounds "
        "what the client costs every contender.",
        "",
        f"![throughput]({out_base.name}.png)",
        "",
    ]
    targets = before_and_after_lines(options, contenders, medians, records)
    targets += target_lines(options, medians, records, facts, keys)
    if facts.get("slow_clients"):
        targets += [
            "## Pages while clients upload slowly (benchmarks/slow_clients.py)",
            "",
            slow_clients.report(facts["slow_clients"]),
            "",
        ]
    if facts.get("sessions"):
        targets += [
            "## Publishing a session against one by one (benchmarks/sessions.py)",
            "",
            sessions.report(facts["sessions"]),
            "",
        ]
    lines[lines.index("## Contenders") : lines.index("## Contenders")] = targets
    report = out_base.with_suffix(".md")
    report.write_text("\n".join(lines))
    return report


def retries_text(records, contender, kind) -> str:
    if not contender.is_plone:
        return "—"
    value = retries_per_upload(records, contender.key, kind)
    return "n/a" if value is None else f"{value:.2f}"


def failed_text(records, key) -> str:
    rows = [r for r in records if r["kind"] == "parallel" and r["contender"] == key]
    failed = sum(r.get("failed", 0) for r in rows)
    if not failed:
        return "0"
    errors = {r["error"] for r in rows if r.get("error")}
    return f"{failed} of {8 * len(rows)}: " + "; ".join(sorted(errors))[:160]


def before_and_after_lines(options, contenders, medians, records) -> list[str]:
    """This checkout against the baseline's twins (``--baseline``), per step.

    Each row is the median MB/s of this checkout's contender over its twin's,
    and the same per run (runs take turns, so run N of both met the same
    machine), with the server CPU seconds per GiB of both.
    """
    twins = [
        (contender, twin)
        for contender in contenders
        for twin in contenders
        if twin.checkout.tag
        and not contender.checkout.tag
        and twin.name == contender.name
        and contender.available
        and twin.available
    ]
    if not twins:
        return []
    tag = twins[0][1].checkout.tag
    lines = [
        f"## This checkout against {tag} ({twins[0][1].checkout.root})",
        "",
        f"Median MB/s of this checkout / the same contender running {tag}, and "
        "the ratio of each run (the two took turns within the run); server "
        f"CPU seconds per GiB, this checkout vs {tag}.",
        "",
        "| file / chunk | contender | this / " + tag + " (median) | per run | "
        "CPU s/GiB |",
        "|---|---|---:|---|---|",
    ]
    for size in options.sizes:
        for chunk in chunks_for(options, size):
            for contender, twin in twins:
                mine = medians.get((size, chunk, contender.key))
                theirs = medians.get((size, chunk, twin.key))
                if not mine or not theirs:
                    continue
                match = {"size": size, "chunk": chunk}
                runs_mine = {
                    r["run"]: r
                    for r in records
                    if r["kind"] == "single"
                    and r["contender"] == contender.key
                    and all(r.get(k) == v for k, v in match.items())
                }
                runs_theirs = {
                    r["run"]: r
                    for r in records
                    if r["kind"] == "single"
                    and r["contender"] == twin.key
                    and all(r.get(k) == v for k, v in match.items())
                }
                per_run = ", ".join(
                    f"{runs_mine[run]['mbps'] / runs_theirs[run]['mbps']:.2f}"
                    for run in sorted(set(runs_mine) & set(runs_theirs))
                )
                cpu_mine = median([r["server_cpu"] for r in runs_mine.values()])
                cpu_theirs = median([r["server_cpu"] for r in runs_theirs.values()])
                lines.append(
                    f"| {chunk_text(size, chunk)} | {contender.name} | "
                    f"**{mine / theirs:.2f}x** ({mine:.0f} vs {theirs:.0f}) | "
                    f"{per_run} | {cpu_mine / size * GIB:.2f} vs "
                    f"{cpu_theirs / size * GIB:.2f} |"
                )
    for contender, twin in twins:
        values = summarise(records, "parallel", "mbps", contender=contender.key)
        others = summarise(records, "parallel", "mbps", contender=twin.key)
        if values and others:
            mine, theirs = median(values), median(others)
            lines.append(
                f"| 8 parallel | {contender.name} | **{mine / theirs:.2f}x** "
                f"({mine:.0f} vs {theirs:.0f}) | | |"
            )
    return lines + [""]
