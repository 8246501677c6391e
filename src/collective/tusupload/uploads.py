"""Plone as host of the tus core: the handler per request and its policy.

A REST service calls :func:`handle` with its context and request. The
:class:`PloneHooks` bind each upload to the principal and the context that
created it, check permissions, types and CSRF at creation, and turn a
complete upload into content (:mod:`collective.tusupload.content`). The
temporary upload is removed by an after-commit hook, never before the
transaction that created the content committed: a request Zope retries after
a ConflictError finds the complete upload again and finishes it once more.
"""

from __future__ import annotations

from AccessControl.SecurityManagement import getSecurityManager
from Acquisition import aq_inner
from Acquisition import aq_parent
from collective.tusupload import logger
from collective.tusupload import preflight
from collective.tusupload.adapters.finish import remove_upload
from collective.tusupload.adapters.zope import Zope2RequestAdapter
from collective.tusupload.content import addable_types
from collective.tusupload.content import choose_portal_type
from collective.tusupload.content import content_summary
from collective.tusupload.content import ContentError
from collective.tusupload.content import create_from_upload
from collective.tusupload.content import file_details
from collective.tusupload.content import file_field_for_type
from collective.tusupload.content import file_field_of
from collective.tusupload.content import object_by_uid
from collective.tusupload.content import replace_from_upload
from collective.tusupload.content import was_made_from
from collective.tusupload.core.disk import directory_problem
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import ServiceUnavailable
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.protocol import Hooks
from collective.tusupload.core.protocol import TUS_VERSION
from collective.tusupload.core.protocol import TusRequest
from collective.tusupload.core.protocol import TusResponse
from collective.tusupload.core.store import FileStore
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo
from collective.tusupload.faults import fault_point
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from dataclasses import dataclass
from plone.protect.authenticator import check as check_csrf_token
from plone.protect.interfaces import IDisableCSRFProtection
from plone.uuid.interfaces import IUUID
from zExceptions import Forbidden
from zope.interface import alsoProvides

import hashlib
import json
import time
import transaction
import uuid


ENDPOINT = "@tus-upload"
REPLACE_ENDPOINT = "@tus-replace"
MODE_CREATE = "create"
MODE_REPLACE = "replace"
ADD_UPLOAD = "collective.tusupload: Add upload"
ADD_CONTENT = "Add portal content"
MODIFY_CONTENT = "Modify portal content"


def context_key(context) -> str:
    """What binds an upload to its folder or item: the UID, else the path."""
    uid = IUUID(context, None)
    if uid:
        return uid
    return "/".join(context.getPhysicalPath())


def open_store(settings: UploadSettings | None = None) -> FileStore:
    """The store of unfinished uploads, as the settings describe it.

    :raises ServiceUnavailable: (503) if the upload directory can't be made,
        with the reason and where to fix it.
    """
    settings = settings if settings is not None else get_settings()
    try:
        return FileStore(settings.directory, fsync=settings.fsync)
    except OSError as error:
        problem = directory_problem(settings.directory) or error.strerror
        raise ServiceUnavailable(
            preflight.unusable_directory_message(
                settings.directory, problem or str(error)
            )
        ) from error


def new_handler(plone: PloneContext | None = None) -> Handler:
    """A handler configured from the registry settings.

    :param plone: the request's Plone side; without it the handler has no
        Plone policy (for maintenance code that only lists or removes).
    """
    settings = get_settings()
    store = open_store(settings)
    return Handler(
        store,
        max_size=settings.max_size,
        expiry=settings.expiry,
        hooks=PloneHooks(plone, store) if plone is not None else None,
        # PloneHooks.before_create answers anonymous callers with 401.
        allow_anonymous=plone is not None,
    )


