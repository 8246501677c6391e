"""POST: get-or-create a session; declare, send, complete a file; publish; extend."""

from collective.tusupload.restapi.services.upload_sessions.service import (
    SessionsService,
)
from collective.tusupload.sessions import lifecycle
from collective.tusupload.sessions.access import check_may_change
from collective.tusupload.sessions.complete import complete
from collective.tusupload.sessions.declare import declare
from collective.tusupload.sessions.postbytes import receive_bytes
from collective.tusupload.sessions.problems import SessionProblem
from collective.tusupload.sessions.publish import publish
from collective.tusupload.sessions.serialize import file_json
from collective.tusupload.sessions.serialize import session_json


class SessionsPost(SessionsService):
    def reply(self):
        request = self.session_request
        check_may_change(request)
        route = self.route()
        links = request.links
        if route == ():
            session, created = lifecycle.open_or_join(request, self.json_body())
            if not created:
                raise SessionProblem(
                    409,
                    "Session exists",
                    f"an upload session named {session.name!r} is "
                    f"{session.status} in this folder; join it at Location",
                    source="name",
                    headers={"Location": links.session(session)},
                )
            self.created(links.session(session))
            return session_json(session, links)
        if route == ("*", "files", "*", "bytes"):
            session, session_file = self.target()
            receive_bytes(request, session, session_file)
            return file_json(session, session_file, links)
        if route in (("*", "upload"), ("*", "publish"), ("*", "extend")):
            session, _ = self.target()
            action = route[1]
            if action == "upload":
                session_file = declare(request, session, self.json_body())
                self.created(links.file(session, session_file))
                return file_json(session, session_file, links)
            if action == "extend":
                lifecycle.extend(request, session, self.json_body())
                return session_json(session, links)
            deferred = publish(request, session)
            self.created(links.session(session), 202 if deferred else 201)
            return session_json(session, links)
        if route in (("*", "files", "*", "complete"), ("*", "files", "*", "extend")):
            session, session_file = self.target()
            if route[3] == "extend":
                lifecycle.extend(request, session, self.json_body())
                return file_json(session, session_file, links)
            deferred = complete(request, session, session_file)
            self.created(links.file(session, session_file), 202 if deferred else 201)
            if deferred:
                self.request.response.setHeader("Retry-After", "1")
            return file_json(session, session_file, links)
        raise self.not_found()
