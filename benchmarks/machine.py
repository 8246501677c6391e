"""Facts about the machine a benchmark ran on, for its report."""

from __future__ import annotations

from importlib.metadata import version as dist_version
from pathlib import Path

import os
import platform
import re
import subprocess


MIB = 1 << 20
HERE = Path(__file__).resolve().parent


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


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_facts() -> dict:
    """Cores, CPU, RAM, kernel and the versions of what the servers run."""
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
