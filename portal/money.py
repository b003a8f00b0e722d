"""Money helpers: amounts are `Decimal` euros with two places, everywhere.

Integer cents exist only at the payment provider's boundary. There is one
rounding rule, ROUND_HALF_UP to the cent, applied by `quantize_eur`.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize_eur(amount: Decimal | int | str) -> Decimal:
    """Round an amount to the cent, half up (1.005 -> 1.01)."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float; pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """EUR -> integer cents, for the payment provider only. Refuses sub-cent amounts."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float; pass a Decimal, an int or a string.")
    amount = Decimal(amount)
    if amount != amount.quantize(CENT):
        raise ValueError(f"{amount} has more than two decimal places")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    """Integer cents from the payment provider -> EUR."""
    if not isinstance(cents, int):
        raise TypeError("cents must be an int")
    return (Decimal(cents) / 100).quantize(CENT)
