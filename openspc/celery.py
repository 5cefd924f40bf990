"""Celery application: reports and periodic jobs, never the sample hot path."""

import os

from celery import Celery
from celery.schedules import crontab

from spc.jobs.schedule import OVERDUE_CHECK_SECONDS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openspc.settings")

app = Celery("openspc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["spc.jobs", "spc.reports", "alerts.notifications", "ingest.imports"])

# celery beat (one process per deployment). The overdue check's period is also its alert
# window, so each overdue episode is alerted exactly once.
app.conf.beat_schedule = {
    "check-overdue-sampling": {
        "task": "spc.check_overdue_sampling",
        "schedule": float(OVERDUE_CHECK_SECONDS),
        "options": {"expires": OVERDUE_CHECK_SECONDS},
    },
    "recalculate-scheduled-limits": {
        "task": "spc.recalculate_scheduled_limits",
        "schedule": crontab(minute=7),
    },
    "purge-expired-samples": {
        "task": "spc.purge_expired_samples",
        "schedule": crontab(hour=2, minute=17),
    },
    # Notifications: due webhook/e-mail retries (a receiver's outage loses nothing) and
    # escalation of violations still unacknowledged after their rule's delay.
    "retry-notification-deliveries": {
        "task": "alerts.retry_due_deliveries",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    "escalate-violations": {
        "task": "alerts.escalate_violations",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "notification-daily-digests": {
        "task": "alerts.send_daily_digests",
        "schedule": crontab(hour=6, minute=3),
    },
    "purge-report-files": {
        "task": "reports.purge_reports",
        "schedule": crontab(hour=2, minute=47),
    },
    "purge-import-uploads": {
        "task": "ingest.purge_import_uploads",
        "schedule": crontab(hour=3, minute=13),
    },
}
