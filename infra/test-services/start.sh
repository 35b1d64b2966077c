#!/usr/bin/env bash
# Starts the test services in the background, each listening on 127.0.0.1 only, and waits until
# each answers: DynamoDB Local, moto's server (SES v2), ChromeDriver. Logs go to
# .test-services/logs, pids to .test-services/pids (stop.sh reads them; each file is named after
# this network namespace, so runs in separate namespaces keep apart), and the addresses the
# tests read to .test-services/env. A service that does not come up fails the run, with its log:
# a missing service is a failure, never a skip. Run install.sh first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state="$root/.test-services"
host=127.0.0.1
dynamodb_port=${DYNAMODB_PORT:-8000}
moto_port=${MOTO_PORT:-5000}
chromedriver_port=${CHROMEDRIVER_PORT:-9515}
chromium_bin=$(command -v chromium || true)

for need in "$state/dynamodb-jar-dir" "$state/dynamodb-launcher/DynamoDBLocalLoopback.class" \
  "$root/.venv/bin/moto_server"; do
  [ -e "$need" ] || { echo "error: $need is missing: run infra/test-services/install.sh" >&2; exit 1; }
done
command -v chromedriver >/dev/null && [ -n "$chromium_bin" ] ||
  { echo "error: chromium or chromedriver is missing: run infra/test-services/install.sh" >&2; exit 1; }
jar_dir=$(cat "$state/dynamodb-jar-dir")
net=$(readlink /proc/self/ns/net) # net:[4026531840]
net_id=${net//[^0-9]/}

# What this script started before in this network namespace goes first; then every port must be
# free, or the readiness checks below would be answered by someone else's server.
bash "$here/stop.sh"
mkdir -p "$state/logs" "$state/pids"
rm -f "$state/env"
for port in "$dynamodb_port" "$moto_port" "$chromedriver_port"; do
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    echo "error: something already listens on $host:$port (set DYNAMODB_PORT, MOTO_PORT or CHROMEDRIVER_PORT)" >&2
    exit 1
  fi
done

start() { # name, command...: its own session (and process group), so stop.sh can end its children
  local name=$1
  shift
  setsid "$@" </dev/null >"$state/logs/$name.log" 2>&1 &
  echo $! >"$state/pids/$name.$net_id.pid"
}
# DynamoDB Local through DynamoDBLocalLoopback: the jar alone listens on every interface.
# IPv4 stack only, so the socket is plainly 127.0.0.1 (not ::ffff:127.0.0.1 on a dual socket).
start dynamodb java -Djava.net.preferIPv4Stack=true -Ddynamodb.host="$host" \
  -Djava.library.path="$jar_dir/DynamoDBLocal_lib" \
  -cp "$state/dynamodb-launcher:$jar_dir/DynamoDBLocal.jar" DynamoDBLocalLoopback \
  -inMemory -port "$dynamodb_port" -disableTelemetry
start moto "$root/.venv/bin/moto_server" -H "$host" -p "$moto_port"
# No --allowed-ips: with it ChromeDriver listens on all interfaces and filters by address;
# without it, it listens on loopback only and takes local connections only.
start chromedriver chromedriver --port="$chromedriver_port"

# Fake credentials in a SigV4-shaped header: DynamoDB Local checks the shape, not the signature.
dynamodb_probe=(-X POST -H 'Content-Type: application/x-amz-json-1.0'
  -H 'X-Amz-Target: DynamoDB_20120810.ListTables'
  -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-target, Signature=0'
  -d '{}')
wait_for() { # name, expected text in the answer, curl arguments...
  local name=$1 expect=$2 pid body deadline=$((SECONDS + 60))
  shift 2
  pid=$(cat "$state/pids/$name.$net_id.pid")
  while ((SECONDS < deadline)); do
    if body=$(curl -sf --max-time 2 "$@" 2>/dev/null) && [[ "$body" == *"$expect"* ]]; then
      echo "  $name is up (pid $pid)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break # it died: no point waiting
    sleep 0.5
  done
  echo "error: $name did not come up; the end of .test-services/logs/$name.log:" >&2
  tail -n 40 "$state/logs/$name.log" >&2
  bash "$here/stop.sh"
  exit 1
}
wait_for dynamodb '"TableNames"' "${dynamodb_probe[@]}" "http://$host:$dynamodb_port/"
wait_for moto '{' "http://$host:$moto_port/moto-api/data.json"
wait_for chromedriver '"ready":true' "http://$host:$chromedriver_port/status"

cat >"$state/env" <<ENV
export DYNAMODB_TEST_ENDPOINT=http://$host:$dynamodb_port
export SES_TEST_ENDPOINT=http://$host:$moto_port
export CHROMEDRIVER_URL=http://$host:$chromedriver_port
export CHROMIUM_BIN=$chromium_bin
ENV
cat "$state/env"
