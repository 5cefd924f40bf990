"""Admin for the plant tree (indented by depth, with breadcrumbs and characteristic counts),
site grants and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from audit.trail import record as audit_record
from hierarchy.models import ApiToken, Node, SiteGrant
from hierarchy.roles import ADMIN, has_role
from hierarchy.scoping import ScopedAdminMixin
from hierarchy.tokens import issue_token, revoke_token


@admin.register(Node)
class NodeAdmin(ScopedAdminMixin, admin.ModelAdmin[Node]):
    """The ISA-95 tree as an indented list, ordered so children follow their parent."""

    list_display = ["tree_name", "level", "code", "characteristic_count", "breadcrumb"]
    list_filter = ["level"]
    search_fields = ["name", "code", "description"]
    ordering = ["tree_key"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["breadcrumb"]
    fields = ["name", "code", "level", "parent", "description", "breadcrumb"]
    list_per_page = 200

    def get_queryset(self, request: HttpRequest) -> QuerySet[Node]:
        return super().get_queryset(request).annotate(n_chars=Count("characteristics"))

    @admin.display(description="Name", ordering="tree_key")
    def tree_name(self, obj: Node) -> str:
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            obj.depth * 1.5,
            "└ " if obj.depth else "",
            obj.name,
        )

    @admin.display(description="Characteristics", ordering="n_chars")
    def characteristic_count(self, obj: Node) -> int:
        return getattr(obj, "n_chars", 0)

    @admin.display(description="Location")
    def breadcrumb(self, obj: Node) -> str:
        if not obj.pk:
            return "—"
        return " › ".join(node.name for node in obj.breadcrumbs())


@admin.register(SiteGrant)
class SiteGrantAdmin(admin.ModelAdmin[SiteGrant]):
    """Which part of the plant each user sees (no node: the whole plant); every grant and
    revocation is in the audit trail (``AUDIT_CONFIG_MODELS``)."""

    list_display = ["user", "node", "created"]
    list_select_related = ["user", "node"]
    search_fields = ["user__username", "node__name"]
    autocomplete_fields = ["node"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """API tokens: issue one (the key is shown once), see when it was used, revoke it."""

    list_display = ["name", "user", "prefix", "created", "last_used", "revoked"]
    list_filter = [("revoked", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["user", "name", "prefix", "created", "last_used", "revoked"]
    readonly_fields = ["prefix", "created", "last_used", "revoked"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        """Admins see every token, everyone else only their own."""
        qs = super().get_queryset(request)
        return qs if has_role(request.user, ADMIN) else qs.filter(user_id=request.user.pk or 0)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Only admins issue tokens for someone else."""
        ro = list(self.readonly_fields)
        return ro if has_role(request.user, ADMIN) else ["user", *ro]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        """A new token gets a fresh key, shown once in a message; edits keep the key."""
        if change:
            super().save_model(request, obj, form, change)
            changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
            if changed:
                audit_record("CHANGE", obj, user=request.user, path="", new=changed)
            return
        if not has_role(request.user, ADMIN):
            obj.user = request.user  # type: ignore[assignment]
        token, key = issue_token(obj.user, obj.name)
        obj.pk, obj.key_hash, obj.prefix, obj.created = (
            token.pk,
            token.key_hash,
            token.prefix,
            token.created,
        )
        obj._state.adding = False
        messages.warning(request, f"Copy the key now, it is not shown again: {key}")

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        """Revoke: the tokens stop authenticating at once."""
        for token in queryset.filter(revoked__isnull=True):
            revoke_token(token, request.user)


# DRF's own API keys (``Authorization: Token``): issued and deleted in the admin, recorded in
# the audit trail by user (the key is the row's primary key: it never enters the trail).
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class AuditedTokenAdmin(TokenAdmin):
    """DRF tokens, each issue and deletion recorded (who, whose, when; never the key)."""

    def _record(self, request: HttpRequest, action: str, token: Any) -> None:
        owner = token.user.get_username()
        audit_record(
            action,
            object_type="authtoken.Token",
            object_id=token.user_id,
            object_repr=f"REST token of {owner}",
            path="",
            user=request.user,
            new={"user": owner} if action != "DELETE" else None,
            old={"user": owner} if action == "DELETE" else None,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._record(request, "CHANGE" if change else "CREATE", obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record(request, "DELETE", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for token in queryset.select_related("user"):
            self._record(request, "DELETE", token)
        super().delete_queryset(request, queryset)
