"""Routes of the multivariate API under ``/api/v1/multivariate/``."""

from rest_framework.routers import DefaultRouter

from multivariate.api.views import MultivariateGroupViewSet

router = DefaultRouter()
router.register("multivariate/groups", MultivariateGroupViewSet, basename="multivariategroup")
urlpatterns = router.urls
