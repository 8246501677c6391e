"""Upgrade steps of collective.tusupload, one module per profile version."""
