"""Finished upload -> content object.

Everything here runs inside the request's transaction and knows nothing about
HTTP: it picks the content type and its primary file field, moves the upload's
bytes into a ZODB blob without copying them through Python (or, from a store
without local files, streams them in), and creates or updates the object.
The caller (:mod:`collective.tusupload.policy`) decides when the temporary
upload may go (only after the commit).
"""

from __future__ import annotations

from collective.tusupload import logger
from collective.tusupload.core.sizes import BLOCK_SIZE
from dataclasses import dataclass
from persistent.list import PersistentList
from plone.dexterity.utils import addContentToContainer
from plone.dexterity.utils import createContent
from plone.dexterity.utils import iterSchemata
from plone.dexterity.utils import iterSchemataForType
from plone.namedfile.interfaces import INamedBlobImageField
from plone.namedfile.interfaces import INamedField
from plone.rfc822.interfaces import IPrimaryField
from plone.uuid.interfaces import IMutableUUID
from plone.uuid.interfaces import IUUID
from Products.CMFCore.utils import getToolByName
from typing import BinaryIO
from ZODB.blob import Blob
from zope.annotation.interfaces import IAnnotations
from zope.event import notify
from zope.lifecycleevent import Attributes
from zope.lifecycleevent import ObjectModifiedEvent

import contextlib
import os
import posixpath
import secrets
import shutil


FALLBACK_TYPE = "File"
IMAGE_TYPE = "Image"

#: Annotation key of the ids of the uploads an object was made from.
UPLOAD_IDS_KEY = "collective.tusupload.upload_ids"
#: How many upload ids an object remembers (replacements add one each).
KEPT_UPLOAD_IDS = 20


class ContentError(Exception):
    """The upload can't become content; ``status`` says why (403, 415, ...)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class FileDetails:
    """What the upload's metadata says about the file."""

    filename: str
    content_type: str
    title: str
    description: str


def file_details(metadata: dict[str, str | None]) -> FileDetails:
    """Read the file's name, MIME type, title and description from metadata.

    Accepts plone.restapi's keys (``filename``, ``content-type``) and the
    ones Uppy and tusd clients send (``name``, ``filetype``, ``type``). The
    filename loses any directory part, so ``../x`` becomes ``x``.
    """

    def first(*keys: str) -> str:
        for key in keys:
            value = metadata.get(key)
            if value:
                return value.strip()
        return ""

    raw_name = first("filename", "name")
    filename = posixpath.basename(raw_name.replace("\\", "/")).strip()
    if filename in (".", ".."):
        filename = ""
    content_type = first("content-type", "filetype", "type").lower()
    if not content_type:
        content_type = guess_content_type(filename)
    return FileDetails(
        filename=filename or "upload",
        content_type=content_type,
        title=first("title") or filename or "upload",
        description=first("description"),
    )


def guess_content_type(filename: str) -> str:
    """The MIME type Plone's registry gives a file name; octet-stream if unknown."""
    from plone.namedfile.utils import get_contenttype

    return get_contenttype(filename=filename) or "application/octet-stream"


def choose_portal_type(
    container, *, details: FileDetails, requested: str | None = None
) -> str:
    """The type an upload becomes in ``container``.

    :param requested: the ``@type`` metadata; wins if given.
    :returns: ``requested``, else what the content type registry maps the
        MIME type and filename to if that type has a file field, else Image
        for images and File otherwise.
    """
    if requested:
        return requested
    registry = getToolByName(container, "content_type_registry", None)
    portal_type = None
    if registry is not None:
        portal_type = registry.findTypeName(
            details.filename.lower(), details.content_type, ""
        )
    if portal_type and _file_field_in(iterSchemataForType(portal_type), None):
        return portal_type
    # No type, or one without a file field (text/plain -> Document).
    if details.content_type.startswith("image/"):
        return IMAGE_TYPE
    return FALLBACK_TYPE


def addable_types(container) -> list[str]:
    """Ids of the types the current user may add in ``container``."""
    return [fti.getId() for fti in container.allowedContentTypes()]


def _file_field_in(schemata, fieldname: str | None):
    """The named field ``fieldname`` (or the primary one) among ``schemata``."""
    for schema in schemata:
        for name in schema.names():
            field = schema[name]
            if fieldname and name != fieldname:
                continue
            if not fieldname and not IPrimaryField.providedBy(field):
                continue
            if INamedField.providedBy(field):
                return field
    return None


