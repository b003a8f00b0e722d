"""Checkout's models: orders and their money (`orders`), statements and payouts (`payouts`), invoices."""

from checkout.models.orders import (  # noqa: F401
    new_order_token,
    OrderStatus,
    Order,
    FulfilmentStatus,
    ShopOrder,
    OrderLine,
    PaymentState,
    Payment,
    WebhookEvent,
    RefundState,
    Refund,
    LedgerKind,
    LedgerImmutable,
    LedgerQuerySet,
    LedgerEntry,
    VoucherStatus,
    Voucher,
    RedemptionKind,
    Redemption,
    MONEY,
)

from checkout.models.payouts import (  # noqa: F401
    PayoutAccount,
    WeeklyStatement,
    PayoutState,
    PayoutBatch,
    Payout,
)

from checkout.models.invoices import (  # noqa: F401
    InvoiceImmutable,
    InvoiceKind,
    InvoiceSequence,
    InvoiceQuerySet,
    Invoice,
)
