"""Baskets, orders, payments and the ledger arrive with the checkout issue."""
