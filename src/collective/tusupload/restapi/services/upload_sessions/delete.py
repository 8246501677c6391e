"""DELETE: cancel a session (204), or delete one of its files (204)."""

from collective.tusupload.restapi.services.upload_sessions.service import (
    SessionsService,
)
from collective.tusupload.sessions import lifecycle
from collective.tusupload.sessions.access import check_may_change


class SessionsDelete(SessionsService):
    def reply(self):
        request = self.session_request
        check_may_change(request)
        route = self.route()
        if route == ("*",):
            session, _ = self.target()
            lifecycle.cancel(request, session)
            return self.reply_no_content()
        if route == ("*", "files", "*"):
            session, session_file = self.target()
            lifecycle.delete_file(request, session, session_file)
            return self.reply_no_content()
        raise self.not_found()
