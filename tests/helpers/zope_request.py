"""A stand-in for Zope's HTTPRequest: just what the Zope adapter reads of one."""

import io


class FakeUser:
    def __init__(self, user_id):
        self._id = user_id

    def getId(self):
        return self._id


class FakeResponse:
    def __init__(self):
        self.status = 200
        self.headers = {}
        self.body = b""

    def setStatus(self, status, reason=None):
        self.status = status

    def setHeader(self, name, value):
        self.headers[name] = value

    def setBody(self, body):
        self.body = body


class FakeRequest:
    """Just what a Zope HTTPRequest offers the adapter."""

    def __init__(
        self,
        url,
        method="PATCH",
        headers=None,
        body=b"",
        user=None,
        environ_name="environ",
    ):
        self.method = method
        self.URL = url
        self.response = FakeResponse()
        environ = {"REQUEST_METHOD": method}
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            environ[key] = value
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        setattr(self, environ_name, environ)
        self._environ = environ
        self.other = {
            "URL": url,
            "BODYFILE": io.BytesIO(body),
            "AUTHENTICATED_USER": user,
        }

    def getHeader(self, name, default=None, literal=False):
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        return self._environ.get(key, default)

    def get(self, key, default=None):
        if key in self.other:
            return self.other[key]
        return self._environ.get(key, default)
