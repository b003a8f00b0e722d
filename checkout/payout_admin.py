"""payout_admin (being written)."""