def file_field_for_type(portal_type: str, fieldname: str | None = None):
    """The file field an upload fills in a new ``portal_type`` object.

    :param fieldname: the ``fieldname`` metadata; the primary field if None.
    :raises ContentError: 415 if the type has no such file field.
    """
    field = _file_field_in(iterSchemataForType(portal_type), fieldname)
    if field is None:
        raise ContentError(
            415, f"content type {portal_type!r} has no file field to upload into"
        )
    return field


def file_field_of(obj, fieldname: str | None = None):
    """The file field an upload replaces in ``obj`` (primary unless named).

    :raises ContentError: 415 if ``obj`` has no such file field.
    """
    field = _file_field_in(iterSchemata(obj), fieldname)
    if field is None:
        raise ContentError(415, "this item has no file field to replace")
    return field


def blob_from_path(data_path: str, *, jar=None) -> Blob:
    """A new blob that takes over the bytes of ``data_path`` without copying.

    A hard link to ``data_path`` is made beside it and consumed by the blob
    (ZODB renames it into its temporary directory), so ``data_path`` itself
    stays until the caller removes it. If linking is impossible the bytes
    are copied in blocks into the link's place, and that is logged.

    :param jar: the ZODB connection the blob will be stored with; its blob
        temporary directory is where the file goes (same filesystem as the
        blob storage, so the commit renames too).
    """
    link_path = f"{data_path}.blob-{secrets.token_hex(4)}"
    try:
        os.link(data_path, link_path)
    except OSError as error:
        logger.warning(
            "could not hard-link %s (%s); copying the upload into the blob",
            data_path,
            error,
        )
        with open(data_path, "rb") as source, open(link_path, "wb") as target:
            shutil.copyfileobj(source, target, BLOCK_SIZE)
    blob = Blob()
    if jar is not None:
        jar.add(blob)
    try:
        blob.consumeFile(link_path)
    finally:
        if os.path.exists(link_path):
            os.unlink(link_path)
    return blob


def blob_from_stream(data: BinaryIO, *, jar=None) -> Blob:
    """A new blob holding what ``data`` reads, copied in bounded blocks.

    For stores that keep no local file (:meth:`~.core.store.Store.local_path`
    is None): the bytes go through Python once, never all in memory, or
    through the kernel if the stream can (``copy_to(fd)``, the ZODB store's).
    """
    blob = Blob()
    if jar is not None:
        jar.add(blob)
    with blob.open("w") as target:
        copy_to = getattr(data, "copy_to", None)
        if copy_to is not None:
            # The ZODB store's chunks, copied in the kernel (one copy).
            target.flush()
            copy_to(target.fileno())
        else:
            shutil.copyfileobj(data, target, BLOCK_SIZE)
    return blob


def named_file_from_upload(
    field,
    details: FileDetails,
    *,
    data_path: str | None = None,
    data: BinaryIO | None = None,
    jar=None,
):
    """A NamedBlobFile/NamedBlobImage (as ``field`` wants) holding the upload.

    :param data_path: the upload's local file, linked into the blob; or
    :param data: an open stream of its bytes, copied into the blob.
    """
    factory = field._type
    is_image = INamedBlobImageField.providedBy(field)
    # An image made without data sniffs its zero bytes, and PIL logs that it
    # "can not recognize the image". Make it as a plain blob file and give
    # it its class once the data is in place (the info is computed below).
    if is_image:
        from plone.namedfile.file import NamedBlobFile

        value = NamedBlobFile(
            filename=details.filename, contentType=details.content_type
        )
        value.__class__ = factory
    else:
        value = factory(filename=details.filename, contentType=details.content_type)
    if data_path is not None:
        value._blob = blob_from_path(data_path, jar=jar)
    elif data is not None:
        value._blob = blob_from_stream(data, jar=jar)
    else:
        raise ValueError("give data_path or data")
    # Recompute what the value derives from its data (size, image info).
    value.__dict__.pop("size", None)
    if is_image:
        from plone.namedfile.file import MAX_INFO_BYTES
        from plone.namedfile.utils import getImageInfo

        # Enough bytes for the headers of any format (a JPEG's can be long).
        first_bytes = value.getFirstBytes(0, MAX_INFO_BYTES)
        image_type, value._width, value._height = getImageInfo(first_bytes)
        if image_type:
            value.contentType = image_type
    return value


