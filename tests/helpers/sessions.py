"""A client of the upload sessions API on ``requests`` (as a script would be)."""

from __future__ import annotations

import hashlib
import requests


JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


class SessionClient:
    """One user talking to ``<folder>/@upload-sessions``."""

    def __init__(self, folder_url: str, auth) -> None:
        self.folder_url = folder_url
        self.endpoint = f"{folder_url}/@upload-sessions"
        self.http = requests.Session()
        self.http.auth = auth

    def post(self, url, payload=None, **kwargs):
        return self.http.post(
            url, json=payload or {}, headers=JSON, timeout=120, **kwargs
        )

    def get(self, url, **kwargs):
        return self.http.get(
            url, headers={"Accept": "application/json"}, timeout=60, **kwargs
        )

    def delete(self, url):
        return self.http.delete(url, headers={"Accept": "application/json"}, timeout=60)

    def open(self, name: str):
        return self.post(self.endpoint, {"name": name})

    def declare(
        self,
        session: dict,
        filename: str,
        payload: bytes,
        *,
        mechanism="http-post-bytes",
        **extra,
    ):
        body = {
            "filename": filename,
            "size": len(payload),
            "hashes": {"sha256": sha256(payload)},
            "mechanism": mechanism,
            **extra,
        }
        return self.post(session["links"]["upload"], body)

    def send_bytes(self, file_reply: dict, payload: bytes):
        return self.http.post(
            file_reply["mechanism"]["file_url"],
            data=payload,
            headers={
                "Content-Type": "application/octet-stream",
                "Accept": "application/json",
            },
            timeout=120,
        )

    def complete(self, file_reply: dict):
        return self.post(file_reply["links"]["complete"])

    def add(self, session: dict, filename: str, payload: bytes, **extra) -> dict:
        """Declare, send (http-post-bytes) and complete one file; its JSON."""
        declared = self.declare(session, filename, payload, **extra)
        assert declared.status_code == 201, declared.text
        sent = self.send_bytes(declared.json(), payload)
        assert sent.status_code == 200, sent.text
        completed = self.complete(declared.json())
        assert completed.status_code == 201, completed.text
        return completed.json()

    def publish(self, session: dict):
        return self.post(session["links"]["publish"])

    def status(self, session: dict) -> dict:
        response = self.get(session["links"]["session"])
        assert response.status_code == 200, response.text
        return response.json()


#: Password of the users of the ``make run`` site the session tests share.
RUN_SITE_PASSWORD = "session-secret-1"
