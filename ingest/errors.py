"""The one error type of the ingest parsing layer: a payload that cannot become a reading."""

from __future__ import annotations

REASONS = (
    "invalid_json",
    "not_a_number",
    "non_finite",
    "empty",
    "too_many_values",
    "invalid_timestamp",
    "payload_too_large",
    "invalid_utf8",
    "invalid_protobuf",
    "unknown_topic",
    "unknown_alias",
    "input_error",
    "partial_discarded",
    "trigger_overflow",
    "rate_limited",
)
"""Dead-letter reason codes (also the names of the per-reason counters)."""


class PayloadError(ValueError):
    """A message that cannot become a reading; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
