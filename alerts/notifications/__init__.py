"""Notifications of violations: rules ("who hears about what"), e-mail and signed webhooks
sent from celery with retries and a delivery log, and escalation of unacknowledged ones."""
