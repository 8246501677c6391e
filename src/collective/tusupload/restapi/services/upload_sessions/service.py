"""``<folder>/@upload-sessions``: upload sessions on the PEP 694 model.

One service class per verb (``get.py``, ``post.py``, ``delete.py``); this
module holds what they share: the path after the endpoint, read as
segments; the check of the folder's permission on every request; the JSON
body; and refusals as RFC 9457 ``application/problem+json``. The work
itself is in :mod:`collective.tusupload.sessions`.
"""

from __future__ import annotations

from collective.tusupload.sessions.access import find_file
from collective.tusupload.sessions.access import find_session
from collective.tusupload.sessions.access import session_request
from collective.tusupload.sessions.problems import PROBLEM_JSON
from collective.tusupload.sessions.problems import SessionProblem
from plone.restapi.services import _no_content_marker
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import json
import transaction


#: The deepest path under the endpoint: <sid>/files/<fid>/<action>.
MAX_SEGMENTS = 4


@implementer(IPublishTraverse)
class SessionsService(Service):
    """Base of the verbs: ``self.segments`` is the path after the endpoint."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.segments: list[str] = []

    def publishTraverse(self, request, name):
        self.segments.append(name)
        return self

    def render(self):
        try:
            try:
                self.check_permission()
            except Unauthorized:
                raise SessionProblem(
                    401,
                    "Unauthorized",
                    "log in to use upload sessions",
                    headers={"WWW-Authenticate": 'Basic realm="Plone"'},
                ) from None
            if len(self.segments) > MAX_SEGMENTS:
                raise self.not_found()
            self.session_request = session_request(self.context, self.request)
            content = self.reply()
        except SessionProblem as problem:
            return self.problem(problem)
        if content is _no_content_marker:
            return b""
        self.request.response.setHeader("Content-Type", "application/json")
        return json.dumps(content, indent=2, sort_keys=True)

    def problem(self, problem: SessionProblem) -> str:
        if not problem.keep_changes:
            transaction.doom()
        response = self.request.response
        response.setStatus(problem.status)
        response.setHeader("Content-Type", PROBLEM_JSON)
        for name, value in problem.headers.items():
            response.setHeader(name, value)
        return problem.body()

    def not_found(self) -> SessionProblem:
        return SessionProblem(404, "Not Found", "no such upload session resource")

    def route(self) -> tuple[str, ...]:
        """The path as a pattern: ids become ``*`` (``("*", "files", "*")``)."""
        return tuple(
            "*" if index in (0, 2) else segment
            for index, segment in enumerate(self.segments)
        )

    def target(self):
        """``(session, file or None)`` named by the path."""
        session = find_session(self.session_request, self.segments[0])
        if len(self.segments) >= 3:
            return session, find_file(session, self.segments[2])
        return session, None

    def json_body(self) -> dict:
        raw = self.request.get("BODY") or b"{}"
        try:
            payload = json.loads(raw)
        except ValueError:
            raise SessionProblem(
                400, "Invalid JSON", "the request body is not JSON", source="body"
            ) from None
        if not isinstance(payload, dict):
            raise SessionProblem(
                400, "Invalid JSON", "the request body is a JSON object", source="body"
            )
        return payload

    def created(self, location: str, status: int = 201) -> None:
        self.request.response.setStatus(status)
        self.request.response.setHeader("Location", location)
