"""A functional site with a folder, and session clients of its users."""

from helpers.plone_tus import PASSWORD
from helpers.sessions import SessionClient

import pytest


@pytest.fixture
def folder_url(site):
    return f"{site.absolute_url()}/inbox"


@pytest.fixture
def alice(folder_url):
    return SessionClient(folder_url, ("alice", PASSWORD))


@pytest.fixture
def bob(folder_url):
    return SessionClient(folder_url, ("bob", PASSWORD))
