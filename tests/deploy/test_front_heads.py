"""Request heads: what the front server refuses, and how it reads the rest."""

from collective.tusupload.deploy.front.heads import BadHead
from collective.tusupload.deploy.front.heads import from_h11
from collective.tusupload.deploy.front.heads import MAX_HEAD_BYTES
from collective.tusupload.deploy.front.heads import refusal_of
from collective.tusupload.deploy.front.heads import split_target

import h11
import pytest


def parse(raw: bytes):
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
    connection.receive_data(raw)
    try:
        event = connection.next_event()
    except h11.RemoteProtocolError as error:
        raise refusal_of(error) from None
    assert isinstance(event, h11.Request), event
    return from_h11(event)


def test_content_length_and_chunked_together_are_refused():
    with pytest.raises(BadHead) as refused:
        parse(
            b"PATCH /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
    assert refused.value.status == 400
    assert "Content-Length and Transfer-Encoding" in refused.value.message


def test_framing_and_keep_alive():
    head = parse(b"PATCH /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n")
    assert (head.content_length, head.chunked, head.has_body) == (12, False, True)
    assert head.wants_keep_alive
    head = parse(b"PATCH /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert (head.content_length, head.chunked, head.has_body) == (None, True, True)
    head = parse(b"GET /x HTTP/1.0\r\n\r\n")
    assert not head.wants_keep_alive
    head = parse(b"GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert head.wants_keep_alive
    head = parse(b"GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert not head.wants_keep_alive


def test_expect_continue_only_for_http_11():
    head = parse(
        b"PATCH /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
        b"Content-Length: 1\r\n\r\n"
    )
    assert head.expects_continue


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (b"/Plone/%ff", 400),
        (b"/Plone/%c3%28", 400),
        (b"/Plone/@tus-upload/%ff%fe", 404),
        (b"/Plone/folder/@tus-replace/%80", 404),
        (b"/a%00b", 400),
        (b"*", 400),
        (b"example.com:443", 400),
    ],
)
def test_paths_zope_cant_take_are_refused_in_words(target, status):
    with pytest.raises(BadHead) as refused:
        split_target(target)
    assert refused.value.status == status
    assert refused.value.message


def test_paths_are_decoded_and_the_query_kept_raw():
    assert split_target(b"/Plone/caf%C3%A9?a=%20b") == (
        b"/Plone/caf\xc3\xa9",
        b"a=%20b",
    )
    assert split_target(b"http://example.com/x/y?z=1") == (b"/x/y", b"z=1")
    assert split_target(b"http://example.com") == (b"/", b"")


def test_a_missing_host_and_a_head_too_large_are_refused_in_words():
    with pytest.raises(BadHead) as refused:
        parse(b"GET / HTTP/1.1\r\n\r\n")
    assert (refused.value.status, refused.value.message) == (
        400,
        "the Host header is missing",
    )
    with pytest.raises(BadHead) as refused:
        parse(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * MAX_HEAD_BYTES)
    assert refused.value.status == 431


def test_duplicate_headers_are_joined():
    head = parse(b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-A: 2\r\n\r\n")
    assert head.header(b"x-a") == b"1,2"
