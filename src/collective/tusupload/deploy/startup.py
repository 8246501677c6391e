"""What every launcher does once the application is loaded."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Keep what the application made while loading out of full collections.

    A loaded Plone holds millions of objects that live as long as the
    process; each of Python's full (generation 2) collections walked them
    all, 150-220 ms during which the process answered nothing (measured
    during uploads). Frozen (:func:`gc.freeze`), a full collection takes
    10-20 ms.
    """
    gc.collect()
    gc.freeze()
