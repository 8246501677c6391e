"""Image uploads leave no false warning in the log: issue 14, point 14."""

from helpers.browser import download
from helpers.browser import drop
from helpers.browser import item_url_for
from helpers.browser import open_upload_page
from helpers.browser import start_upload
from helpers.browser import wait_for_all_complete
from io import BytesIO
from plone import api

import logging
import PIL.Image
import pytest
import transaction


pytestmark = pytest.mark.browser


def image_bytes(kind: str, size=(640, 480)) -> bytes:
    image = PIL.Image.new("RGB", size, (200, 30, 60))
    output = BytesIO()
    image.save(output, format=kind)
    return output.getvalue()


def test_images_upload_without_a_pil_warning(page, folder_url, site, caplog):
    caplog.set_level(logging.WARNING, logger="plone.namedfile")
    files = {
        "photo.png": ("image/png", image_bytes("PNG")),
        "photo.jpg": ("image/jpeg", image_bytes("JPEG", (800, 600))),
        "photo.gif": ("image/gif", image_bytes("GIF", (32, 16))),
    }
    open_upload_page(page, folder_url)
    drop(page, [(name, kind, data) for name, (kind, data) in files.items()])
    start_upload(page)
    wait_for_all_complete(page)

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("plone.namedfile")
    ]
    assert warnings == []
    transaction.begin()
    for name, (kind, data) in files.items():
        item_url = item_url_for(page, name)
        assert download(page, item_url, field="image") == data
        image = api.content.get(path=item_url.split(site.absolute_url(), 1)[1])
        assert image.portal_type == "Image"
        assert image.image.contentType == kind
        width, height = PIL.Image.open(BytesIO(data)).size
        assert image.image.getImageSize() == (width, height)
