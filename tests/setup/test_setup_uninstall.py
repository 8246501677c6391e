"""Uninstalling leaves nothing of the add-on behind."""

from collective.tusupload.interfaces import ICollectiveTusuploadLayer
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import pytest


class TestSetupUninstall:
    @pytest.fixture(autouse=True)
    def uninstalled(self, installer, package_name):
        installer.uninstall_product(package_name)

    def test_addon_uninstalled(self, installer, package_name):
        assert installer.is_product_installed(package_name) is False

    def test_browserlayer_removed(self, browser_layers):
        assert ICollectiveTusuploadLayer not in browser_layers

    def test_registry_records_removed(self, portal):
        registry = getUtility(IRegistry)
        leftovers = [
            name for name in registry.records if name.startswith("collective.tusupload")
        ]
        assert leftovers == []

    @pytest.mark.parametrize("action", ["tusupload-controlpanel", "tusupload-pending"])
    def test_controlpanel_removed(self, controlpanel_actions, action):
        assert action not in controlpanel_actions
