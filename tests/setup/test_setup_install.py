"""The add-on installs with its layer, permissions, settings and control panel."""

from collective.tusupload.interfaces import ICollectiveTusuploadLayer
from plone import api

import pytest


class TestSetupInstall:
    def test_addon_installed(self, installer, package_name):
        assert installer.is_product_installed(package_name) is True

    def test_browserlayer(self, browser_layers):
        assert ICollectiveTusuploadLayer in browser_layers

    def test_latest_version(self, profile_last_version, package_name):
        assert profile_last_version(f"{package_name}:default") == "1003"

    def test_restapi_installed_as_dependency(self, installer):
        assert installer.is_product_installed("plone.restapi") is True

    def test_uninstall_profile_hidden(self, portal):
        from collective.tusupload.setuphandlers import HiddenProfiles

        hidden = HiddenProfiles().getNonInstallableProfiles()
        assert "collective.tusupload:uninstall" in hidden

    @pytest.mark.parametrize("action", ["tusupload-controlpanel", "tusupload-pending"])
    def test_controlpanel_listed(self, controlpanel_actions, action):
        assert action in controlpanel_actions

    @pytest.mark.parametrize(
        "permission,role",
        [
            ("collective.tusupload: Add upload", "Contributor"),
            ("collective.tusupload: Add upload", "Manager"),
            ("collective.tusupload: Manage uploads", "Site Administrator"),
        ],
    )
    def test_permission_granted(self, portal, permission, role):
        roles = [
            entry["name"]
            for entry in portal.rolesOfPermission(permission)
            if entry["selected"]
        ]
        assert role in roles

    def test_manage_uploads_not_for_contributors(self, portal):
        roles = [
            entry["name"]
            for entry in portal.rolesOfPermission(
                "collective.tusupload: Manage uploads"
            )
            if entry["selected"]
        ]
        assert "Contributor" not in roles


class TestSetupRegistry:
    @pytest.mark.parametrize(
        "name,expected",
        [
            ("max_upload_size", 10240),
            ("upload_expiry", 86400),
            ("tmp_dir", ""),
            ("allowed_mime_types", []),
            ("chunk_size", 8),
            ("cleanup_interval", 3600),
            ("max_pending_size", 20480),
            ("max_pending_uploads", 50),
        ],
    )
    def test_record_default(self, portal, name, expected):
        value = api.portal.get_registry_record(f"collective.tusupload.{name}")
        assert value == expected or (value is None and expected == "")
