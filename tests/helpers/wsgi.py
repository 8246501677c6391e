"""Calling a WSGI application in-process, as a server would."""

import webob


def call(wsgi_app, path, method="GET", body=None, **headers) -> webob.Response:
    """One request to ``wsgi_app``; the reply is read and closed, as a server does."""
    request = webob.Request.blank(path, method=method, headers=headers)
    if body is not None:
        request.body = body
    response = request.get_response(wsgi_app)
    assert response.body is not None  # consume and close the reply
    return response
