"""HEAD <context>/@tus-upload/<id>: the upload's offset and length."""

from collective.tusupload.restapi.services.tus_upload.base import TusService


class UploadHead(TusService):
    """HEAD <context>/@tus-upload/<id>."""
