"""The session endpoints on the functional site: shapes, checks, states."""

from helpers.plone_tus import objects_in
from helpers.plone_tus import PASSWORD
from helpers.sessions import SessionClient
from helpers.sessions import sha256
from plone import api

import pytest
import requests
import transaction


PAYLOAD = bytes(range(256)) * 40


@pytest.fixture
def session(alice):
    response = alice.open("batch")
    assert response.status_code == 201, response.text
    return response.json()


class TestOpenAndJoin:
    def test_created_with_location_and_pep_keys(self, alice, folder_url):
        response = alice.open("event photos")
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["Location"] == body["links"]["session"]
        assert body["links"]["session"].startswith(f"{folder_url}/@upload-sessions/")
        assert body["meta"] == {"api-version": "1.0"}
        assert body["status"] == "open"
        assert body["name"] == "event photos"
        assert body["files"] == {}
        assert body["notices"] == []
        assert body["expires-at"].endswith("Z")
        assert set(body["links"]) == {"session", "upload", "publish", "extend", "stage"}
        assert body["mechanisms"][0] == "http-post-bytes"
        assert len(body["session-token"]) >= 43
        assert body["session-token"] in body["links"]["stage"]

    def test_same_name_answers_409_with_location_for_another_user(
        self, alice, bob, session
    ):
        joined = bob.open("batch")
        assert joined.status_code == 409
        assert joined.headers["Content-Type"].startswith("application/problem+json")
        assert joined.headers["Location"] == session["links"]["session"]
        problem = joined.json()
        assert problem["status"] == 409
        assert problem["errors"][0]["source"] == "name"
        assert bob.status(session)["name"] == "batch"

    def test_listing_shows_the_folders_sessions(self, alice, bob, session):
        listing = bob.get(alice.endpoint)
        assert listing.status_code == 200
        (item,) = listing.json()["items"]
        assert item["name"] == "batch"
        assert item["status"] == "open"
        assert item["files"] == 0
        assert item["link"] == session["links"]["session"]

    def test_reader_and_anonymous_are_refused(self, site, folder_url, session):
        reader = SessionClient(folder_url, ("reader", PASSWORD))
        assert reader.open("batch").status_code == 403
        assert reader.get(session["links"]["session"]).status_code == 403
        anonymous = requests.get(
            session["links"]["session"],
            headers={"Accept": "application/json"},
            timeout=30,
        )
        assert anonymous.status_code == 401
        assert anonymous.headers["Content-Type"].startswith("application/problem+json")
        assert anonymous.json()["status"] == 401

    def test_permission_is_checked_again_on_every_request(
        self, site, alice, bob, session
    ):
        site["inbox"].manage_setLocalRoles("reader", ["Contributor"])
        transaction.commit()
        reader = SessionClient(alice.folder_url, ("reader", PASSWORD))
        assert reader.get(session["links"]["session"]).status_code == 200
        site["inbox"].manage_delLocalRoles(["reader"])
        transaction.commit()
        assert reader.get(session["links"]["session"]).status_code == 403

    def test_unknown_session_is_404_problem(self, alice):
        response = alice.get(f"{alice.endpoint}/{'0' * 32}")
        assert response.status_code == 404
        assert response.json()["title"] == "Not Found"


class TestDeclare:
    def test_declared_file_is_pending_with_mechanism(self, alice, session):
        response = alice.declare(session, "a.bin", PAYLOAD)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "pending"
        assert set(body["links"]) == {"file-upload-session", "complete", "extend"}
        assert body["mechanism"]["identifier"] == "http-post-bytes"
        assert body["mechanism"]["file_url"].endswith("/bytes")
        assert response.headers["Location"] == body["links"]["file-upload-session"]
        files = alice.status(session)["files"]
        assert files["a.bin"]["status"] == "pending"
        assert files["a.bin"]["size"] == len(PAYLOAD)

    @pytest.mark.parametrize(
        "change, status, source",
        [
            ({"mechanism": "carrier-pigeon"}, 422, "mechanism"),
            ({"hashes": {"whirlpool": "00"}}, 422, "hashes.whirlpool"),
            ({"hashes": {"sha512": "0" * 128}}, 422, "hashes"),
            ({"hashes": {"sha256": "xyz"}}, 400, "hashes.sha256"),
            ({"size": -1}, 400, "size"),
            ({"filename": ""}, 400, "filename"),
            ({"content-type": "text/html\r\nX-Evil: 1"}, 400, "content-type"),
        ],
    )
    def test_bad_declarations(self, alice, session, change, status, source):
        body = {
            "filename": "a.bin",
            "size": 10,
            "hashes": {"sha256": "0" * 64},
            "mechanism": "http-post-bytes",
            **change,
        }
        response = alice.post(session["links"]["upload"], body)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["source"] == source

    def test_over_the_size_limit_is_413(self, site, alice, session):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 1)
        transaction.commit()
        body = {
            "filename": "big.bin",
            "size": 2 * 1024 * 1024,
            "hashes": {"sha256": "0" * 64},
            "mechanism": "http-post-bytes",
        }
        assert alice.post(session["links"]["upload"], body).status_code == 413

    def test_type_not_allowed_is_415_and_not_addable_is_403(self, site, alice, session):
        api.portal.set_registry_record(
            "collective.tusupload.allowed_mime_types", ["image/*"]
        )
        transaction.commit()
        assert alice.declare(session, "a.pdf", PAYLOAD).status_code == 415
        api.portal.set_registry_record("collective.tusupload.allowed_mime_types", [])
        transaction.commit()
        refused = alice.declare(session, "a.pdf", PAYLOAD, **{"@type": "Folder"})
        assert refused.status_code in (403, 415), refused.text

    def test_name_of_an_existing_item_is_409(self, site, alice, session):
        with api.env.adopt_roles(["Manager"]):
            api.content.create(container=site["inbox"], type="File", id="taken.bin")
        transaction.commit()
        response = alice.declare(session, "taken.bin", PAYLOAD)
        assert response.status_code == 409
        assert response.json()["errors"][0]["source"] == "taken.bin"

    def test_redeclare_replaces_the_file_and_its_bytes(
        self, alice, session, upload_dir
    ):
        first = alice.declare(session, "a.bin", PAYLOAD).json()
        assert alice.send_bytes(first, PAYLOAD).status_code == 200
        assert len(list(upload_dir.glob("*.data"))) == 1
        other = b"other bytes" * 10
        second = alice.declare(session, "a.bin", other)
        assert second.status_code == 201
        files = alice.status(session)["files"]
        assert files["a.bin"]["size"] == len(other)
        assert files["a.bin"]["link"] == second.json()["links"]["file-upload-session"]
        # The first file's record says canceled; its bytes are gone.
        assert (
            alice.get(first["links"]["file-upload-session"]).json()["status"]
            == "canceled"
        )
        assert len(list(upload_dir.glob("*.data"))) == 1