def client_urls(request, context, *, endpoint: str, upload_id: str | None):
    """The context's and the tus endpoint's URL as the client spelled them.

    Taken from ``ACTUAL_URL`` so that ``++api++`` and virtual hosting are
    kept; falls back to ``context.absolute_url()``.

    :returns: ``(context_url, endpoint_url)``; the endpoint is always
        ``<context>/@tus-upload`` (where plone.restapi puts replace uploads
        too).
    """
    actual = (request.get("ACTUAL_URL") or "").rstrip("/")
    suffix = f"/{endpoint}" + (f"/{upload_id}" if upload_id else "")
    if actual.endswith(suffix):
        context_url = actual[: -len(suffix)]
    else:
        context_url = context.absolute_url()
    return context_url, f"{context_url}/{ENDPOINT}"


def _credentials_in_header(request) -> bool:
    # Zope moves the Authorization header out of the environment into _auth.
    return bool(getattr(request, "_auth", None) or request.getHeader("Authorization"))


def check_csrf(request) -> None:
    """Require a CSRF token when the credentials came with a cookie.

    API calls that authenticate in the ``Authorization`` header (basic auth,
    a JWT from ``@login``) can't be forged by another site and pass. Once
    this check passed, plone.protect's automatic check is switched off for
    the request: it would otherwise refuse the content a POST creates
    (creation-with-upload, concatenation) for header-authenticated calls,
    and it runs too late to answer with a tus reply.

    :raises HookRefused: 403 without a valid ``X-CSRF-TOKEN``/``_authenticator``.
    """
    if not _credentials_in_header(request):
        try:
            check_csrf_token(request)
        except Forbidden:
            raise HookRefused(403, "CSRF token missing or invalid") from None
    alsoProvides(request, IDisableCSRFProtection)


@dataclass
class PloneContext:
    """The Plone side of one tus request, handed to the hooks."""

    context: object
    request: object
    mode: str
    context_url: str


