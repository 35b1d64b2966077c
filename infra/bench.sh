#!/usr/bin/env bash
# `make bench`: builds the release binaries, starts the test services in a private network
# namespace (as the tests do), runs the bench, prints one table and writes docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/test-services/install.sh
cargo build --release -p create-user -p redeem-token -p login -p infra --bins
unshare_net=(unshare --net)
[ "$(id -u)" -eq 0 ] || unshare_net=(unshare --net --map-root-user)
"${unshare_net[@]}" bash -c '
  set -euo pipefail
  ip link set lo up
  trap "bash infra/test-services/stop.sh" EXIT
  bash infra/test-services/start.sh >/dev/null
  source .test-services/env
  target/release/bench
'
