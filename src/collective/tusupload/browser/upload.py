"""The upload page: an Uppy Dashboard that sends files to ``@tus-upload``."""

from collective.tusupload import _
from collective.tusupload.interfaces import ENDPOINT
from collective.tusupload.interfaces import SESSIONS_ENDPOINT
from collective.tusupload.settings import get_settings
from plone import api
from plone.protect.authenticator import createToken
from Products.CMFPlone.resources import add_bundle_on_request
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.i18n import translate

import json


BUNDLE_NAME = "collective.tusupload-upload"


def _placeholders(*names: str) -> dict[str, str]:
    """Keep ``${name}`` for the script, which fills in ``{name}``."""
    return {name: f"{{{name}}}" for name in names}


def _uppy_placeholders(*names: str) -> dict[str, str]:
    """Keep ``${name}`` for Uppy, which fills in ``%{name}``."""
    return {name: f"%{{{name}}}" for name in names}


FILE = _placeholders("file")

# What the page's script shows, by key; {name} placeholders are filled in
# by the script (frontend/src/messages.js says which where).
MESSAGES = {
    "tooLarge": _(
        "${file} is larger than ${limit}, the largest file this site accepts.",
        mapping=_placeholders("file", "limit"),
    ),
    "typeNotAllowed": _(
        "${file} is of type ${type}, which can't be uploaded here.",
        mapping=_placeholders("file", "type"),
    ),
    "unknownType": _("unknown"),
    "notAllowed": _("You may not upload ${file} here.", mapping=FILE),
    "failedForGood": _(
        "The server refused ${file}: ${reason}",
        mapping=_placeholders("file", "reason"),
    ),
    "loggedOut": _(
        "You are no longer logged in. Log in again in another tab, then retry ${file}.",
        mapping=FILE,
    ),
    "pendingLimit": _(
        "${file} can't start now: your unfinished uploads have reached this "
        "site's limit. Let them finish or remove some, then retry.",
        mapping=FILE,
    ),
    "expired": _(
        "The unfinished upload of ${file} has expired on the server. Retry "
        "sends it again from the start.",
        mapping=FILE,
    ),
    "unavailable": _(
        "The site can't take ${file} at the moment. Retry later; if this "
        "persists, tell the site's administrators.",
        mapping=FILE,
    ),
    "diskFull": _(
        "The server has no room for ${file} now. Retry later, or tell the "
        "site's administrators.",
        mapping=FILE,
    ),
    "connectionLost": _(
        "The connection broke while sending ${file}. Retry continues where it stopped.",
        mapping=FILE,
    ),
    "failed": _(
        "${file} could not be uploaded: ${reason}",
        mapping=_placeholders("file", "reason"),
    ),
    "backOnline": _("Back online: the uploads continue."),
    "allUploaded": _("All files uploaded: ${count}.", mapping=_placeholders("count")),
    "someUploaded": _(
        "Uploaded: ${done} of ${total} files.",
        mapping=_placeholders("done", "total"),
    ),
    "notUploaded": _("Not uploaded: ${count}.", mapping=_placeholders("count")),
    "openItem": _("Open ${title}", mapping=_placeholders("title")),
    "title": _("Title"),
    "description": _("Description"),
    # "Publish together" (upload sessions, frontend/src/together.js).
    "sessionName": _("Upload of ${when}", mapping=_placeholders("when")),
    "continueSession": _(
        "Continue “${name}” (${count} files)", mapping=_placeholders("name", "count")
    ),
    "sessionContinued": _(
        "Continuing “${name}”. Add files, then publish them together.",
        mapping=_placeholders("name"),
    ),
    "sessionGone": _("That batch is no longer open."),
    "status_open": _("open: files may be added"),
    "status_processing": _("being published"),
    "status_published": _("published"),
    "status_error": _("publishing failed; fix the files and publish again"),
    "status_canceled": _("canceled"),
    "publishCount": _("Publish ${count} files", mapping=_placeholders("count")),
    "waitingFiles": _(
        "Waiting for ${count} files to arrive.", mapping=_placeholders("count")
    ),
    "linkCopied": _("Preview link copied."),
    "checkingFile": _("Checking ${file}…", mapping=FILE),
    "fileRefused": _(
        "${file} was refused: ${reason}", mapping=_placeholders("file", "reason")
    ),
    "publishing": _("Publishing the files…"),
    "publishedCount": _(
        "Published: ${count} files are now in the folder.",
        mapping=_placeholders("count"),
    ),
    "note": _(
        "An interrupted upload continues where it stopped, also after a "
        "reload; a large file may have to be added again."
    ),
}
# Uppy's own strings that the page overrides (the rest come from Uppy's
# locale for the language), named as Uppy names them.
UPPY_MESSAGES = {
    "dropPasteFiles": _(
        "Drop files here or ${browseFiles}",
        mapping=_uppy_placeholders("browseFiles"),
    ),
    "browseFiles": _("browse"),
    "removeFile": _("Remove ${file}", mapping=_uppy_placeholders("file")),
}


class UploadFilesView(BrowserView):
    """``@@upload-files`` on a folder: drop files, watch them arrive."""

    index = ViewPageTemplateFile("templates/upload.pt")

    def __call__(self):
        add_bundle_on_request(self.request, BUNDLE_NAME)
        return self.index()

    def config(self) -> dict[str, str]:
        """The data attributes that configure the page's script.

        :returns: attribute name -> value, all strings.
        """
        settings = get_settings()
        return {
            "data-endpoint": f"{self.context.absolute_url()}/{ENDPOINT}",
            "data-sessions-endpoint": (
                f"{self.context.absolute_url()}/{SESSIONS_ENDPOINT}"
            ),
            "data-chunk-size": str(settings.chunk_size),
            "data-max-size": str(settings.max_size) if settings.max_size else "",
            "data-allowed-types": json.dumps(
                [kind for kind in settings.allowed_mime_types if kind]
            ),
            "data-csrf-token": createToken(),
            "data-language": self.language(),
            "data-messages": json.dumps(self.messages()),
        }

    def language(self) -> str:
        """The language the page speaks: the one Plone negotiated."""
        return api.portal.get_current_language(context=self.context) or "en"

    def dismiss_label(self) -> str:
        return self._translate(_("Dismiss the message about ${file}", mapping=FILE))

    def messages(self) -> dict:
        """The page script's strings, translated for this request."""
        messages = {key: self._translate(message) for key, message in MESSAGES.items()}
        messages["uppy"] = {
            key: self._translate(message) for key, message in UPPY_MESSAGES.items()
        }
        return messages

    def _translate(self, message) -> str:
        return translate(message, context=self.request)
