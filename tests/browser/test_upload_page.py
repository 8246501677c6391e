"""The upload page, its action and its bundle, without a browser."""

from AccessControl import Unauthorized
from plone import api
from plone.app.testing import logout
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.base.interfaces.resources import IBundleRegistry
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import json
import pytest


BUNDLE = "collective.tusupload-upload"
CONTENTS_BUNDLE = "collective.tusupload-contents"


@pytest.fixture
def folder(portal):
    setRoles(portal, TEST_USER_ID, ["Contributor", "Editor"])
    return api.content.create(container=portal, type="Folder", id="docs", title="Docs")


def render(context, request):
    view = api.content.get_view(name="upload-files", context=context, request=request)
    return view, view()


class TestUploadPage:
    def test_page_carries_the_configuration(self, folder, http_request):
        api.portal.set_registry_record("collective.tusupload.chunk_size", 2)
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 5)
        api.portal.set_registry_record(
            "collective.tusupload.allowed_mime_types", ["image/*", "application/pdf"]
        )
        view, html = render(folder, http_request)
        config = view.config()
        endpoint = f"{folder.absolute_url()}/@tus-upload"
        assert config["data-endpoint"] == endpoint
        assert config["data-chunk-size"] == str(2 * 1024 * 1024)
        assert config["data-max-size"] == str(5 * 1024 * 1024)
        assert json.loads(config["data-allowed-types"]) == [
            "image/*",
            "application/pdf",
        ]
        assert config["data-csrf-token"]
        assert 'class="tusupload-page"' in html
        assert f'data-endpoint="{endpoint}"' in html

    def test_no_size_limit_leaves_max_size_empty(self, folder, http_request):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 0)
        view, _html = render(folder, http_request)
        assert view.config()["data-max-size"] == ""

    def test_messages_are_passed_to_the_script(self, folder, http_request):
        view, _html = render(folder, http_request)
        messages = json.loads(view.config()["data-messages"])
        assert messages["tooLarge"] == (
            "{file} is larger than {limit}, the largest file this site accepts."
        )
        assert messages["openItem"] == "Open {title}"
        # Uppy's own placeholders are kept for Uppy.
        assert messages["uppy"]["removeFile"] == "Remove %{file}"
        assert messages["uppy"]["dropPasteFiles"] == "Drop files here or %{browseFiles}"

    def test_page_says_its_language(self, folder, http_request):
        view, _html = render(folder, http_request)
        assert view.config()["data-language"] == "en"

    def test_bundle_is_loaded_on_the_upload_page(self, folder, http_request):
        _view, html = render(folder, http_request)
        assert "++plone++collective.tusupload/upload-files.min.js" in html
        assert "++plone++collective.tusupload/upload-files.min.css" in html

    def test_bundle_is_not_loaded_elsewhere(self, folder, http_request):
        html = folder.restrictedTraverse("@@view")()
        assert "upload-files.min.js" not in html

    def test_bundle_is_registered_disabled(self, portal):
        bundles = getUtility(IRegistry).collectionOfInterface(
            IBundleRegistry, prefix="plone.bundles", check=False
        )
        assert bundles[BUNDLE].enabled is False
        assert bundles[BUNDLE].jscompilation.endswith("upload-files.min.js")

    def test_contents_bundle_is_registered_for_folder_contents(self, portal):
        bundles = getUtility(IRegistry).collectionOfInterface(
            IBundleRegistry, prefix="plone.bundles", check=False
        )
        bundle = bundles[CONTENTS_BUNDLE]
        assert bundle.enabled is True
        assert bundle.jscompilation.endswith("contents-upload.min.js")
        assert "folder_contents" in bundle.expression
        assert "collective.tusupload: Add upload" in bundle.expression

    def test_contents_bundle_is_not_loaded_elsewhere(self, folder, http_request):
        html = folder.restrictedTraverse("@@view")()
        assert "contents-upload.min.js" not in html

    def test_anonymous_may_not_open_the_page(self, folder):
        logout()
        with pytest.raises(Unauthorized):
            folder.restrictedTraverse("@@upload-files")

    def test_site_root_has_the_page(self, portal, http_request):
        setRoles(portal, TEST_USER_ID, ["Manager"])
        view, _html = render(portal, http_request)
        endpoint = f"{portal.absolute_url()}/@tus-upload"
        assert view.config()["data-endpoint"] == endpoint


class TestUploadAction:
    def actions(self, context):
        tool = api.portal.get_tool("portal_actions")
        return {
            action["id"]
            for action in tool.listFilteredActionsFor(context).get("object_buttons", [])
        }

    def test_contributor_sees_the_action_on_a_folder(self, folder):
        assert "upload-files" in self.actions(folder)

    def test_no_action_on_a_document(self, folder):
        page = api.content.create(container=folder, type="Document", id="page")
        assert "upload-files" not in self.actions(page)

    def test_no_action_without_add_permission(self, folder, portal):
        folder.manage_delLocalRoles([TEST_USER_ID])
        setRoles(portal, TEST_USER_ID, ["Member"])
        assert "upload-files" not in self.actions(folder)

    def test_action_opens_the_upload_page(self, folder):
        tool = api.portal.get_tool("portal_actions")
        action = next(
            action
            for action in tool.listFilteredActionsFor(folder)["object_buttons"]
            if action["id"] == "upload-files"
        )
        assert action["url"] == f"{folder.absolute_url()}/@@upload-files"

    def test_uninstall_removes_the_action_and_bundle(self, folder, portal):
        installer = api.content.get_view(
            name="installer", context=portal, request=portal.REQUEST
        )
        installer.uninstall_product("collective.tusupload")
        assert "upload-files" not in self.actions(folder)
        bundles = getUtility(IRegistry).collectionOfInterface(
            IBundleRegistry, prefix="plone.bundles", check=False
        )
        assert BUNDLE not in bundles
        assert CONTENTS_BUNDLE not in bundles
