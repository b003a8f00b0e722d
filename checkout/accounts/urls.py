"""The customer's account pages, under /fr/compte/ and /en/compte/ (included in portal.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from checkout.accounts.personal_data_views import erase_account, export_account, guest_confirm, guest_request
from checkout.accounts.views import (
    LoginView,
    PasswordResetConfirmView,
    PasswordResetView,
    create_account,
    link_order,
    orders,
)

app_name = "account"

urlpatterns = [
    path("commandes/", orders, name="orders"),
    path("creer/<str:token>/", create_account, name="create"),
    path("rattacher/<str:token>/", link_order, name="link_order"),
    path("donnees/telecharger/", export_account, name="personal_data_export"),
    path("donnees/commande/<str:token>/", guest_request, name="personal_data_request"),
    path("donnees/confirmer/<str:token>/", guest_confirm, name="personal_data_confirm"),
    path("supprimer/", erase_account, name="erase"),
    path("connexion/", LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("mot-de-passe/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "mot-de-passe/termine/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
