"""GET: the folder's sessions, a session, a file."""

from collective.tusupload.restapi.services.upload_sessions.service import (
    SessionsService,
)
from collective.tusupload.sessions.access import check_may_upload
from collective.tusupload.sessions.serialize import file_json
from collective.tusupload.sessions.serialize import listing_json
from collective.tusupload.sessions.serialize import session_json

import time


class SessionsGet(SessionsService):
    def reply(self):
        request = self.session_request
        check_may_upload(request)
        route = self.route()
        if route == ():
            storage = request.storage()
            now = time.time()
            sessions = [
                item
                for item in (storage.in_folder(request.folder_uid) if storage else ())
                if not item.is_expired(now)
            ]
            return listing_json(sessions, request.links)
        if route == ("*",):
            session, _ = self.target()
            return session_json(session, request.links)
        if route == ("*", "files", "*"):
            session, session_file = self.target()
            return file_json(session, session_file, request.links)
        raise self.not_found()
