"""Uploads as files in one directory: the store, its info file and its locker.

The store (:class:`~.store.FileStore`) and the locker
(:class:`~.locker.FileLocker`) share the directory but not their files:
``<id>.data`` and ``<id>.info`` are the store's, ``<id>.lock`` the
locker's. :mod:`..sweep` cleans such a directory on a schedule that several
processes share.
"""
