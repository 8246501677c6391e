"""The tus 1.0 tests run on every store kind (``helpers/stores.py``)."""

from helpers.stores import *  # noqa: F403
