"""The add-on's settings as plain values, read from the Plone registry."""

from collective.tusupload.core.filestore.store import DEFAULT_FSYNC
from collective.tusupload.environment import FSYNC_VARIABLE
from collective.tusupload.environment import STORE_VARIABLE
from collective.tusupload.environment import TMP_DIR_VARIABLE
from collective.tusupload.interfaces import ITusUploadSettings
from collective.tusupload.interfaces import REGISTRY_PREFIX
from dataclasses import dataclass
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility

import fnmatch
import os
import tempfile


MIB = 1024 * 1024

#: The store kinds ``$TUSUPLOAD_STORE`` names.
FILE_STORE = "file"
ZODB_STORE = "zodb"
#: Where the cleanup of the ZODB store keeps its turn (instead of a directory).
ZODB_CLEANUP_PLACE = "zodb"


@dataclass(frozen=True)
class UploadSettings:
    """Settings in the units the code needs (bytes, seconds, a path).

    ``max_pending_size`` and ``max_pending_uploads`` limit one user's
    unfinished uploads (bytes, number); None means no limit. ``store`` is
    :data:`FILE_STORE` (``directory``) or :data:`ZODB_STORE` (the database).
    """

    max_size: int | None
    expiry: int
    directory: str
    allowed_mime_types: tuple[str, ...]
    chunk_size: int
    cleanup_interval: int
    fsync: bool = DEFAULT_FSYNC
    max_pending_size: int | None = None
    max_pending_uploads: int | None = None
    session_expiry: int = 604800
    session_max_lifetime: int = 2592000
    publish_async_threshold: int = 100
    store: str = FILE_STORE

    @property
    def cleanup_place(self) -> str:
        """What the cleanup sweeps: the upload directory, or the database."""
        return ZODB_CLEANUP_PLACE if self.store == ZODB_STORE else self.directory

    def allows_mime_type(self, mime_type: str | None) -> bool:
        """Whether ``mime_type`` matches the allowed list (empty allows all).

        :param mime_type: e.g. ``image/png``; parameters are ignored.
        """
        if not self.allowed_mime_types:
            return True
        if not mime_type:
            return False
        bare_type = mime_type.split(";", 1)[0].strip().lower()
        return any(
            fnmatch.fnmatchcase(bare_type, pattern.strip().lower())
            for pattern in self.allowed_mime_types
            if pattern.strip()
        )


def _record(registry, name: str):
    """A registry value, or the schema default while the add-on is missing."""
    if registry is not None:
        value = registry.get(f"{REGISTRY_PREFIX}.{name}")
        if value is not None:
            return value
    return ITusUploadSettings[name].default


def instance_var_directory() -> str:
    """Zope's client home (the instance's ``var``), else the system temp dir."""
    try:
        from App.config import getConfiguration

        client_home = getattr(getConfiguration(), "clienthome", None)
    except ImportError:  # pragma: no cover - Zope is always there in Plone
        client_home = None
    return client_home or tempfile.gettempdir()


def resolve_upload_directory(configured: str | None) -> str:
    """Where unfinished uploads live.

    :param configured: the ``tmp_dir`` registry value.
    :returns: ``configured`` if set, else ``$TUSUPLOAD_TMP_DIR``, else
        ``tusupload`` in the instance's var directory.
    """
    if configured and configured.strip():
        return configured.strip()
    from_environment = os.environ.get(TMP_DIR_VARIABLE, "").strip()
    if from_environment:
        return from_environment
    return os.path.join(instance_var_directory(), "tusupload")


def fsync_from_environment() -> bool:
    """Whether ``$TUSUPLOAD_FSYNC`` asks to flush every chunk to the disk.

    A machine setting, like the upload directory: ``1``/``true``/``yes``/
    ``on`` turn it on, ``0``/``false``/``no``/``off`` off; unset (or
    anything else), the file store's default
    (:data:`~collective.tusupload.core.filestore.store.DEFAULT_FSYNC`).
    """
    value = os.environ.get(FSYNC_VARIABLE, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return DEFAULT_FSYNC


def store_from_environment() -> str:
    """The store kind ``$TUSUPLOAD_STORE`` names (default: the file store).

    A machine setting, not a registry record: every instance must agree on
    it before it serves a request, the front server's own threads and the
    cleanup need it without a site, and a value that changes in the
    database would strand the uploads begun in the other store. A value
    that names no store is returned as it is: the backend refuses it (503).
    """
    return os.environ.get(STORE_VARIABLE, "").strip().lower() or FILE_STORE


def get_settings() -> UploadSettings:
    """Read the current settings from the site's registry."""
    registry = queryUtility(IRegistry)
    max_size_mib = _record(registry, "max_upload_size")
    max_pending_mib = _record(registry, "max_pending_size")
    return UploadSettings(
        max_size=max_size_mib * MIB if max_size_mib else None,
        expiry=_record(registry, "upload_expiry"),
        directory=resolve_upload_directory(_record(registry, "tmp_dir")),
        allowed_mime_types=tuple(_record(registry, "allowed_mime_types") or ()),
        chunk_size=_record(registry, "chunk_size") * MIB,
        cleanup_interval=_record(registry, "cleanup_interval"),
        fsync=fsync_from_environment(),
        max_pending_size=max_pending_mib * MIB if max_pending_mib else None,
        max_pending_uploads=_record(registry, "max_pending_uploads") or None,
        session_expiry=_record(registry, "session_expiry"),
        session_max_lifetime=_record(registry, "session_max_lifetime"),
        publish_async_threshold=_record(registry, "publish_async_threshold"),
        store=store_from_environment(),
    )
