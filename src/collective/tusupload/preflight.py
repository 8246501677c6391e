"""Checks before bytes: refuse at creation what the finish would trip over.

A tus upload is accepted chunk by chunk and only becomes content at its last
chunk. Whatever would make that last step fail has to be found when the
upload is created, before the client sends a byte: otherwise a user sends
gigabytes and then gets an error the client can't recover from (it resumes,
finds offset = length, and stops). These checks run in
:meth:`collective.tusupload.policy.PloneHooks.before_create`, after the
permission and type checks, and refuse with
:class:`~collective.tusupload.core.errors.HookRefused`:

- the site's database has no blob storage (503): the finish moves the bytes
  into a ZODB blob;
- the upload directory can't be written (503);
- the user's unfinished uploads would pass the per-user limits (413): one
  user must not be able to fill the disk.

An upload directory on another filesystem than the blob storage works, but
each finish then copies the file instead of moving it; that is logged once.
"""

from __future__ import annotations

from collections.abc import Iterator
from collective.tusupload import logger
from collective.tusupload.core.disk import directory_problem
from collective.tusupload.core.disk import format_size
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.store import Leftovers
from collective.tusupload.core.store import Store
from dataclasses import dataclass
from typing import TYPE_CHECKING
from ZODB.interfaces import IBlobStorage

import datetime
import os
import threading
import time


if TYPE_CHECKING:
    from collective.tusupload.settings import UploadSettings


SETTINGS_PLACE = "Site Setup > Resumable uploads"

#: (upload directory, blob directory) pairs already warned about.
_warned_copies: set[tuple[str, str]] = set()
# A DemoStorage makes itself a blob storage on the first call of
# temporaryDirectory(), unguarded: two requests calling it at once wrap it
# twice, and the second fails with an AssertionError (a 500 at creation).
_blob_directory_lock = threading.Lock()


def check_before_create(
    *,
    store: Store,
    context,
    info: UploadInfo,
    settings: UploadSettings,
    now: float | None = None,
) -> None:
    """Run every check for a new upload of ``info.principal`` into ``context``.

    :param store: the store the upload will live in.
    :param context: the folder or item the upload is for (its database is
        where the content will be stored).
    :param info: the new upload (its length and principal are used).
    :param settings: the site's upload settings (read once per request).
    :raises HookRefused: 503 for a misconfigured site, 413 over a limit.
    """
    storage = database_storage(context)
    if storage is not None:
        check_blob_storage(storage)
    directory = getattr(store, "directory", None)
    if directory is not None:
        check_upload_directory(directory)
        if storage is not None:
            warn_if_finish_copies(directory, storage)
    if not info.is_final:
        # A final upload is made of the user's partial uploads: no new bytes.
        check_pending_limits(
            store,
            principal=info.principal,
            length=info.length,
            max_size=settings.max_pending_size,
            max_uploads=settings.max_pending_uploads,
            now=time.time() if now is None else now,
        )


def database_storage(context):
    """The ZODB storage ``context`` is stored in; None if it has no database."""
    connection = getattr(context, "_p_jar", None)
    if connection is None:
        return None
    return connection.db().storage


def check_blob_storage(storage) -> None:
    """Refuse uploads when the database can't store blobs.

    :raises HookRefused: 503 naming cause and fix.
    """
    if not IBlobStorage.providedBy(storage):
        raise HookRefused(
            503,
            "this site's database has no blob storage, so uploaded files "
            "can't be stored; the site's administrator has to configure one "
            "(blob-dir in zope.conf, see the deployment docs) and restart",
        )


def unusable_directory_message(directory: str, problem: str) -> str:
    """The reply for an upload directory that can't be used, with the fix."""
    return (
        f"the upload directory {directory} can't be used: {problem}; "
        f"a Site Administrator can fix it in {SETTINGS_PLACE} "
        "(Temporary directory)"
    )


def check_upload_directory(directory: str) -> None:
    """Refuse uploads when ``directory`` can't be written.

    :raises HookRefused: 503 with the reason and where to fix it.
    """
    problem = directory_problem(directory)
    if problem is not None:
        raise HookRefused(503, unusable_directory_message(directory, problem))


