from conftest import download
from conftest import sha256


def test_upload_creates_a_file(alice, folder_url):
    payload = b"%PDF-1.4 hello" * 1000
    response = alice.upload(payload, chunk=4000, filename="Hello World.pdf",
                            content_type="application/pdf")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@type"] == "File"
    assert response.headers["Location"] == f"{folder_url}/hello-world.pdf"
    assert sha256(download(response.headers["Location"])) == sha256(payload)
