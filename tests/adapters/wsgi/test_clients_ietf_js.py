"""tus-js-client speaking the IETF draft to the WSGI filter, aborted and resumed.

``protocol: 'ietf-draft-03'`` sends interop version 5, ``'ietf-draft-05'``
version 6. With a stream source larger than one chunk the client never says
``Upload-Complete: ?1``: the upload completes at its declared length.
"""

from helpers.digests import sha256
from test_clients_js import last
from test_clients_js import node_modules  # noqa: F401 - a fixture
from test_clients_js import run_driver
from test_clients_js import upload_id_of

import pytest
import shutil


SIZE = 3 * 1024 * 1024 + 5
CHUNK = 256 * 1024

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


@pytest.mark.parametrize("protocol", ["ietf-draft-03", "ietf-draft-05"])
def test_js_ietf_aborted_and_resumed(node_modules, server, source, protocol):  # noqa: F811
    options = {
        "endpoint": server.endpoint,
        "file": source,
        "chunkSize": CHUNK,
        "protocol": protocol,
    }
    aborted = last(run_driver({**options, "abortAfter": 5 * CHUNK}), "aborted")
    assert aborted["bytesAccepted"] == 5 * CHUNK
    # The app's reply comes back when asked for (Prefer: return=representation).
    prefer = {"headers": {"Prefer": "return=representation"}}
    events = run_driver({**options, **prefer, "uploadUrl": aborted["url"]})
    chunks = [event for event in events if event["event"] == "chunk"]
    assert chunks[0]["bytesAccepted"] == 6 * CHUNK  # resumed, not restarted
    success = last(events, "success")
    upload_id = upload_id_of(aborted["url"])
    assert server.received(upload_id)["sha256"] == sha256(source)
    assert success["status"] == 200  # the app's reply to the finished upload
    assert server.app_calls(upload_id) == 1


def test_js_tus_and_ietf_on_one_endpoint(node_modules, server, source):  # noqa: F811
    for protocol in ("tus-v1", "ietf-draft-05"):
        events = run_driver(
            {
                "endpoint": server.endpoint,
                "file": source,
                "chunkSize": CHUNK,
                "protocol": protocol,
            }
        )
        upload_id = upload_id_of(last(events, "success")["url"])
        assert server.received(upload_id)["sha256"] == sha256(source)
