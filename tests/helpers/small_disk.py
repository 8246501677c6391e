"""A small disk to fill: a tmpfs mounted for one test (root only).

Skips the test where mounting is not allowed.
"""

from __future__ import annotations

import contextlib
import os
import pytest
import subprocess


MIB = 1 << 20


@contextlib.contextmanager
def small_disk(directory, *, size: int = MIB):
    """Mount a tmpfs of ``size`` bytes on ``directory`` and unmount it after.

    :param directory: created if missing; empty again after the unmount.
    """
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", directory],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"can't mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        if subprocess.run(["umount", directory]).returncode:
            subprocess.run(["umount", "-l", directory], check=True)


def files_in(directory) -> list[str]:
    """The names in ``directory``, sorted (an empty list for nothing left)."""
    return sorted(os.listdir(directory))
