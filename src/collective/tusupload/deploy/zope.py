"""Zope served as ``runwsgi`` serves it: the pid file, and the databases closed.

Used by the launchers that load Zope themselves (:mod:`.serve` for the
front server, :mod:`.gunicorn` in its worker): on exit the databases are
closed, so that ``Data.fs.index`` is saved and the next start need not
rebuild it, and the pid file is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys


logger = logging.getLogger("collective.tusupload")


def zope_configuration():
    """Zope's configuration if this process loaded Zope, else None."""
    if "Zope2" not in sys.modules:
        return None
    import Zope2

    if getattr(Zope2, "DB", None) is None:
        return None
    from App.config import getConfiguration

    return getConfiguration()


def write_pid_file(pid: int) -> None:
    """Write ``pid`` to Zope's pid file, if Zope is loaded and names one."""
    pid_file = getattr(zope_configuration(), "pid_filename", None)
    if not pid_file:
        return
    try:
        with open(pid_file, "w") as out:
            out.write(str(pid))
    except OSError as error:
        logger.warning("cannot write the pid file %s: %s", pid_file, error)


def close_zope() -> None:
    """Close Zope's databases and remove its pid file (if Zope is loaded)."""
    configuration = zope_configuration()
    if configuration is None:
        return
    import Zope2

    for database in list(getattr(Zope2, "opened", ())):
        database.close()
    pid_file = getattr(configuration, "pid_filename", None)
    if pid_file:
        with contextlib.suppress(OSError):
            os.unlink(pid_file)
