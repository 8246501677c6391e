"""The front server: see :mod:`.server` for why it exists and how it works."""
