"""What every server choice refuses before the application runs.

The front server checks request heads itself (:mod:`.front.heads`); behind
gunicorn or waitress this WSGI middleware does the same for the path, so
that no server choice answers 500 for what a client sends: Zope's publisher
fails on a path that is not UTF-8 once percent-decoded (``/Plone/%ff``),
before any add-on code runs. Such a path gets 400 (404 under the upload
endpoints), with no body on ``HEAD``.

Also a PasteDeploy filter: ``egg:collective.tusupload#guard``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collective.tusupload.deploy.front.heads import BadHead
from collective.tusupload.deploy.front.heads import check_path
from collective.tusupload.deploy.front.replies import reason


class RequestGuard:
    """WSGI middleware: refuse paths the application can't take, in words."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            check_path(environ.get("PATH_INFO", "").encode("latin-1"))
        except UnicodeEncodeError:
            refusal = BadHead(400, "the path is not valid UTF-8")
        except BadHead as error:
            refusal = error
        else:
            return self.app(environ, start_response)
        body = (
            b""
            if environ.get("REQUEST_METHOD") == "HEAD"
            else (refusal.message.encode("utf-8") + b"\n")
        )
        start_response(
            f"{refusal.status} {reason(refusal.status)}",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(refusal.message) + 1)),
            ],
        )
        return [body]


def filter_factory(
    global_conf: dict, **local_conf
) -> Callable[[Callable], RequestGuard]:
    """PasteDeploy ``paste.filter_factory`` (no options)."""
    if local_conf:
        raise TypeError(f"unknown guard option(s): {', '.join(local_conf)}")
    return RequestGuard
