#!/bin/sh
# Container entrypoint: run the given command as PID 1 (so SIGTERM reaches it and the
# ingest worker can finish its batch and disconnect cleanly).
set -eu
cd /app
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # multiprocess metrics files of a previous run would be summed with the new ones
    rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"/*
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
