"""One user can't fill the disk: limits on a user's unfinished uploads.

Checked at creation (413 before any byte) against what the store holds for
that user; a finished or deleted upload frees its share at once.
"""

from helpers.small_disk import MIB
from plone import api

import pytest
import transaction


PREFIX = "collective.tusupload"
PAYLOAD = b"p" * 1000


def set_limits(*, size_mib=0, uploads=0):
    api.portal.set_registry_record(f"{PREFIX}.max_pending_size", size_mib)
    api.portal.set_registry_record(f"{PREFIX}.max_pending_uploads", uploads)
    transaction.commit()


def started(client, length, name="part.bin"):
    """Create an upload and send its first byte; return its URL."""
    created = client.create(length, filename=name)
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    assert client.patch(url, b"p", 0).status_code == 204
    return url


class TestNumberOfUploads:
    @pytest.fixture
    def two_pending(self, site, alice):
        set_limits(uploads=2)
        return [started(alice, len(PAYLOAD)) for _ in range(2)]

    def test_refused_at_the_limit_with_how_to_free(self, alice, two_pending):
        response = alice.create(len(PAYLOAD), filename="third.bin")
        assert response.status_code == 413
        message = response.json()["error"]["message"]
        assert "you have 2 unfinished uploads with 2 KiB" in message
        assert "2 is the most one user may have" in message
        assert "DELETE" in message
        assert "the first at " in message and "UTC" in message

    def test_other_users_are_not_counted(self, bob, two_pending):
        assert bob.create(len(PAYLOAD), filename="b.bin").status_code == 201

    def test_accepted_again_once_one_is_deleted(self, alice, two_pending):
        assert alice.delete(two_pending[0]).status_code == 204
        assert alice.create(len(PAYLOAD), filename="third.bin").status_code == 201

    def test_accepted_again_once_one_finishes(self, alice, two_pending):
        finished = alice.patch(two_pending[0], PAYLOAD[1:], 1)
        assert finished.status_code in (200, 204), finished.text
        assert "Location" in finished.headers  # the new item
        assert alice.create(len(PAYLOAD), filename="third.bin").status_code == 201


class TestSizeOfUploads:
    @pytest.fixture
    def pending(self, site, alice):
        set_limits(size_mib=1)
        return started(alice, 600 * 1024)

    def test_refused_over_the_limit_with_how_much_is_pending(self, alice, pending):
        response = alice.create(600 * 1024, filename="second.bin")
        assert response.status_code == 413
        message = response.json()["error"]["message"]
        assert "you have 1 unfinished upload with 600 KiB" in message
        assert "with this one (600 KiB)" in message
        assert "more than the 1 MiB one user may have" in message

    def test_deferred_uploads_count_what_they_hold(self, site, alice):
        set_limits(size_mib=1)
        url = alice.create(headers={"Upload-Defer-Length": "1"}).headers["Location"]
        assert alice.patch(url, b"d" * (MIB - 10), 0).status_code == 204
        assert alice.create(100, filename="b.bin").status_code == 413
        assert alice.create(10, filename="b.bin").status_code == 201

    def test_one_upload_larger_than_the_limit(self, site, alice):
        set_limits(size_mib=1)
        response = alice.create(MIB + 1, filename="big.bin")
        assert response.status_code == 413
        assert "is larger than the 1 MiB" in response.json()["error"]["message"]

    def test_accepted_again_once_it_finishes(self, alice, pending):
        finished = alice.patch(pending, b"p" * (600 * 1024 - 1), 1)
        assert finished.status_code in (200, 204), finished.text
        assert "Location" in finished.headers  # the new item
        assert alice.create(600 * 1024, filename="second.bin").status_code == 201

    def test_accepted_again_once_it_is_deleted(self, alice, pending):
        assert alice.delete(pending).status_code == 204
        assert alice.create(600 * 1024, filename="second.bin").status_code == 201


class TestDefaults:
    def test_defaults_allow_ordinary_use(self, site, alice):
        for number in range(3):
            created = alice.create(len(PAYLOAD), filename=f"{number}.bin")
            assert created.status_code == 201
