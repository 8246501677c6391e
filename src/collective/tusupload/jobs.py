"""Scheduled cleanup of expired uploads while Zope serves requests.

Zope under WSGI has no clock server, so the add-on runs its own timer: a
daemon thread that sweeps the upload directory of every Plone site that has
the add-on, each at its ``cleanup_interval`` (0 disables it for that site).

The thread starts once the process serves requests, and not in scripts:

- on ``zope.processlifetime.IProcessStarting`` when the application is being
  built from a PasteDeploy configuration (``zope.ini``), which is how
  ``runwsgi``, ``pserve``, ``bin/instance fg``, gunicorn or uWSGI with
  ``--paste`` start Zope. Scripts fire the same event, since ``zconsole run``
  (and e.g. plone.exportimport's command) call ``make_wsgi_app`` as well, but
  directly, not through PasteDeploy;
- else with the first request that Zope publishes (any other way of serving
  the application), which a script never does.

Test layers build the application without PasteDeploy but do publish
requests (functional tests); their database is plone.testing's stand-in,
which tells them apart. Tests that want the scheduler start it themselves.

Each run reads the settings again from the sites' registries and calls
:func:`collective.tusupload.core.sweep.sweep`, whose directory lock and
timestamp file make sure that all processes sharing a directory sweep it at
most once per interval between them. With the ZODB store
(``TUSUPLOAD_STORE=zodb``) the place swept is the database, and
:func:`collective.tusupload.zodbstore.sweep.sweep_database` lets one
instance of all that share it sweep per interval.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.core.cleanup import CleanupSummary
from collective.tusupload.core.sweep import last_sweep
from collective.tusupload.core.sweep import sweep
from dataclasses import dataclass

import logging
import sys
import threading
import time


logger = logging.getLogger("collective.tusupload")

MAX_WAIT = 60.0
"""Longest sleep between two looks at the settings, in seconds."""


@dataclass(frozen=True)
class Target:
    """One directory to sweep and how often."""

    directory: str
    interval: float


@dataclass(frozen=True)
class SweepRecord:
    """The outcome of the last sweep of a directory in this process.

    :ivar ended_at: when the sweep ended (seconds since the epoch).
    """

    directory: str
    ended_at: float
    summary: CleanupSummary


_records: dict[str, SweepRecord] = {}
_records_guard = threading.Lock()


def remember(directory: str, summary: CleanupSummary) -> SweepRecord:
    """Keep ``summary`` as the last sweep of ``directory`` (for the Manager view)."""
    record = SweepRecord(directory=directory, ended_at=time.time(), summary=summary)
    with _records_guard:
        _records[directory] = record
    return record


def last_record(directory: str) -> SweepRecord | None:
    """Return the last sweep of ``directory`` done by this process, if any."""
    with _records_guard:
        return _records.get(directory)


def sweep_place(
    place: str, *, interval: float = 0.0, **options: object
) -> CleanupSummary | None:
    """Sweep an upload directory, or the database (``settings.cleanup_place``).

    :param options: passed on to :func:`~.core.sweep.sweep` or
        :func:`~.zodbstore.sweep.sweep_database`.
    :returns: the summary, or None when it was not this process's turn.
    :raises FileNotFoundError: for a directory that does not exist.
    """
    from collective.tusupload.settings import ZODB_CLEANUP_PLACE

    if place != ZODB_CLEANUP_PLACE:
        return sweep(place, interval=interval, **options)
    from collective.tusupload.backend import database_backend
    from collective.tusupload.zodbstore.sweep import sweep_database

    backend = database_backend()
    return sweep_database(
        backend.store,  # type: ignore[arg-type]
        backend.locker,  # type: ignore[arg-type]
        interval=interval,
        **options,
    )


def last_sweep_of(place: str) -> float:
    """When anyone last swept ``place`` (0.0 if never)."""
    from collective.tusupload.settings import ZODB_CLEANUP_PLACE

    if place != ZODB_CLEANUP_PLACE:
        return last_sweep(place)
    from collective.tusupload.backend import database_backend
    from collective.tusupload.zodbstore.sweep import last_database_sweep

    return last_database_sweep(database_backend().store)  # type: ignore[arg-type]


def run_now(directory: str, **options: object) -> CleanupSummary | None:
    """Sweep ``directory`` (or the database) at once, whatever the interval.

    :param directory: ``settings.cleanup_place``.
    :param options: passed on to :func:`sweep_place`.
    :returns: the summary, or None if another process is sweeping right now.
    :raises FileNotFoundError: if the directory does not exist.
    """
    summary = sweep_place(directory, interval=0, **options)
    if summary is not None:
        remember(directory, summary)
        _log(directory, summary)
    return summary


class CleanupScheduler:
    """A daemon thread that sweeps directories on their intervals.

    :param find_targets: returns the directories and intervals, called before
        every round so that changed settings apply without a restart.
    :param clock: the time cleanup judges expiry by (tests inject one).
    :param max_wait: longest sleep between rounds, in seconds.
    :param sweep_records: removes what expired outside the directories
        (upload sessions in the ZODB), once per round before the sweeps.
    """

    def __init__(
        self,
        find_targets: Callable[[], Iterable[Target]],
        *,
        clock: Callable[[], float] = time.time,
        max_wait: float = MAX_WAIT,
        sweep_records: Callable[[], object] | None = None,
    ) -> None:
        self.find_targets = find_targets
        self.sweep_records = sweep_records
        self.clock = clock
        self.max_wait = max_wait
        self.rounds = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_running(self) -> bool:
        """True while the thread lives."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once)."""
        if self.is_running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="tusupload-cleanup", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def run_once(self) -> float:
        """Sweep every target that is due; return seconds until the next is."""
        waits = [self.max_wait]
        if self.sweep_records is not None:
            try:
                self.sweep_records()
            except Exception:
                logger.exception("tusupload cleanup of upload sessions failed")
        for target in _merge(self.find_targets()):
            try:
                summary = sweep_place(
                    target.directory, interval=target.interval, clock=self.clock
                )
            except FileNotFoundError:
                # No upload yet: the directory comes with the first one.
                waits.append(target.interval)
                continue
            if summary is not None:
                remember(target.directory, summary)
                _log(target.directory, summary)
            due = last_sweep_of(target.directory) + target.interval
            waits.append(max(due - time.time(), min(1.0, target.interval / 2)))
        self.rounds += 1
        return min(waits)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_once()
            except Exception:
                logger.exception("tusupload cleanup failed")
                wait = self.max_wait
            self._stop.wait(wait)


