"""What the portal holds about one customer, gathered for them to download (GDPR access and portability).

Whose orders are the customer's is decided two ways only, each proven:

- `orders_of_user`: the orders linked to a logged-in account, which joined
  it only when their buyer proved they held them (see `checkout.accounts.views`);
- `orders_of_email`: the orders placed without an account with an e-mail
  address, once its holder has opened the signed link sent there
  (see `checkout.accounts.guest_requests`).

Never "every order whose typed e-mail matches the account's": nobody has
verified the address an account was created with, so that would hand
strangers' orders to whoever typed their address first.

`collect` makes one document (a dict of plain JSON values: amounts as
"12.50", moments in ISO 8601); `archive` packs it as a ZIP of the JSON and
CSV files written by `portal.spreadsheets` (the reader's spreadsheet
format, text typed by people made inert).
"""

import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from checkout.models import Order, OrderLine, OrderStatus, ShopOrder, Voucher, VoucherStatus
from portal.spreadsheets import csv_text

JSON_NAME = "donnees-personnelles.json"
CSV_NAMES = ("compte.csv", "commandes.csv", "lignes.csv", "bons.csv", "adresses.csv")


def orders_of_user(user) -> QuerySet[Order]:
    """The orders linked to `user`'s account, whatever their status (never matched by e-mail)."""
    return Order.objects.filter(customer=user)


def orders_of_email(email: str) -> QuerySet[Order]:
    """The orders placed without an account with `email` (any case), for the verified holder of that address."""
    email = (email or "").strip()
    if not email:
        return Order.objects.none()
    return Order.objects.filter(customer__isnull=True, customer_email__iexact=email)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _moment(value) -> str | None:
    return None if value is None else value.isoformat()


def _line(line: OrderLine) -> dict:
    return {
        "name": line.name,
        "kind": line.kind,
        "options": line.options,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price),
        "vat_rate": _money(line.vat_rate),
        "total": _money(line.total),
        "beneficiary_name": line.beneficiary_name,
        "gift_message": line.gift_message,
    }


def _shop_order(shop_order: ShopOrder) -> dict:
    return {
        "shop": shop_order.trade_name,
        "merchant": shop_order.legal_name,
        "siret": shop_order.siret,
        "delivery_kind": shop_order.delivery_kind,
        "delivery_label": shop_order.delivery_label,
        "delivery_address": shop_order.delivery_address,
        "delivery_fee": _money(shop_order.delivery_fee),
        "subtotal": _money(shop_order.subtotal),
        "total": _money(shop_order.total),
        "fulfilment_status": shop_order.fulfilment_status,
        "tracking_number": shop_order.tracking_number,
        "lines": [_line(line) for line in shop_order.lines.all()],
    }


def _order(order: Order) -> dict:
    return {
        "number": order.number,
        "created_at": _moment(order.created_at),
        "paid_at": _moment(order.paid_at),
        "status": order.status,
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "customer_phone": order.customer_phone,
        "language": order.language,
        "total": _money(order.total),
        "currency": order.currency,
        "anonymised_at": _moment(order.anonymised_at),
        "shop_orders": [_shop_order(shop_order) for shop_order in order.shop_orders.all()],
    }


def _voucher(voucher: Voucher) -> dict:
    return {
        "code": voucher.display_code,
        "order": voucher.order_line.shop_order.order.number,
        "name": voucher.name,
        "kind": voucher.kind,
        "amount": _money(voucher.amount),
        "balance": _money(voucher.balance),
        "valid_until": voucher.valid_until.isoformat(),
        "status": voucher.status,
        "buyer_name": voucher.buyer_name,
        "buyer_email": voucher.buyer_email,
        "beneficiary_name": voucher.beneficiary_name,
        "gift_message": voucher.gift_message,
    }


def _account(user) -> dict | None:
    if user is None:
        return None
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _moment(user.date_joined),
        "last_login": _moment(user.last_login),
    }


