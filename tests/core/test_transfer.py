"""Body handling in :mod:`collective.tusupload.core.transfer`."""

from collective.tusupload.core.transfer import Prefixed

import io


class Views(io.RawIOBase):
    """A stream that gives out views of its buffer, as the front server's
    read-ahead does."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(bytearray(data))
        self.position = 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.position + size
        view = self.data[self.position : end]
        self.position += len(view)
        return view


def test_a_peeked_view_is_given_back_before_the_rest():
    stream = Views(b"abcdef")
    first = stream.read(1)
    prefixed = Prefixed(first, stream)
    assert prefixed.read(3) == b"abc"
    assert bytes(prefixed.read(-1)) == b"def"


def test_a_peeked_view_is_read_whole():
    stream = Views(b"abcdef")
    prefixed = Prefixed(stream.read(2), stream)
    assert prefixed.read() == b"abcdef"
