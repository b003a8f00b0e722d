"""The customer's optional account: created from the confirmation page, "Mes commandes", login."""

import re

from django.contrib.auth import get_user_model
from django.core import mail

from checkout.models import Order, OrderStatus
from tests.checkout.helpers import Customer, one_product_order, two_shop_order
from tests.checkout.test_checkout_views import CHECKOUT, checkout_data, fill_basket

User = get_user_model()
ORDERS = "/fr/compte/commandes/"
LOGIN = "/fr/compte/connexion/"
PASSWORD = "Sapin-de-Noel-2024"


def paid(order):
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
    order.refresh_from_db()
    return order


def create_url(order):
    return f"/fr/compte/creer/{order.token}/"


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_confirmation_page_offers_an_account_to_an_anonymous_buyer(client, market):
    order = paid(two_shop_order(market))
    html = client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert f'href="{create_url(order)}"' in html
    assert "Créer un compte pour retrouver vos commandes" in html


def test_account_created_from_the_confirmation_page_holds_the_order_and_logs_in(client, market):
    # given a paid order placed without an account
    order = paid(two_shop_order(market))
    assert order.customer_id is None
    # when the buyer chooses a password from its confirmation page
    response = client.post(create_url(order), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    # then an account for the order's e-mail holds the order, and the buyer is logged in
    assert response.status_code == 302 and response["Location"] == ORDERS
    user = User.objects.get()
    assert (user.username, user.email, user.is_staff, user.is_superuser) == (
        "alice@example.org", "alice@example.org", False, False
    )
    assert user.check_password(PASSWORD)
    order.refresh_from_db()
    assert order.customer_id == user.pk
    assert logged_in_user_id(client) == str(user.pk)
    page = client.get(ORDERS)
    assert [o.pk for o in page.context["orders"]] == [order.pk]
    assert f'href="/fr/panier/commande/{order.token}/"' in page.content.decode()
    # and the offer is gone from the confirmation page
    assert create_url(order) not in client.get(f"/fr/panier/commande/{order.token}/").content.decode()


def test_weak_password_creates_nothing(client, market):
    order = paid(two_shop_order(market))
    response = client.post(create_url(order), {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == [
        "Ce mot de passe est trop courant.", "Ce mot de passe est entièrement numérique."
    ]
    assert User.objects.count() == 0
    order.refresh_from_db()
    assert order.customer_id is None
    assert logged_in_user_id(client) is None


def test_existing_email_is_not_hijacked(client, market):
    # given an account already answers to the order's e-mail (any case)
    owner = User.objects.create_user("alice", email="Alice@Example.org", password="owners-own-pass-42")
    order = paid(two_shop_order(market))
    # when someone holding the order's link asks for an account with a password of their own
    page = client.get(create_url(order))
    response = client.post(create_url(order), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    # then they are offered to log in; no account is created, the order is not linked, nobody is logged in
    assert "Un compte existe déjà pour alice@example.org" in page.content.decode()
    assert f'href="/fr/compte/connexion/?next=/fr/panier/commande/{order.token}/"' in page.content.decode()
    assert response.status_code == 200 and response.context["exists"] is True
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]
    owner.refresh_from_db()
    assert owner.check_password("owners-own-pass-42")
    order.refresh_from_db()
    assert order.customer_id is None
    assert logged_in_user_id(client) is None


def test_unpaid_order_offers_no_account(client, market):
    order = two_shop_order(market)
    assert create_url(order) not in client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    response = client.post(create_url(order), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/fr/panier/commande/{order.token}/"
    assert User.objects.count() == 0


def test_unknown_token_is_404(client, market):
    assert client.get("/fr/compte/creer/" + "x" * 43 + "/").status_code == 404


def test_my_orders_lists_only_the_users_orders(client, market):
    # given Alice's two linked orders, Bob's order, and an unlinked paid order typed with Alice's e-mail
    alice = User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    bob = User.objects.create_user("bob@example.org", email="bob@example.org", password=PASSWORD)
    first = paid(one_product_order(market, market.santon))
    second = paid(one_product_order(market, market.miel))
    bobs = paid(one_product_order(market, market.santon, customer=Customer("Bob", "bob@example.org", "")))
    unlinked = paid(one_product_order(market, market.santon))
    Order.objects.filter(pk__in=[first.pk, second.pk]).update(customer=alice)
    Order.objects.filter(pk=bobs.pk).update(customer=bob)
    # when Alice opens "Mes commandes"
    client.force_login(alice)
    response = client.get(ORDERS)
    # then she sees her two orders, newest first, each with its private link; not Bob's, not the unlinked one
    assert response.status_code == 200
    assert [o.pk for o in response.context["orders"]] == [second.pk, first.pk]
    html = response.content.decode()
    assert f"/fr/panier/commande/{first.token}/" in html and f"/fr/panier/commande/{second.token}/" in html
    assert bobs.token not in html and unlinked.token not in html
    assert response["Cache-Control"] == "private, no-store"


def test_anonymous_is_sent_to_the_customer_login(client, market):
    response = client.get(ORDERS)
    assert response.status_code == 302
    assert response["Location"] == "/fr/compte/connexion/?next=/fr/compte/commandes/"


def test_login_with_the_email_in_any_case_keeps_the_basket(client, market):
    # given a basket filled before logging in
    User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    client.post("/fr/panier/ajouter/", {"product": market.santon.pk, "quantity": 2})
    # when logging in on the customer login page
    response = client.post(LOGIN, {"username": "Alice@Example.org", "password": PASSWORD, "next": "/fr/panier/"})
    # then the basket is still there
    assert response.status_code == 302 and response["Location"] == "/fr/panier/"
    assert logged_in_user_id(client) is not None
    assert [(line["quantity"]) for line in client.session["checkout_basket"]["lines"]] == [2]


def test_wrong_password_is_refused(client, market):
    User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    response = client.post(LOGIN, {"username": "alice@example.org", "password": "not-it"})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_order_placed_while_logged_in_is_linked(client, market):
    alice = User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    client.force_login(alice)
    fill_basket(client, market)
    client.post(CHECKOUT, checkout_data(market, email="another@example.org"))
    assert Order.objects.get().customer_id == alice.pk


def test_order_placed_anonymously_is_not_linked_even_with_an_accounts_email(client, market):
    User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    fill_basket(client, market)
    client.post(CHECKOUT, checkout_data(market))
    assert Order.objects.get().customer_id is None


def test_logged_in_buyer_adds_an_order_placed_with_their_email(client, market):
    # given an existing account and an order of Alice's placed without logging in
    alice = User.objects.create_user("alice", email="Alice@example.org", password=PASSWORD)
    order = paid(two_shop_order(market))
    client.force_login(alice)
    # when she opens its private link and adds it
    assert f'href="/fr/compte/rattacher/{order.token}/"' in client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert client.get(f"/fr/compte/rattacher/{order.token}/").status_code == 200
    response = client.post(f"/fr/compte/rattacher/{order.token}/")
    # then it is hers
    assert response.status_code == 302 and response["Location"] == ORDERS
    order.refresh_from_db()
    assert order.customer_id == alice.pk


def test_an_order_of_another_email_cannot_be_added(client, market):
    bob = User.objects.create_user("bob@example.org", email="bob@example.org", password=PASSWORD)
    order = paid(two_shop_order(market))  # Alice's e-mail
    client.force_login(bob)
    assert "/fr/compte/rattacher/" not in client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    response = client.post(f"/fr/compte/rattacher/{order.token}/")
    assert response.status_code == 302 and response["Location"] == f"/fr/panier/commande/{order.token}/"
    order.refresh_from_db()
    assert order.customer_id is None


def test_an_order_already_in_an_account_is_not_moved(client, market):
    first = User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    second = User.objects.create_user("alice2", email="ALICE@example.org", password=PASSWORD)
    order = paid(two_shop_order(market))
    Order.objects.filter(pk=order.pk).update(customer=first)
    client.force_login(second)
    client.post(f"/fr/compte/rattacher/{order.token}/")
    order.refresh_from_db()
    assert order.customer_id == first.pk


def test_password_reset_mails_a_working_link(client, market, settings):
    User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    response = client.post("/fr/compte/mot-de-passe/", {"email": "alice@example.org"})
    assert response.status_code == 302 and response["Location"] == "/fr/compte/mot-de-passe/envoye/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/fr/compte/mot-de-passe/[^/]+/[^/]+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "Renne-du-Pere-Noel-7", "new_password2": "Renne-du-Pere-Noel-7"})
    # the new password opens the account through the customer's login page
    response = client.post(LOGIN, {"username": "alice@example.org", "password": "Renne-du-Pere-Noel-7"})
    assert response.status_code == 302 and logged_in_user_id(client) is not None


def test_password_reset_for_an_unknown_email_sends_nothing(client, market):
    response = client.post("/fr/compte/mot-de-passe/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_header_links_to_login_then_to_my_orders(client, market):
    assert 'href="/fr/compte/connexion/"' in client.get("/fr/panier/").content.decode()
    client.force_login(User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD))
    assert 'href="/fr/compte/commandes/"' in client.get("/fr/panier/").content.decode()


def test_customer_account_does_not_open_the_wagtail_admin(client, market):
    client.force_login(User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_logout_is_a_post(client, market):
    client.force_login(User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD))
    response = client.post("/fr/compte/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/fr/panier/"
    assert logged_in_user_id(client) is None
