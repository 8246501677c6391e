"""Finishing: a forced ConflictError, @tus-replace, and the pending uploads page."""

from helpers.plone_tus import client_for
from helpers.plone_tus import download
from helpers.plone_tus import objects_in
from helpers.plone_tus import PASSWORD
from helpers.plone_tus import PREFER
from plone.dexterity.interfaces import IDexterityContent
from ZODB.POSException import ConflictError
from zope.component import getGlobalSiteManager
from zope.lifecycleevent.interfaces import IObjectAddedEvent

import pytest
import re
import requests
import transaction


PAYLOAD = bytes(range(256)) * 300


@pytest.fixture
def conflict_once():
    """An added-event subscriber that raises ConflictError the first time."""
    calls = []

    def handler(obj, event):
        calls.append(obj.getId())
        if len(calls) == 1:
            raise ConflictError("forced by the test")

    registry = getGlobalSiteManager()
    registry.registerHandler(handler, (IDexterityContent, IObjectAddedEvent))
    yield calls
    registry.unregisterHandler(handler, (IDexterityContent, IObjectAddedEvent))


class TestConflictRetry:
    def test_final_patch_retried_by_zope_creates_one_object(
        self, site, alice, upload_dir, conflict_once, caplog
    ):
        caplog.set_level("INFO", logger="collective.tusupload")
        url = alice.create(len(PAYLOAD), filename="retry.bin").headers["Location"]
        assert alice.patch(url, PAYLOAD[:10000], 0).status_code == 204
        response = alice.patch(url, PAYLOAD[10000:], 10000)
        assert response.status_code == 204, response.text
        # Zope retried the request: the subscriber ran twice, once in vain.
        assert conflict_once == ["retry.bin", "retry.bin"]
        assert caplog.text.count("tus request retried after a conflict") == 1
        assert objects_in(site) == ["report", "retry.bin"]
        assert download(response.headers["Location"]) == PAYLOAD
        # The data went; the finished upload's record answers HEAD.
        head = alice.head(url)
        assert head.status_code == 200
        assert head.headers["Upload-Offset"] == str(len(PAYLOAD))
        assert head.headers["Content-Location"] == response.headers["Location"]
        assert list(upload_dir.glob("*.data")) == []
        assert len(list(upload_dir.glob("*.info"))) == 1

    def test_post_retried_by_zope_leaves_no_orphan(
        self, site, alice, upload_dir, conflict_once
    ):
        response = alice.create(len(PAYLOAD), data=PAYLOAD, filename="once.bin")
        assert response.status_code == 201, response.text
        assert objects_in(site) == ["once.bin", "report"]
        assert download(response.headers["Content-Location"]) == PAYLOAD
        assert list(upload_dir.glob("*.data")) == []
        # One record: the retried POST's upload; the first attempt's is gone.
        assert len(list(upload_dir.glob("*.info"))) == 1


class TestConflictsUsedUp:
    def test_used_up_retries_report_no_progress_then_a_retry_finishes(
        self, site, alice
    ):
        url = alice.create(len(PAYLOAD), filename="busy.bin").headers["Location"]
        alice.patch(url, PAYLOAD[:10000], 0)
        registry = getGlobalSiteManager()

        def handler(obj, event):
            raise ConflictError("forced by the test, every time")

        registry.registerHandler(handler, (IDexterityContent, IObjectAddedEvent))
        try:
            busy = alice.patch(url, PAYLOAD[10000:], 10000)
        finally:
            registry.unregisterHandler(handler, (IDexterityContent, IObjectAddedEvent))
        # Zope's retries are used up: an error that claims no progress.
        assert busy.status_code >= 500, (busy.headers, busy.text[:500])
        assert "Upload-Offset" not in busy.headers, busy.headers
        assert "Location" not in busy.headers
        assert alice.head(url).headers["Upload-Offset"] == "10000"
        assert objects_in(site) == ["report"]
        done = alice.patch(url, PAYLOAD[10000:], 10000)
        assert done.status_code == 204
        assert download(done.headers["Location"]) == PAYLOAD


