"""The WSGI Filter and its PasteDeploy factories, driven with WebOb test requests."""

from collective.tusupload.adapters.wsgi import Filter
from collective.tusupload.adapters.wsgi import filter_app_factory
from collective.tusupload.adapters.wsgi import filter_factory
from helpers.paths import EXAMPLE_FILTER_INI
from helpers.wsgi import call

import json
import os
import pytest


webob = pytest.importorskip("webob")

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
#: Asks for the app's reply on the final PATCH (else it is a bodiless 204).
PREFER = {"Prefer": "return=representation"}


class RecordingApp:
    """The wrapped app: records what it was handed, answers with a chosen status."""

    def __init__(self, status="200 OK"):
        self.status = status
        self.calls = []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.calls.append(
            {
                "environ": environ,
                "body": body,
                "file_there": os.path.exists(environ.get("tus.filepath", "")),
            }
        )
        payload = json.dumps({"seen": environ.get("PATH_INFO")}).encode()
        start_response(
            self.status,
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("Upload-Offset", "bogus"),
            ],
        )
        return [payload]


@pytest.fixture
def app():
    return RecordingApp()


@pytest.fixture
def tus_filter(app, tmp_path):
    return Filter(app, tmp_file_dir=str(tmp_path / "uploads"), upload_path="/files")


def create(wsgi_app, length, **headers):
    response = call(
        wsgi_app, "/files", "POST", **{**TUS, "Upload-Length": str(length), **headers}
    )
    assert response.status_int == 201, response.body
    return response.headers["Location"]


def test_other_paths_go_to_the_app(tus_filter, app):
    response = call(tus_filter, "/files-not/x")
    assert response.json == {"seen": "/files-not/x"}
    assert call(tus_filter, "/").status_int == 200
    assert len(app.calls) == 2


def test_options_is_answered_by_the_core(tus_filter, app):
    response = call(tus_filter, "/files", "OPTIONS")
    assert response.status_int == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert not app.calls


def test_location_is_under_the_upload_path(tus_filter):
    location = create(tus_filter, 10)
    assert location.startswith("http://localhost/files/")


def test_anonymous_uploads_are_allowed(tus_filter):
    create(tus_filter, 1)


def test_unfinished_upload_does_not_reach_the_app(tus_filter, app):
    location = create(tus_filter, 10)
    response = call(
        tus_filter, location, "PATCH", b"hello", **OCTETS, **{"Upload-Offset": "0"}
    )
    assert response.status_int == 204
    assert response.headers["Upload-Offset"] == "5"
    assert not app.calls


def test_finished_upload_is_handed_on_with_its_path(tus_filter, app, tmp_path):
    location = create(tus_filter, 10, **{"Upload-Metadata": "filename aGVsbG8udHh0"})
    call(tus_filter, location, "PATCH", b"hello", **OCTETS, **{"Upload-Offset": "0"})
    response = call(
        tus_filter,
        location,
        "PATCH",
        b"world",
        **OCTETS,
        **PREFER,
        **{"Upload-Offset": "5"},
    )

    assert response.status_int == 200  # the app's reply ...
    assert response.json == {"seen": location.replace("http://localhost", "")}
    assert response.headers["Upload-Offset"] == "10"  # ... with the tus headers
    assert response.headers["Tus-Resumable"] == "1.0.0"
    (handed,) = app.calls
    environ = handed["environ"]
    upload_id = location.rsplit("/", 1)[-1]
    assert environ["tus.upload_id"] == upload_id
    assert environ["tus.filepath"] == str(tmp_path / "uploads" / f"{upload_id}.data")
    assert environ["tus.metadata"] == {"filename": "hello.txt"}
    assert environ["tus.upload_length"] == 10
    assert handed["body"] == environ["tus.filepath"].encode()  # as the original tus did
    assert handed["file_there"]
    # Once the app answered, the data is gone; a small record still
    # answers a client whose reply was lost, without calling the app again.
    head = call(tus_filter, location, "HEAD", **TUS)
    assert (head.status_int, head.headers["Upload-Offset"]) == (200, "10")
    left = set(os.listdir(tmp_path / "uploads"))
    assert left <= {f"{upload_id}.info", f"{upload_id}.lock"}
    replay = call(
        tus_filter, location, "PATCH", b"world", **OCTETS, **{"Upload-Offset": "5"}
    )
    assert (replay.status_int, replay.headers["Upload-Offset"]) == (204, "10")
    assert len(app.calls) == 1


def test_send_file_hands_on_the_file_itself(app, tmp_path):
    tus_filter = Filter(
        app, tmp_file_dir=str(tmp_path), upload_path="/files", send_file=True
    )
    location = create(tus_filter, 5, **{"Upload-Metadata": "filetype dGV4dC9wbGFpbg=="})
    call(tus_filter, location, "PATCH", b"hello", **OCTETS, **{"Upload-Offset": "0"})
    (handed,) = app.calls
    assert handed["body"] == b"hello"
    assert handed["environ"]["CONTENT_TYPE"] == "text/plain"
    assert handed["environ"]["CONTENT_LENGTH"] == "5"


