"""The tus 1.0.0 checklist through Plone's ``@tus-upload`` (real WSGI server)."""

from base64 import b64encode
from helpers.digests import sha256
from helpers.plone_tus import download
from helpers.plone_tus import objects_in
from helpers.plone_tus import OCTETS
from helpers.plone_tus import PREFER
from plone import api

import email.utils
import hashlib
import os
import requests
import time
import transaction


PAYLOAD = bytes(range(256)) * 64  # 16 KiB


def digest(algorithm, data):
    return b64encode(hashlib.new(algorithm, data).digest()).decode()


class TestOptions:
    def test_options_describes_the_server(self, alice):
        response = alice.options()
        assert response.status_code == 204
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert response.headers["Tus-Version"] == "1.0.0"
        assert response.headers["Tus-Extension"].split(",") == [
            "creation",
            "creation-with-upload",
            "creation-defer-length",
            "expiration",
            "checksum",
            "termination",
            "concatenation",
            "concatenation-unfinished",
        ]
        assert response.headers["Tus-Max-Size"] == str(10240 * 1024 * 1024)
        assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")

    def test_options_needs_no_version_header(self, alice):
        alice.session.headers.pop("Tus-Resumable")
        assert alice.options().status_code == 204

    def test_options_without_size_limit_has_no_max_size(self, site, alice):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 0)
        transaction.commit()
        assert "Tus-Max-Size" not in alice.options().headers

    def test_the_add_on_takes_over_plone_restapi_urls(self, alice):
        # With Accept: application/json (plone.restapi's convention) too.
        response = alice.options(headers={"Accept": "application/json"})
        assert "checksum" in response.headers["Tus-Extension"]


class TestCreation:
    def test_post_answers_201_with_location_and_expiry(self, alice, endpoint):
        response = alice.create(10, filename="a.txt")
        assert response.status_code == 201
        assert response.headers["Location"].startswith(f"{endpoint}/")
        assert response.headers["Upload-Offset"] == "0"
        expires = email.utils.parsedate_to_datetime(response.headers["Upload-Expires"])
        assert 86000 < expires.timestamp() - time.time() <= 86400

    def test_wrong_version_is_412(self, alice):
        response = alice.create(10, headers={"Tus-Resumable": "0.2.2"})
        assert response.status_code == 412
        assert response.headers["Tus-Version"] == "1.0.0"

    def test_malformed_metadata_is_400(self, alice):
        response = alice.create(10, headers={"Upload-Metadata": "filename ***"})
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "Bad Request"

    def test_negative_length_is_400(self, alice):
        response = alice.create(headers={"Upload-Length": "-1"})
        assert response.status_code == 400

    def test_creation_with_upload_that_completes_creates_the_file(
        self, site, alice, folder_url
    ):
        response = alice.create(len(PAYLOAD), data=PAYLOAD, filename="whole.bin")
        assert response.status_code == 201, response.text
        # tus: Location is the upload; the content is in Content-Location.
        assert response.headers["Location"].startswith(f"{folder_url}/@tus-upload/")
        assert response.headers["Content-Location"] == f"{folder_url}/whole.bin"
        assert response.headers["Upload-Offset"] == str(len(PAYLOAD))
        assert response.content == b""
        assert download(response.headers["Content-Location"]) == PAYLOAD
        head = alice.head(response.headers["Location"])
        assert head.headers["Upload-Offset"] == str(len(PAYLOAD))

    def test_creation_with_upload_may_ask_for_the_content(self, alice, folder_url):
        response = alice.create(
            len(PAYLOAD), data=PAYLOAD, filename="whole.bin", headers=PREFER
        )
        assert response.status_code == 201, response.text
        assert response.headers["Preference-Applied"] == "return=representation"
        assert response.json()["@id"] == f"{folder_url}/whole.bin"
        assert response.json()["size"] == len(PAYLOAD)

    def test_creation_with_partial_upload(self, alice):
        response = alice.create(len(PAYLOAD), data=PAYLOAD[:1000], filename="a.bin")
        assert response.status_code == 201
        assert response.headers["Upload-Offset"] == "1000"
        head = alice.head(response.headers["Location"])
        assert head.headers["Upload-Offset"] == "1000"

    def test_zero_length_upload_is_complete_at_creation(self, site, alice):
        response = alice.create(
            0, filename="empty.txt", content_type="text/plain", headers=PREFER
        )
        assert response.status_code == 201, response.text
        assert response.json()["size"] == 0
        assert "empty.txt" in objects_in(site)


