"""The speed and memory targets, as data, and how a run's records meet them.

Each target is a row of :data:`TARGETS`: what is compared with what, the
goal, and the issue that set it. :func:`target_rows` evaluates them against
one run's medians; the report prints them as a table per issue. Targets are
ratios against peers measured in the same run, never absolute speeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median


MIB = 1 << 20
CHUNK = 8 * MIB


@dataclass(frozen=True)
class Faster:
    """Median MB/s of ``mine`` at least ``goal`` times ``other``'s, 8 MiB chunks.

    ``other`` may be ``"dd"`` (the disk's own speed) together with
    ``whole_file``: one PATCH per file instead of 8 MiB chunks.
    """

    issue: str
    mine: str
    other: str
    goal: float
    whole_file: bool = False


@dataclass(frozen=True)
class MemoryGrowth:
    """RSS growth of ``mine`` at most ``limit_mib`` (largest size, or parallel)."""

    issue: str
    mine: str
    limit_mib: float
    parallel: bool = False


@dataclass(frozen=True)
class ParallelShare:
    """8 uploads at once reach ``goal`` times one upload's MB/s."""

    issue: str
    mine: str
    goal: float
    report_retries: bool = False


@dataclass(frozen=True)
class FinalPatch:
    """The final PATCH of the largest file at most ``goal`` times a small one's."""

    issue: str
    mine: str
    goal: float


ISSUE_7 = "issue 7"
ISSUE_15 = "issue 15: a streaming server; issue 12: parallel finishes"
ISSUE_19 = "issue 19: the front server"

TARGETS = (
    # Issue 19 (the front server); the slow-clients step adds its own rows.
    Faster(ISSUE_19, "plone-front", "sink-front", 0.9),
    Faster(ISSUE_19, "plone-front", "restapi-waitress", 1.3),
    Faster(ISSUE_19, "plone-front", "node", 1.5),
    Faster(ISSUE_19, "filter-front", "sink-front", 0.9),
    Faster(ISSUE_19, "plone-front", "dd", 0.8, whole_file=True),
    # Issue 15 (gunicorn streams bodies) and issue 12 (parallel finishes).
    Faster(ISSUE_15, "plone-gunicorn", "restapi-waitress", 1.3),
    Faster(ISSUE_15, "plone-gunicorn", "sink-gunicorn", 0.9),
    Faster(ISSUE_15, "filter-gunicorn", "sink-gunicorn", 0.9),
    Faster(ISSUE_15, "plone-gunicorn", "dd", 0.8, whole_file=True),
    Faster(ISSUE_15, "filter-gunicorn", "dd", 0.8, whole_file=True),
    MemoryGrowth(ISSUE_15, "plone-gunicorn", 32),
    MemoryGrowth(ISSUE_15, "filter-gunicorn", 32),
    ParallelShare(ISSUE_15, "plone-waitress", 0.7, report_retries=True),
    ParallelShare(ISSUE_15, "plone-gunicorn", 0.7, report_retries=True),
    # Issue 7: the first targets.
    Faster(ISSUE_7, "plone-waitress", "restapi-waitress", 2.0),
    Faster(ISSUE_7, "plone-waitress", "node", 1.0),
    Faster(ISSUE_7, "filter-waitress", "node", 1.0),
    FinalPatch(ISSUE_7, "plone-waitress", 1.5),
    FinalPatch(ISSUE_7, "restapi-waitress", 1.5),
    MemoryGrowth(ISSUE_7, "plone-waitress", 32),
    MemoryGrowth(ISSUE_7, "plone-waitress", 32, parallel=True),
    MemoryGrowth(ISSUE_7, "filter-waitress", 32),
    MemoryGrowth(ISSUE_7, "filter-waitress", 32, parallel=True),
    ParallelShare(ISSUE_7, "plone-waitress", 0.9),
    ParallelShare(ISSUE_7, "filter-waitress", 0.9),
)


def _values(records, kind, key, **match):
    return [
        row[key]
        for row in records
        if row["kind"] == kind and all(row.get(k) == v for k, v in match.items())
    ]


def retries_per_upload(records, key, kind):
    """Conflict retries per finished upload over all ``kind`` rows of ``key``."""
    rows = [r for r in records if r["kind"] == kind and r["contender"] == key]
    if not rows or all("retries" not in r for r in rows):
        return None
    finished = sum(r.get("finished", 1) for r in rows)
    return sum(r.get("retries", 0) for r in rows) / finished if finished else None


def target_rows(target, options, medians, records, facts) -> list[tuple[str, str, str]]:
    """``(target, measured, met)`` rows of one target in this run."""
    rows = []

    def row(text, value, goal, *, at_most=False, unit="x"):
        if value is None:
            rows.append((text, "n/a", "n/a"))
            return
        met = value <= goal if at_most else value >= goal
        rows.append((text, f"{value:.2f}{unit}", "yes" if met else "**no**"))

    big = max(options.sizes)
    if isinstance(target, Faster):
        for size in options.sizes:
            if target.whole_file:
                if not options.whole:
                    continue
                mine = medians.get((size, size, target.mine))
                other = facts["dd_median"]
                text = (
                    f"{size // MIB} MiB in one PATCH: {target.mine} ≥ {target.goal}x dd"
                )
            else:
                mine = medians.get((size, CHUNK, target.mine))
                other = medians.get((size, CHUNK, target.other))
                text = (
                    f"{size // MIB} MiB / 8 MiB: {target.mine} ≥ "
                    f"{target.goal:.1f}x {target.other}"
                )
            row(text, mine / other if mine and other else None, target.goal)
    elif isinstance(target, MemoryGrowth):
        if target.parallel:
            growth = _values(records, "parallel", "rss_growth", contender=target.mine)
            text = (
                f"RSS growth ≤ {target.limit_mib:.0f} MiB, 8 parallel ({target.mine})"
            )
        else:
            growth = _values(
                records, "single", "rss_growth", contender=target.mine, size=big
            )
            text = (
                f"RSS growth ≤ {target.limit_mib:.0f} MiB, {big // MIB} MiB uploads "
                f"({target.mine})"
            )
        row(
            text,
            max(growth) / MIB if growth else None,
            target.limit_mib,
            at_most=True,
            unit=" MiB",
        )
    elif isinstance(target, ParallelShare):
        values = _values(records, "parallel", "mbps", contender=target.mine)
        single = medians.get((big, CHUNK, target.mine))
        row(
            f"8 parallel into one folder ≥ {target.goal}x single ({target.mine})",
            median(values) / single if values and single else None,
            target.goal,
        )
        if target.report_retries:
            value = retries_per_upload(records, target.mine, "parallel")
            rows.append(
                (
                    f"conflict retries per finished upload, 8 parallel ({target.mine})",
                    "n/a" if value is None else f"{value:.2f}",
                    "(reported)",
                )
            )
    elif isinstance(target, FinalPatch) and options.final_small:
        small = _values(
            records, "final", "final_patch", contender=target.mine, chunk=CHUNK
        )
        large = _values(
            records,
            "single",
            "final_patch",
            contender=target.mine,
            size=big,
            chunk=CHUNK,
        )
        text = (
            f"final PATCH {big // MIB} MiB ≤ {target.goal}x "
            f"{options.final_small // MIB} MiB ({target.mine})"
        )
        row(
            text,
            median(large) / median(small) if small and large else None,
            target.goal,
            at_most=True,
        )
    return rows


def slow_client_rows(facts) -> list[tuple[str, str, str]]:
    """Issue 19's targets of the slow-clients step (``benchmarks/slow_clients.py``):
    pages answer within a second while uploads and slowloris heads trickle
    in, and the front server's memory stays bounded."""
    rows = []
    for row in facts.get("slow_clients") or []:
        if row["server"] != "front":
            continue
        p95 = row["p95"]
        ok = p95 is not None and p95 <= 1.0 and not row["timeouts"]
        rows.append(
            (
                f"front, {row['uploads']} uploads + {row['loris']} slowloris: "
                "pages p95 ≤ 1 s, no timeout",
                f"{'n/a' if p95 is None else f'{p95:.3f} s'}, "
                f"{row['timeouts']} timeouts",
                "yes" if ok else "**no**",
            )
        )
        if row["uploads"] >= 128:
            growth = row["rss_growth"] / MIB
            rows.append(
                (
                    f"front, {row['uploads']} + {row['loris']}: RSS growth ≤ 256 MiB",
                    f"{growth:.0f} MiB",
                    "yes" if growth <= 256 else "**no**",
                )
            )
    return rows


def target_lines(options, medians, records, facts, keys) -> list[str]:
    """The report's target tables, one per issue, for the contenders that ran."""
    lines = []
    for issue in dict.fromkeys(target.issue for target in TARGETS):
        rows = [
            row
            for target in TARGETS
            if target.issue == issue and target.mine in keys
            for row in target_rows(target, options, medians, records, facts)
        ]
        if issue == ISSUE_19:
            rows += slow_client_rows(facts)
        if not rows:
            continue
        lines += [
            f"## Targets ({issue})",
            "",
            "| target | measured | met |",
            "|---|---|---|",
        ]
        lines += [f"| {text} | {measured} | {met} |" for text, measured, met in rows]
        lines.append("")
    return lines
