"""The sign-in form: says when the company directory is down instead of "wrong password"."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hierarchy.signin.status import was_unavailable


class SignInForm(AuthenticationForm):
    """Django's form with OpenSPC's messages (one for an unreachable directory)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your user name and password did not match. Please try again."),
        "directory_down": _(
            "The company directory cannot be reached, so directory accounts cannot sign in "
            "right now. Local accounts still work; try again in a few minutes or tell IT."
        ),
    }

    def get_invalid_login_error(self) -> ValidationError:
        """The directory's outage when it had one during this sign-in, else wrong password."""
        if was_unavailable(self.request):
            return ValidationError(self.error_messages["directory_down"], code="directory_down")
        return super().get_invalid_login_error()
