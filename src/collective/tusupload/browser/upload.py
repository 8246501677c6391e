"""The upload page: an Uppy Dashboard that sends files to ``@tus-upload``."""

from collective.tusupload import _
from collective.tusupload.interfaces import ITusUploadSettings
from collective.tusupload.interfaces import REGISTRY_PREFIX
from plone.protect.authenticator import createToken
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.resources import add_bundle_on_request
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.component import getUtility
from zope.i18n import translate

import json


BUNDLE_NAME = "collective.tusupload-upload"
MIB = 1024 * 1024

# What the page's script shows, by key. Uppy's own strings that the page
# overrides are under "uppy", named as Uppy names them.
MESSAGES = {
    "tooLarge": _("This file is larger than the maximum upload size"),
    "typeNotAllowed": _("This file type is not allowed here"),
    "notAllowed": _("You are not allowed to upload here"),
    "expired": _("This upload has expired; please add the file again"),
    "connectionLost": _(
        "The server could not be reached. Press retry to continue where the "
        "upload stopped."
    ),
    "failed": _("The upload failed"),
    "openItem": _("Open ${title}", mapping={"title": "{title}"}),
    "title": _("Title"),
    "description": _("Description"),
    "note": _(
        "An interrupted upload continues where it stopped when you add the "
        "same file again."
    ),
}
UPPY_MESSAGES = {
    "dropPasteFiles": _("Drop files here or %{browseFiles}"),
    "browseFiles": _("browse"),
    "exceedsSize": _("This file is larger than the maximum upload size"),
    "youCanOnlyUploadFileTypes": _("This file type is not allowed here"),
}


class UploadFilesView(BrowserView):
    """``@@upload-files`` on a folder: drop files, watch them arrive."""

    index = ViewPageTemplateFile("templates/upload.pt")

    def __call__(self):
        add_bundle_on_request(self.request, BUNDLE_NAME)
        return self.index()

    def settings(self) -> ITusUploadSettings:
        registry = getUtility(IRegistry)
        return registry.forInterface(
            ITusUploadSettings, prefix=REGISTRY_PREFIX, check=False
        )

    def config(self) -> dict[str, str]:
        """The data attributes that configure the page's script.

        :returns: attribute name -> value, all strings.
        """
        settings = self.settings()
        max_size = (settings.max_upload_size or 0) * MIB
        return {
            "data-endpoint": f"{self.context.absolute_url()}/@tus-upload",
            "data-chunk-size": str((settings.chunk_size or 8) * MIB),
            "data-max-size": str(max_size) if max_size else "",
            "data-allowed-types": json.dumps(
                [kind for kind in settings.allowed_mime_types or [] if kind]
            ),
            "data-csrf-token": createToken(),
            "data-messages": json.dumps(self.messages()),
        }

    def messages(self) -> dict:
        """The page script's strings, translated for this request."""
        messages = {
            key: translate(message, context=self.request)
            for key, message in MESSAGES.items()
        }
        messages["uppy"] = {
            key: translate(message, context=self.request)
            for key, message in UPPY_MESSAGES.items()
        }
        return messages