class PloneHooks(Hooks):
    """Plone's policy around the tus core.

    :param plone: the request's context, request, mode and client URL.
    :param store: the handler's store (the finish step links its data file).
    """

    def __init__(self, plone: PloneContext, store: Store) -> None:
        self.plone = plone
        self.store = store

    # -- creation ---------------------------------------------------------

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        if request.principal is None:
            raise HookRefused(401, "log in to upload")
        check_csrf(self.plone.request)
        context = self.plone.context
        metadata = info.metadata
        extra = {
            "mode": self.plone.mode,
            "context": context_key(context),
            "context_path": "/".join(context.getPhysicalPath()),
        }
        try:
            if self.plone.mode == MODE_CREATE:
                self._check_may_add()
                if not info.is_partial:
                    extra.update(self._plan_creation(metadata))
            else:
                self._check_may_replace()
                if not info.is_partial:
                    extra.update(self._plan_replacement(metadata))
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        preflight.check_before_create(store=self.store, context=context, info=info)
        info.extra.update(extra)

    def _plan_creation(self, metadata) -> dict:
        details = file_details(metadata)
        self._check_mime_type(details.content_type)
        context = self.plone.context
        requested = metadata.get("@type") or None
        portal_type = choose_portal_type(context, details=details, requested=requested)
        allowed = addable_types(context)
        if portal_type not in allowed:
            if requested:
                raise ContentError(403, f"{portal_type!r} can't be added here")
            raise ContentError(
                415,
                f"files of type {details.content_type} become {portal_type!r}, "
                "which can't be added here",
            )
        fieldname = metadata.get("fieldname") or None
        file_field_for_type(portal_type, fieldname)
        # Decided now, so that a finish can be found again after a crash.
        content_uid = uuid.uuid4().hex
        return {
            "portal_type": portal_type,
            "fieldname": fieldname,
            "content_uid": content_uid,
        }

    def _plan_replacement(self, metadata) -> dict:
        details = file_details(metadata)
        self._check_mime_type(details.content_type)
        fieldname = metadata.get("fieldname") or None
        file_field_of(self.plone.context, fieldname)
        return {"fieldname": fieldname, "target": context_key(self.plone.context)}

    def _check_mime_type(self, content_type: str) -> None:
        if not get_settings().allows_mime_type(content_type):
            raise ContentError(415, f"files of type {content_type} are not allowed")

    def _check_may_add(self) -> None:
        if not _may(ADD_UPLOAD, self.plone.context) or not _may(
            ADD_CONTENT, self.plone.context
        ):
            raise HookRefused(403, "you may not upload into this folder")

    def _check_may_replace(self) -> None:
        if not _may(ADD_UPLOAD, self.plone.context) or not _may(
            MODIFY_CONTENT, self.plone.context
        ):
            raise HookRefused(403, "you may not replace this item's file")

    # -- access -----------------------------------------------------------

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        """Only in the folder (or item) the upload was created in."""
        return info.extra.get("context") == context_key(self.plone.context)

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        check_csrf(self.plone.request)

    # -- finishing --------------------------------------------------------

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> dict:
        """Create (or replace) the content; the finish commits with the transaction.

        Finishes into one folder (or item) take turns, each on a fresh view
        of the database: see :func:`take_turn`.
        """
        # The upload's own mode: replace uploads continue at <item>/@tus-upload.
        mode = info.extra.get("mode", MODE_CREATE)
        context = self.plone.context
        turn = take_turn(self.store.create_locker(), context)
        outcome = FinishWithTransaction(
            finishing,
            self.store,
            turn=turn,
            # Zope's retry of a POST creates a fresh upload: this one goes.
            discard_on_failure=request.verb == "POST",
        )
        finishing.defer()
        check_csrf(self.plone.request)
        details = file_details(info.metadata)
        data_path = self.store.data_path(info.id)
        fieldname = info.extra.get("fieldname")
        try:
            if mode == MODE_CREATE:
                self._check_may_add()
                obj = create_from_upload(
                    context,
                    portal_type=info.extra["portal_type"],
                    data_path=data_path,
                    details=details,
                    fieldname=fieldname,
                    uid=info.extra.get("content_uid"),
                    upload_id=info.id,
                )
                url = f"{self.plone.context_url}/{obj.getId()}"
            else:
                self._check_may_replace()
                obj = replace_from_upload(
                    context,
                    data_path=data_path,
                    details=details,
                    fieldname=fieldname,
                    upload_id=info.id,
                )
                url = self.plone.context_url
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        outcome.content = content_record(obj, url=url, fieldname=fieldname)
        fault_point("finish-before-commit")
        return outcome.content

    def find_finished(self, request: TusRequest, info: UploadInfo) -> dict | None:
        """The content a ``finishing`` upload became, if its transaction committed."""
        fieldname = info.extra.get("fieldname")
        context = self.plone.context
        if info.extra.get("mode", MODE_CREATE) == MODE_REPLACE:
            if not was_made_from(context, info.id):
                return None
            return content_record(
                context, url=self.plone.context_url, fieldname=fieldname
            )
        uid = info.extra.get("content_uid")
        obj = object_by_uid(context, uid) if uid else None
        if obj is None or not was_made_from(obj, info.id):
            return None
        if aq_parent(aq_inner(obj)) is not None and context_key(
            aq_parent(aq_inner(obj))
        ) == context_key(context):
            url = f"{self.plone.context_url}/{obj.getId()}"
        else:
            url = obj.absolute_url()
        return content_record(obj, url=url, fieldname=fieldname)

    def finished_reply(
        self, request: TusRequest, info: UploadInfo, response: TusResponse
    ) -> TusResponse:
        """As plone.restapi: a final PATCH says where the content is in ``Location``.

        With ``Prefer: return=representation`` (RFC 7240) the final PATCH
        (200) or POST (201) carries the content's JSON summary.
        """
        verb = request.verb
        url = info.content.get("url")
        if verb == "PATCH" and url:
            response.headers["Location"] = url
        summary = info.content.get("summary")
        if verb in ("PATCH", "POST") and summary and prefers_representation(request):
            if verb == "PATCH":
                response.status = 200
            response.headers["Content-Type"] = "application/json"
            response.headers["Preference-Applied"] = "return=representation"
            response.body = json.dumps(summary).encode("utf-8")
        return response


