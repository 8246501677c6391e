"""GET ``<context>/@tusupload-settings``: what a browser client needs to know.

The Volto add-on (``@plone-collective/volto-tusupload``) sends files as the
Classic upload page does, which reads these settings from its page; a Volto
frontend has no such page, so it asks here. The tus OPTIONS reply tells the
current size limit and extensions, but not the chunk size hint or the
allowed types.
"""

from collective.tusupload.settings import get_settings
from plone.restapi.services import Service


class UploadSettingsGet(Service):
    """The chunk size hint, the size limit and the allowed MIME types."""

    def reply(self):
        settings = get_settings()
        allowed = [kind for kind in settings.allowed_mime_types if kind]
        return {
            "chunk_size": settings.chunk_size,
            "max_size": settings.max_size,
            "allowed_mime_types": allowed,
        }
