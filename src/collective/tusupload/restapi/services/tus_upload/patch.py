"""PATCH <context>/@tus-upload/<id>: append a chunk; the last creates the content."""

from collective.tusupload.restapi.services.tus_upload.base import TusService


class UploadPatch(TusService):
    """PATCH <context>/@tus-upload/<id>."""
