"""Freeing the kept uploads of old imports (celery beat: ``ingest.purge_import_uploads``)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from ingest.imports.models import Import, ImportState

#: How long a kept upload outlives its import (``OPENSPC_IMPORT_KEEP_DAYS``).
KEEP_DAYS = 7


def purge_uploads(now: datetime | None = None) -> int:
    """Free the kept uploads of imports created more than ``OPENSPC_IMPORT_KEEP_DAYS`` (7)
    ago; returns how many files went. A finished import keeps its record (figures and
    problems) without the file; a preview never started is deleted with its file (it stored
    nothing). Queued and running imports are left alone."""
    days = int(os.environ.get("OPENSPC_IMPORT_KEEP_DAYS") or KEEP_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Import.objects.filter(created_at__lt=cutoff)
    removed = 0
    for record in old.filter(state=ImportState.PREVIEW):
        Path(record.file_path).unlink(missing_ok=True)
        record.delete()
        removed += 1
    finished = old.filter(state__in=(ImportState.DONE, ImportState.FAILED)).exclude(file_path="")
    for record in finished:
        Path(record.file_path).unlink(missing_ok=True)
        record.file_path = ""
        record.save(update_fields=["file_path"])
        removed += 1
    return removed
