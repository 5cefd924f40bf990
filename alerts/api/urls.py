"""Routes of the violations and reason codes API."""

from rest_framework.routers import DefaultRouter

from alerts.api.capa import CorrectiveActionViewSet
from alerts.api.views import ReasonCodeViewSet, ViolationViewSet

router = DefaultRouter()
router.register("violations", ViolationViewSet, basename="violation")
router.register("reason-codes", ReasonCodeViewSet, basename="reasoncode")
router.register("corrective-actions", CorrectiveActionViewSet, basename="correctiveaction")
urlpatterns = router.urls
