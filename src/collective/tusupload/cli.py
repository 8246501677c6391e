"""``tusupload-cleanup``: remove expired uploads from cron, without Zope.

Imports only the core, :mod:`.environment` and the standard library, so it
starts in a moment and needs neither ``zope.conf`` nor a database::

    tusupload-cleanup --dir /srv/plone/var/tusupload
    tusupload-cleanup --dir /srv/plone/var/tusupload --older-than 172800 --dry-run

Exit status: 0 done (or skipped because another process is sweeping the
directory), 1 failure (e.g. the directory is missing or unreadable),
2 wrong usage.
"""

from __future__ import annotations

from collections.abc import Sequence
from collective.tusupload.core.cleanup import DEFAULT_GRACE
from collective.tusupload.core.sweep import sweep
from collective.tusupload.environment import STORE_VARIABLE
from collective.tusupload.environment import TMP_DIR_VARIABLE

import argparse
import os
import sys


def seconds(value: str) -> float:
    """argparse type: a non-negative number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a number of seconds: {value!r}"
        ) from None
    if number < 0 or number != number:
        raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
    return number


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tusupload-cleanup",
        description=(
            "Remove expired and abandoned tus uploads, orphaned files and stale "
            "lock files from an upload directory of collective.tusupload."
        ),
    )
    parser.add_argument(
        "--dir",
        default=os.environ.get(TMP_DIR_VARIABLE, "").strip() or None,
        help=(
            "the upload directory (the add-on's temporary directory setting); "
            f"defaults to ${TMP_DIR_VARIABLE}"
        ),
    )
    parser.add_argument(
        "--older-than",
        type=seconds,
        metavar="SECONDS",
        help=(
            "remove unfinished uploads nobody touched for this long, whatever "
            "their expiry says"
        ),
    )
    parser.add_argument(
        "--grace",
        type=seconds,
        default=DEFAULT_GRACE,
        metavar="SECONDS",
        help=(
            "how old a file without upload info must be before it goes "
            f"(default {DEFAULT_GRACE:.0f})"
        ),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only report what would be removed",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list the ids as well"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cleanup; return the exit status."""
    parser = make_parser()
    options = parser.parse_args(argv)
    if os.environ.get(STORE_VARIABLE, "").strip().lower() == "zodb":
        return fail(
            f"{STORE_VARIABLE}=zodb: unfinished uploads are in the database, "
            "where every Zope instance's cleanup timer sweeps them in turn "
            "(or a Manager's @tusupload-cleanup); nothing to do here"
        )
    if not options.dir:
        parser.error(f"--dir is required unless {TMP_DIR_VARIABLE} is set")
    directory = options.dir
    if not os.path.isdir(directory):
        return fail(f"no such directory: {directory}")
    if not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
        return fail(f"directory not readable and writable: {directory}")
    try:
        summary = sweep(
            directory,
            dry_run=options.dry_run,
            grace=options.grace,
            older_than=options.older_than,
        )
    except OSError as error:
        return fail(f"cleanup of {directory} failed: {error}")
    if summary is None:
        print(f"{directory}: another process is cleaning up; skipped")
        return 0
    print(f"{directory}: {summary}")
    if options.verbose:
        orphans = set(summary.orphans)
        for upload_id in summary.removed_ids:
            kind = "orphan" if upload_id in orphans else "upload"
            print(f"  {kind:<8} {upload_id}")
        for upload_id in summary.stale_locks:
            print(f"  {'lock':<8} {upload_id}")
        for upload_id in summary.skipped_locked:
            print(f"  {'busy':<8} {upload_id}")
    return 0


def fail(message: str) -> int:
    print(f"tusupload-cleanup: {message}", file=sys.stderr)
    return 1


def run() -> None:
    """Console script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
