"""What a client gets when the filter hands an upload to its app (tus 1.0).

"The Server MUST acknowledge successful PATCH requests with the 204 No
Content status. It MUST include the Upload-Offset header." The app's
``Location``/``Content-Location`` come along; its body only when the client
asks with ``Prefer: return=representation``, as Plone's endpoint does.
"""

from collective.tusupload.adapters.wsgi import Filter
from helpers.wsgi import call

import json
import pytest


TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
PREFER = {"Prefer": "return=representation"}
ITEM = "https://example.org/items/1"


class App:
    """Takes each finished upload and says where its result is."""

    def __init__(self, status="200 OK"):
        self.status = status
        self.upload_ids = []

    def __call__(self, environ, start_response):
        self.upload_ids.append(environ["tus.upload_id"])
        payload = json.dumps({"upload_id": environ["tus.upload_id"]}).encode()
        start_response(
            self.status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("Location", ITEM),
                ("Content-Location", ITEM + "/view"),
            ],
        )
        return [payload]


@pytest.fixture
def app():
    return App()


@pytest.fixture
def tus_filter(app, tmp_path):
    return Filter(app, tmp_file_dir=str(tmp_path / "uploads"), upload_path="/files")


def create(tus_filter, length, **headers):
    response = call(
        tus_filter, "/files", "POST", **{**TUS, "Upload-Length": str(length), **headers}
    )
    assert response.status_int == 201
    return response.headers["Location"]


def patch(tus_filter, location, offset, body, **headers):
    return call(
        tus_filter,
        location,
        "PATCH",
        body,
        **OCTETS,
        **{"Upload-Offset": str(offset)},
        **headers,
    )


def test_the_final_patch_is_204_with_the_offset_and_the_apps_location(tus_filter, app):
    location = create(tus_filter, 6)
    patch(tus_filter, location, 0, b"abc")
    response = patch(tus_filter, location, 3, b"def")
    assert response.status_int == 204
    assert response.body == b""
    assert response.headers["Upload-Offset"] == "6"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Location"] == ITEM
    assert response.headers["Content-Location"] == ITEM + "/view"
    assert "Content-Type" not in response.headers
    assert app.upload_ids == [location.rsplit("/", 1)[-1]]


def test_the_apps_body_comes_with_prefer_return_representation(tus_filter):
    location = create(tus_filter, 3)
    response = patch(tus_filter, location, 0, b"abc", **PREFER)
    assert response.status_int == 200
    assert response.json == {"upload_id": location.rsplit("/", 1)[-1]}
    assert response.headers["Preference-Applied"] == "return=representation"
    assert response.headers["Upload-Offset"] == "3"


def test_a_partial_that_completes_a_final_upload_is_answered_204(tus_filter, app):
    first = create(tus_filter, 3, **{"Upload-Concat": "partial"})
    second = create(tus_filter, 3, **{"Upload-Concat": "partial"})
    assert patch(tus_filter, first, 0, b"abc").status_int == 204
    final = call(
        tus_filter,
        "/files",
        "POST",
        **TUS,
        **{"Upload-Concat": f"final;{first} {second}"},
    )
    assert final.status_int == 201
    assert app.upload_ids == []  # the final waits for its second partial
    response = patch(tus_filter, second, 0, b"def")
    assert response.status_int == 204
    assert response.body == b""
    assert response.headers["Upload-Offset"] == "3"
    assert app.upload_ids == [final.headers["Location"].rsplit("/", 1)[-1]]


def test_a_creation_that_finishes_is_201_without_the_apps_body(tus_filter, app):
    response = call(
        tus_filter,
        "/files",
        "POST",
        b"abc",
        **OCTETS,
        **{"Upload-Length": "3"},
    )
    assert response.status_int == 201
    assert response.body == b""
    assert response.headers["Content-Length"] == "0"
    # tus: Location is the upload's URL; the app's result is Content-Location.
    assert response.headers["Location"].startswith("http://localhost/files/")
    assert response.headers["Content-Location"] == ITEM + "/view"
    assert response.headers["Upload-Offset"] == "3"
    assert len(app.upload_ids) == 1


def test_a_creation_with_prefer_gets_the_apps_body_and_201(tus_filter):
    response = call(
        tus_filter,
        "/files",
        "POST",
        b"abc",
        **OCTETS,
        **PREFER,
        **{"Upload-Length": "3"},
    )
    assert response.status_int == 201
    assert "upload_id" in response.json
    assert response.headers["Location"].startswith("http://localhost/files/")


def test_an_apps_refusal_goes_back_whole(tmp_path):
    app = App(status="422 Unprocessable Entity")
    tus_filter = Filter(app, tmp_file_dir=str(tmp_path), upload_path="/files")
    location = create(tus_filter, 3)
    response = patch(tus_filter, location, 0, b"abc")
    assert response.status_int == 422
    assert "upload_id" in response.json
    # Nothing acknowledged: the client sends its last chunk again.
    head = call(tus_filter, location, "HEAD", **TUS)
    assert head.headers["Upload-Offset"] == "0"
