"""The customer's pages, under /fr/panier/ and /en/panier/ (included in portal.urls).

Their app namespace is "checkout", the one `checkout.emails.order_url` reverses.
"""

from django.urls import path

from checkout import views, visitor

app_name = "checkout"

urlpatterns = [
    path("", views.basket_view, name="basket"),
    path("etat.json", visitor.visitor_state, name="visitor_state"),
    path("ajouter/", views.add_to_basket, name="add"),
    path("modifier/", views.update_basket, name="update"),
    path("vider/", views.empty_basket, name="empty"),
    path("validation/", views.checkout_view, name="checkout"),
    path("paiement/<str:token>/", views.payment_view, name="payment"),
    path("paiement/<str:token>/carte/", views.confirm_card, name="confirm_card"),
    path("paiement/<str:token>/reservation/", views.extend_hold, name="hold"),
    path("paiement/<str:token>/retour/", views.payment_return, name="payment_return"),
    path("commande/<str:token>/", views.order_view, name="order"),
]
