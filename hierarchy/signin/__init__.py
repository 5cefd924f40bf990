"""Sign-in from outside: a company directory (LDAP / Active Directory) and OpenID Connect.

Both are off unless configured (``OPENSPC_LDAP_*``, ``OPENSPC_OIDC_*``); local accounts
always sign in beside them. A directory or identity-provider user's role and site grants
follow the directory's groups (or the token's claims) at each sign-in
(:mod:`hierarchy.signin.mapping`).
"""
