"""1000 -> 1001: per-user limits of unfinished uploads.

Adds the registry records ``max_pending_size`` and ``max_pending_uploads``
(with their defaults) and updates the descriptions of the others; values a
site has set are kept.
"""

from collective.tusupload.interfaces import ITusUploadSettings
from collective.tusupload.interfaces import REGISTRY_PREFIX
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


def add_pending_limits(context) -> None:
    """Register the settings schema again: new records get their defaults."""
    registry = getUtility(IRegistry)
    registry.registerInterface(ITusUploadSettings, prefix=REGISTRY_PREFIX)
