"""Signals the pipeline sends, for other apps that act on what it stored."""

from __future__ import annotations

from django.dispatch import Signal

violations_raised = Signal()
"""Sent after the commit of a pipeline call whose new samples raised violations, with
``results``: the ``spc.pipeline.processing.ProcessResult`` of each such sample, whatever its source.
Not sent for a transaction that rolled back."""

samples_stored = Signal()
"""Sent after the commit of a pipeline call that stored new samples (late ones included),
with ``results``: the ``ProcessResult`` of each. Only built when a receiver is connected
(the multivariate app computes T² from it). Not sent for a transaction that rolled back."""
