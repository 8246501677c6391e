"""Serve the instance's zope.ini with the server it names; TERM stops cleanly.

``make run`` (through ``scripts/run.sh``) runs ``python scripts/serve.py
instance/etc/zope.ini``. Which server is written in the file's
``[server:main]`` by ``scripts/make_instance.py`` (``SERVER=...``):

front (the default)
    Zope's ``runwsgi`` with the front server
    (:mod:`collective.tusupload.deploy.front`) in its process. SIGTERM
    stops it gracefully (requests in flight may end), Ctrl-C at once; then
    ``runwsgi`` closes the databases and removes the pid file.

gunicorn (``SERVER=gunicorn make run``)
    :mod:`collective.tusupload.deploy.serve` runs it: the master process
    forks one worker that loads Zope, so that request bodies stream into
    the tus core. SIGTERM stops it gracefully (requests in flight may end),
    Ctrl-C at once; either way the worker closes the databases (saving
    ``Data.fs.index``) and removes the pid file, as ``runwsgi`` does.

waitress (``SERVER=waitress make run``)
    Zope's ``runwsgi``. It closes the databases and removes its pid file
    only when the server loop ends with ``KeyboardInterrupt`` or
    ``SystemExit``. Python's default action for SIGTERM kills the process on
    the spot instead, so ``kill``, systemd, supervisord and container
    runtimes left a stale pid file and an unsaved ``Data.fs.index`` behind
    (the next start then logs "Ignoring index" and rebuilds it). Here the
    first SIGTERM raises ``KeyboardInterrupt`` in the main thread, which
    takes the same way out as Ctrl-C and exits 0; a second TERM during that
    shutdown kills at once.
"""

from collective.tusupload.deploy import serve
from collective.tusupload.deploy.config import server_choice

import signal
import sys


def stop_like_ctrl_c(signum: int, frame) -> None:
    signal.signal(signum, signal.SIG_DFL)
    raise KeyboardInterrupt(f"on {signal.Signals(signum).name}")


def main(argv: list[str]) -> int:
    config_path = argv[1]
    if server_choice(config_path) == "gunicorn":
        return serve.main([config_path])
    from Zope2.Startup.serve import main as runwsgi

    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    return runwsgi(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