def collect(orders: QuerySet[Order], *, now: datetime.datetime, user=None, email: str = "") -> dict:
    """The document of what `orders` (and `user`'s account, if any) hold about the customer.

    `orders` comes from `orders_of_user` or `orders_of_email`; `email` is the
    verified address of a request made without an account. Addresses are
    those typed for deliveries, each once, with the orders that used it.
    """
    orders = list(
        orders.order_by("created_at", "pk").prefetch_related(
            Prefetch("shop_orders", ShopOrder.objects.order_by("pk")),
            Prefetch("shop_orders__lines", OrderLine.objects.order_by("pk")),
        )
    )
    vouchers = (
        Voucher.objects.filter(order_line__shop_order__order__in=orders)
        .select_related("order_line__shop_order__order")
        .order_by("pk")
    )
    addresses: dict[str, list[str]] = {}
    for order in orders:
        for shop_order in order.shop_orders.all():
            if shop_order.delivery_address and order.anonymised_at is None:
                numbers = addresses.setdefault(shop_order.delivery_address, [])
                if order.number not in numbers:
                    numbers.append(order.number)
    return {
        "generated_at": _moment(now),
        "account": _account(user),
        "email": email or (user.email if user is not None else ""),
        "orders": [_order(order) for order in orders],
        "vouchers": [_voucher(voucher) for voucher in vouchers],
        "delivery_addresses": [{"address": address, "orders": numbers} for address, numbers in addresses.items()],
    }


def _parsed(moment: str | None) -> datetime.datetime | None:
    # Back from the document's ISO text, so that the CSV writes it for people, in Paris time.
    return datetime.datetime.fromisoformat(moment) if moment else None


def csv_files(document: dict, language: str | None = None) -> dict[str, str]:
    """The CSV files of `document`, by file name, in `language`'s spreadsheet format."""
    account = document["account"] or {}
    account_rows = [
        [_("Champ"), _("Valeur")],
        [_("Identifiant"), account.get("username", "")],
        [_("E-mail"), account.get("email") or document["email"]],
        [_("Prénom"), account.get("first_name", "")],
        [_("Nom"), account.get("last_name", "")],
        [_("Compte créé le"), _parsed(account.get("date_joined"))],
        [_("Dernière connexion"), _parsed(account.get("last_login"))],
    ]
    order_rows = [[_("Commande"), _("Passée le"), _("Statut"), _("Nom"), _("E-mail"), _("Téléphone"), _("Total TTC")]]
    line_rows = [
        [
            _("Commande"),
            _("Boutique"),
            _("Désignation"),
            _("Options"),
            _("Quantité"),
            _("Prix unitaire TTC"),
            _("Taux de TVA"),
            _("Total TTC"),
            _("Bénéficiaire"),
            _("Message"),
        ]
    ]
    address_rows = [[_("Commande"), _("Boutique"), _("Livraison"), _("Adresse de livraison")]]
    for order in document["orders"]:
        order_rows.append(
            [
                order["number"],
                _parsed(order["created_at"]),
                OrderStatus(order["status"]).label,
                order["customer_name"],
                order["customer_email"],
                order["customer_phone"],
                Decimal(order["total"]),
            ]
        )
        for shop_order in order["shop_orders"]:
            if shop_order["delivery_address"]:
                address_rows.append(
                    [order["number"], shop_order["shop"], shop_order["delivery_label"], shop_order["delivery_address"]]
                )
            for line in shop_order["lines"]:
                line_rows.append(
                    [
                        order["number"],
                        shop_order["shop"],
                        line["name"],
                        ", ".join(f"{name} : {value}" for name, value in line["options"].items()),
                        line["quantity"],
                        Decimal(line["unit_price"]),
                        Decimal(line["vat_rate"]),
                        Decimal(line["total"]),
                        line["beneficiary_name"],
                        line["gift_message"],
                    ]
                )
    voucher_rows = [
        [
            _("Code"),
            _("Commande"),
            _("Désignation"),
            _("Montant"),
            _("Solde"),
            _("Valable jusqu'au"),
            _("Statut"),
            _("Acheteur"),
            _("E-mail de l'acheteur"),
            _("Bénéficiaire"),
            _("Message"),
        ]
    ]
    for voucher in document["vouchers"]:
        voucher_rows.append(
            [
                voucher["code"],
                voucher["order"],
                voucher["name"],
                Decimal(voucher["amount"]),
                Decimal(voucher["balance"]),
                datetime.date.fromisoformat(voucher["valid_until"]),
                VoucherStatus(voucher["status"]).label,
                voucher["buyer_name"],
                voucher["buyer_email"],
                voucher["beneficiary_name"],
                voucher["gift_message"],
            ]
        )
    tables = (account_rows, order_rows, line_rows, voucher_rows, address_rows)
    return {name: csv_text(rows, language) for name, rows in zip(CSV_NAMES, tables, strict=True)}


def archive(document: dict, language: str | None = None) -> bytes:
    """The ZIP the customer downloads: the JSON document and its CSV files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr(JSON_NAME, json.dumps(document, ensure_ascii=False, indent=2))
        for name, text in csv_files(document, language).items():
            archive_file.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def archive_name(now: datetime.datetime) -> str:
    return f"mes-donnees-{now.date().isoformat()}.zip"
