"""The IETF "Resumable Uploads for HTTP" wire layer (interop versions 3 to 8)."""
