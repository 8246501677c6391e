"""A small tus client for the cluster tests: any request to any instance."""

from base64 import b64encode

import requests


TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


class ClusterClient:
    """tus requests as ``auth`` to the site at ``site_url`` (any instance)."""

    def __init__(self, auth) -> None:
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update(TUS)

    def create(self, site_url: str, length: int, filename: str) -> str:
        """Create an upload in the site's root; return its path below the site."""
        meta = "filename " + b64encode(filename.encode()).decode()
        response = self.session.post(
            f"{site_url}/@tus-upload",
            headers={"Upload-Length": str(length), "Upload-Metadata": meta},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.headers["Location"].split("/Plone/", 1)[1]

    def patch(self, site_url: str, path: str, offset: int, data, **kwargs):
        return self.session.patch(
            f"{site_url}/{path}",
            data=data,
            headers={"Upload-Offset": str(offset), "Content-Type": OCTETS},
            timeout=kwargs.pop("timeout", 120),
            **kwargs,
        )

    def offset(self, site_url: str, path: str) -> int:
        response = self.session.head(f"{site_url}/{path}", timeout=30)
        assert response.status_code == 200, response.status_code
        return int(response.headers["Upload-Offset"])

    def download(self, url: str) -> bytes:
        response = self.session.get(f"{url}/@@download/file", timeout=120)
        assert response.status_code == 200, response.status_code
        return response.content
