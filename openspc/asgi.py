"""ASGI entry point: daphne serves HTTP and WebSocket from this one application."""

import os

from openspc.pooled_asgi import get_pooled_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")
django_asgi_app = get_pooled_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from openspc.gc_tuning import freeze_startup_objects  # noqa: E402
from openspc.routing import websocket_urlpatterns  # noqa: E402
from spc.pipeline.events import BindServerLoop  # noqa: E402

application = BindServerLoop(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(
                AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
freeze_startup_objects()  # the application is built: what exists now lives forever
