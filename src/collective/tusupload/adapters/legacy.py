"""The ``Tus`` class of the original ``tus`` package, on top of the new core.

Usage stays as it was::

    adapter = WebobAdapter(request)
    tus = Tus(adapter, tmp_file_dir="/var/uploads")
    if tus.valid:
        tus.handle()
        if tus.upload_finished:
            path = tus.get_filepath()
            ...  # use the file
            tus.cleanup_file()
        else:
            return adapter.resp

When an upload completes, the adapter's request body is replaced by the
file's path (or, with ``send_file=True``, by the open file), as before.
"""

from __future__ import annotations

from collective.tusupload.adapters.common import parse_bool
from collective.tusupload.adapters.common import parse_float
from collective.tusupload.adapters.common import parse_int
from collective.tusupload.adapters.completion import Completion
from collective.tusupload.adapters.completion import NoteCompletion
from collective.tusupload.core.filestore.store import FileStore
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.request import TusResponse
from typing import Any


class Tus:
    """Serve one tus request through an adapter.

    :param adapter: a :class:`~.webob.WebobAdapter` or
        :class:`~.zope.Zope2RequestAdapter` (anything with ``valid``,
        ``tus_request()``, ``apply_response()``, ``set_request_body()`` and
        ``location()``).
    :param tmp_file_dir: directory for uploads in progress.
    :param send_file: on completion, make the request body the file itself
        rather than its path.
    :param upload_valid_duration: seconds an unfinished upload stays valid.
    :param max_size: largest upload accepted in bytes (``None``: no limit).
    :param handler_options: passed on to
        :class:`~collective.tusupload.core.protocol.Handler`; other unknown
        keyword arguments are ignored, as the original did.
    """

    upload_finished = False

    def __init__(
        self,
        adapter,
        tmp_file_dir: str | None = None,
        send_file: bool = False,
        upload_valid_duration: float = 86400,
        max_size: int | None = None,
        handler_options: dict[str, Any] | None = None,
        **ignored: Any,
    ) -> None:
        if not tmp_file_dir:
            raise ValueError("tmp_file_dir is required")
        self.req = adapter
        self.tmp_file_dir = tmp_file_dir
        self.send_file = parse_bool(send_file)
        self.upload_valid_duration = parse_float(upload_valid_duration, 86400.0)
        self.max_size = parse_int(max_size)
        self.store = FileStore(tmp_file_dir)
        options = {
            "max_size": self.max_size,
            "expiry": self.upload_valid_duration,
            "hooks": NoteCompletion(),
            "allow_anonymous": True,
        }
        options.update(handler_options or {})
        self.handler = Handler(self.store, **options)
        self.info: UploadInfo | None = None
        self.response: TusResponse | None = None

    @property
    def valid(self) -> bool:
        """True if the request is a tus request this class should handle."""
        return self.req.valid

    @property
    def upload_id(self) -> str | None:
        """The upload this request completed, else the one its URL names."""
        if self.info is not None:
            return self.info.id
        return self.req.location()[1]

    def handle(self) -> TusResponse:
        """Answer the request; the adapter's response is filled in.

        :returns: the core's reply.
        """
        completion = Completion(host=self.req)
        self.response = self.handler.handle(self.req.tus_request(context=completion))
        self.req.apply_response(self.response)
        if completion.upload is not None:
            self.info = completion.upload
            self.upload_finished = True
            path = self.get_filepath()
            if self.send_file:
                # The caller reads (and closes) the file, as with the original.
                self.req.set_request_body(open(path, "rb"))  # noqa: SIM115
            else:
                self.req.set_request_body(path)
        return self.response

    def get_filepath(self, uid: str | None = None) -> str:
        """Return the path of the upload's data file (this request's by default)."""
        return self.store.data_path(uid or self.upload_id)

    def cleanup_file(self, uid: str | None = None) -> None:
        """Remove the upload (this request's by default) and its partial uploads."""
        self.handler.engine.remove(uid or self.upload_id)
