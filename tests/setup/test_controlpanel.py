"""The settings can be edited in Site Setup and through @controlpanels."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_NAME
from plone.app.testing import TEST_USER_PASSWORD

import html
import pytest
import re
import requests
import transaction


PANEL = "tusupload-controlpanel"
OWNER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)


def test_controlpanel_page_renders(functional_portal):
    url = f"{functional_portal.absolute_url()}/@@tusupload-controlpanel"
    response = requests.get(url, auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD))
    assert response.status_code == 200
    assert "Maximum upload size" in response.text


def test_controlpanel_forbidden_for_members(functional_portal):
    url = f"{functional_portal.absolute_url()}/@@tusupload-controlpanel"
    response = requests.get(
        url, auth=(TEST_USER_NAME, TEST_USER_PASSWORD), allow_redirects=False
    )
    assert response.status_code in (302, 401, 403)


def test_rest_controlpanel_saves_settings(functional_portal):
    url = f"{functional_portal.absolute_url()}/@controlpanels/tusupload-controlpanel"
    response = requests.patch(
        url,
        json={"max_upload_size": 512, "allowed_mime_types": ["image/*"]},
        headers={"Accept": "application/json"},
        auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD),
    )
    assert response.status_code == 204
    transaction.begin()
    assert api.portal.get_registry_record("collective.tusupload.max_upload_size") == 512
    assert api.portal.get_registry_record(
        "collective.tusupload.allowed_mime_types"
    ) == ["image/*"]


def test_rest_controlpanel_refuses_invalid_value(functional_portal):
    url = f"{functional_portal.absolute_url()}/@controlpanels/tusupload-controlpanel"
    response = requests.patch(
        url,
        json={"chunk_size": 0},
        headers={"Accept": "application/json"},
        auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD),
    )
    assert response.status_code == 400


class TestUploadDirectoryIsValidated:
    """``tmp_dir`` must be a directory Zope can create and write, when saved."""

    @pytest.fixture
    def a_file(self, tmp_path):
        path = tmp_path / "passwd"
        path.write_text("root:x:0:0")
        return str(path)

    def patch(self, portal, **values):
        return requests.patch(
            f"{portal.absolute_url()}/@controlpanels/{PANEL}",
            json=values,
            headers={"Accept": "application/json"},
            auth=OWNER,
            timeout=30,
        )

    def stored_tmp_dir(self):
        transaction.begin()
        return api.portal.get_registry_record("collective.tusupload.tmp_dir")

    def test_rest_refuses_a_file_with_a_message(self, functional_portal, a_file):
        response = self.patch(functional_portal, tmp_dir=a_file)
        assert response.status_code == 400
        message = response.json()["message"]
        assert f"The upload directory {a_file} can't be used" in message
        assert "it is a file, not a directory" in message
        assert self.stored_tmp_dir() in (None, "")

    def test_rest_refuses_a_relative_path(self, functional_portal):
        response = self.patch(functional_portal, tmp_dir="var/uploads")
        assert response.status_code == 400
        assert "not an absolute path" in response.json()["message"]

    def test_rest_accepts_and_creates_a_new_directory(
        self, functional_portal, tmp_path
    ):
        directory = tmp_path / "uploads" / "tus"
        response = self.patch(functional_portal, tmp_dir=str(directory))
        assert response.status_code == 204
        assert directory.is_dir()
        assert list(directory.iterdir()) == []  # the probe file is gone
        assert self.stored_tmp_dir() == str(directory)

    def test_rest_accepts_empty_for_the_default(self, functional_portal):
        assert self.patch(functional_portal, tmp_dir="").status_code == 204

    def test_classic_form_refuses_a_file_with_a_message(
        self, functional_portal, a_file
    ):
        url = f"{functional_portal.absolute_url()}/@@{PANEL}"
        session = requests.Session()
        session.auth = OWNER
        form = session.get(url, timeout=30).text
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', form)
        assert token, form[-2000:]
        data = {
            "_authenticator": token.group(1),
            "form.widgets.max_upload_size": "10240",
            "form.widgets.max_pending_size": "20480",
            "form.widgets.max_pending_uploads": "50",
            "form.widgets.upload_expiry": "86400",
            "form.widgets.tmp_dir": a_file,
            "form.widgets.allowed_mime_types": "",
            "form.widgets.chunk_size": "8",
            "form.widgets.cleanup_interval": "3600",
            "form.buttons.save": "Save",
        }
        response = session.post(url, data=data, timeout=30)
        assert response.status_code == 200
        page = html.unescape(response.text)
        assert f"The upload directory {a_file} can't be used" in page
        assert "it is a file, not a directory" in page
        assert self.stored_tmp_dir() in (None, "")
