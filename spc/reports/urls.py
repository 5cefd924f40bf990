"""Report pages: included by the project as ``path("reports/", include("spc.reports.urls"))``."""

from django.urls import path

from spc.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("jobs/", views.start_job, name="start-job"),
    path("jobs/<str:job_id>/", views.job_detail, name="job"),
    path("jobs/<str:job_id>/download/", views.job_download, name="download"),
    path("capability/<int:pk>/", views.capability_page, name="capability"),
    path("violations/", views.violations_page, name="violations"),
    path("charts.js", views.charts_js, name="charts-js"),
    path("reports.css", views.reports_css, name="css"),
]
