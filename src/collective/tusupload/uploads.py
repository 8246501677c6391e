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
from collective.tusupload import logger
from collective.tusupload.adapters.common import effective_method
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
from collective.tusupload.content import replace_from_upload
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.protocol import Handler
from collective.tusupload.core.protocol import Hooks
from collective.tusupload.core.protocol import TusRequest
from collective.tusupload.core.protocol import TusResponse
from collective.tusupload.core.store import FileStore
from collective.tusupload.core.store import Store
from collective.tusupload.core.store import UploadInfo
from collective.tusupload.settings import get_settings
from collective.tusupload.settings import UploadSettings
from dataclasses import dataclass
from plone.protect.authenticator import check as check_csrf_token
from plone.protect.interfaces import IDisableCSRFProtection
from plone.uuid.interfaces import IUUID
from zExceptions import Forbidden
from zope.interface import alsoProvides

import json
import time
import transaction


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
    """The store of unfinished uploads, as the settings describe it."""
    settings = settings if settings is not None else get_settings()
    return FileStore(settings.directory, fsync=settings.fsync)


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
        replay_finish=True,
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
        return {"portal_type": portal_type, "fieldname": fieldname}

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

    def after_finish(self, request: TusRequest, info: UploadInfo) -> TusResponse:
        """Create (or replace) the content, then schedule the upload's removal."""
        check_csrf(self.plone.request)
        # The upload's own mode: replace uploads continue at <item>/@tus-upload.
        mode = info.extra.get("mode", MODE_CREATE)
        details = file_details(info.metadata)
        data_path = self.store.data_path(info.id)
        context = self.plone.context
        fieldname = info.extra.get("fieldname")
        finished_by_post = effective_method(request.method, _override(request)) == (
            "POST"
        )
        # Registered before creating: a ConflictError from an event
        # subscriber aborts this transaction, and Zope retries the request.
        removal = schedule_removal(
            self.store, info.id, discard_on_failure=finished_by_post
        )
        try:
            if mode == MODE_CREATE:
                self._check_may_add()
                obj = create_from_upload(
                    context,
                    portal_type=info.extra["portal_type"],
                    data_path=data_path,
                    details=details,
                    fieldname=fieldname,
                )
                url = f"{self.plone.context_url}/{obj.getId()}"
            else:
                self._check_may_replace()
                obj = replace_from_upload(
                    context, data_path=data_path, details=details, fieldname=fieldname
                )
                url = self.plone.context_url
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        removal.content_created = True
        summary = content_summary(obj, fieldname=fieldname)
        return TusResponse(
            status=201 if finished_by_post else 200,
            headers={"Location": url, "Content-Type": "application/json"},
            body=json.dumps(summary).encode("utf-8"),
        )


def _override(request: TusRequest) -> str | None:
    headers = request.headers or {}
    for name, value in headers.items():
        if str(name).lower() == "x-http-method-override":
            return value
    return None


def _may(permission: str, context) -> bool:
    return bool(getSecurityManager().checkPermission(permission, context))


class ScheduledRemoval:
    """Removes an upload when the transaction ends, if it should go.

    Set :attr:`content_created` once the content holds the upload's bytes.
    The upload is removed after a successful commit of that content; on a
    failed commit or an abort it stays (Zope's retry of the final PATCH
    finishes it again), unless ``discard_on_failure``.

    :param discard_on_failure: True when a POST finished the upload: Zope's
        retry of that POST creates a fresh upload, so this one would linger.
    """

    def __init__(self, store: Store, upload_id: str, *, discard_on_failure: bool):
        self.store = store
        self.upload_id = upload_id
        self.discard_on_failure = discard_on_failure
        self.content_created = False

    def after_commit(self, success: bool) -> None:
        if success and self.content_created:
            # With the partial uploads a final upload was made of.
            remove_upload(self.store, self.upload_id)
        elif self.discard_on_failure:
            self.after_abort()

    def after_abort(self) -> None:
        if self.discard_on_failure:
            # The partials stay: the retried POST concatenates them again.
            remove_upload(self.store, self.upload_id, with_partials=False)


def schedule_removal(
    store: Store, upload_id: str, *, discard_on_failure: bool = False
) -> ScheduledRemoval:
    """Remove the upload once the current transaction ended (see ScheduledRemoval)."""
    removal = ScheduledRemoval(store, upload_id, discard_on_failure=discard_on_failure)
    txn = transaction.get()
    txn.addAfterCommitHook(removal.after_commit)
    txn.addAfterAbortHook(removal.after_abort)
    return removal


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
    handler = new_handler(plone)
    adapter = Zope2RequestAdapter(request, base_url=endpoint_url, upload_id=upload_id)
    tus_response = as_rest_error(handler.handle(adapter.tus_request(context=plone)))
    if adapter.method == "HEAD":
        # Zope sends what it is given, even for HEAD.
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
