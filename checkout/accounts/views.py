"""The customer's optional account, under /fr/compte/ and /en/compte/ (included in portal.urls).

Django's own authentication with the e-mail as username; the Wagtail admin
keeps its own login. An order joins an account only when its buyer proves
they hold it: created while logged in, or through its private link (the
token) — never because an e-mail typed at checkout matches, as nobody has
verified that address.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from checkout.models import Order, OrderStatus
from checkout.vouchers.bundles import bundles_of_orders
from markets.merchants import is_merchant
from markets.models import Merchant
from portal.password_resets import ThrottledPasswordResetMixin


def account_exists_for(email: str) -> bool:
    """Whether any user (customer or merchant) already answers to this e-mail."""
    User = get_user_model()
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


class AccountExists(Exception):
    pass


def create_account_for_order(order_id: int, password: str):
    """Create a customer account for the order's e-mail and link the order to it.

    The caller has checked that the buyer holds the order's token and chose
    `password` (validated). Raises `AccountExists`, creating and linking
    nothing, when a user already answers to that e-mail or the order
    already belongs to an account.
    """
    User = get_user_model()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
        email = order.customer_email.strip()
        if order.customer_id is not None or account_exists_for(email):
            raise AccountExists
        try:
            with transaction.atomic():
                user = User.objects.create_user(username=email.lower(), email=email, password=password)
        except IntegrityError as error:  # created meanwhile by another request
            raise AccountExists from error
        Order.objects.filter(pk=order.pk, customer__isnull=True).update(customer=user)
    return user


def link_order_to_user(order_id: int, user) -> bool:
    """Link an unclaimed order to a logged-in user holding its token and its e-mail; False when refused."""
    if not user.email:
        return False
    updated = Order.objects.filter(
        pk=order_id, customer__isnull=True, customer_email__iexact=user.email
    ).update(customer=user)
    return updated == 1


# Forms ---------------------------------------------------------------------------


class CustomerLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=gettext_lazy("E-mail"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_username(self):
        # Accounts created here have the lower-cased e-mail as username.
        username = self.cleaned_data["username"].strip()
        return username.lower() if "@" in username else username


def resets_through_the_admin(user) -> bool:
    """Whether `user` works in the admin (staff, operator, editor, merchant): their reset is the admin's own.

    The public customer reset sends them nothing: an account that opens the
    admin changes its password through the admin's own reset only, never
    through a second, customer-facing way in.
    """
    return (
        user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin")
        or is_merchant(user) or Merchant.objects.filter(user=user).exists()
    )


class CustomerPasswordResetForm(PasswordResetForm):
    """Django's reset form, mailing customers only; the page that follows is the same for everyone."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if not resets_through_the_admin(user))


class AccountPasswordForm(SetPasswordForm):
    """The password the buyer chooses; the validators see the order's e-mail as the future username."""

    def __init__(self, email: str, *args, **kwargs):
        User = get_user_model()
        super().__init__(User(username=email.lower(), email=email), *args, **kwargs)
        self.fields["new_password1"].label = _("Mot de passe")
        self.fields["new_password2"].label = _("Mot de passe (confirmation)")


# Views ---------------------------------------------------------------------------


def _order_by_token(token: str) -> Order | None:
    if not token or len(token) > 64:
        return None
    return Order.objects.filter(token=token).first()


def _private(response):
    # Reached through the order's private link: keep the token out of caches and other sites'
    # referrers. Not "no-referrer": the browser would then post our forms with "Origin: null",
    # which the CSRF check refuses.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def create_account(request, token):
    """From the confirmation page: an account for the order's e-mail, holding this order."""
    order = _order_by_token(token)
    if order is None:
        raise Http404
    order_url = reverse("checkout:order", kwargs={"token": order.token})
    if request.user.is_authenticated or order.customer_id is not None or order.status != OrderStatus.PAID:
        return redirect(order_url)
    login_url = f"{reverse('account:login')}?next={order_url}"
    if account_exists_for(order.customer_email):
        return _private(render(
            request, "checkout/account/create.html", {"order": order, "exists": True, "login_url": login_url}
        ))
    form = AccountPasswordForm(order.customer_email, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = create_account_for_order(order.pk, form.cleaned_data["new_password1"])
        except AccountExists:
            return _private(render(
                request, "checkout/account/create.html", {"order": order, "exists": True, "login_url": login_url}
            ))
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Votre compte est créé ; cette commande y est enregistrée."))
        return redirect("account:orders")
    return _private(render(request, "checkout/account/create.html", {"order": order, "form": form}))


@login_required
def link_order(request, token):
    """A logged-in buyer adds an order they hold the link to, placed with their account's e-mail."""
    order = _order_by_token(token)
    if order is None:
        raise Http404
    if request.method == "POST":
        if link_order_to_user(order.pk, request.user):
            messages.success(
                request, _("La commande n° %(number)s est ajoutée à vos commandes.") % {"number": order.number}
            )
            return redirect("account:orders")
        messages.error(request, _("Cette commande ne peut pas être ajoutée à votre compte."))
        return redirect("checkout:order", token=order.token)
    return _private(render(request, "checkout/account/link.html", {"order": order}))


@login_required
def orders(request):
    """The logged-in customer's orders: only those linked to the account."""
    customer_orders = list(
        Order.objects.filter(customer=request.user)
        .exclude(status=OrderStatus.EXPIRED)
        .prefetch_related("shop_orders")
        .order_by("-created_at", "-pk")
    )
    held = bundles_of_orders(customer_orders, get_language())
    for order in customer_orders:
        order.held_bundles = held[order.pk]
    response = render(request, "checkout/account/orders.html", {"orders": customer_orders})
    response["Cache-Control"] = "private, no-store"
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = CustomerLoginForm
    redirect_authenticated_user = True


class PasswordResetView(ThrottledPasswordResetMixin, auth_views.PasswordResetView):
    form_class = CustomerPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")
