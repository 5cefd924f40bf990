"""Operator-facing pages of the spc app (and the violation pages of alerts)."""

from django.urls import include, path

from spc.views import assets, characteristic, dashboard, entry, nodes, out_of_spec, quality

app_name = "spc"

urlpatterns = [
    path("", nodes.index, name="home"),
    path("nodes/<int:pk>/", dashboard.node_dashboard, name="node"),
    path("chars/<int:pk>/", characteristic.detail, name="characteristic"),
    path("chars/<int:pk>/figure/", characteristic.figure, name="figure"),
    path("chars/<int:pk>/violations/", characteristic.violation_panel, name="violation-panel"),
    path("chars/<int:pk>/entry/", entry.entry, name="entry"),
    path("chars/<int:pk>/entry/check/", entry.entry_check, name="entry-check"),
    path("samples/<int:pk>/", characteristic.sample_detail, name="sample"),
    path("samples/<int:pk>/exclusion/", characteristic.sample_exclusion, name="sample-exclusion"),
    path("chars/<int:pk>/annotate/", quality.annotate, name="annotate"),
    path("samples/<int:pk>/correct/", quality.correct, name="sample-correct"),
    path("assets/plotly.min.js", assets.plotly_js, name="plotly-js"),
    path("out-of-spec/", out_of_spec.out_of_spec_list, name="out-of-spec"),
    path("violations/", include("alerts.urls")),
]
