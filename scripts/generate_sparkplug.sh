#!/bin/sh
# Regenerate the Sparkplug B Python bindings from ingest/sparkplug_b.proto.
# Needs grpcio-tools (requirements-dev.txt). The generated files are checked in.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -m grpc_tools.protoc -I ingest --python_out=ingest --pyi_out=ingest ingest/sparkplug_b.proto
echo "generated ingest/sparkplug_b_pb2.py and ingest/sparkplug_b_pb2.pyi"
