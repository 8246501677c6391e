"""Upgrade steps bring an installed site to the profile's version."""

from plone import api
from plone.registry.interfaces import IRegistry
from zope.component import getUtility


PROFILE = "collective.tusupload:default"
PREFIX = "collective.tusupload"


class TestUpgradeTo1001:
    def test_adds_the_pending_limits_and_keeps_values(self, portal):
        registry = getUtility(IRegistry)
        for name in ("max_pending_size", "max_pending_uploads"):
            del registry.records[f"{PREFIX}.{name}"]
        api.portal.set_registry_record(f"{PREFIX}.max_upload_size", 512)
        setup = portal.portal_setup
        setup.setLastVersionForProfile(PROFILE, "1000")

        # One list per <upgradeSteps> block.
        (steps,) = setup.listUpgrades(PROFILE)
        assert [step["title"] for step in steps] == [
            "Per-user limits of unfinished uploads"
        ]
        setup.upgradeProfile(PROFILE)

        assert setup.getLastVersionForProfile(PROFILE) == ("1001",)
        assert api.portal.get_registry_record(f"{PREFIX}.max_pending_size") == 20480
        assert api.portal.get_registry_record(f"{PREFIX}.max_pending_uploads") == 50
        assert api.portal.get_registry_record(f"{PREFIX}.max_upload_size") == 512
