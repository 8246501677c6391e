"""Helpers shared by the tests, importable as ``helpers.<module>``.

``tests/`` is on ``sys.path`` through pytest's ``pythonpath`` setting
(``pyproject.toml``), so every test module imports from here the same way:

- :mod:`.network` free ports, waiting for a server;
- :mod:`.digests` the SHA-256 of bytes, a file or a stream of blocks;
- :mod:`.core_client` a fake clock and a client that talks to the core's
  handler the way a host adapter would;
- :mod:`.memory_store` stores that keep uploads in a dict;
- :mod:`.small_disk` a tmpfs to fill;
- :mod:`.tus_server` the WSGI filter in a child process;
- :mod:`.plone_tus` a tus client for the REST API tests;
- :mod:`.browser` what the browser tests do on the upload page;
- :mod:`.cut` cutting request bodies mid-way (proxy, nginx, resume);
- ``js/`` the tus-js-client driver (``npm ci`` by ``make test-deps``).
"""
