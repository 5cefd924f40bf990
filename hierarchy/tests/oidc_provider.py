"""A small OpenID Connect provider for the sign-in tests, on a thread of the test process.

It speaks the authorization-code flow with PKCE over real HTTP: a discovery document,
``/authorize`` (the user "signs in" as ``next_claims``, set by the test, and is sent back
with a code), ``/token`` (checks the client secret, redirect URI and PKCE verifier, answers
an RS256 ID token signed with PyJWT), ``/userinfo`` and ``/jwks``. ``audience`` can be
changed to hand out a token meant for another client.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "test-key-1"


class Provider:
    """The provider's state and its HTTP server (``start``/``stop``)."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.audience = client_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.next_claims: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def issuer(self) -> str:
        """The issuer URL (also the base of every endpoint)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        """Where the discovery document is served."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self, port: int = 0) -> None:
        """Serve on ``port`` (0: a free one) until :meth:`stop`."""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                provider.handle(self, "GET")

            def do_POST(self) -> None:
                provider.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving (the port is closed: the provider is down)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- protocol -------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        """Route one request."""
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "POST":
            length = int(request.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: (200, self.configuration()),
            ("GET", "/jwks"): lambda: (200, self.jwks()),
            ("GET", "/authorize"): lambda: self.authorize(query),
            ("POST", "/token"): lambda: self.token(form),
            ("GET", "/userinfo"): lambda: self.userinfo(request.headers.get("Authorization", "")),
        }
        route = routes.get((method, url.path))
        status, body = route() if route else (404, {"error": "not_found"})
        if status == 302:
            request.send_response(302)
            request.send_header("Location", str(body))
            request.end_headers()
            return
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def configuration(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        """The public signing key."""
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**key, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, Any]:
        """The user has signed in as ``next_claims``: back to the client with a code."""
        if query.get("client_id") != self.client_id or query.get("redirect_uri") != (
            self.redirect_uri
        ):
            return 400, {"error": "invalid_client"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": dict(self.next_claims),
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
        }
        back = {"code": code, "state": query.get("state", "")}
        return 302, f"{self.redirect_uri}?{urlencode(back)}"

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        """Exchange a code for an access token and a signed ID token."""
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != self.redirect_uri
        ):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = grant["claims"]
        id_token = jwt.encode(
            {
                **claims,
                "iss": self.issuer,
                "aud": self.audience,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
            },
            self.key,
            algorithm="RS256",
            headers={"kid": KID},
        )
        access = secrets.token_urlsafe(16)
        self.tokens[access] = claims
        return 200, {
            "access_token": access,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": 300,
        }

    def userinfo(self, authorization: str) -> tuple[int, Any]:
        """The signed-in user's profile claims (not the role claim: that is in the ID
        token only, as Entra ID does it)."""
        claims = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, {k: v for k, v in claims.items() if k != "groups"}
