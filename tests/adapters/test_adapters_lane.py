"""The upload lane: middle chunks of granted uploads answered without the host."""

from collective.tusupload.adapters import lane
from collective.tusupload.core import grants
from collective.tusupload.core.compose import file_backend
from collective.tusupload.core.hooks import Hooks
from collective.tusupload.core.protocol import Handler

import base64
import pytest


webob = pytest.importorskip("webob")

KEY = grants.derive_key("the-site-keyring-secret")
ALICE = "Basic " + base64.b64encode(b"alice:secret").decode()
BOB = "Basic " + base64.b64encode(b"bob:secret").decode()
FOLDER = "/Plone/folder/@tus-upload"


class GrantingHooks(Hooks):
    """The host's side, as Plone's policy does it: grant at creation."""

    def before_create(self, request, info):
        info.extra["context_path"] = "/Plone/folder"
        info.extra[grants.EXTRA_KEY] = grants.make_grant(
            KEY, request.context, now=1_000_000.0
        )


class Clock:
    now = 1_000_000.0

    def __call__(self):
        return self.now


class Host:
    """Stands for Zope: records what reached it and answers 299."""

    def __init__(self):
        self.calls = []

    def __call__(self, environ, start_response):
        self.calls.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        start_response("299 Host", [("Content-Length", "0")])
        return [b""]


@pytest.fixture
def setup(tmp_path):
    clock = Clock()
    backend = file_backend(str(tmp_path / "uploads"))
    host_handler = Handler(
        backend.store,
        locker=backend.locker,
        hooks=GrantingHooks(),
        clock=clock,
    )
    lane_handler = lane.lane_handler(
        store=backend.store, locker=backend.locker, clock=clock
    )
    lane.offer("uploads", handler=lane_handler, key=KEY)
    host = Host()
    middleware = lane.UploadLane(host, clock=clock)
    yield host_handler, middleware, host, backend.store, clock
    lane.withdraw()


def create(host_handler, length, authorization=ALICE, principal="alice", cookie=None):
    from collective.tusupload.core.request import TusRequest

    headers = {"Tus-Resumable": "1.0.0"}
    if length is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(length)
    response = host_handler.handle(
        TusRequest(
            method="POST",
            headers=headers,
            upload_id=None,
            body=None,
            base_url="http://localhost" + FOLDER,
            principal=principal,
            context=grants.credentials_of(authorization, cookie),
        )
    )
    assert response.status == 201, response.body
    return response.headers["Location"].rsplit("/", 1)[1]


def patch(middleware, upload_id, offset, body, folder=FOLDER, **headers):
    request = webob.Request.blank(
        f"{folder}/{upload_id}",
        method="PATCH",
        headers={
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            **headers,
        },
    )
    request.body = body
    return request.get_response(middleware)


def test_middle_chunks_skip_the_host_and_the_last_one_reaches_it(setup):
    host_handler, middleware, host, store, _ = setup
    upload_id = create(host_handler, 10)
    first = patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    assert first.status_int == 204
    assert first.headers["Upload-Offset"] == "4"
    assert first.headers[lane.LANE_HEADER] == "direct"
    second = patch(middleware, upload_id, 4, b"efgh", Authorization=ALICE)
    assert second.headers["Upload-Offset"] == "8"
    assert host.calls == []
    last = patch(middleware, upload_id, 8, b"ij", Authorization=ALICE)
    assert last.status_int == 299  # the completing chunk is the host's
    assert host.calls == [("PATCH", f"{FOLDER}/{upload_id}")]
    assert store.get_info(upload_id).offset == 8
    with store.open_data(upload_id) as data:
        assert data.read() == b"abcdefgh"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no credentials
        {"Authorization": BOB},  # someone else's
        {"Cookie": "__ac=alice-ticket"},  # other credentials of the same user
        {"Authorization": ALICE, "Origin": "http://evil.example"},
        {"Authorization": ALICE, "X-HTTP-Method-Override": "PATCH"},
        {"Authorization": ALICE, "Upload-Length": "10"},
        {"Authorization": ALICE, "Upload-Draft-Interop-Version": "6"},
    ],
)
def test_anything_the_lane_cannot_decide_goes_to_the_host(setup, headers):
    host_handler, middleware, host, store, _ = setup
    upload_id = create(host_handler, 10)
    response = patch(middleware, upload_id, 0, b"abcd", **headers)
    assert response.status_int == 299
    assert len(host.calls) == 1
    assert store.get_info(upload_id).offset == 0


def test_same_origin_browsers_use_the_lane(setup):
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)
    response = patch(
        middleware,
        upload_id,
        0,
        b"abcd",
        Authorization=ALICE,
        Origin="http://localhost",
        Host="localhost",
    )
    assert response.headers.get(lane.LANE_HEADER) == "direct"


def test_an_aged_grant_sends_the_request_to_the_host(setup):
    host_handler, middleware, host, _, clock = setup
    upload_id = create(host_handler, 10)
    clock.now += grants.GRANT_TTL + 1
    response = patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299


def test_a_wrong_offset_is_the_lanes_409_and_keeps_the_upload(setup):
    host_handler, middleware, host, store, _ = setup
    upload_id = create(host_handler, 10)
    patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    response = patch(middleware, upload_id, 2, b"cdef", Authorization=ALICE)
    assert response.status_int == 409
    assert store.get_info(upload_id).offset == 4
    assert host.calls == []


def test_the_host_may_shape_error_replies(setup):
    host_handler, middleware, _, store, _ = setup
    upload_id = create(host_handler, 10)
    options = lane.offered()[0]

    def shape(response):
        response.body = b"shaped"
        return response

    lane.offer("uploads", handler=options.handler, key=KEY, shape=shape)
    response = patch(middleware, upload_id, 3, b"abcd", Authorization=ALICE)
    assert response.status_int == 409
    assert response.body == b"shaped"


