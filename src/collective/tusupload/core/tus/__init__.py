"""The tus 1.0.0 wire layer: headers, metadata, checksums, concatenation."""

from collective.tusupload.core.tus.handler import TUS_VERSION
from collective.tusupload.core.tus.handler import TusHandler


__all__ = ["TUS_VERSION", "TusHandler"]
