"""Rights at every chunk, and a deleted user's uploads (issue 19).

Access taken away in Plone stops the next chunk at once, not only the
finish; a deleted user's unfinished uploads are removed with the account.
"""

from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import SITE_OWNER_NAME
from plone_tus import objects_in

import time
import transaction


PAYLOAD = b"r" * 3000


def started(client, name="part.bin"):
    created = client.create(len(PAYLOAD), filename=name)
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    assert client.patch(url, PAYLOAD[:1000], 0).status_code == 204
    return url


def as_owner(site, change):
    app = site.aq_parent
    login(app, SITE_OWNER_NAME)
    try:
        change()
    finally:
        logout()
    transaction.commit()


def test_a_middle_chunk_needs_the_right_to_add_not_only_to_view(site, alice):
    url = started(alice)
    as_owner(
        site,
        lambda: api.user.revoke_roles(username="alice", roles=["Contributor"]),
    )
    refused = alice.patch(url, PAYLOAD[1000:2000], 1000)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["message"] == "you may not upload into this folder"
    # Nothing of the refused chunk was stored.
    as_owner(
        site, lambda: api.user.grant_roles(username="alice", roles=["Contributor"])
    )
    head = alice.head(url)
    assert head.headers["Upload-Offset"] == "1000"


def test_a_local_role_taken_away_stops_the_next_chunk(site, alice):
    as_owner(
        site,
        lambda: (
            api.user.revoke_roles(username="alice", roles=["Contributor"]),
            api.user.grant_roles(
                username="alice", obj=site["docs"], roles=["Contributor"]
            ),
        ),
    )
    url = started(alice)
    as_owner(
        site,
        lambda: api.user.revoke_roles(
            username="alice", obj=site["docs"], roles=["Contributor"]
        ),
    )
    assert alice.patch(url, PAYLOAD[1000:], 1000).status_code == 403
    assert objects_in(site) == ["report"]


def test_a_deleted_users_unfinished_uploads_are_removed(site, alice, bob, upload_dir):
    alices = [started(alice, f"a{index}.bin") for index in range(2)]
    bobs = started(bob, "b.bin")
    as_owner(site, lambda: api.user.delete(username="alice"))
    left = {path.name.split(".")[0] for path in upload_dir.glob("*.info")}
    for url in alices:
        assert url.rsplit("/", 1)[-1] not in left
    assert bobs.rsplit("/", 1)[-1] in left
    # The other user's upload goes on.
    assert bob.patch(bobs, PAYLOAD[1000:], 1000).status_code in (200, 204)


def test_a_deletion_rolled_back_removes_nothing(site, alice, upload_dir):
    url = started(alice)
    app = site.aq_parent
    login(app, SITE_OWNER_NAME)
    api.user.delete(username="alice")
    logout()
    transaction.abort()
    time.sleep(0.1)
    assert (upload_dir / (url.rsplit("/", 1)[-1] + ".info")).exists()
    assert alice.head(url).status_code == 200
