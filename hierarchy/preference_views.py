"""The language switcher (every page's top bar) and the preferences page (language, zone)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hierarchy.models import UserPreference
from hierarchy.preferences import LANGUAGE_KEY, language_codes, save_preference, zone_names


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the page language: a cookie for everyone, and the account's preference for a
    signed-in user (so it follows them to other devices)."""
    response = HttpResponseRedirect(_next_url(request))
    language = request.POST.get("language", "")
    if language not in language_codes():
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    if request.user.is_authenticated:
        save_preference(request, language=language)
    else:
        request.session[LANGUAGE_KEY] = language
    return response


class PreferenceForm(forms.Form):
    """Language and time zone; blank: the browser's language, the plant's zone."""

    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        language = self.fields["language"]
        zone = self.fields["time_zone"]
        assert isinstance(language, forms.ChoiceField)
        assert isinstance(zone, forms.ChoiceField)
        language.choices = [("", _("The browser's language")), *settings.LANGUAGES]
        plant = _("The plant's zone (%(zone)s)") % {"zone": settings.TIME_ZONE}
        zone.choices = [("", plant), *((name, name) for name in zone_names())]


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """GET: the form with the stored choices; POST: store them."""
    stored = UserPreference.objects.filter(user_id=request.user.pk or 0).first()
    initial = {"language": stored.language, "time_zone": stored.time_zone} if stored else {}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        save_preference(request, **form.cleaned_data)
        messages.success(request, _("Your preferences are saved."))
        response = HttpResponseRedirect(request.path)
        language = form.cleaned_data["language"]
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response
    context = {"form": form, "breadcrumbs": [{"name": _("Preferences"), "url": ""}]}
    return render(request, "hierarchy/preferences.html", context)
