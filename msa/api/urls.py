"""Routes of the MSA API under ``/api/v1/msa/``."""

from rest_framework.routers import DefaultRouter

from msa.api.views import GaugeStudyViewSet, GaugeViewSet

router = DefaultRouter()
router.register("msa/gauges", GaugeViewSet, basename="gauge")
router.register("msa/studies", GaugeStudyViewSet, basename="gaugestudy")
urlpatterns = router.urls