def warn_if_finish_copies(directory: str, storage) -> None:
    """Log once if the finish has to copy uploads into the blob storage.

    The finish hard-links the upload into a blob; across filesystems ZODB
    falls back to copying, which works but takes as long as the upload's
    size to write again. Not a reason to refuse.
    """
    try:
        with _blob_directory_lock:
            blob_directory = storage.temporaryDirectory()
        same_device = os.stat(directory).st_dev == os.stat(blob_directory).st_dev
    except (AttributeError, OSError):
        return
    key = (directory, blob_directory)
    if same_device or key in _warned_copies:
        return
    _warned_copies.add(key)
    logger.warning(
        "The upload directory %s and the blob storage (%s) are on different "
        "filesystems: every finished upload is copied into the blob storage "
        "instead of being moved. Put the upload directory on the blob "
        "storage's filesystem (%s, Temporary directory, or TUSUPLOAD_TMP_DIR).",
        directory,
        blob_directory,
        SETTINGS_PLACE,
    )


@dataclass(frozen=True)
class PendingUsage:
    """What one user's unfinished uploads hold."""

    #: Unfinished, unexpired uploads.
    uploads: int
    #: Their bytes: the length, or the bytes received while it is deferred.
    size: int
    #: When the first of them expires (None if none expires).
    first_expiry: float | None


def pending_usage(store: Store, principal: str | None, *, now: float) -> PendingUsage:
    """Sum up the unfinished uploads of ``principal`` in ``store``.

    Finished uploads (which keep a small record until they expire) and
    expired ones (which the cleanup removes) do not count. A scan of the
    store's directory, reading the records of uploads that still have data:
    finished ones, kept until they expire, cost a ``stat`` each.
    """
    uploads = size = 0
    expiries = []
    for info in _infos(store):
        if info.principal != principal or info.finished or info.is_expired(now):
            continue
        uploads += 1
        size += info.length if info.length is not None else info.offset
        if info.expires is not None:
            expiries.append(info.expires)
    return PendingUsage(
        uploads=uploads, size=size, first_expiry=min(expiries, default=None)
    )


def _infos(store: Store) -> Iterator[UploadInfo]:
    """Every upload's info; finished ones may be left out.

    A store that reads them all at once (the ZODB store: one transaction,
    so instances count the same uploads) does; a directory is scanned,
    skipping finished uploads' records (their data became the content) with
    a look at the directory instead of reading and parsing them.
    """
    read_all = getattr(store, "infos", None)
    if read_all is not None:
        yield from read_all()
        return
    can_tell = isinstance(store, Leftovers)
    for upload_id in store.list_ids():
        if can_tell and not store.has_data(upload_id):
            continue
        try:
            yield store.get_info(upload_id)
        except TusError:
            continue  # removed meanwhile, or unreadable


def check_pending_limits(
    store: Store,
    *,
    principal: str | None,
    length: int | None,
    max_size: int | None,
    max_uploads: int | None,
    now: float,
) -> None:
    """Refuse a new upload that would take ``principal`` over a limit.

    :param length: the new upload's length; None while deferred (counts 0).
    :param max_size: most bytes of unfinished uploads per user; None: no limit.
    :param max_uploads: most unfinished uploads per user; None: no limit.
    :raises HookRefused: 413, saying how much is pending and how to free it.
    """
    if max_size is None and max_uploads is None:
        return
    usage = pending_usage(store, principal, now=now)
    pending = (
        f"you have {usage.uploads} unfinished "
        f"{'upload' if usage.uploads == 1 else 'uploads'} "
        f"with {format_size(usage.size)}"
    )
    if max_uploads is not None and usage.uploads >= max_uploads:
        raise HookRefused(
            413,
            f"{pending}, and {max_uploads} is the most one user may have; "
            + _how_to_free(usage),
        )
    if max_size is None or usage.size + (length or 0) <= max_size:
        return
    limit = format_size(max_size)
    if not usage.uploads:
        raise HookRefused(
            413,
            f"this upload ({format_size(length or 0)}) is larger than the "
            f"{limit} one user may have in unfinished uploads",
        )
    raise HookRefused(
        413,
        f"{pending}; with this one ({format_size(length or 0)}) that is more "
        f"than the {limit} one user may have in unfinished uploads; "
        + _how_to_free(usage),
    )


def _how_to_free(usage: PendingUsage) -> str:
    advice = (
        "finish or delete some of them (DELETE on their upload URL; a Site "
        "Administrator can also delete them in Site Setup > Pending uploads)"
    )
    if usage.first_expiry is None:
        return advice
    moment = datetime.datetime.fromtimestamp(usage.first_expiry, tz=datetime.UTC)
    return (
        f"{advice}, or wait until they expire "
        f"(the first at {moment.strftime('%Y-%m-%d %H:%M UTC')})"
    )
