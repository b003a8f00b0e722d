"""Commission schedule admin (being written)."""
