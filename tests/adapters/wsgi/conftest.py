"""Fixtures of the client tests: a real waitress serving the filter, a file."""

from helpers.tus_server import ServerProcess

import pytest
import random


@pytest.fixture
def server(tmp_path):
    """The filter in a waitress subprocess on a free loopback port."""
    process = ServerProcess(str(tmp_path / "server")).start()
    yield process
    process.stop()


@pytest.fixture
def source(request, tmp_path):
    """A file of random bytes, as long as the test module's ``SIZE``."""
    path = tmp_path / "source.bin"
    path.write_bytes(
        random.Random(request.module.__name__).randbytes(request.module.SIZE)
    )
    return str(path)