class TestHeadAndPatch:
    def test_head_reports_offset_length_and_metadata(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        alice.patch(url, PAYLOAD[:100], 0)
        response = alice.head(url)
        assert response.status_code == 200
        assert response.headers["Upload-Offset"] == "100"
        assert response.headers["Upload-Length"] == str(len(PAYLOAD))
        assert response.headers["Cache-Control"] == "no-store"
        assert (
            response.headers["Upload-Metadata"]
            == f"filename {b64encode(b'a.bin').decode()}"
        )

    def test_unknown_upload_is_404(self, alice, endpoint):
        response = alice.head(f"{endpoint}/{'0' * 32}")
        assert response.status_code == 404
        assert "Upload-Offset" not in response.headers

    def test_malformed_upload_id_is_404(self, alice, endpoint):
        assert alice.head(f"{endpoint}/..%2F..%2Fetc").status_code == 404

    def test_patch_answers_204_with_new_offset_and_expiry(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        response = alice.patch(url, PAYLOAD[:500], 0)
        assert response.status_code == 204
        assert response.headers["Upload-Offset"] == "500"
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert "Upload-Expires" in response.headers

    def test_wrong_offset_is_409_and_changes_nothing(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        alice.patch(url, PAYLOAD[:500], 0)
        response = alice.patch(url, PAYLOAD[:500], 0)
        assert response.status_code == 409
        assert alice.head(url).headers["Upload-Offset"] == "500"

    def test_wrong_content_type_is_415(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        response = alice.patch(
            url, PAYLOAD[:10], 0, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 415
        assert alice.head(url).headers["Upload-Offset"] == "0"

    def test_data_past_length_is_refused(self, alice):
        url = alice.create(10, filename="a.bin").headers["Location"]
        response = alice.patch(url, b"x" * 11, 0)
        assert response.status_code == 413
        assert alice.head(url).headers["Upload-Offset"] == "0"

    def test_method_override(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        response = alice.session.post(
            url,
            data=PAYLOAD[:10],
            headers={
                "X-HTTP-Method-Override": "PATCH",
                "Content-Type": OCTETS,
                "Upload-Offset": "0",
            },
        )
        assert response.status_code == 204
        assert response.headers["Upload-Offset"] == "10"

    def test_final_patch_creates_content_and_removes_the_upload(
        self, site, alice, folder_url, upload_dir
    ):
        url = alice.create(len(PAYLOAD), filename="data.bin").headers["Location"]
        alice.patch(url, PAYLOAD[:5000], 0)
        response = alice.patch(url, PAYLOAD[5000:], 5000)
        # As plone.restapi's @tus-upload: 204, Location is the new content.
        assert response.status_code == 204
        assert response.content == b""
        assert response.headers["Location"] == f"{folder_url}/data.bin"
        assert response.headers["Content-Location"] == f"{folder_url}/data.bin"
        assert response.headers["Upload-Offset"] == str(len(PAYLOAD))
        assert sha256(download(response.headers["Location"])) == sha256(PAYLOAD)
        # The data went; the finished upload's small record stays.
        left = {name.suffix for name in upload_dir.iterdir()}
        assert left <= {".info", ".lock"}

    def test_final_patch_may_ask_for_the_content(self, alice, folder_url):
        url = alice.create(len(PAYLOAD), filename="data.bin").headers["Location"]
        response = alice.patch(url, PAYLOAD, 0, headers=PREFER)
        assert response.status_code == 200
        assert response.headers["Preference-Applied"] == "return=representation"
        assert response.headers["Location"] == f"{folder_url}/data.bin"
        body = response.json()
        assert body["@id"] == f"{folder_url}/data.bin"
        assert body["@type"] == "File"
        assert body["size"] == len(PAYLOAD)
        assert len(body["UID"]) == 32


class TestChecksum:
    def test_matching_checksum_is_accepted(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        for algorithm in ("md5", "sha1", "sha256", "sha512"):
            offset = int(alice.head(url).headers["Upload-Offset"])
            chunk = PAYLOAD[offset : offset + 100]
            response = alice.patch(
                url,
                chunk,
                offset,
                headers={"Upload-Checksum": f"{algorithm} {digest(algorithm, chunk)}"},
            )
            assert response.status_code == 204, algorithm

    def test_mismatch_is_460_and_discards_the_chunk(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        wrong = digest("sha1", b"something else")
        response = alice.patch(
            url, PAYLOAD[:100], 0, headers={"Upload-Checksum": f"sha1 {wrong}"}
        )
        assert response.status_code == 460
        assert alice.head(url).headers["Upload-Offset"] == "0"

    def test_unknown_algorithm_is_400(self, alice):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        response = alice.patch(
            url, PAYLOAD[:100], 0, headers={"Upload-Checksum": "crc32 AAAA"}
        )
        assert response.status_code == 400
        assert alice.head(url).headers["Upload-Offset"] == "0"


class TestTermination:
    def test_delete_frees_the_upload(self, alice, upload_dir):
        url = alice.create(len(PAYLOAD), filename="a.bin").headers["Location"]
        alice.patch(url, PAYLOAD[:100], 0)
        response = alice.delete(url)
        assert response.status_code == 204
        assert alice.head(url).status_code == 404
        assert alice.patch(url, PAYLOAD[100:200], 100).status_code == 404
        assert not list(upload_dir.glob("*.data"))


class TestDeferLength:
    def test_length_sent_with_a_later_patch(self, site, alice):
        created = alice.create(
            headers={"Upload-Defer-Length": "1"}, filename="later.bin"
        )
        url = created.headers["Location"]
        head = alice.head(url)
        assert head.headers["Upload-Defer-Length"] == "1"
        assert "Upload-Length" not in head.headers
        alice.patch(url, PAYLOAD[:100], 0)
        response = alice.patch(
            url, PAYLOAD[100:], 100, headers={"Upload-Length": str(len(PAYLOAD))}
        )
        assert response.status_code == 204, response.text
        assert download(response.headers["Location"]) == PAYLOAD

    def test_length_may_not_change(self, alice):
        url = alice.create(
            headers={"Upload-Defer-Length": "1"}, filename="later.bin"
        ).headers["Location"]
        alice.patch(url, b"x", 0, headers={"Upload-Length": "10"})
        response = alice.patch(url, b"x", 1, headers={"Upload-Length": "11"})
        assert response.status_code == 400


class TestConcatenation:
    def partials(self, client, pieces):
        urls = []
        for piece in pieces:
            created = client.create(len(piece), headers={"Upload-Concat": "partial"})
            assert created.status_code == 201, created.text
            url = created.headers["Location"]
            assert client.patch(url, piece, 0).status_code == 204
            urls.append(url)
        return urls

    def test_final_upload_becomes_one_file(self, site, alice):
        urls = self.partials(alice, [PAYLOAD[:7000], PAYLOAD[7000:]])
        head = alice.head(urls[0])
        assert head.headers["Upload-Concat"] == "partial"
        response = alice.create(
            headers={"Upload-Concat": "final;" + " ".join(urls)},
            filename="joined.bin",
        )
        assert response.status_code == 201, response.text
        assert download(response.headers["Content-Location"]) == PAYLOAD
        assert alice.head(urls[0]).status_code == 404
        # tus: after the concatenation, HEAD reports offset = length.
        head = alice.head(response.headers["Location"])
        assert head.headers["Upload-Offset"] == str(len(PAYLOAD))
        assert head.headers["Upload-Length"] == str(len(PAYLOAD))
        assert head.headers["Upload-Concat"] == "final;" + " ".join(urls)
        assert head.content == b""

    def test_parts_placed_by_their_layout_become_one_file_without_a_copy(
        self, site, alice, upload_dir
    ):
        """The pages' parts say where they go (concat-layout): the store
        writes them in one shared file, which the File's blob then takes."""
        payload = PAYLOAD * 2
        sizes = [8192, 4096, len(payload) - 12288]  # distinct: one part each
        layout = " ".join(["f" * 32, *map(str, sizes)])
        urls = []
        for size in sizes:
            created = alice.create(
                size, headers={"Upload-Concat": "partial"}, concat_layout=layout
            )
            assert created.status_code == 201, created.text
            urls.append(created.headers["Location"])
        # Out of order, as parallel requests arrive.
        for url, begin, size in reversed(list(zip(urls, [0, 8192, 12288], sizes))):
            piece = payload[begin : begin + size]
            assert alice.patch(url, piece, 0).status_code == 204
        response = alice.create(
            headers={"Upload-Concat": "final;" + " ".join(urls)},
            filename="placed.bin",
        )
        assert response.status_code == 201, response.text
        assert download(response.headers["Content-Location"]) == payload
        head = alice.head(response.headers["Location"])
        assert head.headers["Upload-Offset"] == str(len(payload))
        # Parts, group file and claims are gone; only records remain.
        leftovers = [
            name
            for name in os.listdir(upload_dir)
            if not name.endswith((".info", ".lock"))
        ]
        assert leftovers == []

    def test_unfinished_partials_complete_later(self, site, alice):
        first = self.partials(alice, [PAYLOAD[:7000]])[0]
        second = alice.create(
            len(PAYLOAD) - 7000, headers={"Upload-Concat": "partial"}
        ).headers["Location"]
        final = alice.create(
            headers={"Upload-Concat": f"final;{first} {second}"},
            filename="later.bin",
        )
        assert final.status_code == 201
        final_url = final.headers["Location"]
        assert alice.patch(final_url, b"x", 0).status_code == 403
        head = alice.head(final_url)
        assert head.headers["Upload-Concat"].startswith("final;")
        assert "Upload-Offset" not in head.headers
        assert "later.bin" not in objects_in(site)  # HEAD changes nothing
        # The request that completes the last partial assembles the final
        # upload and creates the file.
        assert alice.patch(second, PAYLOAD[7000:], 0).status_code == 204
        assert "later.bin" in objects_in(site)
        assert alice.head(final_url).headers["Upload-Offset"] == str(len(PAYLOAD))

    def test_partials_of_someone_else_are_refused(self, alice, bob):
        urls = self.partials(alice, [PAYLOAD[:100]])
        response = bob.create(
            headers={"Upload-Concat": "final;" + urls[0]}, filename="x.bin"
        )
        assert response.status_code == 400


class TestUrls:
    def test_location_keeps_api_prefix(self, site, alice, portal_url):
        endpoint = f"{portal_url}/++api++/docs/@tus-upload"
        created = alice.create(len(PAYLOAD), url=endpoint, filename="api.bin")
        assert created.status_code == 201, created.text
        url = created.headers["Location"]
        assert url.startswith(f"{endpoint}/")
        response = alice.patch(url, PAYLOAD, 0)
        assert response.status_code == 204
        assert response.headers["Location"] == f"{portal_url}/++api++/docs/api.bin"

    def test_location_follows_virtual_hosting(self, site, alice, portal_url):
        server = portal_url.rsplit("/", 1)[0]
        vhm = (
            f"{server}/VirtualHostBase/https/files.example.org:443"
            "/plone/VirtualHostRoot"
        )
        created = alice.create(
            len(PAYLOAD), url=f"{vhm}/docs/@tus-upload", filename="vh.bin"
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        assert location.startswith("https://files.example.org/docs/@tus-upload/")
        upload_id = location.rsplit("/", 1)[1]
        response = alice.patch(f"{vhm}/docs/@tus-upload/{upload_id}", PAYLOAD, 0)
        assert response.headers["Location"] == "https://files.example.org/docs/vh.bin"

    def test_upload_into_the_site_root(self, site, alice, portal_url):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 1)
        with_roles = site.manage_setLocalRoles
        with_roles("alice", ["Contributor"])
        transaction.commit()
        alice.endpoint = f"{portal_url}/@tus-upload"
        response = alice.upload(PAYLOAD, filename="root.bin")
        assert response.headers["Location"] == f"{portal_url}/root.bin"

    def test_no_accept_header_needed(self, alice):
        # requests sends Accept: */*; tus clients send nothing useful either.
        assert alice.session.headers["Accept"] == "*/*"
        assert alice.create(10, filename="a.bin").status_code == 201

    def test_plain_views_are_untouched(self, site, folder_url):
        response = requests.get(folder_url, auth=("alice", "secret-password-1"))
        assert response.status_code == 200
        assert "text/html" in response.headers["Content-Type"]
