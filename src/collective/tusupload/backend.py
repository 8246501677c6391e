"""The upload backend of a Plone site: store, locker and handler from the settings.

One handler serves every request whose settings are the same; it holds no
per-request state (the Plone side of a request reaches the hooks as the
request's ``context``). Changing the settings (another directory, limit or
expiry) composes a new one.
"""

from __future__ import annotations

from collective.tusupload import preflight
from collective.tusupload.core.compose import Backend
from collective.tusupload.core.compose import file_backend
from collective.tusupload.core.disk import directory_problem
from collective.tusupload.core.errors import ServiceUnavailable
from collective.tusupload.core.handoff import ReceiveHooks
from collective.tusupload.core.protocol import Handler
from collective.tusupload.environment import STORE_VARIABLE
from collective.tusupload.policy import PloneHooks
from collective.tusupload.settings import FILE_STORE
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from collective.tusupload.settings import ZODB_STORE

import threading


#: The site's handler and the front server's receiver, kept by the settings
#: they were made from.
_handlers: dict[tuple, tuple[Handler, Handler]] = {}
_handlers_guard = threading.Lock()
_KEPT_HANDLERS = 8


def open_backend(settings: UploadSettings | None = None) -> Backend:
    """Store and locker of unfinished uploads, as the settings describe them.

    :raises ServiceUnavailable: (503) if the upload directory can't be made,
        with the reason and where to fix it.
    """
    settings = settings if settings is not None else get_settings()
    if settings.store == ZODB_STORE:
        return database_backend()
    if settings.store != FILE_STORE:
        raise ServiceUnavailable(
            f"the server's {STORE_VARIABLE}={settings.store!r} names no upload "
            f"store ({FILE_STORE!r} or {ZODB_STORE!r}); its administrator has "
            "to fix the environment (zope.conf) and restart"
        )
    try:
        return file_backend(settings.directory, fsync=settings.fsync)
    except OSError as error:
        problem = directory_problem(settings.directory) or error.strerror
        raise ServiceUnavailable(
            preflight.unusable_directory_message(
                settings.directory, problem or str(error)
            )
        ) from error


#: The ZODB store and locker of each database this process serves (one
#: locker per database: its thread renews the leases it holds).
_database_backends: dict[int, tuple[object, Backend]] = {}


def database_backend(database=None) -> Backend:
    """The ZODB store and its locker on ``database`` (default: the site's).

    The database is the one the current site lives in, else Zope's main
    database (the front server's own threads have no site).
    """
    from collective.tusupload.zodbstore.locker import ZODBLocker
    from collective.tusupload.zodbstore.store import ZODBStore

    database = database if database is not None else _serving_database()
    with _handlers_guard:
        known = _database_backends.get(id(database))
        if known is not None and known[0] is database:
            return known[1]
    try:
        backend = Backend(ZODBStore(database), ZODBLocker(database))
    except ValueError as error:
        raise ServiceUnavailable(
            f"unfinished uploads can't be kept in this site's database: {error}"
        ) from error
    with _handlers_guard:
        if len(_database_backends) >= _KEPT_HANDLERS:
            _database_backends.clear()
        _database_backends[id(database)] = (database, backend)
    return backend


def _serving_database():
    from zope.component.hooks import getSite

    site = getSite()
    connection = getattr(site, "_p_jar", None)
    if connection is not None:
        return connection.db()
    import Zope2

    if Zope2.DB is None:
        raise ServiceUnavailable("no database is open in this process")
    return Zope2.DB


def _handler_key(settings: UploadSettings) -> tuple:
    database = _serving_database() if settings.store == ZODB_STORE else None
    return (
        settings.store,
        id(database),
        settings.directory,
        settings.fsync,
        settings.max_size,
        settings.expiry,
        settings.chunk_size,
    )


def site_handler(settings: UploadSettings | None = None) -> Handler:
    """The handler for the site's settings, with the Plone policy.

    :raises ServiceUnavailable: if the upload directory is unusable.
    """
    return _site_handlers(settings)[0]


def site_receiver(settings: UploadSettings | None = None) -> Handler:
    """The handler that stores bodies the front server receives (same store).

    See :mod:`.core.handoff`: its hooks only append; Zope's own handler
    authorised the request and finishes the upload.
    """
    return _site_handlers(settings)[1]


def _site_handlers(settings: UploadSettings | None) -> tuple[Handler, Handler]:
    settings = settings if settings is not None else get_settings()
    key = _handler_key(settings)
    with _handlers_guard:
        handlers = _handlers.get(key)
    if handlers is not None:
        return handlers
    backend = open_backend(settings)
    options = {
        "locker": backend.locker,
        "max_size": settings.max_size,
        "expiry": settings.expiry,
        "max_append_size": settings.chunk_size,
    }
    handlers = (
        Handler(
            backend.store,
            hooks=PloneHooks(backend.store, backend.locker),
            # PloneHooks.before_create answers anonymous callers with 401.
            allow_anonymous=True,
            **options,
        ),
        Handler(backend.store, hooks=ReceiveHooks(), **options),
    )
    with _handlers_guard:
        if len(_handlers) >= _KEPT_HANDLERS:
            _handlers.clear()
        _handlers[key] = handlers
    return handlers
