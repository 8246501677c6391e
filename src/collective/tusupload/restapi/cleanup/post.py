"""POST ``/<site>/@tusupload-cleanup``: sweep the upload directory now."""

from collective.tusupload import jobs
from collective.tusupload.settings import get_settings
from plone.restapi.services import Service
from zope.interface import alsoProvides

import plone.protect.interfaces


class CleanupPost(Service):
    """Runs a sweep and returns its summary as JSON."""

    def reply(self):
        # Only the temporary directory changes, never the ZODB.
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        return cleanup_reply(get_settings().cleanup_place)


def cleanup_reply(directory: str) -> dict:
    """Sweep ``directory`` and describe the outcome.

    :returns: ``{"directory", "status", "summary", "message"}``; ``status`` is
        ``done``, ``busy`` (another process sweeps) or ``missing`` (no upload
        directory yet, nothing to clean).
    """
    try:
        summary = jobs.run_now(directory)
    except FileNotFoundError:
        return _reply(directory, "missing", None, "no upload directory yet")
    if summary is None:
        return _reply(directory, "busy", None, "another process is cleaning up")
    return _reply(directory, "done", summary.to_dict(), str(summary))


def _reply(directory, status, summary, message) -> dict:
    return {
        "directory": directory,
        "status": status,
        "summary": summary,
        "message": message,
    }
