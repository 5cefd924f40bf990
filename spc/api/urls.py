"""Routes of the characteristics and samples API."""

from rest_framework.routers import DefaultRouter

from spc.api.views import CharacteristicViewSet, SampleViewSet

router = DefaultRouter()
router.register("characteristics", CharacteristicViewSet, basename="characteristic")
router.register("samples", SampleViewSet, basename="sample")
urlpatterns = router.urls
