"""POST <folder>/@tus-upload: create an upload (201 + Location)."""

from collective.tusupload.restapi.services.tus_upload.base import TusService


class UploadPost(TusService):
    """POST <folder>/@tus-upload."""
