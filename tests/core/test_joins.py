"""The concat-layout hint: where a partial upload belongs in its final."""

from collective.tusupload.core.joins import group_of
from collective.tusupload.core.joins import LAYOUT_KEY
from collective.tusupload.core.joins import placement_of

import pytest


TOKEN = "0123456789abcdef0123456789abcdef"
SIZES = [8192, 4096, 5000]


def hint(*sizes, token=TOKEN):
    return {LAYOUT_KEY: " ".join([token, *map(str, sizes)])}


@pytest.mark.parametrize(("length", "offset"), [(8192, 0), (4096, 8192), (5000, 12288)])
def test_a_part_is_known_by_its_length(length, offset):
    placement = placement_of(hint(*SIZES), length, "alice")
    assert placement.offset == offset
    assert placement.group == group_of("alice", TOKEN)


def test_a_layout_longer_than_the_size_limit_is_no_placement():
    assert placement_of(hint(*SIZES), 4096, "alice", max_size=17288) is not None
    assert placement_of(hint(*SIZES), 4096, "alice", max_size=17287) is None
    # Without a limit, still no offset a filesystem can't hold.
    assert placement_of(hint(10**18, 4096), 4096, "alice") is None


def test_groups_are_per_principal():
    assert group_of("alice", TOKEN) != group_of("bob", TOKEN)
    assert group_of(None, TOKEN) != group_of("alice", TOKEN)
    assert len(group_of("alice", TOKEN)) == 32


@pytest.mark.parametrize(
    ("metadata", "length"),
    [
        ({}, 4096),
        (hint(*SIZES), 1234),  # not one of the sizes
        (hint(4096, 4096, 5000), 4096),  # named twice: which one?
        (hint(5000, 4096), 4096),  # would start at 5000: not aligned
        (hint(*SIZES, token="short"), 4096),
        (hint(*SIZES, token="a/b" * 8), 4096),
        (hint(8192), 8192),  # one part is no concatenation
        (hint(*SIZES), None),  # deferred length
        ({LAYOUT_KEY: f"{TOKEN} 4096 ²"}, 4096),
        ({LAYOUT_KEY: f"{TOKEN}  4096 8192"}, 4096),
        ({LAYOUT_KEY: f"{TOKEN} 4096 -1"}, 4096),
        (
            {LAYOUT_KEY: f"{TOKEN} " + " ".join(str(4096 * i) for i in range(1, 70))},
            4096,
        ),
        ({LAYOUT_KEY: None}, 4096),
    ],
)
def test_anything_that_does_not_fit_is_no_placement(metadata, length):
    assert placement_of(metadata, length, "alice") is None
