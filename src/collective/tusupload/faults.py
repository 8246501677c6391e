"""Fault points: kill this process at a named moment, for crash tests only.

Exactly-once finishing has to hold when Zope dies at the worst moment, and
only a real kill proves it. A fault point does nothing unless the
environment variable ``TUSUPLOAD_FAULT`` names it; no deployment sets it,
the crash tests start their server with it.

Points:

``finish-before-commit``
    the content was created in the request's transaction, not committed.
``finish-after-commit``
    the content's transaction committed; the upload is not yet recorded
    as finished.
``filter-after-app``
    the WSGI filter's app answered a finished upload with 2xx and its reply
    was closed; the upload is not yet recorded as finished.
"""

import os
import signal


ENVIRONMENT_VARIABLE = "TUSUPLOAD_FAULT"


def fault_point(name: str) -> None:
    """Die at once (SIGKILL, like a crash) if ``TUSUPLOAD_FAULT`` is ``name``."""
    if os.environ.get(ENVIRONMENT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
