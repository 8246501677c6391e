"""Error replies of the IETF side: ``application/problem+json`` (RFC 9457).

The draft defines problem types for a mismatching offset (409, with the
expected and the provided offset) and for inconsistent lengths (400); every
other refusal is an ``about:blank`` problem with the engine's message.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.request import TusResponse

import json


PROBLEM_TYPES = "https://iana.org/assignments/http-problem-types#"
MISMATCHING_OFFSET = PROBLEM_TYPES + "mismatching-upload-offset"
INCONSISTENT_LENGTH = PROBLEM_TYPES + "inconsistent-upload-length"
PROBLEM_JSON = "application/problem+json"

#: Statuses of the tus side that the draft words differently.
_STATUS = {errors.ChecksumMismatch: 400}


def problem_response(error: errors.TusError) -> TusResponse:
    """The problem+json reply for ``error``."""
    headers = dict(error.headers)
    headers["Content-Type"] = PROBLEM_JSON
    status = error.status
    problem: dict[str, object]
    if isinstance(error, errors.OffsetMismatch) and error.expected is not None:
        problem = {
            "type": MISMATCHING_OFFSET,
            "title": "offset from request does not match offset of resource",
            "expected-offset": error.expected,
            "provided-offset": error.provided,
        }
        headers["Upload-Offset"] = str(error.expected)
    elif isinstance(error, (errors.InconsistentLength, errors.PastLength)):
        status = 400
        problem = {
            "type": INCONSISTENT_LENGTH,
            "title": "inconsistent length values for upload",
        }
    else:
        for kind, replacement in _STATUS.items():
            if isinstance(error, kind):
                status = replacement
        problem = {"type": "about:blank", "title": error.message}
    problem["status"] = status
    problem["detail"] = error.message
    body = json.dumps(problem).encode("utf-8")
    return TusResponse(status=status, headers=headers, body=body)
