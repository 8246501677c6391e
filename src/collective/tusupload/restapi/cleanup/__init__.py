"""``@tusupload-cleanup``: run a cleanup of unfinished uploads now (Managers)."""
