"""Sphinx configuration of the collective.tusupload documentation."""

project = "collective.tusupload"
author = "collective.tusupload contributors"
copyright = "2026, collective.tusupload contributors"  # noqa: A001

extensions = []
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
html_theme = "alabaster"
html_static_path = []