def content_record(obj, *, url: str, fieldname: str | None) -> dict:
    """What a finished upload keeps about its content (and sends on replays)."""
    return {
        "url": url,
        "uid": IUUID(obj, None),
        "summary": content_summary(obj, url=url, fieldname=fieldname),
    }


def prefers_representation(request: TusRequest) -> bool:
    """Whether the request says ``Prefer: return=representation`` (RFC 7240)."""
    for name, value in (request.headers or {}).items():
        if str(name).lower() != "prefer":
            continue
        for preference in str(value).split(","):
            token = preference.split(";", 1)[0].replace(" ", "").lower()
            if token in ("return=representation", 'return="representation"'):
                return True
    return False


def _may(permission: str, context) -> bool:
    return bool(getSecurityManager().checkPermission(permission, context))


#: Seconds a finish waits for its turn in a busy folder before 503.
TURN_TIMEOUT = 60.0


def take_turn(locker: Locker, context) -> Lease:
    """Wait for this folder's (or item's) turn to finish an upload into it.

    Finishes into one folder conflict on its ordering and name choice if
    they run at once, and Zope then re-runs whole requests. So they take
    turns, across threads and processes (a lock file in the upload
    directory), and each starts from the newest committed state: the
    request's transaction, which has changed nothing yet, is begun anew.
    The turn ends when the transaction does (see FinishWithTransaction).

    :raises HookRefused: 503 if the turn does not come within TURN_TIMEOUT.
    """
    key = hashlib.sha256(context_key(context).encode("utf-8")).hexdigest()
    try:
        turn = locker.acquire(key, timeout=TURN_TIMEOUT)
    except TusError:
        raise HookRefused(
            503,
            "too many uploads are finishing in this folder; try again",
            headers={"Retry-After": "5"},
        ) from None
    try:
        _begin_anew(context)
    except BaseException:
        turn.release()
        raise
    return turn


def _begin_anew(context) -> None:
    """Start the transaction again, on the newest state, if it changed nothing.

    Nothing of a finishing request is written before this point (chunks
    never touch the ZODB), but the check keeps a caller's changes safe.
    """
    jar = getattr(context, "_p_jar", None)
    txn = transaction.get()
    # ZODB offers no public "is this connection dirty" (hence the private name).
    if jar is None or getattr(jar, "_registered_objects", True):
        return
    user, description = txn.user, txn.description
    transaction.begin()  # aborts the empty transaction; the connection syncs
    txn = transaction.get()
    txn.user, txn.description = user, description


class FinishWithTransaction:
    """Ends a deferred finish with the Zope transaction that holds the content.

    Set :attr:`content` once the content holds the upload's bytes. After a
    successful commit the finish is committed (the data goes, a record
    stays); after a failed commit or an abort it is aborted, so nothing is
    acknowledged and Zope's retry, or the client's, finishes it again.

    :param discard_on_failure: remove the upload when the finish fails
        (a POST finished it: Zope's retry of that POST makes a new one).
    :param turn: the folder's turn (see :func:`take_turn`), ended with it.
    """

    def __init__(
        self,
        finishing: Finishing,
        store: Store,
        *,
        turn: Lease | None = None,
        discard_on_failure: bool = False,
    ) -> None:
        self.finishing = finishing
        self.store = store
        self.turn = turn
        self.discard_on_failure = discard_on_failure
        self.content: dict | None = None
        txn = transaction.get()
        txn.addAfterCommitHook(self.after_commit)
        txn.addAfterAbortHook(self.after_abort)

    def after_commit(self, success: bool) -> None:
        try:
            if success and self.content is not None:
                fault_point("finish-after-commit")
                self.finishing.commit(self.content)
            else:
                self._failed()
        finally:
            self._end_turn()

    def after_abort(self) -> None:
        try:
            self._failed()
        finally:
            self._end_turn()

    def _failed(self) -> None:
        self.finishing.abort()
        if self.discard_on_failure:
            # The partials stay: the retried POST concatenates them again.
            remove_upload(self.store, self.finishing.upload_id, with_partials=False)

    def _end_turn(self) -> None:
        if self.turn is not None:
            self.turn.release()


