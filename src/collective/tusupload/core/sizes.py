"""How much of a body or a file the core holds in memory at a time.

Every copy of upload bytes (a request body into the store, a spooled body,
partial uploads into a final one, an upload into a ZODB blob) goes in blocks
of :data:`BLOCK_SIZE`, so that memory stays constant whatever the size of
an upload or a chunk.
"""

#: Bytes read or written at a time by every copy of upload data (1 MiB).
BLOCK_SIZE = 1 << 20
