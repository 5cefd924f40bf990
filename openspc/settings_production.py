"""Production settings: the defaults of ``openspc.settings`` made safe for a plant network.

``DJANGO_SETTINGS_MODULE=openspc.settings_production``. Requires ``OPENSPC_SECRET_KEY`` and
``OPENSPC_ALLOWED_HOSTS`` from the environment (refuses to start without them), turns
DEBUG off, makes cookies secure, sends HSTS, and logs JSON lines. Behind a TLS-terminating
proxy set ``OPENSPC_SECURE_PROXY_SSL_HEADER=true``; ``OPENSPC_SECURE_SSL_REDIRECT=false``
when the proxy already redirects (the health endpoints are exempt either way).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from openspc.logging_json import logging_config
from openspc.settings import *  # noqa: F403 - production settings extend the base ones
from openspc.settings import env_bool, env_int, env_list, env_str

DEBUG = env_bool("OPENSPC_DEBUG", False)

SECRET_KEY = env_str("OPENSPC_SECRET_KEY")
if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set OPENSPC_SECRET_KEY to a random string of 32+ characters.")

ALLOWED_HOSTS = env_list("OPENSPC_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set OPENSPC_ALLOWED_HOSTS (comma-separated host names).")

SESSION_COOKIE_SECURE = env_bool("OPENSPC_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("OPENSPC_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OPENSPC_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
# Subdomain coverage and preload lists are the site's own decision, not a default we can
# make for it (OPENSPC_HSTS_INCLUDE_SUBDOMAINS turns the first on).
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_SSL_REDIRECT = env_bool("OPENSPC_SECURE_SSL_REDIRECT", True)
# Probes and scrapers speak plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if env_bool("OPENSPC_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# redis-py 8 gives every socket a 5 s read timeout by default; channels-redis waits on a
# blocking BZPOPMIN, so an idle live page's consumer would fail every 5 s (close 1011).
# No read timeout on the channel layer's connections (the connect timeout stays).
if REDIS_URL:  # noqa: F405
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],  # noqa: F405
                "capacity": 1500,
                "expiry": 10,
            },
        }
    }

WHITENOISE_AUTOREFRESH = False
OPENSPC_METRICS_TOKEN = env_str("OPENSPC_METRICS_TOKEN")

LOGGING = logging_config(
    env_str("OPENSPC_LOG_LEVEL", "INFO"), json_lines=env_bool("OPENSPC_LOG_JSON", True)
)