def _merge(targets: Iterable[Target]) -> list[Target]:
    """One target per directory, with the shortest positive interval."""
    intervals: dict[str, float] = {}
    for target in targets:
        if target.interval > 0:
            known = intervals.get(target.directory)
            intervals[target.directory] = min(known or target.interval, target.interval)
    return [Target(directory, interval) for directory, interval in intervals.items()]


def _log(directory: str, summary: CleanupSummary) -> None:
    if summary.removed_anything:
        logger.info("tusupload cleanup of %s: %s", directory, summary)


# -- Zope wiring ----------------------------------------------------------------


def site_targets(database) -> list[Target]:
    """Read directory and interval from every Plone site that has the add-on.

    :param database: the ZODB database of the Zope application.
    """
    from collective.tusupload.interfaces import REGISTRY_PREFIX
    from collective.tusupload.settings import get_settings
    from plone.base.interfaces import IPloneSiteRoot
    from plone.registry.interfaces import IRegistry
    from zope.component import queryUtility
    from zope.component.hooks import getSite
    from zope.component.hooks import setSite

    import transaction

    manager = transaction.TransactionManager()
    connection = database.open(transaction_manager=manager)
    previous_site = getSite()
    targets = []
    try:
        application = connection.root()["Application"]
        for site in application.objectValues():
            if not IPloneSiteRoot.providedBy(site):
                continue
            setSite(site)
            registry = queryUtility(IRegistry)
            if registry is None or f"{REGISTRY_PREFIX}.cleanup_interval" not in (
                registry.records
            ):
                continue  # the add-on is not installed in this site
            settings = get_settings()
            targets.append(Target(settings.cleanup_place, settings.cleanup_interval))
    finally:
        setSite(previous_site)
        manager.abort()
        connection.close()
    return targets


_scheduler: CleanupScheduler | None = None
_scheduler_guard = threading.Lock()


def get_scheduler() -> CleanupScheduler | None:
    """Return the running scheduler of this process, if any."""
    return _scheduler


def start_scheduler(
    database=None, *, reason: str = "asked", **options: object
) -> CleanupScheduler:
    """Start this process's scheduler (once) on ``database`` (default Zope's).

    :param reason: what started it, for the log.
    :param options: passed on to :class:`CleanupScheduler`.
    """
    global _scheduler
    with _scheduler_guard:
        if _scheduler is None or not _scheduler.is_running:
            if database is None:
                import Zope2

                database = Zope2.DB
            from collective.tusupload.sessions.expiry import sweep_all_sites

            options.setdefault("sweep_records", lambda: sweep_all_sites(database))
            _scheduler = CleanupScheduler(lambda: site_targets(database), **options)
            _scheduler.start()
            logger.info("tusupload cleanup scheduler started (%s)", reason)
        return _scheduler


def stop_scheduler() -> None:
    """Stop this process's scheduler, if it runs."""
    global _scheduler
    with _scheduler_guard:
        if _scheduler is not None:
            _scheduler.stop()
            _scheduler = None


def on_process_starting(event) -> None:
    """Subscriber of ``IProcessStarting``: start if a server is starting Zope."""
    if _built_by_paste_deploy() and _is_serving_database():
        start_scheduler(reason="Zope start-up")


def on_publication_start(event) -> None:
    """Subscriber of ``IPubStart``: this process serves requests, so sweep.

    Costs one attribute lookup once the scheduler runs.
    """
    if _scheduler is None and _is_serving_database():
        start_scheduler(reason="first request")


def _built_by_paste_deploy() -> bool:
    """Whether PasteDeploy is loading the application (a server starts Zope)."""
    frame = sys._getframe(1)
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith("paste.deploy."):
            return True
        frame = frame.f_back
    return False


def _is_serving_database() -> bool:
    import Zope2

    return Zope2.DB is not None and not _is_test_database(Zope2.DB)


def _is_test_database(database) -> bool:
    return type(database).__module__.startswith("plone.testing")
