"""The engineer's admin for characteristics, samples and limits (Django imports ``spc.admin``)."""

from spc.admin import (
    characteristics,  # noqa: F401 - registers the admin classes
    trail_display,  # noqa: F401 - how rules read in the audit trail
)
