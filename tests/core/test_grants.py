"""Grants: signed credentials the upload lane checks (core.grants)."""

from collective.tusupload.core import grants

import base64
import json


KEY = grants.derive_key("site-secret")
BASIC = "Basic " + base64.b64encode(b"alice:secret").decode()


def jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"Bearer {part({'alg': 'HS256'})}.{part(claims)}.signature"


def test_the_header_and_the_login_cookies_count_together():
    header_only = grants.credentials_of(BASIC, None)
    with_cookie = grants.credentials_of(BASIC, "__ac=ticket")
    cookie_only = grants.credentials_of(None, "__ac=ticket")
    assert len({header_only, with_cookie, cookie_only}) == 3
    assert b"" not in {header_only, with_cookie, cookie_only}


def test_only_login_cookies_count_and_odd_others_dont_matter():
    assert grants.credentials_of(None, "theme=dark") == b""
    assert grants.credentials_of(None, None) == b""
    plain = grants.credentials_of(None, "__ac=a; auth_token=b")
    assert plain == grants.credentials_of(
        None, 'auth_token=b; x={"json": "value with spaces"}; path=/; __ac=a'
    )
    assert plain != grants.credentials_of(None, "__ac=a")


def test_a_login_cookie_named_twice_means_no_credentials():
    # Servers disagree on which of the two counts (Zope: the first).
    assert grants.credential_cookies("__ac=A; __ac=B") is None
    assert grants.credentials_of(BASIC, "__ac=A; x=1; __ac=B") == b""


def test_whom_an_authorization_header_names():
    assert grants.authorization_user(BASIC) == "alice"
    assert grants.authorization_user(jwt({"sub": "bob", "exp": 1})) == "bob"
    for header in (
        None,
        "",
        "Basic !!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer not-a-jwt",
        jwt({"sub": 42}),
        "Digest username=alice",
    ):
        assert grants.authorization_user(header) is None


def test_the_key_is_derived_not_the_secret_itself():
    assert KEY != b"site-secret"
    assert grants.derive_key(b"site-secret") == KEY
    assert grants.derive_key("") == b""


def test_a_grant_covers_the_same_credentials_until_it_ages():
    credentials = grants.credentials_of(BASIC, None)
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    assert BASIC.encode() not in json.dumps(grant).encode()
    assert grants.allows(grant, KEY, credentials, 1000.0)
    assert grants.allows(grant, KEY, credentials, 1000.0 + grants.GRANT_TTL)
    assert not grants.allows(grant, KEY, credentials, 1001.0 + grants.GRANT_TTL)
    assert not grants.allows(grant, KEY, credentials, 999.0)  # from the future


def test_a_grant_refuses_other_credentials_keys_and_shapes():
    credentials = grants.credentials_of(BASIC, None)
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    other = grants.credentials_of("Basic Ym9iOnNlY3JldA==", None)
    assert not grants.allows(grant, KEY, other, 1000.0)
    # The same header beside another login cookie is other credentials.
    assert not grants.allows(grant, KEY, grants.credentials_of(BASIC, "__ac=x"), 1000.0)
    assert not grants.allows(grant, grants.derive_key("other"), credentials, 1000.0)
    assert not grants.allows(grant, b"", credentials, 1000.0)
    assert not grants.allows(grant, KEY, b"", 1000.0)
    for broken in (None, "x", {}, {"at": "1000", "signature": grant["signature"]}):
        assert not grants.allows(broken, KEY, credentials, 1000.0)


def test_no_grant_without_credentials_or_key():
    assert grants.make_grant(KEY, b"", 1.0) is None
    assert grants.make_grant(b"", b"authorization=x", 1.0) is None


def test_renewal_when_missing_other_or_half_aged():
    credentials = grants.credentials_of(BASIC, None)
    grant = grants.make_grant(KEY, credentials, now=1000.0)
    assert grants.needs_renewal(None, KEY, credentials, 1000.0)
    assert not grants.needs_renewal(grant, KEY, credentials, 1001.0)
    later = 1001.0 + grants.GRANT_TTL / 2
    assert grants.needs_renewal(grant, KEY, credentials, later)
    other = grants.credentials_of("Bearer token", None)
    assert grants.needs_renewal(grant, KEY, other, 1001.0)
    assert not grants.needs_renewal(None, KEY, b"", 1000.0)
