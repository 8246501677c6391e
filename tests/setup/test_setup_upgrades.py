"""Upgrade steps bring an installed site to the profile's version."""

from plone import api
from plone.base.interfaces.resources import IBundleRegistry
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
        steps = setup.listUpgrades(PROFILE)[0]
        assert [step["title"] for step in steps] == [
            "Per-user limits of unfinished uploads"
        ]
        setup.upgradeProfile(PROFILE, "1001")

        assert setup.getLastVersionForProfile(PROFILE) == ("1001",)
        assert api.portal.get_registry_record(f"{PREFIX}.max_pending_size") == 20480
        assert api.portal.get_registry_record(f"{PREFIX}.max_pending_uploads") == 50
        assert api.portal.get_registry_record(f"{PREFIX}.max_upload_size") == 512


CONTENTS_BUNDLE = "collective.tusupload-contents"


class TestUpgradeTo1002:
    def bundles(self):
        return getUtility(IRegistry).collectionOfInterface(
            IBundleRegistry, prefix="plone.bundles", check=False
        )

    def test_adds_the_contents_bundle_and_keeps_settings(self, portal):
        del self.bundles()[CONTENTS_BUNDLE]
        api.portal.set_registry_record(f"{PREFIX}.chunk_size", 32)
        api.portal.set_registry_record(f"{PREFIX}.allowed_mime_types", ["image/*"])
        setup = portal.portal_setup
        setup.setLastVersionForProfile(PROFILE, "1001")

        steps = setup.listUpgrades(PROFILE)[0]
        assert [step["title"] for step in steps] == [
            "Upload button of the Contents view"
        ]
        setup.upgradeProfile(PROFILE, "1002")

        assert setup.getLastVersionForProfile(PROFILE) == ("1002",)
        bundle = self.bundles()[CONTENTS_BUNDLE]
        assert bundle.enabled is True
        assert bundle.jscompilation.endswith("/contents-upload.min.js")
        assert "folder_contents" in bundle.expression
        assert self.bundles()["collective.tusupload-upload"].enabled is False
        assert api.portal.get_registry_record(f"{PREFIX}.chunk_size") == 32
        assert api.portal.get_registry_record(f"{PREFIX}.allowed_mime_types") == [
            "image/*"
        ]


class TestUpgradeTo1003:
    def test_adds_the_session_settings_and_keeps_values(self, portal):
        registry = getUtility(IRegistry)
        names = ("session_expiry", "session_max_lifetime", "publish_async_threshold")
        for name in names:
            del registry.records[f"{PREFIX}.{name}"]
        api.portal.set_registry_record(f"{PREFIX}.chunk_size", 16)
        setup = portal.portal_setup
        setup.setLastVersionForProfile(PROFILE, "1002")

        (steps,) = setup.listUpgrades(PROFILE)
        assert [step["title"] for step in steps] == ["Settings of upload sessions"]
        setup.upgradeProfile(PROFILE)

        assert setup.getLastVersionForProfile(PROFILE) == ("1003",)
        assert api.portal.get_registry_record(f"{PREFIX}.session_expiry") == 604800
        assert (
            api.portal.get_registry_record(f"{PREFIX}.publish_async_threshold") == 100
        )
        assert api.portal.get_registry_record(f"{PREFIX}.chunk_size") == 16
