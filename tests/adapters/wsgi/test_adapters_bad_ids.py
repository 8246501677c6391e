"""Upload ids that are not UTF-8 through a real waitress: 404, not 500."""

from helpers.tus_server import ServerProcess

import http.client
import pytest


OCTETS = {"Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def server(tmp_path):
    server = ServerProcess(str(tmp_path / "server")).start()
    yield server
    server.stop()


class TestNonUtf8UploadId:
    @pytest.mark.parametrize("method", ["HEAD", "PATCH", "DELETE"])
    def test_is_not_found(self, server, method):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request(
                method,
                "/files/%ff%fe",
                headers={**OCTETS, "Upload-Offset": "0", "Content-Length": "0"},
            )
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        assert response.status == 404
        if method != "HEAD":
            assert body == b"upload not found"
        assert "Traceback" not in server.log()
