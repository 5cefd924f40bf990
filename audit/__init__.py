"""The audit trail: who changed what, when, from what to what, and why.

A base layer: every other app may record into it, and it imports none of them. What it
needs to know about the rest of the project (which models to record on every save, which
plant paths a user may see) comes from settings (``AUDIT_CONFIG_MODELS``,
``AUDIT_VISIBLE_PATHS``).
"""
