"""LDAP / Active Directory sign-in: django-auth-ldap configured from ``OPENSPC_LDAP_*``.

:class:`DirectoryBackend` is on the backend list only when ``OPENSPC_LDAP_URL`` is set
(``openspc.settings``). It binds as the service account, finds the user with the search
filter, binds as the user with the given password, copies name and e-mail, and then makes
the user's role and site grants follow their directory groups
(:func:`hierarchy.signin.mapping.apply_memberships`). Directory users get no usable local
password, so a disabled or deleted directory account cannot sign in any other way; a local
account (with a password) is never taken over by a directory user of the same name.

When the directory cannot be reached (or refuses the service account), the error is
logged and noted on the request; the sign-in form then says so instead of "wrong
password" (:mod:`hierarchy.signin.forms`), and local accounts still sign in.
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.conf import settings
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error
from django_auth_ldap.config import (
    ActiveDirectoryGroupType,
    GroupOfNamesType,
    LDAPSearch,
    LDAPSettings,
    NestedActiveDirectoryGroupType,
    PosixGroupType,
)

from hierarchy.signin.mapping import MappingError, Mappings, apply_memberships
from hierarchy.signin.status import note_unavailable

logger = logging.getLogger(__name__)

GROUP_TYPES: dict[str, Any] = {
    "groupofnames": GroupOfNamesType,
    "activedirectory": ActiveDirectoryGroupType,
    "nestedactivedirectory": NestedActiveDirectoryGroupType,
    "posix": PosixGroupType,
}


def directory_settings() -> dict[str, Any]:
    """django-auth-ldap's settings (without the ``AUTH_LDAP_`` prefix) from ours."""
    timeout = int(getattr(settings, "OPENSPC_LDAP_TIMEOUT", 5))
    options: dict[int, Any] = {
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need a bind of their own
    }
    ca_file = str(getattr(settings, "OPENSPC_LDAP_CA_FILE", ""))
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    group_type_name = str(getattr(settings, "OPENSPC_LDAP_GROUP_TYPE", "groupOfNames")).lower()
    group_type = GROUP_TYPES.get(group_type_name, GroupOfNamesType)()
    group_base = str(getattr(settings, "OPENSPC_LDAP_GROUP_BASE", ""))
    group_filter = "(objectClass=group)" if "activedirectory" in group_type_name else ""
    return {
        "SERVER_URI": settings.OPENSPC_LDAP_URL,
        "BIND_DN": str(getattr(settings, "OPENSPC_LDAP_BIND_DN", "")),
        "BIND_PASSWORD": str(getattr(settings, "OPENSPC_LDAP_BIND_PASSWORD", "")),
        "START_TLS": bool(getattr(settings, "OPENSPC_LDAP_START_TLS", False)),
        "CONNECTION_OPTIONS": options,
        "USER_SEARCH": LDAPSearch(
            str(settings.OPENSPC_LDAP_USER_BASE),
            ldap.SCOPE_SUBTREE,
            str(getattr(settings, "OPENSPC_LDAP_USER_FILTER", "(uid=%(user)s)")),
        ),
        "GROUP_SEARCH": LDAPSearch(
            group_base,
            ldap.SCOPE_SUBTREE,
            group_filter or getattr(group_type, "default_filter", "(objectClass=*)"),
        )
        if group_base
        else None,
        "GROUP_TYPE": group_type,
        "USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "ALWAYS_UPDATE_USER": True,
        "FIND_GROUP_PERMS": False,
        "MIRROR_GROUPS": None,
        "CACHE_TIMEOUT": 0,
    }


def directory_configured() -> bool:
    """True when an LDAP server URL and a user search base are set."""
    return bool(getattr(settings, "OPENSPC_LDAP_URL", "")) and bool(
        getattr(settings, "OPENSPC_LDAP_USER_BASE", "")
    )


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend with OpenSPC's settings and group -> role/site mapping."""

    @property
    def settings(self) -> LDAPSettings:
        """Settings built from ``OPENSPC_LDAP_*`` (read at each sign-in: backends are
        created per request by ``django.contrib.auth``)."""
        current: LDAPSettings | None = self.__dict__.get("_settings")
        if current is None:
            current = LDAPSettings("OPENSPC_UNUSED_LDAP_", directory_settings())
            self._settings = current
        return current

    @settings.setter
    def settings(self, value: LDAPSettings) -> None:
        self._settings = value

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Sign in against the directory; None (next backend) when not configured."""
        if not directory_configured():
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except Exception:  # a bad setting must give the form's message, never a 500
            logger.exception("directory sign-in failed")
            note_unavailable(request)
            return None

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        """The account of that user name; a local account (one with a password) is not
        taken over by a directory user of the same name: the sign-in fails."""
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and user.has_usable_password():
            logger.warning("directory user %s has the name of a local account", username)
            raise _LDAPUser.AuthenticationFailed("a local account has this user name")
        return user, built

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        """Authenticate, then make role and grants follow the user's directory groups."""
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        maps = Mappings(
            roles=str(getattr(settings, "OPENSPC_LDAP_ROLE_GROUPS", "")),
            sites=str(getattr(settings, "OPENSPC_LDAP_SITE_GROUPS", "")),
        )
        try:
            groups = ldap_user.group_dns if (maps.roles or maps.sites) else set()
            apply_memberships(user, groups, maps)
        except ldap.LDAPError as exc:
            logger.warning("directory group lookup for %s failed: %s", user, exc)
            note_unavailable(ldap_user._request)
            return None
        except MappingError as exc:
            logger.error("OPENSPC_LDAP_ROLE_GROUPS / _SITE_GROUPS: %s", exc)
            note_unavailable(ldap_user._request)
            return None
        return user


def _on_ldap_error(sender: Any, context: str, exception: Exception, **kwargs: Any) -> None:
    """django-auth-ldap swallows LDAP errors (a wrong user password is not one of them:
    that is a plain failed sign-in); remember them so the form can say so."""
    logger.warning("directory unavailable (%s): %s", context, exception)
    note_unavailable(kwargs.get("request"))


ldap_error.connect(_on_ldap_error, dispatch_uid="openspc-directory-down")
