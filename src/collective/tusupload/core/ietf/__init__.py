"""The IETF "Resumable Uploads for HTTP" wire layer (interop versions 3 to 8)."""

from collective.tusupload.core.ietf.handler import IetfHandler
from collective.tusupload.core.ietf.versions import INTEROP_HEADER
from collective.tusupload.core.ietf.versions import VERSIONS


__all__ = ["INTEROP_HEADER", "VERSIONS", "IetfHandler"]
