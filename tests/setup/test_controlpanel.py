"""The settings can be edited in Site Setup and through @controlpanels."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_NAME
from plone.app.testing import TEST_USER_PASSWORD

import requests
import transaction


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
