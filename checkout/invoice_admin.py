"""invoice_admin (being written)."""
