"""Done when: in ``make run``'s site an unfinished upload is gone after its
expiry plus one interval, without anyone calling anything."""

from pathlib import Path

import base64
import pytest
import requests
import time


ROOT = Path(__file__).resolve().parents[2]
AUTH = ("admin", "s3cret")
JSON = {"Accept": "application/json"}
TUS = {"Tus-Resumable": "1.0.0"}
EXPIRY = 60  # the registry's minimum
INTERVAL = 2

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory, run_sites):
    run_site = run_sites(
        tmp_path_factory.mktemp("run-cleanup"), admin_password=AUTH[1]
    ).start()
    yield {"url": run_site.url, "log": run_site.log}
    run_site.stop()


def test_unfinished_upload_is_gone_after_expiry_plus_one_interval(served):
    url = served["url"]
    settings = requests.patch(
        f"{url}/@controlpanels/tusupload-controlpanel",
        json={"upload_expiry": EXPIRY, "cleanup_interval": INTERVAL},
        headers=JSON,
        auth=AUTH,
        timeout=30,
    )
    assert settings.status_code == 204, settings.text
    state = requests.get(f"{url}/@tusupload-cleanup", headers=JSON, auth=AUTH)
    assert state.json()["scheduler_running"] is True
    directory = Path(state.json()["directory"])

    name = base64.b64encode(b"abandoned.bin").decode()
    created = requests.post(
        f"{url}/@tus-upload",
        headers={**TUS, "Upload-Length": "100", "Upload-Metadata": f"filename {name}"},
        auth=AUTH,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    patched = requests.patch(
        location,
        data=b"x" * 10,
        headers={
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
        auth=AUTH,
        timeout=30,
    )
    assert patched.status_code == 204, patched.text
    last_patch = time.monotonic()
    upload_id = location.rsplit("/", 1)[1]
    data_file = directory / f"{upload_id}.data"
    assert data_file.exists()

    # Nobody calls anything from here on.
    while list(directory.glob(f"{upload_id}.*")):
        assert time.monotonic() - last_patch < EXPIRY + INTERVAL + 5, "not removed"
        time.sleep(0.25)
    gone_after = time.monotonic() - last_patch
    print(f"unfinished upload removed {gone_after:.1f} s after its last PATCH")
    assert gone_after >= EXPIRY - 1
    assert not data_file.exists()
    log = served["log"].read_text()
    assert "tusupload cleanup scheduler started (Zope start-up)" in log
    assert f"tusupload cleanup of {directory}: removed 1 expired upload(s)" in log
