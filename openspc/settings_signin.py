"""Company sign-in settings, read from the environment by ``openspc.settings``.

LDAP / Active Directory (``hierarchy/signin/directory.py``) and OpenID Connect
(``hierarchy/signin/oidc.py``) are each off unless configured; local accounts always sign
in. The variables are listed in README ("Company sign-in and languages").
"""

from __future__ import annotations

from openspc.env import env_bool, env_int, env_str

# Company directory (LDAP / Active Directory; hierarchy/signin/directory.py), off unless
# OPENSPC_LDAP_URL is set. Mappings are "group DN => Role; group DN => Plant/Site" lists.
OPENSPC_LDAP_URL = env_str("OPENSPC_LDAP_URL")
OPENSPC_LDAP_BIND_DN = env_str("OPENSPC_LDAP_BIND_DN")
OPENSPC_LDAP_BIND_PASSWORD = env_str("OPENSPC_LDAP_BIND_PASSWORD")
OPENSPC_LDAP_START_TLS = env_bool("OPENSPC_LDAP_START_TLS", False)
OPENSPC_LDAP_CA_FILE = env_str("OPENSPC_LDAP_CA_FILE")
OPENSPC_LDAP_USER_BASE = env_str("OPENSPC_LDAP_USER_BASE")
OPENSPC_LDAP_USER_FILTER = env_str("OPENSPC_LDAP_USER_FILTER", "(uid=%(user)s)")
OPENSPC_LDAP_GROUP_BASE = env_str("OPENSPC_LDAP_GROUP_BASE")
OPENSPC_LDAP_GROUP_TYPE = env_str("OPENSPC_LDAP_GROUP_TYPE", "groupOfNames")
OPENSPC_LDAP_ROLE_GROUPS = env_str("OPENSPC_LDAP_ROLE_GROUPS")
OPENSPC_LDAP_SITE_GROUPS = env_str("OPENSPC_LDAP_SITE_GROUPS")
OPENSPC_LDAP_TIMEOUT = env_int("OPENSPC_LDAP_TIMEOUT", 5)
# OpenID Connect (Entra ID, Keycloak, Okta; hierarchy/signin/oidc.py), off unless the
# provider's discovery URL and a client id are set. Role/site maps: "claim value => target".
OPENSPC_OIDC_DISCOVERY_URL = env_str("OPENSPC_OIDC_DISCOVERY_URL")
OPENSPC_OIDC_CLIENT_ID = env_str("OPENSPC_OIDC_CLIENT_ID")
OPENSPC_OIDC_CLIENT_SECRET = env_str("OPENSPC_OIDC_CLIENT_SECRET")
OPENSPC_OIDC_SCOPES = env_str("OPENSPC_OIDC_SCOPES", "openid email profile")
OPENSPC_OIDC_USERNAME_CLAIM = env_str("OPENSPC_OIDC_USERNAME_CLAIM", "preferred_username")
OPENSPC_OIDC_ROLE_CLAIM = env_str("OPENSPC_OIDC_ROLE_CLAIM", "groups")
OPENSPC_OIDC_ROLE_MAP = env_str("OPENSPC_OIDC_ROLE_MAP")
OPENSPC_OIDC_SITE_MAP = env_str("OPENSPC_OIDC_SITE_MAP")
OPENSPC_OIDC_LABEL = env_str("OPENSPC_OIDC_LABEL")
OPENSPC_OIDC_TIMEOUT = env_int("OPENSPC_OIDC_TIMEOUT", 5)

#: Backends added after Django's (local accounts are tried first).
SIGNIN_BACKENDS: list[str] = [
    *(["hierarchy.signin.directory.DirectoryBackend"] if OPENSPC_LDAP_URL else []),
    *(["hierarchy.signin.oidc.OidcBackend"] if OPENSPC_OIDC_DISCOVERY_URL else []),
]
