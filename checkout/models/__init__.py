"""Checkout's models, one module per concept: orders, payments, the ledger, vouchers, payouts, invoices."""

from checkout.models.invoices import (
    Invoice,
    InvoiceImmutable,
    InvoiceKind,
    InvoiceQuerySet,
    InvoiceSequence,
)
from checkout.models.ledger import (
    LedgerEntry,
    LedgerImmutable,
    LedgerKind,
    LedgerQuerySet,
)
from checkout.models.orders import (
    MONEY,
    BundleSale,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    ShopOrder,
    new_order_token,
)
from checkout.models.payments import (
    Payment,
    PaymentState,
    Refund,
    RefundState,
    WebhookEvent,
)
from checkout.models.payouts import (
    BankDetailsChange,
    BankDetailsChangeStatus,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutState,
    WeeklyStatement,
)
from checkout.models.vouchers import Redemption, RedemptionKind, Voucher, VoucherStatus

__all__ = [
    "MONEY",
    "BankDetailsChange",
    "BankDetailsChangeStatus",
    "BundleSale",
    "FulfilmentStatus",
    "Invoice",
    "InvoiceImmutable",
    "InvoiceKind",
    "InvoiceQuerySet",
    "InvoiceSequence",
    "LedgerEntry",
    "LedgerImmutable",
    "LedgerKind",
    "LedgerQuerySet",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "PaymentState",
    "Payout",
    "PayoutAccount",
    "PayoutBatch",
    "PayoutState",
    "Redemption",
    "RedemptionKind",
    "Refund",
    "RefundState",
    "ShopOrder",
    "Voucher",
    "VoucherStatus",
    "WebhookEvent",
    "WeeklyStatement",
    "new_order_token",
]
