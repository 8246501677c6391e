"""Upload sessions: many files staged, previewed and published at once (PEP 694)."""