class TestCompleteAndPublish:
    def test_complete_verifies_and_publish_creates_everything(
        self, site, alice, session
    ):
        alice.add(session, "one.bin", PAYLOAD)
        alice.add(session, "two.txt", b"hello world\n")
        assert objects_in(site, "inbox") == []
        published = alice.publish(session)
        assert published.status_code == 201, published.text
        assert published.headers["Location"] == session["links"]["session"]
        body = published.json()
        assert body["status"] == "published"
        assert objects_in(site, "inbox") == ["one.bin", "two.txt"]
        content = body["files"]["one.bin"]["content"]
        assert content["@type"] == "File"
        download = requests.get(
            f"{content['@id']}/@@download/file", auth=("alice", PASSWORD), timeout=30
        )
        assert download.content == PAYLOAD
        again = alice.publish(session)
        assert again.status_code == 409
        assert alice.delete(session["links"]["session"]).status_code == 409

    def test_hash_mismatch_puts_the_file_in_error(self, site, alice, session):
        declared = alice.post(
            session["links"]["upload"],
            {
                "filename": "bad.bin",
                "size": len(PAYLOAD),
                "hashes": {"sha256": sha256(b"something else")},
                "mechanism": "http-post-bytes",
            },
        ).json()
        assert alice.send_bytes(declared, PAYLOAD).status_code == 200
        refused = alice.complete(declared)
        assert refused.status_code == 422
        assert "sha256" in refused.json()["detail"]
        entry = alice.status(session)["files"]["bad.bin"]
        assert entry["status"] == "error"
        assert "sha256" in entry["notices"][0]
        blocked = alice.publish(session)
        assert blocked.status_code == 409
        assert blocked.json()["errors"] == [
            {"source": "bad.bin", "message": "bad.bin is error"}
        ]
        assert alice.delete(declared["links"]["file-upload-session"]).status_code == 204
        assert alice.status(session)["files"] == {}

    def test_complete_before_the_bytes_is_409_and_stays_pending(self, alice, session):
        declared = alice.declare(session, "later.bin", PAYLOAD).json()
        early = alice.complete(declared)
        assert early.status_code == 409
        assert "0 of" in early.json()["detail"]
        assert alice.status(session)["files"]["later.bin"]["status"] == "pending"

    def test_publish_names_incomplete_files(self, alice, session):
        alice.declare(session, "waiting.bin", PAYLOAD)
        response = alice.publish(session)
        assert response.status_code == 409
        assert response.json()["errors"][0]["source"] == "waiting.bin"

    def test_cancel_removes_every_staged_byte(self, site, alice, session, upload_dir):
        alice.add(session, "one.bin", PAYLOAD)
        declared = alice.declare(session, "two.bin", PAYLOAD).json()
        assert list(upload_dir.glob("*.data"))
        assert alice.delete(session["links"]["session"]).status_code == 204
        assert list(upload_dir.glob("*.data")) == []
        assert alice.status(session)["status"] == "canceled"
        assert alice.publish(session).status_code == 409
        assert alice.send_bytes(declared, PAYLOAD).status_code == 409
        assert alice.delete(session["links"]["session"]).status_code == 409
        assert objects_in(site, "inbox") == []


class TestExtend:
    def test_extend_moves_later_never_earlier_and_is_capped(self, site, alice, session):
        before = session["expires-at"]
        shorter = alice.post(session["links"]["extend"], {"extend-for": 10})
        assert shorter.status_code == 200
        assert shorter.json()["expires-at"] == before
        api.portal.set_registry_record(
            "collective.tusupload.session_max_lifetime", 700000
        )
        transaction.commit()
        longer = alice.post(session["links"]["extend"], {"extend-for": 10**9}).json()
        assert longer["expires-at"] > before
        capped = alice.post(session["links"]["extend"], {"extend-for": 10**9}).json()
        assert capped["expires-at"] == longer["expires-at"]
        bad = alice.post(session["links"]["extend"], {"extend-for": "soon"})
        assert bad.status_code == 422
