"""Upload-Metadata parsing and formatting."""

from collective.tusupload.core import errors
from collective.tusupload.core.metadata import format_metadata
from collective.tusupload.core.metadata import parse_metadata
from hypothesis import given
from hypothesis import strategies as st

import base64
import pytest


def b64(text):
    return base64.b64encode(text.encode()).decode()


def test_parses_pairs_and_keys_without_value():
    header = f"filename {b64('a b.txt')},is_confidential,empty "
    assert parse_metadata(header) == {
        "filename": "a b.txt",
        "is_confidential": None,
        "empty": "",
    }


def test_absent_or_empty_header_is_empty():
    assert parse_metadata(None) == {}
    assert parse_metadata("") == {}


def test_spaces_around_pairs_are_tolerated():
    assert parse_metadata(f"a {b64('1')}, b {b64('2')}") == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    "header",
    [
        f"name {b64('x')},name {b64('y')}",  # duplicate key
        "name not-base64!",
        "name YQ",  # missing padding
        "name YQ==x",
        f"na me {b64('x')}",
        f"name  {b64('x')}",
        f"name {b64('x')} extra",
        ",",
        f"name {b64('x')},",
        f"näme {b64('x')}",
        "name " + base64.b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_malformed_metadata_is_refused(header):
    with pytest.raises(errors.BadRequest):
        parse_metadata(header)


@pytest.mark.parametrize(
    "value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b", "tab\there", "del\x7f"]
)
def test_header_injection_in_values_is_refused(value):
    with pytest.raises(errors.BadRequest):
        parse_metadata(f"filename {b64(value)}")


def test_duplicate_metadata_key_is_400_over_http(client, store):
    response = client.request(
        "POST",
        headers={"Upload-Length": "1", "Upload-Metadata": f"a {b64('1')},a {b64('2')}"},
    )
    assert response.status == 400
    assert store.list_ids() == []


def test_injection_in_metadata_is_400_over_http(client):
    header = "filename " + b64("x.txt\r\nX-Evil: 1")
    assert (
        client.request(
            "POST", headers={"Upload-Length": "1", "Upload-Metadata": header}
        ).status
        == 400
    )


def test_bad_base64_is_400_over_http(client):
    assert (
        client.request(
            "POST", headers={"Upload-Length": "1", "Upload-Metadata": "a %%%"}
        ).status
        == 400
    )


def test_over_long_metadata_header_is_400(client, store):
    header = f"filename {b64('x' * 7000)}"
    response = client.request(
        "POST", headers={"Upload-Length": "1", "Upload-Metadata": header}
    )
    assert response.status == 400
    assert store.list_ids() == []


def test_over_long_other_tus_headers_are_400(client):
    upload_id = client.create(3)
    long_checksum = "sha1 " + "A" * 9000
    assert (
        client.patch(
            upload_id, 0, b"abc", headers={"Upload-Checksum": long_checksum}
        ).status
        == 400
    )
    assert (
        client.request("POST", headers={"Upload-Concat": "final;" + "x" * 9000}).status
        == 400
    )


def test_max_header_length_is_configurable(make_client):
    client = make_client(max_header_length=100)
    header = f"filename {b64('x' * 100)}"
    assert (
        client.request(
            "POST", headers={"Upload-Length": "1", "Upload-Metadata": header}
        ).status
        == 400
    )


keys = st.text(
    alphabet=st.characters(
        min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=","
    ),
    min_size=1,
    max_size=20,
)
values = st.none() | st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40
)


@given(st.dictionaries(keys, values, max_size=8))
def test_format_then_parse_round_trips(metadata):
    assert parse_metadata(format_metadata(metadata)) == metadata
