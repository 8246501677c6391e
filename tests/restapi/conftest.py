"""A Plone site served by a real WSGI server, users, a folder and clients."""

from helpers.plone_tus import client_for

import pytest


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
