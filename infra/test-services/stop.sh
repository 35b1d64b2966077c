#!/usr/bin/env bash
# Stops what start.sh started, by the pid files it wrote and nothing else. Quiet, and never fails.
# Each service was started as its own process group, so the group goes: ChromeDriver's browsers too.
#
# Several runs can share this work tree at once, each in its own network namespace (infra/test.sh
# runs the services inside `unshare --net`): start.sh names each pid file after its namespace, and
# only this namespace's services are stopped here, never another run's.
set -uo pipefail
pids_dir="$(cd "$(dirname "$0")/../.." && pwd)/.test-services/pids"
our_net=$(readlink /proc/self/ns/net)
pids=()
for pidfile in "$pids_dir"/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile" 2>/dev/null)
  written=$(stat -c %Y "$pidfile" 2>/dev/null || echo 0)
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pidfile" # long gone: only the file is left
    continue
  fi
  [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$our_net" ] || continue # another run's
  rm -f "$pidfile"
  # A process younger than its pid file is not ours: the pid was reused after ours ended.
  started=$(($(date +%s) - $(ps -o etimes= -p "$pid" 2>/dev/null || echo 0)))
  ((started <= written + 2)) || continue
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || continue
  pids+=("$pid")
done
# Up to 5 s to exit (a port still held would stop the next start.sh), then SIGKILL.
for _ in $(seq 1 50); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.1
done
for pid in "${pids[@]}"; do
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
done
exit 0
