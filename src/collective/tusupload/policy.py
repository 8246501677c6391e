"""Plone's policy around the upload engine, the same for tus and the IETF draft.

:class:`PloneHooks` bind each upload to the principal and the folder (or
item) that created it, check permissions, types, CSRF and the limits before
a byte is accepted (see :mod:`.preflight`), and turn a complete upload into
content (:mod:`.content`) in the request's transaction (:mod:`.finish`).
The hooks hold no state of their own: what they need of the request comes
as ``request.context``, a :class:`PloneContext`.
"""

from __future__ import annotations

from AccessControl.SecurityManagement import getSecurityManager
from Acquisition import aq_inner
from Acquisition import aq_parent
from collective.tusupload import preflight
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
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.finishing import Finishing
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.store import Store
from collective.tusupload.faults import fault_point
from collective.tusupload.finish import context_key
from collective.tusupload.finish import FinishWithTransaction
from collective.tusupload.finish import take_turn
from collective.tusupload.settings import get_settings
from dataclasses import dataclass
from plone.protect.authenticator import check as check_csrf_token
from plone.protect.interfaces import IDisableCSRFProtection
from plone.uuid.interfaces import IUUID
from zExceptions import Forbidden
from zope.interface import alsoProvides

import contextlib
import json
import uuid


MODE_CREATE = "create"
MODE_REPLACE = "replace"
ADD_UPLOAD = "collective.tusupload: Add upload"
ADD_CONTENT = "Add portal content"
MODIFY_CONTENT = "Modify portal content"


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
    """Plone's policy around the upload engine (one instance per backend).

    Each hook reads the request's Plone side from ``request.context`` (a
    :class:`PloneContext`).

    :param store: the engine's store (its data becomes the content's blob).
    :param locker: the engine's locker (finishes into one folder take turns).
    """

    def __init__(self, store: Store, locker: Locker) -> None:
        self.store = store
        self.locker = locker

    # -- creation ---------------------------------------------------------

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        plone: PloneContext = request.context
        if request.principal is None:
            raise HookRefused(401, "log in to upload")
        check_csrf(plone.request)
        context = plone.context
        metadata = info.metadata
        extra = {
            "mode": plone.mode,
            "context": context_key(context),
            "context_path": "/".join(context.getPhysicalPath()),
        }
        try:
            if plone.mode == MODE_CREATE:
                self._check_may_add(plone)
                if not info.is_partial:
                    extra.update(self._plan_creation(plone, metadata))
            else:
                self._check_may_replace(plone)
                if not info.is_partial:
                    extra.update(self._plan_replacement(plone, metadata))
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        preflight.check_before_create(store=self.store, context=context, info=info)
        info.extra.update(extra)

    def _plan_creation(self, plone: PloneContext, metadata) -> dict:
        details = file_details(metadata)
        self._check_mime_type(details.content_type)
        context = plone.context
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

    def _plan_replacement(self, plone: PloneContext, metadata) -> dict:
        details = file_details(metadata)
        self._check_mime_type(details.content_type)
        fieldname = metadata.get("fieldname") or None
        file_field_of(plone.context, fieldname)
        return {"fieldname": fieldname, "target": context_key(plone.context)}

    def _check_mime_type(self, content_type: str) -> None:
        if not get_settings().allows_mime_type(content_type):
            raise ContentError(415, f"files of type {content_type} are not allowed")

    def _check_may_add(self, plone: PloneContext) -> None:
        if not _may(ADD_UPLOAD, plone.context) or not _may(ADD_CONTENT, plone.context):
            raise HookRefused(403, "you may not upload into this folder")

    def _check_may_replace(self, plone: PloneContext) -> None:
        if not _may(ADD_UPLOAD, plone.context) or not _may(
            MODIFY_CONTENT, plone.context
        ):
            raise HookRefused(403, "you may not replace this item's file")

    # -- access -----------------------------------------------------------

    def before_append(self, request: TusRequest, info: UploadInfo) -> None:
        """Every append needs, now, the right the upload's creation needed.

        So access taken away in Plone (a role removed, a local role
        withdrawn, a user disabled) stops the next chunk, not only the
        finish.
        """
        plone: PloneContext = request.context
        if info.extra.get("mode", MODE_CREATE) == MODE_CREATE:
            self._check_may_add(plone)
        else:
            self._check_may_replace(plone)

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        """Only in the folder (or item) the upload was created in."""
        plone: PloneContext = request.context
        return info.extra.get("context") == context_key(plone.context)

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        check_csrf(request.context.request)

    # -- finishing --------------------------------------------------------

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finishing: Finishing
    ) -> dict:
        """Create (or replace) the content; the finish commits with the transaction.

        Finishes into one folder (or item) take turns, each on a fresh view
        of the database: see :func:`~.finish.take_turn`.
        """
        plone: PloneContext = request.context
        # The upload's own mode: replace uploads continue at <item>/@tus-upload.
        mode = info.extra.get("mode", MODE_CREATE)
        context = plone.context
        turn = take_turn(self.locker, context)
        outcome = FinishWithTransaction(
            finishing,
            turn=turn,
            # Zope's retry of a POST creates a fresh upload: this one goes.
            discard_on_failure=request.verb == "POST",
        )
        finishing.defer()
        check_csrf(plone.request)
        details = file_details(info.metadata)
        fieldname = info.extra.get("fieldname")
        try:
            with self._data(info) as data:
                if mode == MODE_CREATE:
                    self._check_may_add(plone)
                    obj = create_from_upload(
                        context,
                        portal_type=info.extra["portal_type"],
                        details=details,
                        fieldname=fieldname,
                        uid=info.extra.get("content_uid"),
                        upload_id=info.id,
                        **data,
                    )
                    url = f"{plone.context_url}/{obj.getId()}"
                else:
                    self._check_may_replace(plone)
                    obj = replace_from_upload(
                        context,
                        details=details,
                        fieldname=fieldname,
                        upload_id=info.id,
                        **data,
                    )
                    url = plone.context_url
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        outcome.content = content_record(obj, url=url, fieldname=fieldname)
        fault_point("finish-before-commit")
        return outcome.content

    @contextlib.contextmanager
    def _data(self, info: UploadInfo):
        """The upload's bytes for :mod:`.content`: its path, else an open stream."""
        path = self.store.local_path(info.id)
        if path is not None:
            yield {"data_path": path}
            return
        with self.store.open_data(info.id) as stream:
            yield {"data": stream}

    def find_finished(self, request: TusRequest, info: UploadInfo) -> dict | None:
        """The content a ``finishing`` upload became, if its transaction committed."""
        plone: PloneContext = request.context
        fieldname = info.extra.get("fieldname")
        context = plone.context
        if info.extra.get("mode", MODE_CREATE) == MODE_REPLACE:
            if not was_made_from(context, info.id):
                return None
            return content_record(context, url=plone.context_url, fieldname=fieldname)
        uid = info.extra.get("content_uid")
        obj = object_by_uid(context, uid) if uid else None
        if obj is None or not was_made_from(obj, info.id):
            return None
        if aq_parent(aq_inner(obj)) is not None and context_key(
            aq_parent(aq_inner(obj))
        ) == context_key(context):
            url = f"{plone.context_url}/{obj.getId()}"
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
