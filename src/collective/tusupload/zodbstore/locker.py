"""Locks in the shared database: :class:`ZODBLocker`.

Several instances serve one upload's requests, so its lock must be where
they all look: a :class:`~.records.LockRecord` per key in the database.
Taking a lock is a short transaction that writes the holder's token;
two instances taking it at once both write the record, and the database
lets only one commit (the other's ConflictError means "busy").

A lock is a lease: it holds for ``ttl`` seconds and a thread of this
process renews every lease it holds each ``ttl / 3`` seconds, so a long
body keeps its lock, while the lock of an instance that was killed runs
out after at most ``ttl`` seconds and another instance takes it over.
The instances' clocks must agree to well under ``ttl`` (NTP).
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.zodbstore.records import LockRecord
from collective.tusupload.zodbstore.records import UploadsRoot
from collective.tusupload.zodbstore.sessions import Sessions
from ZODB.POSException import ConflictError

import logging
import os
import secrets
import socket
import threading
import time


logger = logging.getLogger("collective.tusupload")

#: Seconds a lock holds without renewal (how long a killed instance's
#: uploads stay busy).
DEFAULT_TTL = 20.0


class ZODBLocker(Locker):
    """Per-upload (and per-folder) locks shared by every process of a database.

    :param database: the ``ZODB.DB`` the store lives in.
    :param ttl: seconds a lease holds unless renewed.
    :param poll_interval: seconds between attempts while waiting.
    """

    def __init__(
        self, database, *, ttl: float = DEFAULT_TTL, poll_interval: float = 0.05
    ) -> None:
        self.sessions = Sessions(database)
        self.ttl = ttl
        self.poll_interval = poll_interval
        self.label = f"{socket.gethostname()}:{os.getpid()}"
        self._held: dict[str, str] = {}  # token -> key
        self._guard = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._wake = threading.Event()

    def acquire(self, upload_id: str, *, timeout: float = 0.0) -> Lease:
        """Take the lock of ``upload_id`` (any key), waiting up to ``timeout``.

        :raises errors.Locked: (423) if someone else holds it throughout.
        """
        deadline = time.monotonic() + timeout
        token = secrets.token_hex(16)
        while True:
            if self._try_take(upload_id, token):
                with self._guard:
                    self._held[token] = upload_id
                self._start_renewer()
                return Lease(upload_id, lambda: self._release(upload_id, token))
            if time.monotonic() >= deadline:
                raise errors.Locked(headers={"Retry-After": "1"})
            time.sleep(self.poll_interval)

    def _try_take(self, key: str, token: str) -> bool:
        with self.sessions.open(note=f"tus lock {key}") as (root, manager):
            record = root.locks.get(key)
            now = time.time()
            if record is not None and record.holder and record.until > now:
                return False
            if record is None:
                record = root.locks[key] = LockRecord()
            record.holder = token
            record.until = now + self.ttl
            record.label = self.label
            try:
                manager.commit()
            except ConflictError:
                return False  # someone took it (or made it) at the same time
            return True

    def _release(self, key: str, token: str) -> None:
        with self._guard:
            self._held.pop(token, None)

        def free(root: UploadsRoot) -> None:
            record = root.locks.get(key)
            if record is not None and record.holder == token:
                record.holder = None
                record.until = 0.0

        try:
            self.sessions.write(free, note=f"tus unlock {key}")
        except ConflictError:
            # Busy records only: the lease runs out by itself within ttl.
            logger.warning("could not release lock %s; it expires by itself", key)

    def forget(self, upload_id: str) -> None:
        """Delete the lock's record (its upload is gone); call while holding it."""

        def delete(root: UploadsRoot) -> None:
            if upload_id in root.locks:
                del root.locks[upload_id]

        self.sessions.write(delete, note=f"tus lock {upload_id}: forget")

    def holder_of(self, key: str) -> str | None:
        """Which process holds ``key`` now (``host:pid``), or None."""

        def holder(root: UploadsRoot) -> str | None:
            record = root.locks.get(key)
            if record is None or not record.holder or record.until <= time.time():
                return None
            return record.label

        return self.sessions.read(holder)

    # -- renewal ---------------------------------------------------------------

    def _start_renewer(self) -> None:
        with self._guard:
            if self._renewer is not None and self._renewer.is_alive():
                return
            self._renewer = threading.Thread(
                target=self._renew_loop, name="tusupload-lock-renewal", daemon=True
            )
            self._renewer.start()

    def _renew_loop(self) -> None:
        while True:
            self._wake.wait(self.ttl / 3)
            with self._guard:
                held = dict(self._held)
            if not held:
                continue
            try:
                self._renew(held)
            except Exception:
                logger.exception("renewing upload locks failed; trying again")

    def _renew(self, held: dict[str, str]) -> None:
        def extend(root: UploadsRoot) -> None:
            until = time.time() + self.ttl
            for token, key in held.items():
                record = root.locks.get(key)
                if record is not None and record.holder == token:
                    record.until = until

        self.sessions.write(extend, note="tus locks: renew")
