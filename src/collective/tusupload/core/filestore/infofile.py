"""The on-disk format of an upload's info: two slots, updated in place.

Every PATCH changes an upload's offset, so the info is rewritten once per
chunk. Replacing the file (temp file + rename) is atomic but costly: on ext4
a rename over an existing file also starts writing the new file to disk,
about 0.2 ms on an idle disk and several milliseconds while the disk is busy
with the uploads' data. Instead the file holds two slots of equal size; an
update overwrites the older slot with ``os.pwrite``, so the newer one stays
intact whatever happens to the write (a killed process, a power loss, a
reader that reads while it happens)::

    tus-info <sequence> <crc32 of payload, 8 hex digits> <payload length>\\n
    <payload: the info as JSON><spaces up to the slot size>

A reader takes the valid slot with the highest sequence number. A file that
is plain JSON (written before this format) is read as it is and replaced by
a two-slot file at its next update.
"""

from __future__ import annotations

from dataclasses import dataclass

import zlib


MAGIC = b"tus-info "

#: Slots are a multiple of this many bytes, with room to grow.
SLOT_ALIGN = 512

#: The header line is never longer than this.
MAX_HEADER = 64


@dataclass(frozen=True)
class Record:
    """The newest valid slot of an info file."""

    payload: bytes
    sequence: int
    #: Index (0 or 1) of the slot holding it; None for a plain JSON file.
    slot: int | None
    #: Size of each slot in bytes; 0 for a plain JSON file.
    slot_size: int


def encode_slot(sequence: int, payload: bytes, slot_size: int) -> bytes:
    """One slot: header line, payload, padding. Raises if it does not fit."""
    header = b"%s%d %08x %d\n" % (MAGIC, sequence, zlib.crc32(payload), len(payload))
    slot = header + payload
    if len(slot) > slot_size:
        raise ValueError("payload does not fit the slot")
    return slot.ljust(slot_size, b" ")


def new_file(payload: bytes) -> bytes:
    """A fresh two-slot file holding ``payload`` in slot 0 (slot 1 empty)."""
    needed = len(MAGIC) + MAX_HEADER + len(payload)
    # Twice what is needed, so that offsets and expiry times can grow.
    slot_size = -(-2 * needed // SLOT_ALIGN) * SLOT_ALIGN
    return encode_slot(1, payload, slot_size) + b" " * slot_size


def read_record(content: bytes) -> Record | None:
    """The newest valid record of a file's ``content``; None if there is none."""
    if not content.startswith(MAGIC):
        stripped = content.strip()
        if stripped.startswith(b"{"):
            return Record(payload=stripped, sequence=0, slot=None, slot_size=0)
        return None
    if len(content) % 2:
        return None
    slot_size = len(content) // 2
    best = None
    for index in (0, 1):
        slot = content[index * slot_size : (index + 1) * slot_size]
        decoded = _decode_slot(slot)
        if decoded is not None and (best is None or decoded[0] > best.sequence):
            best = Record(
                payload=decoded[1], sequence=decoded[0], slot=index, slot_size=slot_size
            )
    return best


def next_write(content: bytes, payload: bytes) -> tuple[int, bytes] | None:
    """Where and what to write to store ``payload`` in place.

    :returns: ``(file offset, slot bytes)`` for the older slot, or None when
        the file has to be written anew (plain JSON, no valid slot, or a
        payload too large for the slots).
    """
    record = read_record(content)
    if record is None or record.slot is None:
        return None
    target = 1 - record.slot
    try:
        slot = encode_slot(record.sequence + 1, payload, record.slot_size)
    except ValueError:
        return None
    return target * record.slot_size, slot


def _decode_slot(slot: bytes) -> tuple[int, bytes] | None:
    end = slot.find(b"\n", 0, len(MAGIC) + MAX_HEADER)
    if not slot.startswith(MAGIC) or end < 0:
        return None
    try:
        sequence, checksum, length = slot[len(MAGIC) : end].split()
        sequence, length = int(sequence), int(length)
        checksum = int(checksum, 16)
    except ValueError:
        return None
    payload = slot[end + 1 : end + 1 + length]
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    return sequence, payload
