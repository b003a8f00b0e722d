"""A signed-in user types their password again before a grave change (bank details, closing a shop).

The password is what stops someone holding another person's open session,
so its wrong guesses are counted per account and per purpose, as a login's
would be: the login throttling does not see these forms.
"""

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext as _

PASSWORD_GUESSES = 5
PASSWORD_GUESS_WINDOW = 15 * 60


def confirm_password(user, password: str, *, purpose: str, wrong_message: str) -> None:
    """Raise a form error unless `password` is `user`'s, with at most PASSWORD_GUESSES wrong ones per window.

    `purpose` names the counter ("bank-details", "shop-closing"); `wrong_message` says what a wrong
    password leaves unchanged.
    """
    key = f"{purpose}-password:{user.pk}"
    if (cache.get(key) or 0) >= PASSWORD_GUESSES:
        raise forms.ValidationError(
            _("Trop de mots de passe incorrects : réessayez dans %(minutes)d minutes.")
            % {"minutes": PASSWORD_GUESS_WINDOW // 60},
            code="too_many_guesses",
        )
    if not user.check_password(password):
        cache.add(key, 0, PASSWORD_GUESS_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this guess opens a new window
            cache.set(key, 1, PASSWORD_GUESS_WINDOW)
        raise forms.ValidationError(wrong_message, code="wrong_password")
