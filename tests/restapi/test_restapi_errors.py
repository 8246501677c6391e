"""Errors in words through Plone's ``@tus-upload``: a full disk, a bad ``tmp_dir``.

A real WSGI server (the functional layer); for the full disk the upload
directory is a 1 MiB tmpfs.
"""

from helpers.plone_tus import PASSWORD
from helpers.small_disk import files_in
from helpers.small_disk import MIB
from helpers.small_disk import small_disk
from plone import api

import html
import pytest
import requests
import transaction


CHUNK = 256 * 1024


class TestFullDisk:
    @pytest.fixture
    def upload_dir(self, tmp_path):
        """The site's upload directory on a 1 MiB tmpfs (see conftest's ``site``)."""
        with small_disk(tmp_path / "tus") as directory:
            yield directory

    def test_upload_larger_than_the_free_space_is_507_and_leaves_nothing(
        self, site, alice, upload_dir
    ):
        response = alice.create(2 * MIB, data=b"x" * (2 * MIB), filename="big.bin")
        assert response.status_code == 507
        message = response.json()["error"]["message"]
        assert "not enough disk space" in message
        assert "2 MiB" in message
        assert "Location" not in response.headers
        assert files_in(upload_dir) == []

    def test_chunk_that_fills_the_disk_is_507_and_keeps_the_offset(
        self, site, alice, upload_dir
    ):
        created = alice.create(headers={"Upload-Defer-Length": "1"}, filename="a.bin")
        url = created.headers["Location"]
        assert alice.patch(url, b"a" * CHUNK, 0).status_code == 204
        response = alice.patch(url, b"b" * (2 * MIB), CHUNK)
        assert response.status_code == 507
        assert "disk is full" in response.json()["error"]["message"]
        assert alice.head(url).headers["Upload-Offset"] == str(CHUNK)
        # The refused chunk is gone: the upload goes on once there is room.
        response = alice.patch(url, b"c" * CHUNK, CHUNK)
        assert response.status_code == 204, response.text
        assert response.headers["Upload-Offset"] == str(2 * CHUNK)


class TestUnusableUploadDirectory:
    """A ``tmp_dir`` stored before it was validated (or broken since)."""

    @pytest.fixture
    def bad_dir(self, site, tmp_path):
        path = tmp_path / "passwd"
        path.write_text("root:x:0:0")
        api.portal.set_registry_record("collective.tusupload.tmp_dir", str(path))
        transaction.commit()
        return str(path)

    @pytest.mark.parametrize("method", ["OPTIONS", "POST", "HEAD"])
    def test_tus_requests_answer_503_in_words(self, alice, endpoint, bad_dir, method):
        url = endpoint if method != "HEAD" else f"{endpoint}/{'a' * 32}"
        headers = {"Upload-Length": "10"} if method == "POST" else {}
        response = alice.session.request(method, url, headers=headers, timeout=30)
        assert response.status_code == 503
        assert response.headers["Tus-Resumable"] == "1.0.0"
        if method != "HEAD":
            message = response.json()["error"]["message"]
            assert bad_dir in message
            assert "it is a file, not a directory" in message
            assert "Site Setup" in message

    def test_pending_uploads_page_shows_the_problem(self, portal_url, bad_dir):
        response = requests.get(
            f"{portal_url}/@@tusupload-pending", auth=("boss", PASSWORD), timeout=30
        )
        assert response.status_code == 200
        page = html.unescape(response.text)
        assert f"the upload directory {bad_dir} can't be used" in page
        assert "There are no pending uploads" not in page

    def test_unwritable_directory_is_refused_at_creation(
        self, site, alice, monkeypatch
    ):
        # The tests run as root, who writes anywhere: a fault point instead.
        monkeypatch.setattr(
            "collective.tusupload.preflight.directory_problem",
            lambda path: "Read-only file system",
        )
        response = alice.create(10, filename="a.txt")
        assert response.status_code == 503
        assert "Read-only file system" in response.json()["error"]["message"]