class TestReplace:
    @pytest.fixture
    def editor(self, site):
        site["docs"]["report"].manage_setLocalRoles("alice", ["Editor"])
        transaction.commit()

    def test_replace_the_file_of_an_item(self, site, alice, folder_url, editor):
        report_url = f"{folder_url}/report"
        created = alice.create(
            len(PAYLOAD), url=f"{report_url}/@tus-replace", filename="new.bin"
        )
        assert created.status_code == 201, created.text
        upload_url = created.headers["Location"]
        # As plone.restapi does: uploads continue at <item>/@tus-upload/<id>.
        assert upload_url.startswith(f"{report_url}/@tus-upload/")
        assert alice.head(upload_url).headers["Upload-Offset"] == "0"
        alice.patch(upload_url, PAYLOAD[:5000], 0)
        response = alice.patch(upload_url, PAYLOAD[5000:], 5000, headers=PREFER)
        assert response.status_code == 200, response.text
        assert response.headers["Preference-Applied"] == "return=representation"
        assert response.headers["Location"] == report_url
        assert response.json()["@type"] == "File"
        assert response.json()["size"] == len(PAYLOAD)
        assert download(report_url) == PAYLOAD
        assert objects_in(site) == ["report"]
        transaction.begin()
        assert site["docs"]["report"].file.filename == "new.bin"

    def test_replace_needs_modify_permission(self, folder_url, endpoint):
        reader = client_for(endpoint, "reader")
        response = reader.create(
            10, url=f"{folder_url}/report/@tus-replace", filename="x.bin"
        )
        assert response.status_code == 403

    def test_replace_upload_is_not_visible_from_the_folder(
        self, alice, folder_url, endpoint, editor
    ):
        created = alice.create(
            len(PAYLOAD), url=f"{folder_url}/report/@tus-replace", filename="x.bin"
        )
        upload_id = created.headers["Location"].rsplit("/", 1)[1]
        assert alice.head(f"{endpoint}/{upload_id}").status_code == 404


class TestPendingUploads:
    def page(self, portal_url, user="boss"):
        return requests.get(
            f"{portal_url}/@@tusupload-pending",
            auth=(user, PASSWORD),
            timeout=30,
            allow_redirects=False,
        )

    def test_lists_pending_uploads(self, alice, portal_url):
        url = alice.create(1000, filename="half.bin").headers["Location"]
        alice.patch(url, b"x" * 250, 0)
        html = self.page(portal_url).text
        upload_id = url.rsplit("/", 1)[1]
        row = html.split(f'data-upload-id="{upload_id}"', 1)[1].split("</tr>", 1)[0]
        assert "alice" in row
        assert "/docs" in row
        assert "half.bin" in row
        assert "25 %" in row
        assert "UTC" in row

    def test_members_may_not_see_it(self, portal_url):
        response = self.page(portal_url, "alice")
        assert response.status_code in (302, 401, 403)
        assert "tusupload-pending" not in response.text

    def test_manager_deletes_someone_elses_upload(self, alice, portal_url):
        url = alice.create(1000, filename="half.bin").headers["Location"]
        upload_id = url.rsplit("/", 1)[1]
        html = self.page(portal_url).text
        token = re.search(
            r'name="_authenticator"\s+type="hidden"\s+value="([^"]+)"', html
        )
        assert token, html[-2000:]
        form = {
            "_authenticator": token.group(1),
            "upload_id": upload_id,
            "form.buttons.delete": "Delete",
        }
        refused = requests.post(
            f"{portal_url}/@@tusupload-pending",
            data={"upload_id": upload_id},
            auth=("boss", PASSWORD),
            timeout=30,
        )
        assert refused.status_code == 403
        assert alice.head(url).status_code == 200
        response = requests.post(
            f"{portal_url}/@@tusupload-pending",
            data=form,
            auth=("boss", PASSWORD),
            timeout=30,
        )
        assert response.status_code == 200
        assert alice.head(url).status_code == 404
        assert upload_id not in self.page(portal_url).text
