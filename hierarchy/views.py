"""Account pages: the user's own API tokens, and the first-run page creating the first admin."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hierarchy import accounts
from hierarchy.forms import FirstAdminForm, TokenForm
from hierarchy.models import ApiToken
from hierarchy.roles import OPERATOR, role_required
from hierarchy.tokens import issue_token, revoke_token


def _tokens_page(
    request: HttpRequest, form: TokenForm, key: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user_id=request.user.pk or 0),
        "new_key": key,
        "breadcrumbs": [{"name": "API tokens", "url": ""}],
    }
    return render(request, "hierarchy/tokens.html", context, status=status)


@never_cache
@role_required(OPERATOR)
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's API tokens; a POST issues one and shows its key on this response only."""
    if request.method != "POST":
        return _tokens_page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    _, key = issue_token(request.user, form.cleaned_data["name"])
    return _tokens_page(request, TokenForm(), key=key, status=201)


@role_required(OPERATOR)
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (another user's token id is 404)."""
    token = get_object_or_404(ApiToken, pk=pk, user_id=request.user.pk or 0)
    revoke_token(token, request.user)
    return redirect("hierarchy:tokens")


@never_cache
def setup(request: HttpRequest) -> HttpResponse:
    """First run: create the first administrator, then log in; 404 once any user exists."""
    if not accounts.needs_setup():
        raise Http404("Set up already.")
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accounts.create_admin(data["username"], data["password1"])
        messages.success(request, "Administrator created: log in with the new password.")
        return redirect("login")
    return render(request, "hierarchy/setup.html", {"form": form})
