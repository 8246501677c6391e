"""The staged preview: no login, site layout or JSON, byte-identical, then gone."""

from helpers.plone_tus import objects_in
from plone import api

import pytest
import random
import requests
import transaction


PAYLOAD = random.Random(7).randbytes(200_000)


@pytest.fixture
def session(alice):
    session = alice.open("review me").json()
    alice.add(session, "photo one.bin", PAYLOAD)
    alice.declare(session, "not yet.bin", PAYLOAD)
    return session


def test_preview_without_login_in_json_and_html(site, session):
    stage = session["links"]["stage"]
    listing = requests.get(stage, headers={"Accept": "application/json"}, timeout=30)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["name"] == "review me"
    (entry,) = body["files"]
    assert entry["filename"] == "photo one.bin"
    download = requests.get(entry["download"], timeout=30)
    assert download.status_code == 200
    assert download.content == PAYLOAD
    assert "attachment" in download.headers["Content-Disposition"]
    page = requests.get(stage, timeout=30)
    assert page.status_code == 200
    assert 'id="portal-footer' in page.text or "portal-footer" in page.text
    assert "photo one.bin" in page.text
    assert "not yet.bin" not in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert objects_in(site, "inbox") == []


def test_wrong_token_is_404(site, session):
    stage = session["links"]["stage"]
    wrong = stage[:-4] + ("AAAA" if not stage.endswith("AAAA") else "BBBB")
    assert requests.get(wrong, timeout=30).status_code == 404


def test_preview_is_gone_once_published_or_canceled(site, alice, session):
    stage = session["links"]["stage"]
    listing = requests.get(stage, headers={"Accept": "application/json"}, timeout=30)
    download_url = listing.json()["files"][0]["download"]
    waiting = alice.status(session)["files"]["not yet.bin"]["link"]
    assert alice.delete(waiting).status_code == 204
    assert alice.publish(session).status_code == 201
    assert requests.get(stage, timeout=30).status_code == 404
    assert requests.get(download_url, timeout=30).status_code == 404
    other = alice.open("canceled one").json()
    assert requests.get(other["links"]["stage"], timeout=30).status_code == 200
    alice.delete(other["links"]["session"])
    assert requests.get(other["links"]["stage"], timeout=30).status_code == 404


@pytest.fixture
def german(site):
    api.portal.set_registry_record("plone.available_languages", ["en", "de"])
    api.portal.set_registry_record("plone.default_language", "de")
    transaction.commit()
    yield
    api.portal.set_registry_record("plone.default_language", "en")
    transaction.commit()


def test_preview_and_upload_page_speak_the_site_language(site, alice, session, german):
    page = requests.get(session["links"]["stage"], timeout=30)
    assert "Bereitgestellte Dateien" in page.text
    assert "Diese Dateien sind noch nicht veröffentlicht." in page.text
    assert "Größe (Bytes)" in page.text
    upload_page = alice.http.get(f"{alice.folder_url}/@@upload-files", timeout=30)
    assert "Gemeinsam veröffentlichen" in upload_page.text
    assert "Vorschau-Link (funktioniert ohne Anmeldung)" in upload_page.text
    # The script's strings (JSON in a data attribute).
    assert "{count} Dateien ver" in upload_page.text


def test_download_from_a_store_without_local_files(site, session, monkeypatch):
    """The bytes are streamed from the store when it has no local path."""
    from collective.tusupload.core.filestore.store import FileStore

    monkeypatch.setattr(FileStore, "local_path", lambda self, upload_id: None)
    stage = session["links"]["stage"]
    listing = requests.get(stage, headers={"Accept": "application/json"}, timeout=30)
    download = requests.get(listing.json()["files"][0]["download"], timeout=30)
    assert download.status_code == 200
    assert download.content == PAYLOAD
