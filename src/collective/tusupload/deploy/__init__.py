"""Serving: which server runs the host, and how it treats slow clients.

:mod:`.front` is the default server (an event loop for connections, threads
for the application, upload bodies stored outside them); :mod:`.serve`
chooses and starts a server from a PasteDeploy configuration.
"""
