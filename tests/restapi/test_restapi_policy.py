"""Who may upload what where: types, limits, the auth matrix and CSRF."""

from helpers.digests import sha256
from helpers.plone_tus import client_for
from helpers.plone_tus import cookie_login
from helpers.plone_tus import download
from helpers.plone_tus import objects_in
from helpers.plone_tus import png_bytes
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.testing import setRoles
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from Products.CMFPlone.interfaces.constrains import ISelectableConstrainTypes

import pytest
import transaction


PDF = b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n"


def stored_data_files(upload_dir):
    return list(upload_dir.glob("*.data")) if upload_dir.exists() else []


class TestTypes:
    def test_pdf_becomes_a_file(self, alice, folder_url):
        response = alice.upload(PDF, filename="Report 2024.pdf")
        assert response.json()["@type"] == "File"
        assert response.headers["Location"] == f"{folder_url}/report-2024.pdf"
        assert download(response.headers["Location"]) == PDF

    def test_png_becomes_an_image(self, site, alice):
        payload = png_bytes()
        response = alice.upload(payload, chunk=500, filename="red.png")
        body = response.json()
        assert body["@type"] == "Image"
        assert sha256(download(body["@id"], field="image")) == sha256(payload)
        transaction.begin()
        image = site["docs"]["red.png"].image
        assert image.getImageSize() == (40, 30)
        assert image.contentType == "image/png"

    def test_type_given_in_metadata_wins(self, alice):
        payload = png_bytes()
        response = alice.upload(payload, filename="red.png", **{"@type": "File"})
        assert response.json()["@type"] == "File"

    def test_title_and_description_from_metadata(self, site, alice):
        alice.upload(
            PDF, filename="a.pdf", title="Annual report", description="For 2024"
        )
        transaction.begin()
        item = site["docs"]["a.pdf"]
        assert item.title == "Annual report"
        assert item.description == "For 2024"
        assert item.file.filename == "a.pdf"

    def test_title_defaults_to_the_filename(self, site, alice):
        alice.upload(PDF, filename="Plan B.pdf")
        transaction.begin()
        assert site["docs"]["plan-b.pdf"].title == "Plan B.pdf"

    def test_names_never_clash_or_escape(self, site, alice):
        for _ in range(2):
            alice.upload(PDF, filename="../../etc/passwd")
        assert {"passwd", "passwd-1"} <= set(objects_in(site))
        transaction.begin()
        assert "passwd" not in site.objectIds()

    def test_type_not_allowed_in_the_folder_is_refused_before_bytes(
        self, site, alice, upload_dir
    ):
        setRoles(site, TEST_USER_ID, ["Manager"])
        login(site, TEST_USER_NAME)
        constrain = ISelectableConstrainTypes(site["docs"])
        constrain.setConstrainTypesMode(1)
        constrain.setLocallyAllowedTypes(["Image"])
        constrain.setImmediatelyAddableTypes(["Image"])
        logout()
        transaction.commit()
        refused = alice.create(len(PDF), data=PDF, filename="a.pdf")
        assert refused.status_code == 415
        assert "File" in refused.json()["error"]["message"]
        explicit = alice.create(len(PDF), filename="a.pdf", **{"@type": "File"})
        assert explicit.status_code == 403
        assert stored_data_files(upload_dir) == []
        assert alice.upload(png_bytes(), filename="ok.png").status_code == 200

    def test_type_without_file_field_is_refused(self, alice):
        response = alice.create(len(PDF), filename="a.pdf", **{"@type": "Document"})
        assert response.status_code == 415


class TestLimits:
    def test_too_large_is_413_before_any_byte(self, site, alice, upload_dir):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 1)
        transaction.commit()
        assert alice.options().headers["Tus-Max-Size"] == str(1024 * 1024)
        response = alice.create(1024 * 1024 + 1, filename="big.bin")
        assert response.status_code == 413
        response = alice.create(1024 * 1024 + 1, data=b"x" * 1000, filename="big.bin")
        assert response.status_code == 413
        assert stored_data_files(upload_dir) == []

    def test_deferred_length_over_the_limit_is_413(self, site, alice):
        api.portal.set_registry_record("collective.tusupload.max_upload_size", 1)
        transaction.commit()
        url = alice.create(
            headers={"Upload-Defer-Length": "1"}, filename="a.bin"
        ).headers["Location"]
        response = alice.patch(
            url, b"x", 0, headers={"Upload-Length": str(1024 * 1024 + 1)}
        )
        assert response.status_code == 413

    def test_mime_type_not_allowed_is_415_before_any_byte(
        self, site, alice, upload_dir
    ):
        api.portal.set_registry_record(
            "collective.tusupload.allowed_mime_types", ["image/*"]
        )
        transaction.commit()
        response = alice.create(
            len(PDF), data=PDF, filename="a.pdf", content_type="application/pdf"
        )
        assert response.status_code == 415
        assert "application/pdf" in response.json()["error"]["message"]
        # The type is guessed from the filename when the client sends none.
        assert alice.create(len(PDF), filename="a.pdf").status_code == 415
        assert stored_data_files(upload_dir) == []
        assert alice.upload(png_bytes(), filename="ok.png").status_code == 200


