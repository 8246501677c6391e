"""OPTIONS <folder>/@tus-upload: the server's tus capabilities (204)."""

from collective.tusupload.restapi.services.tus_upload.base import TusService


class UploadOptions(TusService):
    """OPTIONS <folder>/@tus-upload."""
