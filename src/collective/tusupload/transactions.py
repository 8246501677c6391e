"""The Plone side of finishing: in the request's transaction, one folder at a time.

A complete upload becomes content in the Zope transaction of the request
that completed it. :class:`FinishWithTransaction` ends the core's
:class:`~.core.finish.Finish` with that transaction: committed after a
successful commit (the temporary data may go only then), aborted otherwise,
so that Zope's retry after a ConflictError, or the client's, finishes it
again. :func:`take_turn` lets finishes into one folder run one after the
other.
"""

from __future__ import annotations

from collective.tusupload.core.errors import HookRefused
from collective.tusupload.core.errors import TusError
from collective.tusupload.core.finish import Finish
from collective.tusupload.core.locks import Lease
from collective.tusupload.core.locks import Locker
from collective.tusupload.faults import fault_point
from collective.tusupload.record import context_key

import hashlib
import transaction


#: Seconds a finish waits for its turn in a busy folder before 503.
TURN_TIMEOUT = 60.0


def take_turn(locker: Locker, context) -> Lease:
    """Wait for this folder's (or item's) turn to finish an upload into it.

    Finishes into one folder conflict on its ordering and name choice if
    they run at once, and Zope then re-runs whole requests. So they take
    turns, across threads and processes (a lock file in the upload
    directory), and each starts from the newest committed state: the
    request's transaction, which has changed nothing yet, is begun anew.
    The turn ends when the transaction does (see FinishWithTransaction).

    :raises HookRefused: 503 if the turn does not come within TURN_TIMEOUT.
    """
    key = hashlib.sha256(context_key(context).encode("utf-8")).hexdigest()
    try:
        turn = locker.acquire(key, timeout=TURN_TIMEOUT)
    except TusError:
        raise HookRefused(
            503,
            "too many uploads are finishing in this folder; try again",
            headers={"Retry-After": "5"},
        ) from None
    try:
        _begin_anew(context)
    except BaseException:
        turn.release()
        raise
    return turn


def _begin_anew(context) -> None:
    """Start the transaction again, on the newest state, if it changed nothing.

    Nothing of a finishing request is written before this point (chunks
    never touch the ZODB), but the check keeps a caller's changes safe.
    """
    jar = getattr(context, "_p_jar", None)
    txn = transaction.get()
    # ZODB offers no public "is this connection dirty" (hence the private name).
    if jar is None or getattr(jar, "_registered_objects", True):
        return
    user, description = txn.user, txn.description
    transaction.begin()  # aborts the empty transaction; the connection syncs
    txn = transaction.get()
    txn.user, txn.description = user, description


class FinishWithTransaction:
    """Ends a deferred finish with the Zope transaction that holds the content.

    Set :attr:`content` once the content holds the upload's bytes. After a
    successful commit the finish is committed (the data goes, a record
    stays); after a failed commit or an abort it is aborted, so nothing is
    acknowledged and Zope's retry, or the client's, finishes it again.

    :param discard_on_failure: remove the upload when the finish fails
        (a POST finished it: Zope's retry of that POST makes a new one).
    :param turn: the folder's turn (see :func:`take_turn`), ended with it.
    :param keep_data: the data stays in the store after the commit (a
        staged file of an upload session), until ``keep_until``.
    """

    def __init__(
        self,
        finish: Finish,
        *,
        turn: Lease | None = None,
        discard_on_failure: bool = False,
        keep_data: bool = False,
        keep_until: float | None = None,
    ) -> None:
        self.finish = finish
        self.turn = turn
        self.discard_on_failure = discard_on_failure
        self.keep_data = keep_data
        self.keep_until = keep_until
        self.content: dict | None = None
        txn = transaction.get()
        txn.addAfterCommitHook(self.after_commit)
        txn.addAfterAbortHook(self.after_abort)

    def after_commit(self, success: bool) -> None:
        try:
            if success and self.content is not None:
                fault_point("finish-after-commit")
                self.finish.commit(
                    self.content, keep_data=self.keep_data, keep_until=self.keep_until
                )
            else:
                self._failed()
        finally:
            self._end_turn()

    def after_abort(self) -> None:
        try:
            self._failed()
        finally:
            self._end_turn()

    def _failed(self) -> None:
        # Removed for a POST; a final upload's partials stay: the retried
        # POST concatenates them again.
        self.finish.abort(remove=self.discard_on_failure)

    def _end_turn(self) -> None:
        if self.turn is not None:
            self.turn.release()