def create_from_upload(
    container,
    *,
    portal_type: str,
    details: FileDetails,
    data_path: str | None = None,
    data: BinaryIO | None = None,
    fieldname: str | None = None,
    uid: str | None = None,
    upload_id: str | None = None,
):
    """Create a ``portal_type`` object in ``container`` from an upload's data.

    The id comes from the filename through Plone's name chooser; the file
    field is set before the created event fires.

    :param data_path: the upload's local file (hard-linked into the blob);
    :param data: else an open stream of its bytes (copied into the blob).
    :param uid: the UID the object gets (decided when the upload was
        created, so that a finish can be recognised after a crash).
    :param upload_id: recorded on the object (see :func:`record_upload`).
    :returns: the new object, acquisition-wrapped in ``container``.
    :raises ContentError: 403 if the type can't be added, 415 without file field.
    """
    if portal_type not in addable_types(container):
        raise ContentError(403, f"{portal_type!r} can't be added here")
    field = file_field_for_type(portal_type, fieldname)
    value = named_file_from_upload(
        field,
        details,
        data_path=data_path,
        data=data,
        jar=getattr(container, "_p_jar", None),
    )
    fields = {
        "id": details.filename,
        "title": details.title,
        field.getName(): value,
    }
    if details.description:
        fields["description"] = details.description
    content = createContent(portal_type, **fields)
    if uid:
        IMutableUUID(content).set(uid)
    if upload_id:
        record_upload(content, upload_id)
    return addContentToContainer(container, content, checkConstraints=True)


def replace_from_upload(
    obj,
    *,
    details: FileDetails,
    data_path: str | None = None,
    data: BinaryIO | None = None,
    fieldname: str | None = None,
    upload_id: str | None = None,
):
    """Replace the file of ``obj`` (its primary file field unless named).

    :param upload_id: recorded on ``obj`` (see :func:`record_upload`).
    :returns: ``obj``, modified and reindexed.
    """
    field = file_field_of(obj, fieldname)
    value = named_file_from_upload(
        field,
        details,
        data_path=data_path,
        data=data,
        jar=getattr(obj, "_p_jar", None),
    )
    field.set(field.interface(obj), value)
    if upload_id:
        record_upload(obj, upload_id)
    notify(ObjectModifiedEvent(obj, Attributes(field.interface, field.getName())))
    obj.reindexObject()
    return obj


@contextlib.contextmanager
def upload_data(store, upload_id: str):
    """An upload's bytes as :func:`create_from_upload` takes them.

    :returns: ``{"data_path": ...}`` (the store's local file, linked into
        the blob) or ``{"data": ...}`` (an open stream, copied).
    """
    path = store.local_path(upload_id)
    if path is not None:
        yield {"data_path": path}
        return
    with store.open_data(upload_id) as stream:
        yield {"data": stream}


def record_upload(obj, upload_id: str) -> None:
    """Remember on ``obj`` that the upload ``upload_id`` became its file.

    Written in the transaction that creates or changes ``obj``, so that
    :func:`was_made_from` tells after any crash whether that finish happened.
    """
    annotations = IAnnotations(obj)
    upload_ids = annotations.get(UPLOAD_IDS_KEY)
    if upload_ids is None:
        upload_ids = annotations[UPLOAD_IDS_KEY] = PersistentList()
    upload_ids.append(upload_id)
    del upload_ids[:-KEPT_UPLOAD_IDS]


def was_made_from(obj, upload_id: str) -> bool:
    """Tell whether the upload ``upload_id`` became ``obj``'s file."""
    annotations = IAnnotations(obj, None)
    if annotations is None:
        return False
    return upload_id in annotations.get(UPLOAD_IDS_KEY, ())


def object_by_uid(context, uid: str):
    """The object with ``uid`` whatever the user may see, or None."""
    catalog = getToolByName(context, "portal_catalog")
    for brain in catalog.unrestrictedSearchResults(UID=uid):
        return brain._unrestrictedGetObject()
    return None


def content_summary(obj, *, url: str | None = None, fieldname: str | None = None):
    """The small JSON the final reply carries: ``@id``, ``UID``, ``@type``, ``size``."""
    field = file_field_of(obj, fieldname)
    value = field.get(field.interface(obj))
    return {
        "@id": url or obj.absolute_url(),
        "UID": IUUID(obj, None),
        "@type": obj.portal_type,
        "size": value.getSize() if value is not None else 0,
    }
