"""Routes of the characteristics and samples API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from spc.api.part_targets import PartTargetViewSet
from spc.api.quality import AnnotationViewSet, SampleCorrectionsView, SampleCorrectView
from spc.api.rule_presets import RulePresetList
from spc.api.views import CharacteristicViewSet, SampleViewSet

router = DefaultRouter()
router.register("characteristics", CharacteristicViewSet, basename="characteristic")
router.register("samples", SampleViewSet, basename="sample")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register(
    r"characteristics/(?P<characteristic_pk>[0-9]+)/parts", PartTargetViewSet, basename="part"
)
urlpatterns = [
    path("rule-presets/", RulePresetList.as_view(), name="rule-presets"),
    path("samples/<int:pk>/correct/", SampleCorrectView.as_view(), name="sample-correct"),
    path(
        "samples/<int:pk>/corrections/",
        SampleCorrectionsView.as_view(),
        name="sample-corrections",
    ),
    *router.urls,
]
