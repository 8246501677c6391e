"""Hosts for the tus core: WebOb, Zope, a WSGI filter and the legacy ``Tus`` API.

Each adapter turns a host request into
:class:`~collective.tusupload.core.protocol.TusRequest` facts and a
:class:`~collective.tusupload.core.protocol.TusResponse` back into the host's
response. Importing this package imports neither WebOb nor Zope.
"""
