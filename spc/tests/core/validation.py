"""Where the reference cases live: a copy in the repository, refreshed from the shared folder.

``data/reference-cases.json`` is a verbatim copy of ``shared/validation/`` (published
results, each recomputed independently from its formula), kept in the repository so a
clean clone tests against it. ``$OPENSPC_VALIDATION_DIR`` points at another copy.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_COPY = Path(__file__).resolve().parent / "data" / "reference-cases.json"


def validation_file() -> Path:
    """The reference-cases file to test against."""
    folder = os.environ.get("OPENSPC_VALIDATION_DIR")
    return Path(folder) / "reference-cases.json" if folder else REPO_COPY
