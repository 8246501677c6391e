"""The environment variables the add-on reads: machine settings, not site ones.

Imported by the Plone settings and by the ``tusupload-cleanup`` script,
which starts without Zope.
"""

from __future__ import annotations

from collective.tusupload.core.filestore.store import DEFAULT_FSYNC

import os


#: Where unfinished uploads live when the site's ``tmp_dir`` is empty.
TMP_DIR_VARIABLE = "TUSUPLOAD_TMP_DIR"
#: ``1``/``true``/``yes``/``on``: flush every chunk to the disk.
FSYNC_VARIABLE = "TUSUPLOAD_FSYNC"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def tmp_dir_from_environment() -> str | None:
    """``$TUSUPLOAD_TMP_DIR``, or None when it is unset or empty."""
    return os.environ.get(TMP_DIR_VARIABLE, "").strip() or None


def fsync_from_environment() -> bool:
    """Whether ``$TUSUPLOAD_FSYNC`` asks to flush every chunk to the disk.

    Unset (or not a yes or a no): the file store's default
    (:data:`~collective.tusupload.core.filestore.store.DEFAULT_FSYNC`).
    """
    value = os.environ.get(FSYNC_VARIABLE, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return DEFAULT_FSYNC
