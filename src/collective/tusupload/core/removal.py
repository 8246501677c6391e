"""Removing an upload: the one way, used by every caller.

Termination (DELETE), a host that is done with an upload, a finish that
drops its partial uploads and the cleanup all remove through
:func:`remove_upload`: under the upload's lock, the store's data and info
first, then what the lock left behind.
"""

from __future__ import annotations

from collective.tusupload.core import errors
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.core.store import Store

import contextlib
import logging


logger = logging.getLogger("collective.tusupload")

#: Seconds to wait for a busy upload when removing it.
REMOVE_TIMEOUT = 5.0


def remove_upload(
    store: Store,
    locker: Locker,
    upload_id: str,
    *,
    with_partials: bool = True,
    timeout: float = REMOVE_TIMEOUT,
    lease: Lease | None = None,
) -> int:
    """Remove an upload under its lock, then its lock.

    :param with_partials: also remove the partial uploads a final upload
        was made of.
    :param lease: the upload's lock if the caller holds it already.
    :returns: the bytes freed. An upload that is gone already counts 0; one
        that stays busy past ``timeout`` is left (and logged).
    """
    upload_ids = [upload_id]
    if with_partials:
        with contextlib.suppress(errors.NotFound):
            upload_ids.extend(store.get_info(upload_id).partial_ids)
    freed = 0
    for one_id in upload_ids:
        try:
            if lease is not None and one_id == lease.upload_id:
                freed += _remove_locked(store, locker, one_id)
                continue
            with locker.lock(one_id, timeout=timeout):
                freed += _remove_locked(store, locker, one_id)
        except errors.TusError as error:
            logger.warning("could not remove upload %s: %s", one_id, error.message)
    return freed


def _remove_locked(store: Store, locker: Locker, upload_id: str) -> int:
    freed = store.remove(upload_id)
    locker.forget(upload_id)
    return freed
