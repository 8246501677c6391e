"""Classic UI views of collective.tusupload."""