def test_creation_with_upload_that_finishes_keeps_201_and_location(tus_filter, app):
    response = call(
        tus_filter, "/files", "POST", b"abc", **OCTETS, **{"Upload-Length": "3"}
    )
    assert response.status_int == 201
    assert response.headers["Location"].startswith("http://localhost/files/")
    assert response.headers["Upload-Offset"] == "3"
    assert app.calls[0]["environ"]["REQUEST_METHOD"] == "POST"


def test_zero_length_upload_is_handed_on_at_creation(tus_filter, app):
    create(tus_filter, 0)
    assert app.calls[0]["environ"]["tus.upload_length"] == 0


def test_keep_finished_keeps_the_upload(app, tmp_path):
    tus_filter = Filter(
        app, tmp_file_dir=str(tmp_path), upload_path="/files", keep_finished="true"
    )
    location = create(tus_filter, 2)
    call(tus_filter, location, "PATCH", b"ok", **OCTETS, **{"Upload-Offset": "0"})
    head = call(tus_filter, location, "HEAD", **TUS)
    assert head.status_int == 200
    assert head.headers["Upload-Offset"] == "2"


def test_app_failure_leaves_the_last_chunk_retryable(tmp_path):
    failing = RecordingApp(status="500 Internal Server Error")
    tus_filter = Filter(failing, tmp_file_dir=str(tmp_path), upload_path="/files")
    location = create(tus_filter, 4)
    assert (
        call(
            tus_filter, location, "PATCH", b"data", **OCTETS, **{"Upload-Offset": "0"}
        ).status_int
        == 500
    )
    # Not acknowledged: the client resumes where the last chunk began.
    head = call(tus_filter, location, "HEAD", **TUS)
    assert head.headers["Upload-Offset"] == "0"
    failing.status = "200 OK"
    retry = call(
        tus_filter,
        location,
        "PATCH",
        b"data",
        **OCTETS,
        **PREFER,
        **{"Upload-Offset": "0"},
    )
    assert retry.status_int == 200
    assert len(failing.calls) == 2
    assert call(tus_filter, location, "HEAD", **TUS).headers["Upload-Offset"] == "4"


def test_concatenated_upload_is_handed_on_once(tus_filter, app):
    partials = []
    for part in (b"abc", b"defg"):
        location = create(tus_filter, len(part), **{"Upload-Concat": "partial"})
        assert (
            call(
                tus_filter, location, "PATCH", part, **OCTETS, **{"Upload-Offset": "0"}
            ).status_int
            == 204
        )
        partials.append(location)
    response = call(
        tus_filter,
        "/files",
        "POST",
        **TUS,
        **{"Upload-Concat": "final;" + " ".join(partials)},
    )
    assert response.status_int == 201
    (handed,) = app.calls  # partials are not handed on
    assert handed["file_there"]
    assert handed["environ"]["tus.upload_length"] == 7
    for location in partials:  # the partials went with the final upload
        assert call(tus_filter, location, "HEAD", **TUS).status_int == 404
    # tus: after a successful concatenation, HEAD reports offset = length.
    final = call(tus_filter, response.headers["Location"], "HEAD", **TUS)
    assert final.status_int == 200
    assert final.headers["Upload-Offset"] == final.headers["Upload-Length"] == "7"
    assert final.headers["Upload-Concat"] == "final;" + " ".join(partials)


def test_upload_path_root_serves_everything(app, tmp_path):
    tus_filter = Filter(app, {}, tmp_file_dir=str(tmp_path), upload_path="/")
    location = create_at(tus_filter, "/", 3)
    assert location.rsplit("/", 1)[0] == "http://localhost"


def create_at(wsgi_app, path, length):
    response = call(wsgi_app, path, "POST", **{**TUS, "Upload-Length": str(length)})
    assert response.status_int == 201
    return response.headers["Location"]


def test_path_tricks_in_ids_get_404(tus_filter):
    assert call(tus_filter, "/files/../etc/passwd", "HEAD", **TUS).status_int == 404
    assert call(tus_filter, "/files/a/b", "HEAD", **TUS).status_int == 404


def test_max_size_is_enforced(app, tmp_path):
    tus_filter = Filter(app, tmp_file_dir=str(tmp_path), max_size=10)
    assert call(tus_filter, "/files", "OPTIONS").headers["Tus-Max-Size"] == "10"
    assert (
        call(tus_filter, "/files", "POST", **TUS, **{"Upload-Length": "11"}).status_int
        == 413
    )


def test_original_positional_global_conf_still_works(app, tmp_path):
    tus_filter = Filter(app, {}, tmp_file_dir=str(tmp_path), upload_path="/upload")
    assert tus_filter.upload_path == "/upload"


def test_tmp_file_dir_is_required(app):
    with pytest.raises(TypeError):
        Filter(app)
    with pytest.raises(ValueError):
        Filter(app, tmp_file_dir="")


