"""Serve the instance with Zope's ``runwsgi``; TERM stops it as Ctrl-C does.

``runwsgi`` closes the databases and removes its pid file only when the
server loop ends with ``KeyboardInterrupt`` or ``SystemExit``. Python's
default action for SIGTERM kills the process on the spot instead, so
``kill``, systemd, supervisord and container runtimes left a stale pid file
and an unsaved ``Data.fs.index`` behind (the next start then logs "Ignoring
index" and rebuilds it). Here the first SIGTERM raises ``KeyboardInterrupt``
in the main thread, which takes the same way out as Ctrl-C and exits 0; a
second TERM during that shutdown kills at once.

Usage: ``python scripts/serve.py instance/etc/zope.ini`` (what ``make run``
does, through ``scripts/run.sh``).
"""

from Zope2.Startup.serve import main

import signal
import sys


def stop_like_ctrl_c(signum: int, frame) -> None:
    signal.signal(signum, signal.SIG_DFL)
    raise KeyboardInterrupt(f"on {signal.Signals(signum).name}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    sys.exit(main(sys.argv))
