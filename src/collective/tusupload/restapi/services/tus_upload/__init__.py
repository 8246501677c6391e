"""``@tus-upload`` and ``@tus-replace`` (tus 1.0 and the IETF draft)."""
