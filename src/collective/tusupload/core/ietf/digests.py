"""``Content-Digest`` and ``Repr-Digest`` (RFC 9530): sha-256 and sha-512.

``Content-Digest`` covers one request's body and is checked as it streams;
``Repr-Digest``, sent at creation, covers the whole upload and is checked
when the upload completes. Algorithms the server does not know are ignored
as RFC 9530 allows, but a field that names none it knows is refused, so
that a client never believes an unchecked digest was checked.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.ietf.fields import parse_byte_dictionary
from collective.tusupload.core.transfer import ExpectedDigest
from collective.tusupload.core.transfer import new_hasher


#: RFC 9530 algorithm names -> hashlib names.
ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}


def parse_digests(value: str | None, field: str) -> list[ExpectedDigest]:
    """The digests a digest field announces (none if the field is absent).

    :raises errors.BadRequest: malformed, no known algorithm, or a digest of
        the wrong length.
    """
    if value is None:
        return []
    members = parse_byte_dictionary(value)
    if members is None:
        raise errors.BadRequest(f"{field} must be a Dictionary of Byte Sequences")
    digests = []
    for name, digest in members.items():
        algorithm = ALGORITHMS.get(name)
        if algorithm is None:
            continue
        if len(digest) != new_hasher(algorithm).digest_size:
            raise errors.BadRequest(f"{field}: the {name} digest has the wrong length")
        digests.append(ExpectedDigest(algorithm, digest, label=field))
    if not digests:
        raise errors.BadRequest(
            f"{field}: none of its algorithms is supported; use "
            + " or ".join(ALGORITHMS)
        )
    return digests
