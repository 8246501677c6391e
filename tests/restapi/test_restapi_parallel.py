"""Many uploads finishing at once into one folder: all succeed, none retried.

Finishes into one folder take turns (a lock per folder) and each starts on
the newest committed state, so they do not conflict on the folder's
ordering or on the names they choose, and Zope has nothing to retry.
"""

from concurrent.futures import ThreadPoolExecutor
from helpers.plone_tus import client_for
from helpers.plone_tus import download
from helpers.plone_tus import objects_in

import threading


UPLOADS = 32
SIZE = 96 * 1024


def payload_of(number: int) -> bytes:
    return bytes([number]) * SIZE


def test_uploads_finishing_at_once_into_one_folder(
    site, endpoint, publication_failures
):
    """All created, none lost, no 5xx, no retried request; same names too."""
    created = []
    start_together = threading.Barrier(UPLOADS)

    def upload(number: int):
        client = client_for(endpoint, "alice")
        # Half of them share one filename: the name chooser must not clash.
        filename = "same.bin" if number % 2 else f"file-{number}.bin"
        response = client.create(SIZE, filename=filename)
        assert response.status_code == 201, (
            f"{response.text}\n{publication_failures.recent()}"
        )
        url = response.headers["Location"]
        payload = payload_of(number)
        assert client.patch(url, payload[:1000], 0).status_code == 204
        start_together.wait(timeout=60)
        final = client.patch(url, payload[1000:], 1000)
        return number, final.status_code, final.headers.get("Location")

    with ThreadPoolExecutor(UPLOADS) as pool:
        results = list(pool.map(upload, range(UPLOADS)))

    assert [status for _, status, _ in results] == [204] * UPLOADS
    locations = {location for _, _, location in results}
    assert len(locations) == UPLOADS
    assert len(objects_in(site)) == UPLOADS + 1  # and the File "report"
    for number, _, location in results:
        created.append(location)
        assert download(location) == payload_of(number)
    assert publication_failures.retried == []