def test_unknown_uploads_and_other_requests_pass(setup):
    _, middleware, host, _, _ = setup
    response = patch(middleware, "0" * 32, 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299
    head = webob.Request.blank(f"{FOLDER}/{'0' * 32}", method="HEAD")
    assert head.get_response(middleware).status_int == 299
    assert len(host.calls) == 2


def test_without_an_offer_everything_passes(setup):
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)
    lane.withdraw()
    response = patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299


def test_lane_handler_never_creates(setup, tmp_path):
    from collective.tusupload.core.request import TusRequest

    handler = lane.offered()[0].handler
    response = handler.handle(
        TusRequest(
            method="POST",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": "3"},
            upload_id=None,
            body=None,
            base_url="http://localhost/files",
            principal="alice",
            context=lane.LaneRequest(credentials=b"x", key=KEY),
        )
    )
    assert response.status == 405


def test_paste_filter_factory():
    assert lane.filter_factory({}) is lane.UploadLane
    with pytest.raises(TypeError):
        lane.filter_factory({}, bogus="1")


def test_the_lane_hands_over_a_minute_before_the_grant_ages(setup):
    host_handler, middleware, host, _, clock = setup
    upload_id = create(host_handler, 10)
    clock.now += grants.GRANT_TTL - lane.GRANT_MARGIN / 2
    # Not a 404 from the lane when the grant ages between its two checks:
    # the request is Zope's, which renews the grant.
    response = patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299


@pytest.mark.parametrize(
    "headers",
    [
        {"Upload-Offset": "\u00b2"},  # isdigit() but not a number for int()
        {"Origin": "http://[x"},  # urlsplit raises
        {"Content-Length": "\u00b9"},
    ],
)
def test_odd_headers_go_to_the_host_never_a_500(setup, headers):
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)
    request = webob.Request.blank(
        f"{FOLDER}/{upload_id}",
        method="PATCH",
        headers={
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
            "Authorization": ALICE,
        },
    )
    request.body = b"abcd"
    for name, value in headers.items():
        key = "CONTENT_LENGTH" if name == "Content-Length" else "HTTP_" + name.upper()
        request.environ[key.replace("-", "_")] = value
    assert request.get_response(middleware).status_int == 299


def test_a_url_of_another_folder_goes_to_the_host(setup):
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)
    elsewhere = "/Plone/other/@tus-upload"
    response = patch(
        middleware, upload_id, 0, b"abcd", folder=elsewhere, Authorization=ALICE
    )
    assert response.status_int == 299
    via_api = "/Plone/++api++/folder/@tus-upload"
    response = patch(
        middleware, upload_id, 0, b"abcd", folder=via_api, Authorization=ALICE
    )
    assert response.headers.get(lane.LANE_HEADER) == "direct"


def test_a_query_string_goes_to_the_host(setup):
    # Zope reads __ac from the query string too.
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)
    response = patch(middleware, f"{upload_id}?__ac=x", 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299


def test_a_shared_header_does_not_stand_in_for_the_cookie(setup):
    """Granted for header + cookie: the header alone (a proxy's shared basic
    auth) or with a login cookie named twice is not enough."""
    host_handler, middleware, host, store, _ = setup
    upload_id = create(host_handler, 10, cookie="__ac=alices-ticket")
    for cookie in (None, "__ac=mallory", "__ac=alices-ticket; __ac=mallory"):
        headers = {"Authorization": ALICE}
        if cookie:
            headers["Cookie"] = cookie
        assert patch(middleware, upload_id, 0, b"ab", **headers).status_int == 299
    ok = patch(
        middleware,
        upload_id,
        0,
        b"ab",
        Authorization=ALICE,
        Cookie="theme=x; __ac=alices-ticket",
    )
    assert ok.headers.get(lane.LANE_HEADER) == "direct"


def test_deferred_length_and_expired_uploads_go_to_the_host(setup):
    host_handler, middleware, host, _, clock = setup
    deferred = create(host_handler, None)
    assert patch(middleware, deferred, 0, b"ab", Authorization=ALICE).status_int == 299
    expiring = create(host_handler, 10)
    info = host_handler.engine.store.get_info(expiring)
    info.expires = clock.now - 1
    host_handler.engine.store.update_info(info)
    assert patch(middleware, expiring, 0, b"ab", Authorization=ALICE).status_int == 299


def test_a_checksum_mismatch_keeps_its_reason(setup):
    host_handler, middleware, _, store, _ = setup
    upload_id = create(host_handler, 10)
    response = patch(
        middleware,
        upload_id,
        0,
        b"abcd",
        Authorization=ALICE,
        **{"Upload-Checksum": "sha1 " + base64.b64encode(b"x" * 20).decode()},
    )
    assert response.status == "460 Checksum Mismatch"
    assert store.get_info(upload_id).offset == 0


def test_a_failing_decision_hands_the_request_to_the_host(setup, monkeypatch):
    host_handler, middleware, host, _, _ = setup
    upload_id = create(host_handler, 10)

    def broken(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(lane, "find_lane", broken)
    response = patch(middleware, upload_id, 0, b"abcd", Authorization=ALICE)
    assert response.status_int == 299


def test_offers_lapse_unless_renewed(setup, monkeypatch):
    assert lane.offered()
    later = lane.time.monotonic() + grants.GRANT_TTL + 1
    monkeypatch.setattr(lane.time, "monotonic", lambda: later)
    assert lane.offered() == []
