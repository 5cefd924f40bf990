"""Pages of the msa app under ``/msa/``."""

from django.urls import path

from msa.views import entry, pages

app_name = "msa"

urlpatterns = [
    path("", pages.index, name="index"),
    path("studies/new/", pages.new_study, name="new-study"),
    path("studies/<int:pk>/", pages.results, name="results"),
    path("studies/<int:pk>/entry/", entry.entry, name="entry"),
    path("studies/<int:pk>/complete/", pages.complete_study, name="complete"),
    path("studies/<int:pk>/report.pdf", pages.study_pdf, name="pdf"),
]
