"""Small standard-library helpers with no knowledge of the domain (atomic output, text width)."""
