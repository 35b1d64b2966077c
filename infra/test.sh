#!/usr/bin/env bash
# The README's test command (`make test`), and what CI runs: lint, install and start the test
# services, run every test, check the SAM template, stop the services.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
section() { printf '\n== %s\n' "$*"; }

# What the run has to work with: a full disk fails a step with ENOSPC, far from its cause.
df -h . | tail -1 | awk '{print "disk: " $4 " free of " $2}'
# The browser tests' screenshots and page weights, which CI keeps: this run's only.
rm -rf artifacts

section "format and lint"
cargo fmt --all --check
cargo clippy --workspace --all-targets --features tests/services -- -D warnings
bash infra/check-links.sh # every Markdown link resolves inside the repository

section "install the test services"
bash infra/test-services/install.sh

section "docs/openapi.yaml: valid OpenAPI (the tests hold it equal to what the code generates)"
.venv/bin/openapi-spec-validator docs/openapi.yaml

section "build: the function binaries (sam build for both architectures, as a deploy builds them) and every test"
# The functions' tests run the very bootstraps `sam build` makes for this machine's architecture
# (SAM_BUILD_DIR, below), so the release profile's fat-LTO build runs once per architecture, not a
# third time for the tests. The release builds (their own folders under target/) run in the
# background while the debug builds (target/debug) run here: each spends minutes on one core (a
# large crate, a fat-LTO link) that the other fills. Their output is printed once they are done.
host_arch=x86_64 other_arch=arm64
if [ "$(uname -m)" = aarch64 ]; then host_arch=arm64 other_arch=x86_64; fi
mkdir -p .test-services/logs
release_log=.test-services/logs/sam-build.log
# In a session of its own (setsid: its pid is the group's), so that this script stops it, cargo
# included, when a build here fails; and a watchdog in that session stops it if this script is
# killed outright (SIGKILL runs no trap).
SAM_BUILD_ARCHS="$host_arch $other_arch" SAM_LINT=0 setsid bash -c '
  (while kill -0 "$1" 2>/dev/null; do sleep 5; done; kill -- -$$) &
  exec bash infra/check-template.sh' release-build "$$" >"$release_log" 2>&1 &
release_pid=$!
trap 'kill -- -"$release_pid" 2>/dev/null || true; echo "-- sam build, stopped:"; tail -n 20 "$release_log"' EXIT
cargo test --workspace --features tests/services --no-run
# What infra/check-cargo-lambda.sh runs: debug binaries, as `cargo lambda watch` builds them.
cargo build --bin create-user --bin redeem-token --bin login --bin create-table --bin fill-events
release_status=0
wait "$release_pid" || release_status=$?
trap - EXIT
printf '\n-- sam build %s and %s (run alongside the builds above)\n' "$host_arch" "$other_arch"
cat "$release_log"
[ "$release_status" -eq 0 ] || { echo "error: sam build failed ($release_status)" >&2; exit 1; }
export SAM_BUILD_DIR="$PWD/.aws-sam/build-$host_arch"

section "tests, in a private network namespace with the services"
# Every service listens on 127.0.0.1 only (DynamoDB Local through DynamoDBLocalLoopback). The
# private network namespace adds two things: nothing outside this run can reach the services, and
# two runs on one machine (a developer's and a helper's) each get the fixed ports to themselves.
# Cargo runs offline there: everything was fetched and built above.
unshare_net=(unshare --net)
[ "$(id -u)" -eq 0 ] || unshare_net=(unshare --net --map-root-user)
"${unshare_net[@]}" bash -c '
  set -euo pipefail
  ip link set lo up
  trap "bash infra/test-services/stop.sh" EXIT
  bash infra/test-services/start.sh
  source .test-services/env
  cargo test --workspace --features tests/services --offline
  bash infra/check-cargo-lambda.sh
'

printf '\nartifacts/: %s screenshots, page weights in artifacts/page-bytes.md\n' \
  "$(find artifacts/screenshots -name '*.png' 2>/dev/null | wc -l)"

section "SAM template: cfn-lint, sam validate --lint, what sam local invoke hands each function"
SAM_BUILD_ARCHS="" bash infra/check-template.sh
