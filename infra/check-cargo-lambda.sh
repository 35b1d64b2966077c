#!/usr/bin/env bash
# cargo-lambda's own workflow works at the workspace root: one `cargo lambda watch` serves every
# function, and `cargo lambda invoke <function> --data-file <event>` gets each function's answer,
# against DynamoDB Local and moto. Every event of events/ is sent, filled by fill-events for a
# fresh table, and the answer's statusCode must be the contract's; a used setup link must then
# answer 410. Any failure ends the run with a non-zero status; nothing is skipped.
#
# Needs the test services (infra/test-services/start.sh, then `source .test-services/env`) and
# cargo-lambda in .venv (install.sh). infra/test.sh runs it in the services' private network
# namespace after the tests; the debug binaries it runs are built before (cargo runs offline there).
#   CARGO_LAMBDA_PORT   the emulator's port (default 9000)
#   INVOKE_TIMEOUT      seconds an invoke may take, a function's start included (default 120)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS
export PATH="$root/.venv/bin:$PATH"
port=${CARGO_LAMBDA_PORT:-9000}
invoke_timeout=${INVOKE_TIMEOUT:-120}
fail() { echo "error: $*" >&2; exit 1; }

: "${DYNAMODB_TEST_ENDPOINT:?is not set: source .test-services/env (infra/test-services/start.sh writes it)}"
: "${SES_TEST_ENDPOINT:?is not set: source .test-services/env (infra/test-services/start.sh writes it)}"
command -v cargo-lambda >/dev/null || fail "cargo-lambda is missing: run infra/test-services/install.sh"

state="$root/.test-services/cargo-lambda"
rm -rf "$state"
mkdir -p "$state"
log="$root/.test-services/logs/cargo-lambda-watch.log"
mkdir -p "$(dirname "$log")"


# --- The functions' environment, as the template gives it on Lambda, for a fresh table here.
# Offline: inside the test namespace there is no network, and everything is built already.
export CARGO_NET_OFFLINE=true
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_ENDPOINT_URL_DYNAMODB=$DYNAMODB_TEST_ENDPOINT AWS_ENDPOINT_URL_SESV2=$SES_TEST_ENDPOINT
export TABLE_NAME="cargo-lambda-$(date +%s)-$$"
export SENDER_EMAIL="noreply-$$@northwind.example"
# A host name, as the local server's default: passkeys (and their events) need one.
export PUBLIC_BASE_URL=http://localhost:3000
export SESSION_SIGNING_KEY="cargo-lambda-check-signing-key-0123456789abcdef"
env_file="$state/functions.env"
for name in AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_DYNAMODB \
  AWS_ENDPOINT_URL_SESV2 TABLE_NAME SENDER_EMAIL PUBLIC_BASE_URL SESSION_SIGNING_KEY; do
  printf '%s=%s\n' "$name" "${!name}"
done >"$env_file"
printf 'RUST_LOG=warn\n' >>"$env_file"

# The binaries: what `cargo lambda watch` runs (`cargo run --bin <function>` at the root) and the
# tools. One `cargo build` at the root, so the same packages and features as watch's: a no-op
# when make test built them before entering the namespace.
cargo build --quiet --bin create-user --bin redeem-token --bin login --bin create-table --bin fill-events
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

"$bin/create-table" --table "$TABLE_NAME" >/dev/null
# moto refuses mail from a sender SES has not verified.
.venv/bin/python - <<'PY'
import os, boto3
boto3.client("sesv2", region_name=os.environ["AWS_REGION"],
             endpoint_url=os.environ["AWS_ENDPOINT_URL_SESV2"]).create_email_identity(
    EmailIdentity=os.environ["SENDER_EMAIL"])
PY
echo "  table $TABLE_NAME, sender $SENDER_EMAIL ($((SECONDS - started))s)"

# --- One `cargo lambda watch` at the root, for every function.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  fail "something already listens on 127.0.0.1:$port (set CARGO_LAMBDA_PORT)"
fi
# Its own process group, so that the functions it starts (cargo run, then the binary) end with it.
setsid cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" --ignore-changes \
  --env-file "$env_file" </dev/null >"$log" 2>&1 &
watch_pid=$!
stop_watch() {
  kill -TERM -- "-$watch_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$watch_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$watch_pid" 2>/dev/null || true
}
trap stop_watch EXIT
show_log() { echo "the end of $log:" >&2; tail -n 40 "$log" >&2; }
deadline=$((SECONDS + 30))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  kill -0 "$watch_pid" 2>/dev/null || { show_log; fail "cargo lambda watch exited"; }
  ((SECONDS < deadline)) || { show_log; fail "cargo lambda watch did not listen on $port in 30s"; }
  sleep 0.2
done
echo "  cargo lambda watch is up on 127.0.0.1:$port (pid $watch_pid)"

invoke() { # function, filled event file, expected status
  local function=$1 file=$2 want=$3 answer code t0=$SECONDS pid seen
  seen=$(wc -l <"$log")
  timeout "$invoke_timeout" cargo lambda invoke "$function" --invoke-address 127.0.0.1 \
    --invoke-port "$port" --data-file "$file" >"$state/invoke.out" 2>"$state/invoke.err" &
  pid=$!
  # A function that cannot start leaves the invoke waiting: watch only logs that it exited.
  while kill -0 "$pid" 2>/dev/null; do
    if tail -n "+$((seen + 1))" "$log" | grep -Eq 'ERROR command (exited|killed|stopped)'; then
      kill "$pid" 2>/dev/null || true
      show_log
      fail "$function did not start, so cargo lambda invoke $function --data-file $file cannot answer"
    fi
    sleep 0.1
  done
  if ! wait "$pid"; then
    cat "$state/invoke.err" >&2
    show_log
    fail "cargo lambda invoke $function --data-file $file failed (or took over ${invoke_timeout}s)"
  fi
  answer=$(cat "$state/invoke.out")
  code=$(jq -er '.statusCode' <<<"$answer" 2>/dev/null) ||
    fail "$function $(basename "$file"): the answer has no statusCode: $answer"
  if [ "$code" != "$want" ]; then
    fail "$function $(basename "$file"): statusCode $code, expected $want: $answer"
  fi
  printf '  %-13s %-22s %s (%ss)\n' "$function" "$(basename "$file")" "$code" "$((SECONDS - t0))"
}

# --- Every event of every function, each filled afresh (setup and reset links work once).
n=0
for function in create-user redeem-token login; do
  events=(events/"$function"/*.json)
  [ -e "${events[0]}" ] || fail "no events in events/$function"
  for event in "${events[@]}"; do
    name=$(basename "$event" .json)
    n=$((n + 1))
    out="$state/$n"
    "$bin/fill-events" --out "$out" >/dev/null
    filled="$out/$function/$name.json"
    ! grep -q '{{' "$filled" || fail "$filled still has a placeholder"
    # The contract's answer to it, as infra::events::expected_status says (fill-events writes it).
    [ -f "$out/$function/$name.status" ] ||
      fail "$event: no expected status; add it to expected_status in infra/src/events.rs"
    want=$(cat "$out/$function/$name.status")
    invoke "$function" "$filled" "$want"
    # A setup link works once: the same event again is 410 Gone.
    if [ "$name" = post-setup-json ]; then
      invoke "$function" "$filled" 410
      n=$((n + 1))
    fi
  done
done
echo "cargo-lambda: $n invokes of 3 functions through one cargo lambda watch, every answer as expected ($((SECONDS - started))s)"
