"""One folder per endpoint: ``tus_upload`` and ``tus_replace``."""
