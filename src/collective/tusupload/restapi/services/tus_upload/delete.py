"""DELETE <context>/@tus-upload/<id>: terminate the upload (204)."""

from collective.tusupload.restapi.services.tus_upload.base import TusService


class UploadDelete(TusService):
    """DELETE <context>/@tus-upload/<id>."""
