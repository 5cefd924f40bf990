"""Starting an import: keep the upload, scan it, record it; queue the job.

Pages, the API and the command all go through here: ``create`` stores the file and the
scan's findings on a new ``Import`` (state PREVIEW, nothing stored in the SPC tables),
``start`` queues the celery job (``ingest.imports.tasks.run_import``; inline on the
embedded default).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from ingest.imports.mapping import Mapping
from ingest.imports.models import Import, ImportState
from ingest.imports.reading import detect, file_sha256, header_and_rows
from ingest.imports.runner import Scan, record_scan, scan
from spc.core.errors import InputError

MAX_BYTES = 512 * 1024 * 1024


def imports_dir() -> Path:
    """Where uploads are kept (setting or environment ``OPENSPC_IMPORTS_DIR``, default
    ``data/imports``; web and worker must share it)."""
    configured = getattr(settings, "OPENSPC_IMPORTS_DIR", None) or os.environ.get(
        "OPENSPC_IMPORTS_DIR"
    )
    folder = Path(configured) if configured else Path(settings.BASE_DIR) / "data" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(stream: IO[bytes], filename: str) -> Path:
    """Copy an upload into the imports folder; ``InputError`` if it is too large."""
    suffix = Path(filename).suffix.lower()[:8]
    target = imports_dir() / f"{uuid.uuid4().hex}{suffix}"
    with target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    if target.stat().st_size > MAX_BYTES:
        target.unlink()
        raise InputError("file", f"The file is larger than {MAX_BYTES // 2**20} MB.")
    return target


def upload(stream: IO[bytes], filename: str, user: Any = None) -> Import:
    """Keep an upload as a new Import (state PREVIEW, no mapping yet)."""
    path = keep_upload(stream, filename)
    return Import.objects.create(
        created_by=user if getattr(user, "pk", None) else None,
        filename=Path(filename).name[:255] or "upload",
        file_path=str(path),
        file_sha256=file_sha256(path),
        size_bytes=path.stat().st_size,
    )


def create(
    stream: IO[bytes], filename: str, mapping_data: dict[str, Any], user: Any = None
) -> tuple[Import, Scan]:
    """Keep the file, check the mapping against it and scan it; nothing is imported yet.

    Raises ``InputError`` (field named) for a mapping or file that cannot be used at all;
    then nothing is kept.
    """
    mapping = Mapping.from_data(mapping_data)
    record = upload(stream, filename, user)
    try:
        found = rescan(record, mapping.as_dict(), user)
    except InputError:
        discard(record)
        raise
    return record, found


def discard(record: Import) -> None:
    """Delete an import that was never started, with its kept file."""
    Path(record.file_path).unlink(missing_ok=True)
    record.delete()


def header_of(record: Import, delimiter: str = "", sheet: str = "") -> list[str]:
    """The column names of a kept file (``InputError`` if it cannot be read)."""
    return header_and_rows(
        Path(record.file_path), detect(Path(record.file_path), delimiter, sheet)
    )[0]


def rescan(record: Import, mapping_data: dict[str, Any], user: Any = None) -> Scan:
    """Scan a kept file with a mapping and keep both (only before it is imported)."""
    if record.state != ImportState.PREVIEW:
        raise InputError("mapping", "This file has been imported: upload it again to remap.")
    mapping = Mapping.from_data(mapping_data)
    found = scan(Path(record.file_path), mapping, user)
    record.mapping = mapping.as_dict()
    record.save(update_fields=["mapping"])
    record_scan(record, found)
    return found


def start(record: Import) -> Import:
    """Queue the import job (once); returns the record as it is now."""
    from ingest.imports.tasks import run_import

    updated = Import.objects.filter(pk=record.pk, state=ImportState.PREVIEW).update(
        state=ImportState.QUEUED
    )
    if not updated:
        raise InputError("state", "This import has been started already.")
    run_import.delay(record.pk)
    record.refresh_from_db()
    return record


def from_path(path: Path, mapping_data: dict[str, Any], user: Any = None) -> tuple[Import, Scan]:
    """``create`` for a file on disk (the management command)."""
    with path.open("rb") as handle:
        return create(handle, path.name, mapping_data, user)
