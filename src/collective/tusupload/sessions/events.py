"""Events of upload sessions (PEP 694's "processing" hooks).

:class:`FileStagedEvent` fires when a file is completed (its size and
hashes verified), inside the ``complete`` request's transaction: a
subscriber that raises (a virus scanner, say) puts the file in ``error``
with its message as a notice, and nothing it did stays.
:class:`SessionPublishedEvent` fires once all of a session's items exist,
in the publishing transaction.
"""

from __future__ import annotations

from collective.tusupload.interfaces import IFileStagedEvent
from collective.tusupload.interfaces import ISessionPublishedEvent
from zope.interface import implementer


@implementer(IFileStagedEvent)
class FileStagedEvent:
    def __init__(self, folder, session, session_file, data_path) -> None:
        self.folder = folder
        self.session = session
        self.session_file = session_file
        self.data_path = data_path


@implementer(ISessionPublishedEvent)
class SessionPublishedEvent:
    def __init__(self, folder, session, objects) -> None:
        self.folder = folder
        self.session = session
        self.objects = objects
