"""Issuing invoices and credit notes (stub: being written)."""

from checkout.models import Refund, ShopOrder


def issue_sale_invoice(shop_order: ShopOrder, now) -> None:
    """Issue the invoice of a shop order just paid, inside the caller's transaction."""


def issue_credit_note(refund: Refund, now) -> None:
    """Issue the credit note of a refund just made, inside the caller's transaction."""
