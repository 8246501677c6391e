"""``<item>/@tus-replace``: upload a new file for an existing item."""
