"""@@tusupload-cleanup and the @tusupload-cleanup REST call: Managers only."""

from collective.tusupload.core import FileStore
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.core.info import UploadInfo
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_NAME
from plone.app.testing import TEST_USER_PASSWORD

import pytest
import re
import requests
import time
import transaction


MANAGER = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
MEMBER = (TEST_USER_NAME, TEST_USER_PASSWORD)
JSON = {"Accept": "application/json"}


@pytest.fixture
def store(functional_portal, tmp_path):
    api.portal.set_registry_record("collective.tusupload.tmp_dir", str(tmp_path))
    transaction.commit()
    return FileStore(tmp_path, fsync=False)


@pytest.fixture
def expired(store):
    upload_id = new_upload_id()
    store.create(UploadInfo(id=upload_id, length=5, expires=time.time() - 1))
    return upload_id


@pytest.fixture
def site_url(functional_portal):
    return functional_portal.absolute_url()


class TestView:
    def test_manager_sees_the_page(self, site_url, store):
        response = requests.get(f"{site_url}/@@tusupload-cleanup", auth=MANAGER)
        assert response.status_code == 200
        assert "Run cleanup now" in response.text
        assert str(store.directory) in response.text

    @pytest.mark.parametrize("auth", [None, MEMBER], ids=["anonymous", "member"])
    def test_others_are_refused(self, site_url, store, auth):
        response = requests.get(
            f"{site_url}/@@tusupload-cleanup", auth=auth, allow_redirects=False
        )
        assert response.status_code in (302, 401, 403)
        assert "Run cleanup now" not in response.text

    def test_run_cleanup_now_removes_expired_uploads(self, site_url, store, expired):
        session = requests.Session()
        session.auth = MANAGER
        page = session.get(f"{site_url}/@@tusupload-cleanup")
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', page.text)
        response = session.post(
            f"{site_url}/@@tusupload-cleanup",
            data={"_authenticator": token.group(1), "form.run": "1"},
        )
        assert response.status_code == 200
        assert "The cleanup ran." in response.text
        assert "removed 1 expired upload(s)" in response.text
        assert store.list_ids() == []

    def test_post_without_token_is_refused(self, site_url, store, expired):
        response = requests.post(
            f"{site_url}/@@tusupload-cleanup", data={"form.run": "1"}, auth=MANAGER
        )
        assert response.status_code == 403
        assert store.list_ids() == [expired]


class TestRest:
    def test_manager_runs_a_cleanup(self, site_url, store, expired):
        response = requests.post(
            f"{site_url}/@tusupload-cleanup", headers=JSON, auth=MANAGER
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "done"
        assert body["summary"]["removed_ids"] == [expired]
        assert body["message"].startswith("removed 1 expired upload(s)")
        assert store.list_ids() == []
        last = requests.get(
            f"{site_url}/@tusupload-cleanup", headers=JSON, auth=MANAGER
        )
        assert last.json()["last"]["summary"]["removed_ids"] == [expired]

    @pytest.mark.parametrize("auth", [None, MEMBER], ids=["anonymous", "member"])
    def test_others_are_refused(self, site_url, store, expired, auth):
        response = requests.post(
            f"{site_url}/@tusupload-cleanup", headers=JSON, auth=auth
        )
        assert response.status_code in (401, 403)
        assert store.list_ids() == [expired]

    def test_missing_directory_is_nothing_to_do(self, site_url, functional_portal):
        api.portal.set_registry_record(
            "collective.tusupload.tmp_dir", "/nonexistent/tusupload"
        )
        transaction.commit()
        response = requests.post(
            f"{site_url}/@tusupload-cleanup", headers=JSON, auth=MANAGER
        )
        assert response.status_code == 200
        assert response.json()["status"] == "missing"
