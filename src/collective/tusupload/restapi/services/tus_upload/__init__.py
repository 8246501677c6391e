"""``<folder>/@tus-upload`` and ``<folder-or-item>/@tus-upload/<upload id>``."""
