"""Plone's policy around the upload engine, the same for tus and the IETF draft.

:class:`PloneHooks` bind each upload to the principal and the folder (or
item) that created it, check permissions, types, CSRF and the limits before
a byte is accepted (see :mod:`.preflight`), and turn a complete upload into
content (:mod:`.content`) in the request's transaction (:mod:`.transactions`).
The hooks hold no state of their own: what they need of the request comes
as ``request.context``, a :class:`PloneRequest`; what they decide about an
upload is kept with it as an :class:`~.record.UploadRecord`.
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
from collective.tusupload.content import upload_data
from collective.tusupload.content import was_made_from
from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.finish import Finish
from collective.tusupload.core.finish import KEEP_DATA_UNTIL
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.info import UploadInfo
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.request import TusRequest
from collective.tusupload.core.request import TusResponse
from collective.tusupload.core.store import Store
from collective.tusupload.core.wire import prefers_representation
from collective.tusupload.faults import fault_point
from collective.tusupload.record import context_key
from collective.tusupload.record import MODE_CREATE
from collective.tusupload.record import MODE_REPLACE
from collective.tusupload.record import MODE_STAGE
from collective.tusupload.record import UploadRecord
from collective.tusupload.sessions import staging
from collective.tusupload.settings import UploadSettings
from collective.tusupload.transactions import FinishWithTransaction
from collective.tusupload.transactions import take_turn
from dataclasses import dataclass
from dataclasses import replace
from plone.protect.authenticator import check as check_csrf_token
from plone.protect.interfaces import IDisableCSRFProtection
from plone.uuid.interfaces import IUUID
from zExceptions import Forbidden
from zope.interface import alsoProvides

import json
import uuid


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


@dataclass(frozen=True)
class PloneRequest:
    """The Plone side of one upload request; the hooks get it as ``request.context``.

    :ivar target: the folder (a new upload) or the item (a new file for it)
        the endpoint was called on.
    :ivar zope_request: Zope's request.
    :ivar mode: :data:`~.record.MODE_CREATE` or :data:`~.record.MODE_REPLACE`.
    :ivar target_url: the target's URL as the client spelled it.
    :ivar settings: the site's upload settings, read once for the request.
    :ivar stage: ``(session id, file id)`` for the upload of a session's
        file (:data:`~.record.MODE_STAGE`), else None.
    """

    target: object
    zope_request: object
    mode: str
    target_url: str
    settings: UploadSettings
    stage: tuple[str, str] | None = None


class PloneHooks(Hooks):
    """Plone's policy around the upload engine (one instance per backend).

    Each hook reads the request's Plone side from ``request.context`` (a
    :class:`PloneRequest`).

    :param store: the engine's store (its data becomes the content's blob).
    :param locker: the engine's locker (finishes into one folder take turns).
    """

    def __init__(self, store: Store, locker: Locker) -> None:
        self.store = store
        self.locker = locker

    # -- creation ---------------------------------------------------------

    def before_create(self, request: TusRequest, info: UploadInfo) -> None:
        plone: PloneRequest = request.context
        if request.principal is None:
            raise HookRefused(401, "log in to upload")
        check_csrf(plone.zope_request)
        target = plone.target
        record = UploadRecord(
            mode=plone.mode,
            context=context_key(target),
            context_path="/".join(target.getPhysicalPath()),
        )
        try:
            if plone.mode in (MODE_CREATE, MODE_STAGE):
                self._check_may_add(plone)
                if not info.is_partial:
                    record = self._plan_creation(plone, info.metadata, record)
                if plone.mode == MODE_STAGE:
                    session_id, file_id = plone.stage
                    record = replace(
                        record, mode=MODE_STAGE, session_id=session_id, file_id=file_id
                    )
            else:
                self._check_may_replace(plone)
                if not info.is_partial:
                    record = self._plan_replacement(plone, info.metadata, record)
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        preflight.check_before_create(
            store=self.store, context=target, info=info, settings=plone.settings
        )
        record.keep_in(info)

    def _plan_creation(
        self, plone: PloneRequest, metadata, record: UploadRecord
    ) -> UploadRecord:
        details = file_details(metadata)
        self._check_mime_type(plone, details.content_type)
        target = plone.target
        requested = metadata.get("@type") or None
        portal_type = choose_portal_type(target, details=details, requested=requested)
        if portal_type not in addable_types(target):
            if requested:
                raise ContentError(403, f"{portal_type!r} can't be added here")
            raise ContentError(
                415,
                f"files of type {details.content_type} become {portal_type!r}, "
                "which can't be added here",
            )
        field = metadata.get("fieldname") or None
        file_field_for_type(portal_type, field)
        return UploadRecord(
            mode=record.mode,
            context=record.context,
            context_path=record.context_path,
            portal_type=portal_type,
            field=field,
            # Decided now, so that a finish can be found again after a crash.
            content_uid=uuid.uuid4().hex,
        )

    def _plan_replacement(
        self, plone: PloneRequest, metadata, record: UploadRecord
    ) -> UploadRecord:
        details = file_details(metadata)
        self._check_mime_type(plone, details.content_type)
        field = metadata.get("fieldname") or None
        file_field_of(plone.target, field)
        return UploadRecord(
            mode=record.mode,
            context=record.context,
            context_path=record.context_path,
            field=field,
        )

    def _check_mime_type(self, plone: PloneRequest, content_type: str) -> None:
        if not plone.settings.allows_mime_type(content_type):
            raise ContentError(415, f"files of type {content_type} are not allowed")

    def _check_may_add(self, plone: PloneRequest) -> None:
        if not _may(ADD_UPLOAD, plone.target) or not _may(ADD_CONTENT, plone.target):
            raise HookRefused(403, "you may not upload into this folder")

    def _check_may_replace(self, plone: PloneRequest) -> None:
        if not _may(ADD_UPLOAD, plone.target) or not _may(MODIFY_CONTENT, plone.target):
            raise HookRefused(403, "you may not replace this item's file")

    # -- access -----------------------------------------------------------

    def before_append(self, request: TusRequest, info: UploadInfo) -> None:
        """Every append needs, now, the right the upload's creation needed.

        So access taken away in Plone (a role removed, a local role
        withdrawn, a user disabled) stops the next chunk, not only the
        finish.
        """
        plone: PloneRequest = request.context
        record = UploadRecord.of(info)
        if record.mode == MODE_REPLACE:
            self._check_may_replace(plone)
        else:
            self._check_may_add(plone)
        if record.mode == MODE_STAGE:
            staging.check_may_receive(record, info)

    def may_access(self, request: TusRequest, info: UploadInfo) -> bool:
        """Only in the folder (or item) the upload was created in."""
        plone: PloneRequest = request.context
        return UploadRecord.of(info).context == context_key(plone.target)

    def before_terminate(self, request: TusRequest, info: UploadInfo) -> None:
        check_csrf(request.context.zope_request)

    # -- finishing --------------------------------------------------------

    def after_finish(
        self, request: TusRequest, info: UploadInfo, finish: Finish
    ) -> dict:
        """Create (or replace) the content; the finish commits with the transaction.

        Finishes into one folder (or item) take turns, each on a fresh view
        of the database: see :func:`~.transactions.take_turn`.
        """
        plone: PloneRequest = request.context
        # The upload's own mode: replace uploads continue at <item>/@tus-upload.
        record = UploadRecord.of(info)
        if record.mode == MODE_STAGE:
            return self._stage(plone, info, finish, record)
        target = plone.target
        turn = take_turn(self.locker, target)
        outcome = FinishWithTransaction(
            finish,
            turn=turn,
            # Zope's retry of a POST creates a fresh upload: this one goes.
            discard_on_failure=request.verb == "POST",
        )
        finish.defer()
        check_csrf(plone.zope_request)
        details = file_details(info.metadata)
        try:
            with upload_data(self.store, info.id) as data:
                if record.mode == MODE_CREATE:
                    self._check_may_add(plone)
                    obj = create_from_upload(
                        target,
                        portal_type=record.portal_type,
                        details=details,
                        fieldname=record.field,
                        uid=record.content_uid,
                        upload_id=info.id,
                        **data,
                    )
                    url = f"{plone.target_url}/{obj.getId()}"
                else:
                    self._check_may_replace(plone)
                    obj = replace_from_upload(
                        target,
                        details=details,
                        fieldname=record.field,
                        upload_id=info.id,
                        **data,
                    )
                    url = plone.target_url
        except ContentError as error:
            raise HookRefused(error.status, error.message) from None
        outcome.content = content_record(obj, url=url, fieldname=record.field)
        fault_point("finish-before-commit")
        return outcome.content

    def _stage(
        self, plone: PloneRequest, info: UploadInfo, finish: Finish, record
    ) -> dict:
        """A session's file has all its bytes: stage it, in the transaction.

        Nothing is created; the data stays in the store until the session
        is published, canceled or expires. Finishes of one session's files
        touch only their own file records, so they need no turn.
        """
        outcome = FinishWithTransaction(finish, keep_data=True)
        finish.defer()
        check_csrf(plone.zope_request)
        self._check_may_add(plone)
        outcome.content = staging.stage(record, info, folder_url=plone.target_url)
        outcome.keep_until = outcome.content[KEEP_DATA_UNTIL]
        fault_point("stage-before-commit")
        return outcome.content

    def find_finished(self, request: TusRequest, info: UploadInfo) -> dict | None:
        """The content a ``FINISHING`` upload became, if its transaction committed."""
        plone: PloneRequest = request.context
        record = UploadRecord.of(info)
        target = plone.target
        if record.mode == MODE_STAGE:
            return staging.find_staged(record, info, folder_url=plone.target_url)
        if record.mode != MODE_CREATE:
            if not was_made_from(target, info.id):
                return None
            return content_record(target, url=plone.target_url, fieldname=record.field)
        uid = record.content_uid
        obj = object_by_uid(target, uid) if uid else None
        if obj is None or not was_made_from(obj, info.id):
            return None
        parent = aq_parent(aq_inner(obj))
        if parent is not None and context_key(parent) == context_key(target):
            url = f"{plone.target_url}/{obj.getId()}"
        else:
            url = obj.absolute_url()
        return content_record(obj, url=url, fieldname=record.field)

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


def _may(permission: str, context) -> bool:
    return bool(getSecurityManager().checkPermission(permission, context))