def handle(context, request, *, mode: str, endpoint: str, upload_id: str | None):
    """Run one tus request against ``context`` and fill in ``request.response``.

    :param mode: MODE_CREATE (``@tus-upload`` on a folder) or MODE_REPLACE.
    :param endpoint: the URL segment the client called (for the base URL).
    :param upload_id: the segment after the endpoint, if any.
    :returns: the reply body (bytes).
    """
    context_url, endpoint_url = client_urls(
        request, context, endpoint=endpoint, upload_id=upload_id
    )
    plone = PloneContext(
        context=context, request=request, mode=mode, context_url=context_url
    )
    adapter = Zope2RequestAdapter(request, base_url=endpoint_url, upload_id=upload_id)
    try:
        handler = new_handler(plone)
    except ServiceUnavailable as error:  # the upload directory is unusable
        tus_response = TusResponse(
            status=error.status,
            headers={"Tus-Resumable": TUS_VERSION},
            body=error.message.encode("utf-8"),
        )
    else:
        tus_response = handler.handle(adapter.tus_request(context=plone))
    tus_response = as_rest_error(tus_response)
    if adapter.method == "HEAD":
        # Zope sends what it is given, even for HEAD (see also heads.py).
        tus_response.body = b""
    return adapter.apply_response(tus_response)


def as_rest_error(response: TusResponse) -> TusResponse:
    """Give an error reply plone.restapi's JSON error body."""
    if response.status < 400:
        return response
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        return response
    message = response.body.decode("utf-8", "replace")
    response.headers["Content-Type"] = "application/json"
    response.body = json.dumps(
        {
            "error": {
                "type": _ERROR_TYPES.get(response.status, "Error"),
                "message": message,
            }
        }
    ).encode("utf-8")
    return response


_ERROR_TYPES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    423: "Locked",
    460: "Checksum Mismatch",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}


# -- pending uploads (control panel) ----------------------------------------


@dataclass(frozen=True)
class PendingUpload:
    """One unfinished upload as the control panel lists it."""

    upload_id: str
    owner: str | None
    folder: str
    filename: str
    offset: int
    length: int | None
    expires: float | None
    mode: str

    @property
    def progress(self) -> int | None:
        """Percent received; None while the length is deferred."""
        if not self.length:
            return None if self.length is None else 100
        return min(100, int(self.offset * 100 / self.length))


def list_pending(site_path: str | None = None) -> list[PendingUpload]:
    """All uploads in the upload directory (of this site if ``site_path``)."""
    store = open_store()
    pending = []
    for upload_id in store.list_ids():
        try:
            info = store.get_info(upload_id)
        except TusError:
            continue
        if info.finished:
            continue  # a record kept for replays, not an upload in progress
        folder = info.extra.get("context_path", "")
        if site_path and not (
            folder == site_path or folder.startswith(site_path + "/")
        ):
            continue
        pending.append(
            PendingUpload(
                upload_id=info.id,
                owner=info.principal,
                folder=folder,
                filename=file_details(info.metadata).filename if info.metadata else "",
                offset=info.offset,
                length=info.length,
                expires=info.expires,
                mode=info.extra.get("mode", ""),
            )
        )
    pending.sort(key=lambda upload: upload.expires or time.time())
    return pending


def delete_pending(upload_id: str) -> None:
    """Remove a pending upload of anyone (for Managers, from the control panel)."""
    store = open_store()
    remove_upload(store, upload_id, with_partials=False)
    logger.info("pending upload %s deleted from the control panel", upload_id)
