"""The benchmark's chart: single-upload throughput and RSS growth, as a PNG."""

from __future__ import annotations

from bench import MIB
from pathlib import Path
from report import median
from report import summarise

import sys


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
