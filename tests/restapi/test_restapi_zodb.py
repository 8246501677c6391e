"""PATCH never writes to the ZODB: only the request that creates content does."""

import transaction


def last_transaction(portal) -> bytes:
    transaction.begin()
    portal._p_jar.sync()
    return portal._p_jar.db().lastTransaction()


def test_chunks_commit_nothing(site, alice):
    created = alice.create(3 * 1024, filename="quiet.bin")
    assert created.status_code == 201
    url = created.headers["Location"]
    before = last_transaction(site)
    for offset in (0, 1024):
        response = alice.patch(url, b"x" * 1024, offset)
        assert response.status_code == 204, response.text
        assert alice.head(url).status_code == 200
    assert last_transaction(site) == before


def test_creation_commits_nothing(site, alice):
    before = last_transaction(site)
    assert alice.create(10, filename="later.bin").status_code == 201
    assert last_transaction(site) == before


def test_final_chunk_commits_the_content(site, alice):
    created = alice.create(4, filename="done.bin")
    url = created.headers["Location"]
    before = last_transaction(site)
    assert alice.patch(url, b"data", 0).status_code == 204
    assert last_transaction(site) != before
