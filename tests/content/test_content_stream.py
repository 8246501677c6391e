"""Content from a store without local files: the bytes stream into the blob."""

from collective.tusupload.content import create_from_upload
from collective.tusupload.content import file_details
from collective.tusupload.content import replace_from_upload
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID

import io
import pytest


DATA = b"%PDF-1.4 " + bytes(range(256)) * 3000


@pytest.fixture
def folder(portal):
    setRoles(portal, TEST_USER_ID, ["Manager"])
    return api.content.create(container=portal, type="Folder", id="docs")


def test_create_streams_an_upload_without_local_path(folder):
    obj = create_from_upload(
        folder,
        portal_type="File",
        data=io.BytesIO(DATA),
        details=file_details({"filename": "streamed.pdf"}),
    )
    assert obj.file.data == DATA
    assert obj.file.getSize() == len(DATA)


def test_replace_streams_too(folder):
    obj = create_from_upload(
        folder,
        portal_type="File",
        data=io.BytesIO(b"old"),
        details=file_details({"filename": "item.bin"}),
    )
    replace_from_upload(
        obj, data=io.BytesIO(DATA), details=file_details({"filename": "new.pdf"})
    )
    assert obj.file.data == DATA
