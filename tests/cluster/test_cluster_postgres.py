"""The cluster on RelStorage and PostgreSQL (``make cluster DB=postgres``)."""

from conftest import AUTH
from helpers.cluster_tus import ClusterClient
from helpers.digests import sha256

import random


MIB = 1 << 20


def test_chunks_alternate_between_the_instances_on_relstorage(postgres_cluster):
    """64 MiB in 4 MiB chunks, each straight to the other instance."""
    client = ClusterClient(AUTH)
    payload = random.Random(21).randbytes(64 * MIB)
    path = client.create(postgres_cluster.url("a"), len(payload), "relstorage.bin")
    for number, offset in enumerate(range(0, len(payload), 4 * MIB)):
        instance = postgres_cluster.url("ab"[number % 2])
        chunk = payload[offset : offset + 4 * MIB]
        response = client.patch(instance, path, offset, chunk)
        assert response.status_code == 204, response.text
        other = postgres_cluster.url("ba"[number % 2])
        assert client.offset(other, path) == offset + 4 * MIB
    downloaded = client.download(postgres_cluster.url() + "/relstorage.bin")
    assert sha256(downloaded) == sha256(payload)
