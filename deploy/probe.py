"""Container health probe: exit 0 when the URL answers 2xx (no curl in the slim image)."""

import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=8) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as exc:  # any failure is "unhealthy"
    print(exc, file=sys.stderr)
    sys.exit(1)
