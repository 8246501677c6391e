"""A fake clock, and a client that talks to the core as a host adapter would."""

from collective.tusupload.core import Handler
from collective.tusupload.core import TusRequest
from collective.tusupload.core import TusResponse
from collective.tusupload.core.request import DEFAULT_MAX_HEADER_LENGTH
from collective.tusupload.core.request import HeaderMap

import io


BASE_URL = "http://example.org/files"


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Client:
    """Builds TusRequests for a handler, the way an adapter would.

    :param max_header_length: the longest header value the host accepts.
    """

    def __init__(
        self,
        handler: Handler,
        principal: str | None = "alice",
        *,
        max_header_length: int = DEFAULT_MAX_HEADER_LENGTH,
    ) -> None:
        self.handler = handler
        self.principal = principal
        self.max_header_length = max_header_length

    def request(
        self,
        method,
        upload_id=None,
        body=None,
        headers=None,
        principal="default",
        content_length="auto",
        tus_version="1.0.0",
    ) -> TusResponse:
        all_headers = {}
        if tus_version is not None:
            all_headers["Tus-Resumable"] = tus_version
        all_headers.update(headers or {})
        if content_length == "auto":
            content_length = len(body) if isinstance(body, bytes) else None
        stream = io.BytesIO(body) if isinstance(body, bytes) else body
        request = TusRequest(
            method=method,
            headers=HeaderMap(all_headers, max_length=self.max_header_length),
            body=stream,
            upload_id=upload_id,
            base_url=BASE_URL,
            principal=self.principal if principal == "default" else principal,
            content_length=content_length,
        )
        return self.handler.handle(request)

    def create(self, length=None, headers=None, **kwargs) -> str:
        """POST a new upload and return its id."""
        all_headers = {} if length is None else {"Upload-Length": str(length)}
        all_headers.update(headers or {})
        response = self.request("POST", headers=all_headers, **kwargs)
        assert response.status == 201, (response.status, response.body)
        return response.headers["Location"].rsplit("/", 1)[1]

    def patch(self, upload_id, offset, body, headers=None, **kwargs) -> TusResponse:
        all_headers = {
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
        }
        all_headers.update(headers or {})
        return self.request(
            "PATCH", upload_id, body=body, headers=all_headers, **kwargs
        )

    def head(self, upload_id, **kwargs) -> TusResponse:
        return self.request("HEAD", upload_id, **kwargs)


class IetfClient:
    """Speaks one interop version of the IETF draft through a :class:`Client`.

    :param version: the ``Upload-Draft-Interop-Version`` it sends.
    """

    def __init__(self, client: Client, version: int) -> None:
        self.client = client
        self.version = version

    @property
    def complete_field(self) -> str:
        return "Upload-Incomplete" if self.version == 3 else "Upload-Complete"

    def completion(self, done: bool) -> dict[str, str]:
        """The completion field saying ``done`` in this version's words."""
        value = (not done) if self.version == 3 else done
        return {self.complete_field: "?1" if value else "?0"}

    def says_complete(self, response: TusResponse) -> bool:
        value = response.headers[self.complete_field] == "?1"
        return (not value) if self.version == 3 else value

    def request(self, method, upload_id=None, body=None, headers=None, **kwargs):
        all_headers = {"Upload-Draft-Interop-Version": str(self.version)}
        all_headers.update(headers or {})
        return self.client.request(
            method,
            upload_id,
            body=body,
            headers=all_headers,
            tus_version=None,
            **kwargs,
        )

    def create(self, body=b"", *, done=False, headers=None) -> TusResponse:
        return self.request(
            "POST", body=body, headers={**self.completion(done), **(headers or {})}
        )

    def append(self, upload_id, offset, body=b"", *, done=False, headers=None):
        all_headers = {**self.completion(done), "Upload-Offset": str(offset)}
        if self.version >= 6:
            all_headers["Content-Type"] = "application/partial-upload"
        all_headers.update(headers or {})
        return self.request("PATCH", upload_id, body=body, headers=all_headers)


def upload_id_in(response: TusResponse) -> str:
    """The upload id at the end of a reply's ``Location``."""
    return response.headers["Location"].rsplit("/", 1)[1]
