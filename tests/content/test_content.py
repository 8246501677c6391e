"""Finished upload -> content, called directly (integration layer)."""

from collective.tusupload.content import blob_from_path
from collective.tusupload.content import choose_portal_type
from collective.tusupload.content import create_from_upload
from collective.tusupload.content import file_details
from collective.tusupload.content import replace_from_upload
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.dexterity.interfaces import IDexterityContent
from zope.component import getGlobalSiteManager
from zope.lifecycleevent.interfaces import IObjectAddedEvent
from zope.lifecycleevent.interfaces import IObjectCreatedEvent

import os
import pytest


@pytest.fixture
def folder(portal):
    setRoles(portal, TEST_USER_ID, ["Manager"])
    return api.content.create(container=portal, type="Folder", id="docs")


@pytest.fixture
def data_path(tmp_path):
    path = tmp_path / "upload.data"
    path.write_bytes(b"%PDF-1.4 " + b"x" * 70000)
    return str(path)


class TestFileDetails:
    def test_plone_restapi_keys(self):
        details = file_details({"filename": "a.pdf", "content-type": "application/pdf"})
        assert details.filename == "a.pdf"
        assert details.content_type == "application/pdf"
        assert details.title == "a.pdf"

    def test_uppy_keys(self):
        details = file_details({"name": "b.png", "filetype": "image/png"})
        assert (details.filename, details.content_type) == ("b.png", "image/png")

    @pytest.mark.parametrize(
        "name", ["../../etc/passwd", "..\\..\\etc\\passwd", "/etc/passwd"]
    )
    def test_directories_are_dropped(self, name):
        assert file_details({"filename": name}).filename == "passwd"

    def test_type_guessed_from_the_name(self):
        assert file_details({"filename": "x.pdf"}).content_type == "application/pdf"


class TestPortalType:
    def test_registry_mapping(self, portal):
        pdf = file_details({"filename": "a.pdf"})
        png = file_details({"filename": "a.png"})
        assert choose_portal_type(portal, details=pdf) == "File"
        assert choose_portal_type(portal, details=png) == "Image"

    def test_type_without_file_field_falls_back_to_file(self, portal):
        text = file_details({"filename": "a.txt", "content-type": "text/plain"})
        assert choose_portal_type(portal, details=text) == "File"

    def test_requested_type_wins(self, portal):
        png = file_details({"filename": "a.png"})
        assert choose_portal_type(portal, details=png, requested="File") == "File"


class TestBlob:
    def test_blob_takes_the_bytes_by_link_and_leaves_the_upload(
        self, folder, data_path
    ):
        inode = os.stat(data_path).st_ino
        blob = blob_from_path(data_path, jar=folder._p_jar)
        assert os.path.exists(data_path)
        blob_file = blob._p_blob_uncommitted
        assert os.stat(blob_file).st_ino == inode  # no copy: the same file
        assert os.path.samefile(blob_file, data_path)
        assert not [
            name for name in os.listdir(os.path.dirname(data_path)) if ".blob-" in name
        ]

    def test_falls_back_to_a_copy_when_linking_fails(
        self, folder, data_path, monkeypatch, caplog
    ):
        def refuse(source, target):
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "link", refuse)
        blob = blob_from_path(data_path, jar=folder._p_jar)
        with blob.open() as reader, open(data_path, "rb") as original:
            assert reader.read() == original.read()
        assert "copying" in caplog.text


class TestCreate:
    def test_file_is_set_before_the_events(self, folder, data_path):
        seen = []

        def record(obj, event):
            seen.append((type(event).__name__, obj.file.getSize()))

        registry = getGlobalSiteManager()
        for event in (IObjectCreatedEvent, IObjectAddedEvent):
            registry.registerHandler(record, (IDexterityContent, event))
        try:
            obj = create_from_upload(
                folder,
                portal_type="File",
                data_path=data_path,
                details=file_details({"filename": "A B.pdf", "title": "T"}),
            )
        finally:
            for event in (IObjectCreatedEvent, IObjectAddedEvent):
                registry.unregisterHandler(record, (IDexterityContent, event))
        size = os.path.getsize(data_path)
        assert ("ObjectCreatedEvent", size) in seen
        assert ("ObjectAddedEvent", size) in seen
        assert obj.getId() == "a-b.pdf"
        assert obj.title == "T"
        assert obj.file.filename == "A B.pdf"
        assert obj.file.contentType == "application/pdf"

    def test_replace_keeps_the_object(self, folder, data_path):
        item = api.content.create(container=folder, type="File", id="item")
        replace_from_upload(
            item, data_path=data_path, details=file_details({"filename": "n.pdf"})
        )
        assert item.file.getSize() == os.path.getsize(data_path)
        assert item.file.filename == "n.pdf"
