"""Refusals of the session endpoints, as RFC 9457 problem details.

Every refusal is a :class:`SessionProblem`; the services turn it into an
``application/problem+json`` reply with PEP 694's extension members
``meta`` and ``errors: [{"source", "message"}]``.
"""

from __future__ import annotations

from http import HTTPStatus

import json


PROBLEM_JSON = "application/problem+json"
#: The version of this add-on's session API (see docs/sessions.rst).
API_VERSION = "1.0"
#: Where the problem types are described.
PROBLEM_TYPE_BASE = "https://collective-tusupload.readthedocs.io/sessions#"


class SessionProblem(Exception):
    """A refusal: status, a short title, the detail in words.

    :param errors: ``[(source, message)]``; by default one, from ``source``
        and ``detail``.
    :param headers: extra reply headers (``Location`` of a session that
        exists already).
    :param keep_changes: the refusal itself changed something to keep (a
        file in ``error`` with its notice); otherwise the request's
        transaction is doomed, and nothing it did stays.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        source: str = "request",
        errors: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors if errors is not None else [(source, detail)]
        self.headers = dict(headers or {})
        self.keep_changes = keep_changes

    def to_dict(self) -> dict:
        slug = HTTPStatus(self.status).phrase.lower().replace(" ", "-")
        return {
            "type": PROBLEM_TYPE_BASE + slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "meta": {"api-version": API_VERSION},
            "errors": [
                {"source": source, "message": message}
                for source, message in self.errors
            ],
        }

    def body(self) -> str:
        return json.dumps(self.to_dict())
