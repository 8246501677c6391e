"""A Plone site served by a real WSGI server, users, a folder and clients."""

from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from plone_tus import client_for
from plone_tus import PASSWORD
from plone_tus import USERS
from Products.SiteAccess.VirtualHostMonster import manage_addVirtualHostMonster

import pytest
import transaction


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "tus"


@pytest.fixture
def site(functional, functional_portal, upload_dir):
    """The portal with users, a folder ``docs`` and a File ``report``."""
    portal = functional_portal
    app = functional["app"]
    if "virtual_hosting" not in app.objectIds():
        manage_addVirtualHostMonster(app, "virtual_hosting")
    setRoles(portal, TEST_USER_ID, ["Manager"])
    login(portal, TEST_USER_NAME)
    _populate(portal, upload_dir)
    logout()
    transaction.commit()
    return portal


def _populate(portal, upload_dir):
    api.portal.set_registry_record("collective.tusupload.tmp_dir", str(upload_dir))
    for user_id, roles in USERS.items():
        api.user.create(
            email=f"{user_id}@example.org",
            username=user_id,
            password=PASSWORD,
            roles=roles,
        )
    folder = api.content.create(
        container=portal, type="Folder", id="docs", title="Docs"
    )
    api.content.create(container=folder, type="File", id="report", title="Report")


@pytest.fixture
def portal_url(site):
    return site.absolute_url()


@pytest.fixture
def folder_url(portal_url):
    return f"{portal_url}/docs"


@pytest.fixture
def endpoint(folder_url):
    return f"{folder_url}/@tus-upload"


@pytest.fixture
def alice(endpoint):
    return client_for(endpoint, "alice")


@pytest.fixture
def bob(endpoint):
    return client_for(endpoint, "bob")
