"""Install helpers of collective.tusupload."""

from plone.base.interfaces import INonInstallable
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles:
    """Hide the add-on's internal profiles from the add-ons control panel."""

    def getNonInstallableProfiles(self) -> list[str]:
        return ["collective.tusupload:uninstall"]

    def getNonInstallableProducts(self) -> list[str]:
        return ["collective.tusupload.upgrades"]
