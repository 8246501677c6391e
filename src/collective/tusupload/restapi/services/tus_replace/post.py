"""POST <item>/@tus-replace: create an upload that replaces the item's file.

As with plone.restapi, the reply's ``Location`` is
``<item>/@tus-upload/<id>``: HEAD, PATCH and DELETE go there.
"""

from collective.tusupload.restapi.services.tus_upload.base import TusService
from collective.tusupload.uploads import MODE_REPLACE
from collective.tusupload.uploads import REPLACE_ENDPOINT


class ReplacePost(TusService):
    """POST <item>/@tus-replace."""

    endpoint = REPLACE_ENDPOINT
    mode = MODE_REPLACE
