"""The import job as a celery task (inline on the embedded default, a worker with Redis).

The worker imports this module: ``app.autodiscover_tasks([..., "ingest.imports"])``.
"""

from __future__ import annotations

from celery import shared_task

from ingest.imports import purge, runner
from ingest.imports.models import Import, ImportState


@shared_task(name="ingest.run_import", ignore_result=True)
def run_import(import_id: int) -> None:
    """Run a queued import; it ends DONE or FAILED with a message on its record."""
    record = Import.objects.select_related("created_by").filter(pk=import_id).first()
    if record is None or record.state != ImportState.QUEUED:
        return
    runner.run(record, record.created_by)


@shared_task(name="ingest.purge_import_uploads", ignore_result=True)
def purge_import_uploads() -> int:
    """Free old kept uploads (``purge.purge_uploads``; celery beat, daily)."""
    return purge.purge_uploads()
