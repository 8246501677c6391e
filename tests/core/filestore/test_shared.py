"""Partial uploads written in place in one shared file, joined without a copy."""

from collective.tusupload.core import errors
from collective.tusupload.core.filestore import shared
from collective.tusupload.core.filestore.shared import CLAIMS_SUFFIX
from collective.tusupload.core.filestore.shared import filesystem_type
from collective.tusupload.core.joins import group_of
from collective.tusupload.core.joins import LAYOUT_KEY
from collective.tusupload.core.metadata import format_metadata

import errno
import os
import pytest


BASE = "http://example.org/files"
TOKEN = "0123456789abcdef0123456789abcdef"
SIZES = [3 * 4096, 2 * 4096, 5000]  # distinct, aligned starts, an odd tail


def payload_of(sizes):
    return bytes(i % 251 for i in range(sum(sizes)))


def create_parts(client, sizes=SIZES, token=TOKEN, principal="default"):
    """One partial upload per size, with the layout hint; their ids in order."""
    metadata = format_metadata({LAYOUT_KEY: " ".join([token, *map(str, sizes)])})
    return [
        client.create(
            size,
            headers={"Upload-Concat": "partial", "Upload-Metadata": metadata},
            principal=principal,
        )
        for size in sizes
    ]


def send(client, upload_id, data, chunk=4000):
    for offset in range(0, len(data), chunk):
        response = client.patch(upload_id, offset, data[offset : offset + chunk])
        assert response.status == 204, response.body


def send_parts(client, ids, data):
    """Send each part its piece of ``data``, in order."""
    for upload_id, piece in zip(ids, pieces(data)):
        send(client, upload_id, piece)


def pieces(data, sizes=SIZES):
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [data[start : start + size] for start, size in zip(starts, sizes)]


def final_of(client, ids):
    response = client.request(
        "POST",
        headers={"Upload-Concat": "final;" + " ".join(f"{BASE}/{i}" for i in ids)},
    )
    assert response.status == 201, response.body
    return response.headers["Location"].rsplit("/", 1)[1]


def read(store, upload_id):
    with store.open_data(upload_id) as data:
        return data.read()


def group_files(store):
    group = group_of("alice", TOKEN)
    return sorted(
        name for name in os.listdir(store.directory) if name.startswith(group)
    )


