"""The tus 1.0.0 wire layer: the handler, checksums, concatenation."""
