"""Run a docs page's ``.. code-block:: shell`` examples, in order, in one bash.

Used by the tests that prove a page's curl walk-through as written
(``docs/rest-api.rst``, ``docs/sessions.rst``) against ``make run``. Only
the port of ``http://localhost:8080`` is changed. A command that fails is
reported by an ``ERR`` trap; the HTTP statuses each block prints (its
``HTTP/1.1 NNN`` lines) are compared with its ``# NNN`` comments.
"""

from __future__ import annotations

from pathlib import Path

import re
import subprocess
import textwrap


MARKER = "@@block"
FAILED = "@@failed"


def shell_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: shell`` directives, dedented."""
    blocks = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() != ".. code-block:: shell":
            continue
        body = []
        for following in lines[number + 1 :]:
            if following.strip() and not following.startswith((" ", "\t")):
                break
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip("\n"))
    return blocks


def announced_statuses(block: str) -> list[tuple[str, bool]]:
    """``(status, is_final_patch)`` for each ``# NNN`` comment of ``block``."""
    statuses = []
    for comment in re.finditer(r"^\s*# (\d{3})\b(.*)$", block, re.MULTILINE):
        is_final_patch = "-X PATCH" in block and "Location:" in comment.group(2)
        statuses.append((comment.group(1), is_final_patch))
    return statuses


def printed_statuses(output: str) -> list[str]:
    """The final statuses of the replies in ``output`` (no ``100 Continue``)."""
    return [
        status
        for status in re.findall(r"HTTP/[\d.]+ (\d{3}) ", output)
        if not status.startswith("1")
    ]


def driver(blocks: list[str], port: int) -> str:
    parts = [
        "set -o pipefail",
        f"trap 'echo \"{FAILED} ($?): $BASH_COMMAND\"' ERR",
    ]
    for number, block in enumerate(blocks):
        parts.append(f"echo {MARKER} {number}")
        parts.append(block.replace("localhost:8080", f"localhost:{port}"))
    return "\n".join(parts) + "\n"


def run_examples(page: Path, port: int, workdir: Path) -> dict:
    """Run the page's blocks; return blocks, outputs, stdout, stderr, returncode."""
    blocks = shell_blocks(page.read_text())
    script = workdir / "examples.sh"
    script.write_text(driver(blocks, port))
    process = subprocess.run(
        ["bash", str(script)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (workdir / "examples.out").write_text(process.stdout + process.stderr)
    outputs = process.stdout.split(f"{MARKER} ")[1:]
    return {
        "blocks": blocks,
        "outputs": [output.partition("\n")[2] for output in outputs],
        "stdout": process.stdout,
        "stderr": process.stderr,
        "returncode": process.returncode,
    }


def status_mismatches(examples: dict, also=None) -> list:
    """Blocks whose printed statuses are not the announced ones.

    :param also: ``{announced: {also accepted}}`` for a final PATCH.
    """
    also = also or {}
    mismatches = []
    for block, output in zip(examples["blocks"], examples["outputs"], strict=True):
        announced = announced_statuses(block)
        printed = printed_statuses(output)
        matches = len(announced) == len(printed) and all(
            got == status or (is_final_patch and got in also.get(status, ()))
            for (status, is_final_patch), got in zip(announced, printed, strict=True)
        )
        if not matches:
            mismatches.append((block.splitlines()[0], announced, printed, output))
    return mismatches


def failed_commands(examples: dict) -> list[str]:
    return [line for line in examples["stdout"].splitlines() if line.startswith(FAILED)]
