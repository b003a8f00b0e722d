"""The platform's commission: which rate is in force, on what, rounded how.

The rule, in one place:
- the rate is the territory's schedule step in force on the day the payment
  succeeds (Europe/Paris), or `CHECKOUT_DEFAULT_COMMISSION_RATE` before the
  first step; it is copied onto the shop order and never looked up again;
- it applies to the shop order's total, or to its goods only when the
  territory says delivery fees bear no commission;
- the commission is rounded once per shop order, to the cent, half up;
- a refund gives back the commission on the refunded part, pro rata of the
  shop order's total, rounding the running total so that refunding
  everything gives back exactly what was taken.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings

from markets.models import CommissionRate, Territory
from portal.money import quantize_eur


def commission_for(amount: Decimal, rate: Decimal) -> Decimal:
    """The platform's commission on `amount` at `rate` percent, to the cent, half up."""
    if isinstance(amount, float) or isinstance(rate, float):
        raise TypeError("Money is never a float.")
    return quantize_eur(Decimal(amount) * Decimal(rate) / Decimal(100))


def rate_in_force(territory_id: int, day: date) -> Decimal:
    """The territory's commission rate (percent) on `day`: the latest step started on or before it."""
    rate = (
        CommissionRate.objects.filter(territory_id=territory_id, starts_on__lte=day)
        .order_by("-starts_on")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        rate = Decimal(str(getattr(settings, "CHECKOUT_DEFAULT_COMMISSION_RATE", "0")))
    return rate


def commission_base(territory: Territory, total: Decimal, delivery_fee: Decimal) -> Decimal:
    """What the commission is taken on for a shop order of `total`, `delivery_fee` included."""
    return total if territory.commission_on_delivery else total - delivery_fee


def returned_commission(commission: Decimal, refunded: Decimal, total: Decimal) -> Decimal:
    """The commission given back once `refunded` of a shop order of `total` has been refunded, in all."""
    if total == 0:
        return commission
    return quantize_eur(commission * refunded / total)