class TestAuthMatrix:
    @pytest.fixture
    def upload_url(self, alice):
        created = alice.create(len(PDF), filename="mine.pdf")
        assert created.status_code == 201
        url = created.headers["Location"]
        assert alice.patch(url, PDF[:100], 0).status_code == 204
        return url

    def test_anonymous_may_not_create(self, endpoint):
        response = client_for(endpoint, None).create(10, filename="a.pdf")
        assert response.status_code == 401

    def test_anonymous_sees_no_upload(self, endpoint, upload_url):
        anonymous = client_for(endpoint, None)
        assert anonymous.head(upload_url).status_code in (401, 404)
        assert anonymous.patch(upload_url, PDF[100:200], 100).status_code in (
            401,
            404,
        )
        assert anonymous.delete(upload_url).status_code in (401, 404)

    def test_user_without_add_permission_gets_403(self, endpoint):
        response = client_for(endpoint, "reader").create(10, filename="a.pdf")
        assert response.status_code == 403

    @pytest.mark.parametrize("user", ["bob", SITE_OWNER_NAME, "boss"])
    def test_someone_else_gets_404(self, endpoint, upload_url, user):
        other = client_for(endpoint, user)
        assert other.head(upload_url).status_code == 404
        assert other.patch(upload_url, PDF[100:200], 100).status_code == 404
        assert other.delete(upload_url).status_code == 404

    def test_other_users_requests_change_nothing(self, alice, bob, upload_url):
        bob.patch(upload_url, PDF[100:200], 100)
        bob.delete(upload_url)
        assert alice.head(upload_url).headers["Upload-Offset"] == "100"
        response = alice.patch(upload_url, PDF[100:], 100)
        assert response.status_code == 204
        assert download(response.headers["Location"]) == PDF

    def test_manager_may_upload_too(self, endpoint):
        response = client_for(endpoint, "boss").upload(PDF, filename="boss.pdf")
        assert response.status_code == 200

    def test_upload_is_bound_to_its_folder(self, site, alice, portal_url, upload_url):
        with_roles = site.manage_setLocalRoles
        with_roles("alice", ["Contributor"])
        transaction.commit()
        upload_id = upload_url.rsplit("/", 1)[1]
        elsewhere = f"{portal_url}/@tus-upload/{upload_id}"
        assert alice.head(elsewhere).status_code == 404
        assert alice.patch(elsewhere, PDF[100:], 100).status_code == 404

    def test_permission_is_checked_again_at_creation(self, site, alice, upload_url):
        site["docs"].manage_permission("Add portal content", ["Manager"], acquire=0)
        transaction.commit()
        response = alice.patch(upload_url, PDF[100:], 100)
        assert response.status_code == 403
        assert "docs" not in objects_in(site, "docs")
        assert objects_in(site) == ["report"]


class TestCsrf:
    @pytest.fixture
    def cookie_session(self, site, endpoint):
        """alice logged in with Plone's session cookie, and her CSRF token."""
        cookie, token = cookie_login(site, "alice")
        client = client_for(endpoint, None)
        client.session.cookies.set("__ac", cookie)
        return client, token

    def test_cookie_session_without_token_is_refused(self, cookie_session):
        client, _token = cookie_session
        response = client.create(len(PDF), filename="a.pdf")
        assert response.status_code == 403
        assert "CSRF" in response.json()["error"]["message"]

    def test_cookie_session_with_token_uploads(self, site, cookie_session):
        client, token = cookie_session
        client.session.headers["X-CSRF-TOKEN"] = token
        response = client.upload(PDF, chunk=1000, filename="a.pdf")
        assert response.status_code == 200
        assert download(response.headers["Location"]) == PDF

    def test_final_patch_needs_the_token_too(self, site, cookie_session):
        client, token = cookie_session
        created = client.create(
            len(PDF), filename="a.pdf", headers={"X-CSRF-TOKEN": token}
        )
        url = created.headers["Location"]
        refused = client.patch(url, PDF, 0)
        assert refused.status_code == 403
        assert objects_in(site) == ["report"]
        # Not acknowledged: HEAD says where the last chunk began.
        head = client.head(url, headers={"X-CSRF-TOKEN": token})
        assert head.headers["Upload-Offset"] == "0"
        # The same final PATCH with the token finishes it.
        accepted = client.patch(url, PDF, 0, headers={"X-CSRF-TOKEN": token})
        assert accepted.status_code == 204, accepted.text
        assert download(accepted.headers["Location"]) == PDF

    def test_basic_auth_needs_no_token(self, alice):
        assert alice.upload(PDF, filename="a.pdf").status_code == 200

    def test_jwt_from_login_needs_no_token(self, site, portal_url, endpoint):
        import requests

        login_response = requests.post(
            f"{portal_url}/@login",
            json={"login": "alice", "password": "secret-password-1"},
            headers={"Accept": "application/json"},
        )
        token = login_response.json()["token"]
        client = client_for(
            endpoint, None, headers={"Authorization": f"Bearer {token}"}
        )
        response = client.create(len(PDF), data=PDF, filename="jwt.pdf")
        assert response.status_code == 201, response.text
        assert "jwt.pdf" in objects_in(site)