def test_filter_app_factory_converts_text_options(app, tmp_path):
    tus_filter = filter_app_factory(
        app,
        {"here": str(tmp_path)},
        tmp_file_dir=str(tmp_path),
        upload_path="/up",
        upload_valid_duration="60",
        send_file="true",
        max_size="1024",
        keep_finished="no",
    )
    assert tus_filter.upload_path == "/up"
    assert tus_filter.upload_valid_duration == 60.0
    assert tus_filter.send_file is True
    assert tus_filter.max_size == 1024
    assert tus_filter.keep_finished is False
    assert tus_filter.handler.engine.expiry == 60.0


def test_empty_max_size_means_no_limit(app, tmp_path):
    assert (
        filter_app_factory(app, {}, tmp_file_dir=str(tmp_path), max_size="").max_size
        is None
    )


def test_filter_factory_returns_a_wrapper(app, tmp_path):
    wrap = filter_factory({}, tmp_file_dir=str(tmp_path), send_file="0")
    tus_filter = wrap(app)
    assert isinstance(tus_filter, Filter)
    assert tus_filter.app is app
    assert tus_filter.send_file is False


def test_unknown_options_are_refused(app, tmp_path):
    with pytest.raises(TypeError, match="upload_pth"):
        filter_app_factory(app, {}, tmp_file_dir=str(tmp_path), upload_pth="/x")


def test_bad_option_values_are_refused(app, tmp_path):
    with pytest.raises(ValueError):
        filter_app_factory(app, {}, tmp_file_dir=str(tmp_path), send_file="maybe")
    with pytest.raises(ValueError):
        filter_app_factory(app, {}, tmp_file_dir=str(tmp_path), max_size="lots")


def test_paste_deploy_loads_the_example_config():
    loadwsgi = pytest.importorskip("paste.deploy")
    wsgi_app = loadwsgi.loadapp(f"config:{EXAMPLE_FILTER_INI}")
    assert isinstance(wsgi_app, Filter)
    assert wsgi_app.upload_path == "/files"
    assert wsgi_app.max_size == 1073741824
    assert wsgi_app.send_file is False


def test_paste_deploy_pipeline_with_filter_app_factory(tmp_path):
    loadwsgi = pytest.importorskip("paste.deploy")
    config = tmp_path / "pipeline.ini"
    config.write_text(
        "[pipeline:main]\n"
        "pipeline = tus app\n"
        "[filter:tus]\n"
        "paste.filter_app_factory = "
        "collective.tusupload.adapters.wsgi:filter_app_factory\n"
        f"tmp_file_dir = {tmp_path}/uploads\n"
        "upload_path = /upload\n"
        "upload_valid_duration = 120\n"
        "[app:app]\n"
        "paste.app_factory = collective.tusupload.adapters.example:make_app\n"
    )
    wsgi_app = loadwsgi.loadapp(f"config:{config}")
    assert isinstance(wsgi_app, Filter)
    assert wsgi_app.upload_valid_duration == 120.0
    assert call(wsgi_app, "/upload", "OPTIONS").status_int == 204


def test_egg_entry_point_when_installed(tmp_path):
    metadata = pytest.importorskip("importlib.metadata")
    points = [
        point
        for point in metadata.entry_points(group="paste.filter_app_factory")
        if point.value.startswith("collective.tusupload")
    ]
    if not points:
        pytest.skip("collective.tusupload is not installed with its entry points")
    loadwsgi = pytest.importorskip("paste.deploy")
    config = tmp_path / "egg.ini"
    config.write_text(
        "[app:main]\n"
        "paste.app_factory = collective.tusupload.adapters.example:make_app\n"
        "filter-with = tus\n"
        "[filter:tus]\n"
        "use = egg:collective.tusupload#main\n"
        f"tmp_file_dir = {tmp_path}\n"
    )
    assert isinstance(loadwsgi.loadapp(f"config:{config}"), Filter)


def test_creation_sweeps_expired_uploads(app, tmp_path):
    now = [1000.0]
    tus_filter = Filter(
        app,
        tmp_file_dir=str(tmp_path),
        upload_valid_duration="10",
        cleanup_interval="0.001",
        handler_options={"clock": lambda: now[0]},
    )
    old = create(tus_filter, 100)
    now[0] += 60
    import time

    time.sleep(0.01)
    create(tus_filter, 100)  # a creation runs the sweep
    assert not [
        name for name in os.listdir(tmp_path) if name.startswith(old.rsplit("/", 1)[-1])
    ]


@pytest.mark.parametrize("text,expected", [("true", True), ("false", False)])
def test_fsync_option_reaches_the_store(tmp_path, text, expected):
    from collective.tusupload.adapters.wsgi import filter_app_factory

    tus_filter = filter_app_factory(
        lambda environ, start_response: [], {}, tmp_file_dir=str(tmp_path), fsync=text
    )
    assert tus_filter.store.fsync is expected


def test_fsync_off_by_default(tmp_path):
    from collective.tusupload.adapters.wsgi import Filter

    assert Filter(lambda e, s: [], tmp_file_dir=str(tmp_path)).store.fsync is False
