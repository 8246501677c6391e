"""POST ``/<site>/@tusupload-cleanup``: sweep the upload directory now."""

from collective.tusupload import jobs
from collective.tusupload.sessions.expiry import sweep_sessions
from collective.tusupload.settings import get_settings
from plone import api
from plone.restapi.services import Service
from zope.interface import alsoProvides

import plone.protect.interfaces


class CleanupPost(Service):
    """Runs a sweep and returns its summary as JSON."""

    def reply(self):
        # The temporary directory, and the site's expired upload sessions.
        alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)
        settings = get_settings()
        sessions = sweep_sessions(api.portal.get(), settings)
        return {**cleanup_reply(settings.cleanup_place), "expired_sessions": sessions}


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
