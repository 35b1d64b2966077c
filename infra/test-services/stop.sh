#!/usr/bin/env bash
# Stops what start.sh started. Quiet, and never fails.
root=$(cd "$(dirname "$0")/../.." && pwd)
for pidfile in "$root"/.test-services/pids/*.pid; do
  [ -f "$pidfile" ] || continue
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
done
exit 0
