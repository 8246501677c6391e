"""Fixtures of the IETF draft's tests: a client per interop version."""

from collective.tusupload.core.ietf.versions import VERSIONS
from helpers.core_client import IetfClient

import pytest


@pytest.fixture(params=sorted(VERSIONS), ids=lambda number: f"interop-{number}")
def interop(request):
    """The row of one interop version (every version, in turn)."""
    return VERSIONS[request.param]


@pytest.fixture
def ietf(client, interop):
    """A client speaking ``interop`` to the core's handler."""
    return IetfClient(client, interop.number)


@pytest.fixture
def ietf_for():
    """``ietf_for(client, version)``: a client of another handler or version."""
    return IetfClient


from helpers.stores import *  # noqa: E402, F403
