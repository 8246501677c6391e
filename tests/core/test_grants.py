"""Grants: signed credentials the upload lane checks (core.grants)."""

from collective.tusupload.core import grants


KEY = b"site-secret"
BASIC = "Basic YWxpY2U6c2VjcmV0"


def test_credentials_prefer_the_authorization_header():
    with_header = grants.credentials_of(BASIC, {"__ac": "ticket"})
    assert with_header == grants.credentials_of(BASIC, {})
    assert with_header != grants.credentials_of(None, {"__ac": "ticket"})


def test_credentials_come_from_login_cookies_only():
    assert grants.credentials_of(None, {"other": "x"}) == b""
    assert grants.credentials_of(None, {}) == b""
    both = grants.credentials_of(None, {"__ac": "a", "auth_token": "b", "x": "y"})
    assert both == grants.credentials_of(None, {"auth_token": "b", "__ac": "a"})
    assert both != grants.credentials_of(None, {"__ac": "a"})


def test_cookie_header_parsing():
    assert grants.cookies_of('__ac="abc%3D"; theme=x') == {
        "__ac": "abc%3D",
        "theme": "x",
    }
    assert grants.cookies_of(None) == {}
    grants.cookies_of('\x00\x01=;;=="')  # never raises


def test_a_grant_covers_the_same_credentials_until_it_ages():
    credentials = grants.credentials_of(BASIC, {})
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    assert BASIC.encode() not in repr(grant).encode()
    assert grants.allows(grant, KEY, credentials, 1000.0)
    assert grants.allows(grant, KEY, credentials, 1000.0 + grants.GRANT_TTL)
    assert not grants.allows(grant, KEY, credentials, 1001.0 + grants.GRANT_TTL)
    assert not grants.allows(grant, KEY, credentials, 999.0)  # from the future


def test_a_grant_refuses_other_credentials_keys_and_shapes():
    credentials = grants.credentials_of(BASIC, {})
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    other = grants.credentials_of("Basic Ym9iOnNlY3JldA==", {})
    assert not grants.allows(grant, KEY, other, 1000.0)
    assert not grants.allows(grant, b"other-key", credentials, 1000.0)
    assert not grants.allows(grant, b"", credentials, 1000.0)
    assert not grants.allows(grant, KEY, b"", 1000.0)
    for broken in (None, "x", {}, {"at": "1000", "signature": grant["signature"]}):
        assert not grants.allows(broken, KEY, credentials, 1000.0)


def test_no_grant_without_credentials_or_key():
    assert grants.make_grant(KEY, b"", 1.0) is None
    assert grants.make_grant(b"", b"authorization\0x", 1.0) is None


def test_renewal_when_missing_other_or_half_aged():
    credentials = grants.credentials_of(BASIC, {})
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    assert grants.needs_renewal(None, KEY, credentials, 1000.0)
    assert not grants.needs_renewal(grant, KEY, credentials, 1001.0)
    later = 1001.0 + grants.GRANT_TTL / 2
    assert grants.needs_renewal(grant, KEY, credentials, later)
    other = grants.credentials_of("Bearer token", {})
    assert grants.needs_renewal(grant, KEY, other, 1001.0)
    assert not grants.needs_renewal(None, KEY, b"", 1000.0)
