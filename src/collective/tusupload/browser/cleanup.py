"""``@@tusupload-cleanup``: the last cleanup of this site's uploads, and a button."""

from collective.tusupload import jobs
from collective.tusupload.sessions.expiry import sweep_sessions
from collective.tusupload.settings import get_settings
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile

import datetime


class CleanupView(BrowserView):
    """Shows the last sweep of the upload directory; a POST runs one now."""

    index = ViewPageTemplateFile("templates/cleanup.pt")

    outcome = None

    def __call__(self):
        if self.request.method == "POST" and "form.run" in self.request.form:
            CheckAuthenticator(self.request)
            self.outcome = self.run()
        return self.index()

    def run(self) -> str:
        """Sweep now; return what to tell the Manager."""
        sweep_sessions(self.context, get_settings())
        try:
            summary = jobs.run_now(self.directory())
        except FileNotFoundError:
            return "missing"
        return "busy" if summary is None else "done"

    def directory(self) -> str:
        return get_settings().cleanup_place

    def settings(self):
        return get_settings()

    def record(self):
        return jobs.last_record(self.directory())

    def ended_at(self, record) -> str:
        moment = datetime.datetime.fromtimestamp(record.ended_at)
        return moment.isoformat(sep=" ", timespec="seconds")

    def scheduler_running(self) -> bool:
        scheduler = jobs.get_scheduler()
        return scheduler is not None and scheduler.is_running
