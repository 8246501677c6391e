"""OPTIONS <item>/@tus-replace: the server's tus capabilities (204)."""

from collective.tusupload.restapi.services.tus_replace.post import ReplacePost


class ReplaceOptions(ReplacePost):
    """OPTIONS <item>/@tus-replace."""