def test_parts_sent_out_of_order_are_joined_without_a_copy(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    assert all(store.get_info(i).join_group == group_of("alice", TOKEN) for i in ids)
    for upload_id, piece in reversed(list(zip(ids, pieces(data)))):
        send(client, upload_id, piece)
    final_id = final_of(client, ids)
    assert read(store, final_id) == data
    final_file = os.stat(store.data_path(final_id))
    assert final_file.st_ino == os.stat(store.part_path(ids[0])).st_ino
    assert final_file.st_size == len(data)
    assert group_files(store) == []  # the group's names went with the join
    assert store.get_info(final_id).finished


def test_each_part_reports_and_reads_only_its_region(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    first, second, third = pieces(data)
    send(client, ids[2], third)
    send(client, ids[1], second[:4096])
    assert client.head(ids[1]).headers["Upload-Offset"] == "4096"
    assert client.head(ids[0]).headers["Upload-Offset"] == "0"
    assert read(store, ids[2]) == third
    assert read(store, ids[1])[:4096] == second[:4096]
    assert store.local_path(ids[1]) is None
    # Its region, not the whole shared file (which the others' bytes make long).
    assert len(third) < store.usage(ids[2]) < sum(SIZES)


def test_a_final_that_names_the_parts_in_another_order_copies(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    order = [ids[1], ids[0], ids[2]]
    final_id = final_of(client, order)
    first, second, third = pieces(data)
    assert read(store, final_id) == second + first + third
    assert os.stat(store.data_path(final_id)).st_nlink == 1
    # Another final may still take the group's file in place.
    in_place = final_of(client, ids)
    assert read(store, in_place) == data
    assert read(store, final_id) == second + first + third


def test_a_final_of_some_of_the_parts_copies(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    final_id = final_of(client, ids[:2])
    assert read(store, final_id) == data[: SIZES[0] + SIZES[1]]
    assert os.stat(store.data_path(final_id)).st_nlink == 1


def test_two_finals_of_the_same_parts_both_get_the_bytes(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    first_final, second_final = final_of(client, ids), final_of(client, ids)
    assert read(store, first_final) == read(store, second_final) == data
    assert os.stat(store.data_path(second_final)).st_nlink == 1


def test_a_region_is_given_once(client, store):
    """A retried creation (its first reply lost) makes an ordinary part."""
    data = payload_of(SIZES)
    ids = create_parts(client)
    again = create_parts(client, sizes=SIZES)[1]
    assert store.get_info(again).join_group is None
    send(client, again, pieces(data)[1])
    send_parts(client, ids, data)
    with_retry = final_of(client, [ids[0], again, ids[2]])
    assert read(store, with_retry) == data
    assert read(store, final_of(client, ids)) == data


def test_another_principal_with_the_same_token_has_its_own_group(
    client, store, make_client
):
    data = payload_of(SIZES)
    bob = make_client(principal="bob")
    alices, bobs = create_parts(client), create_parts(bob)
    assert store.get_info(bobs[0]).join_group == group_of("bob", TOKEN)
    send_parts(client, alices, data)
    send_parts(bob, bobs, bytes(reversed(data)))
    assert read(store, final_of(client, alices)) == data
    assert read(store, final_of(bob, bobs)) == bytes(reversed(data))


def test_a_part_cannot_write_past_its_region(client, store):
    ids = create_parts(client)
    response = client.patch(ids[1], 0, b"x" * (SIZES[1] + 1))
    assert response.status == 413
    with pytest.raises(errors.PastLength):
        store.append(ids[1], 0, [b"x" * (SIZES[1] + 1)])
    assert client.head(ids[2]).headers["Upload-Offset"] == "0"


def test_a_cut_body_keeps_what_arrived_in_the_region(client, store):
    ids = create_parts(client)
    data = pieces(payload_of(SIZES))[0]

    def cut():
        yield data[:5000]
        raise OSError("client went away")

    with pytest.raises(OSError):
        store.append(ids[0], 0, cut())
    assert read(store, ids[0])[:5000] == data[:5000]


def test_a_hole_is_not_counted_as_stored(client, store):
    """After a power loss, bytes the info counted may be missing: HEAD clamps."""
    ids = create_parts(client)
    send(client, ids[2], pieces(payload_of(SIZES))[2])  # the file is long now
    info = store.get_info(ids[1])
    info.offset = 4096
    store.update_info(info)  # the info said so, the bytes never came
    assert store.get_info(ids[1]).offset == 0
    assert client.head(ids[1]).headers["Upload-Offset"] == "0"


def test_removing_a_part_leaves_the_others_and_the_final_copies(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    assert client.request("DELETE", ids[1]).status == 204
    assert read(store, ids[2]) == pieces(data)[2]
    replacement = client.create(SIZES[1], headers={"Upload-Concat": "partial"})
    send(client, replacement, pieces(data)[1])
    final_id = final_of(client, [ids[0], replacement, ids[2]])
    assert read(store, final_id) == data


def test_a_group_the_cleanup_removes_under_its_parts_only_costs_the_copy(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send(client, ids[0], pieces(data)[0])
    group = group_of("alice", TOKEN)
    assert group_files(store) == [group + CLAIMS_SUFFIX, group + ".data"]
    # Not while a part is placed in it, however old its files are.
    assert store.list_orphans(older_than=float("inf")) == []
    store.remove_orphan(group)  # as if it had been listed: it is sealed first
    assert group_files(store) == []
    assert read(store, ids[0]) == pieces(data)[0]  # the parts keep their links
    send(client, ids[1], pieces(data)[1])
    send(client, ids[2], pieces(data)[2])
    # The claims went with the group: the final copies, and is right.
    assert read(store, final_of(client, ids)) == data


def test_a_part_created_after_the_join_is_ordinary(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    final_id = final_of(client, ids)
    late = create_parts(client)[0]
    send(client, late, b"z" * SIZES[0])
    assert read(store, final_id) == data


def test_a_final_made_before_its_parts_are_complete_joins_in_place(client, store):
    """concatenation-unfinished: the last part's request joins the final."""
    data = payload_of(SIZES)
    ids = create_parts(client)
    send(client, ids[0], pieces(data)[0])
    final_id = final_of(client, ids)
    assert not store.get_info(final_id).finished
    send(client, ids[2], pieces(data)[2])
    send(client, ids[1], pieces(data)[1])
    assert store.get_info(final_id).finished
    assert read(store, final_id) == data
    assert group_files(store) == []


def test_a_part_far_past_the_size_limit_is_not_placed(make_client, store):
    client = make_client(max_size=1 << 20)
    sizes = [4096, 1 << 30]
    ids = create_parts(client, sizes=sizes[:1] + [8192])
    assert store.get_info(ids[0]).join_group is not None
    metadata = format_metadata({LAYOUT_KEY: " ".join([TOKEN, *map(str, sizes)])})
    far = client.create(
        4096, headers={"Upload-Concat": "partial", "Upload-Metadata": metadata}
    )
    assert store.get_info(far).join_group is None


def test_a_group_no_upload_refers_to_is_an_orphan(client, store):
    ids = create_parts(client)
    group = group_of("alice", TOKEN)
    for upload_id in ids:
        assert client.request("DELETE", upload_id).status == 204
    assert store.list_orphans(older_than=float("inf")) == [group]
    store.remove_orphan(group)
    assert group_files(store) == []


def test_a_placed_part_has_no_data_file_an_earlier_release_would_misread(client, store):
    """Processes of the previous release share the directory while a site
    changes over: they know only <id>.data, and find none for a placed part."""
    ids = create_parts(client)
    send(client, ids[0], pieces(payload_of(SIZES))[0])
    assert not os.path.exists(store.data_path(ids[0]))
    assert os.path.exists(store.part_path(ids[0]))
    assert store.has_data(ids[0])
    assert store.last_activity(ids[0]) is not None


def test_parts_are_not_placed_where_a_hole_may_hold_zeros(client, store):
    store.places_parts = False  # as on ZFS (see shared.HOLES_MEAN_UNWRITTEN)
    data = payload_of(SIZES)
    ids = create_parts(client)
    assert all(store.get_info(i).join_group is None for i in ids)
    send_parts(client, ids, data)
    assert read(store, final_of(client, ids)) == data


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/srv/uploads/tus", "zfs"),
        ("/srv/other", "ext4"),
        ("/var/tmp", "tmpfs"),
        ("/home/a b/x", "xfs"),
    ],
)
def test_the_filesystem_of_a_directory(tmp_path, path, expected):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "tank/uploads /srv/uploads zfs rw 0 0\n"
        "tmpfs /var/tmp tmpfs rw 0 0\n"
        "/dev/vdb /home/a\\040b xfs rw 0 0\n"
    )
    assert filesystem_type(path, str(mounts)) == expected


def test_a_filesystem_without_hard_links_gets_ordinary_parts(
    client, store, monkeypatch
):
    def no_link(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(shared.os, "link", no_link)
    data = payload_of(SIZES)
    ids = create_parts(client)
    assert all(store.get_info(i).join_group is None for i in ids)
    monkeypatch.undo()
    send_parts(client, ids, data)
    assert read(store, final_of(client, ids)) == data


def test_a_group_removed_before_the_join_is_copied_without_an_error(client, store):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    shared.Group(store.directory, group_of("alice", TOKEN)).remove()
    final_id = final_of(client, ids)
    assert read(store, final_id) == data
    assert os.stat(store.data_path(final_id)).st_nlink == 1


def test_a_claim_that_loses_its_file_to_the_cleanup_claims_in_a_new_one(
    client, store, monkeypatch
):
    """The cleanup removed the group between a claim's open and its lock:
    the claim goes to a new file, never into one a final may take."""
    data = payload_of(SIZES)
    ids = create_parts(client)
    group = shared.Group(store.directory, group_of("alice", TOKEN))
    real_flock, removed = shared.fcntl.flock, []

    def flock_after_removal(descriptor, operation):
        if not removed:
            removed.append(True)
            group.remove()
        return real_flock(descriptor, operation)

    monkeypatch.setattr(shared.fcntl, "flock", flock_after_removal)
    stray = create_parts(client, sizes=[99 * 4096, 5000])[1]
    monkeypatch.undo()
    assert store.get_info(stray).join_group is not None
    send_parts(client, ids, data)
    final_id = final_of(client, ids)
    send(client, stray, b"X" * 5000)
    assert read(store, final_id) == data


def test_a_final_joined_in_place_needs_no_room_on_the_disk(client, store, monkeypatch):
    data = payload_of(SIZES)
    ids = create_parts(client)
    send_parts(client, ids, data)
    monkeypatch.setattr(type(store), "free_space", lambda self: max(SIZES))
    assert read(store, final_of(client, ids)) == data
    # A copy still needs it.
    response = client.request(
        "POST",
        headers={"Upload-Concat": f"final;{BASE}/{ids[1]} {BASE}/{ids[0]}"},
    )
    assert response.status == 507


def test_a_refused_chunk_leaves_a_hole_not_bytes(client, store):
    """Truncating a placed part punches its region past the offset, as
    truncating a file of its own cuts it."""
    ids = create_parts(client)
    store.append(ids[0], 0, [b"a" * 8192])
    store.truncate(ids[0], 4096)
    with open(store.part_path(ids[0]), "rb") as part:
        assert os.lseek(part.fileno(), 0, os.SEEK_HOLE) == 4096
    assert read(store, ids[0])[:8192] == b"a" * 4096 + bytes(4096)
