"""Routes of the hierarchy API."""

from rest_framework.routers import DefaultRouter

from hierarchy.api.views import NodeViewSet

router = DefaultRouter()
router.register("hierarchy", NodeViewSet, basename="node")
urlpatterns = router.urls
