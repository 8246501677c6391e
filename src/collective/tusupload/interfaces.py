"""Browser layer, settings schema, and the names of the add-on's endpoints."""

from collective.tusupload import _
from collective.tusupload.core.disk import directory_problem
from zope import schema
from zope.interface import Attribute
from zope.interface import Interface
from zope.interface import Invalid
from zope.publisher.interfaces.browser import IDefaultBrowserLayer


REGISTRY_PREFIX = "collective.tusupload"

#: The REST endpoint of uploads: ``<folder>/@tus-upload`` creates, and every
#: upload lives at ``<folder-or-item>/@tus-upload/<id>``.
ENDPOINT = "@tus-upload"
#: The REST endpoint that creates an upload replacing an item's file.
REPLACE_ENDPOINT = "@tus-replace"
#: The REST endpoint of upload sessions: ``<folder>/@upload-sessions``.
SESSIONS_ENDPOINT = "@upload-sessions"
#: The public view of a session's staged files: ``<site>/@@upload-stage/<token>``.
STAGE_VIEW = "upload-stage"


class ICollectiveTusuploadLayer(IDefaultBrowserLayer):
    """Marker interface for the browser layer of collective.tusupload."""


class IFileStagedEvent(Interface):
    """A file of an upload session is complete: its size and hashes match.

    Subscribers may refuse it by raising; the file is then in ``error``
    with the exception's message as a notice.
    """

    folder = Attribute("The folder the session publishes into.")
    session = Attribute("The upload session.")
    session_file = Attribute("The file (filename, size, hashes, content_type).")
    data_path = Attribute("The staged bytes as a local file, or None.")


class ISessionPublishedEvent(Interface):
    """All files of an upload session became items, in one transaction."""

    folder = Attribute("The folder.")
    session = Attribute("The upload session, now published.")
    objects = Attribute("The new items, in the order of the files.")


def usable_upload_directory(value: str | None) -> bool:
    """Constraint of ``tmp_dir``: empty, or a directory uploads can be written to.

    Creates the directory if it is missing (see
    :func:`~collective.tusupload.core.disk.directory_problem`).

    :raises Invalid: with the reason in words, which the control panel and
        ``@controlpanels`` show.
    """
    path = (value or "").strip()
    if not path:
        return True
    problem = directory_problem(path)
    if problem is not None:
        raise Invalid(
            f"The upload directory {path} can't be used: {problem}. Give a "
            "directory the Zope process can create and write to, or leave "
            "the field empty for the default."
        )
    return True


class ITusUploadSettings(Interface):
    """Site-wide settings of resumable uploads, stored in the Plone registry."""

    max_upload_size = schema.Int(
        title=_("Maximum upload size (MiB)"),
        description=_(
            "Uploads larger than this are refused before any byte is stored. "
            "0 means no limit."
        ),
        default=10240,
        min=0,
        required=True,
    )

    max_pending_size = schema.Int(
        title=_("Unfinished uploads per user: total size (MiB)"),
        description=_(
            "A user whose unfinished uploads add up to more than this can't "
            "start another one until some finish, are deleted or expire. "
            "Keeps one user from filling the disk. 0 means no limit."
        ),
        default=20480,
        min=0,
        required=True,
    )

    max_pending_uploads = schema.Int(
        title=_("Unfinished uploads per user: number"),
        description=_(
            "How many unfinished uploads one user may have at a time. 0 means no limit."
        ),
        default=50,
        min=0,
        required=True,
    )

    upload_expiry = schema.Int(
        title=_("Expiry of unfinished uploads (seconds)"),
        description=_(
            "An unfinished upload expires this long after its creation or its "
            "last received chunk, and is then removed by the cleanup job."
        ),
        default=86400,
        min=60,
        required=True,
    )

    tmp_dir = schema.TextLine(
        title=_("Temporary directory"),
        description=_(
            "Where unfinished uploads are kept. Every Zope instance of the site "
            "must see the same directory. Empty means the directory named by "
            "the environment variable TUSUPLOAD_TMP_DIR, else 'tusupload' in "
            "the instance's var directory. It is created if missing and must "
            "be writable by Zope."
        ),
        default="",
        required=False,
        constraint=usable_upload_directory,
    )

    allowed_mime_types = schema.List(
        title=_("Allowed MIME types"),
        description=_(
            "One MIME type per line; 'image/*' allows a whole family. "
            "Empty allows every type."
        ),
        value_type=schema.TextLine(),
        default=[],
        missing_value=[],
        required=False,
    )

    chunk_size = schema.Int(
        title=_("Chunk size for browsers (MiB)"),
        description=_(
            "How much the upload page sends per request. Larger chunks are "
            "faster, smaller ones lose less on a flaky connection."
        ),
        default=8,
        min=1,
        max=1024,
        required=True,
    )

    cleanup_interval = schema.Int(
        title=_("Cleanup interval (seconds)"),
        description=_(
            "How often expired temporary uploads are removed. 0 disables the "
            "in-process cleanup (use the tusupload-cleanup script from cron)."
        ),
        default=3600,
        min=0,
        required=True,
    )

    session_expiry = schema.Int(
        title=_("Lifetime of upload sessions (seconds)"),
        description=_(
            "An upload session (files staged to be published together) "
            "expires this long after its creation, unless extended; the "
            "cleanup job then removes it and its staged files. Default: 7 days."
        ),
        default=604800,
        min=60,
        required=True,
    )

    session_max_lifetime = schema.Int(
        title=_("Longest lifetime of an extended upload session (seconds)"),
        description=_(
            "Extending a session never moves its expiry further than this "
            "from its creation. Default: 30 days."
        ),
        default=2592000,
        min=60,
        required=True,
    )

    publish_async_threshold = schema.Int(
        title=_("Publish in the background above (files)"),
        description=_(
            "A session with more files than this is published by a background "
            "worker: the publish request answers at once (202) and the "
            "session reports 'processing' until it is published. 0 publishes "
            "every session in the background."
        ),
        default=100,
        min=0,
        required=True,
    )
