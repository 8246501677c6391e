"""Unfinished uploads in the ZODB, for several Zope instances sharing one database.

:class:`~.store.ZODBStore` keeps each upload in the database the instances
already share (ZEO or RelStorage), :class:`~.locker.ZODBLocker` locks them
there, and :func:`~.sweep.sweep_database` lets one instance per interval
clean them up. Each works on connections of its own, one short transaction
at a time, never in a request's transaction. See ``docs/deployment.rst``.
"""
