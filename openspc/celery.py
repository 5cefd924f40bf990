"""Celery application: reports and periodic jobs, never the sample hot path."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")

app = Celery("openspc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["spc.reports"])
