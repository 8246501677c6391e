"""Fixtures shared by all tests: Plone layers as pytest fixtures."""

from collective.tusupload.testing import FUNCTIONAL_TESTING
from collective.tusupload.testing import INTEGRATION_TESTING
from pytest_plone import fixtures_factory

import pytest


pytest_plugins = ["pytest_plone"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)


@pytest.fixture(scope="session")
def package_name() -> str:
    return "collective.tusupload"
