"""report_admin (being written)."""
