"""Periodic jobs (celery beat): overdue sampling, scheduled recalculation, retention."""
