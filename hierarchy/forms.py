"""Forms of the account pages: API token creation and the first administrator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User


class TokenForm(forms.Form):
    """Name a new API token after what will use it."""

    name = forms.CharField(
        max_length=80, help_text="What uses the token, e.g. 'CMM line 3'.", strip=True
    )


class FirstAdminForm(forms.Form):
    """The first administrator: user name and the password twice (Django's validators)."""

    username = forms.CharField(max_length=150, validators=[User.username_validator])
    password1 = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(render_value=False)
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def clean(self) -> dict[str, Any]:
        """Both passwords match and pass ``AUTH_PASSWORD_VALIDATORS``."""
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(username=data.get("username", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
