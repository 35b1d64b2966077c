#!/usr/bin/env bash
# `make bench`: builds the release binaries (and arm64's, when it can), starts the test services in a private network
# namespace (as the tests do), runs the bench, prints one table and writes docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/test-services/install.sh
cargo build --release -p create-user -p redeem-token -p login -p mailer -p bench -p argon2-probe --bins
# The argon2 verification as it was built until 2026-12 (all "z"), for the side-by-side rows.
cargo build --profile release-size -p argon2-probe
# arm64 zip sizes, when an aarch64 toolchain is installed (rustup's target, or the Debian one
# `make test` fetches): the template's own arm64 build, into .aws-sam/build-arm64.
if rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu ||
  [ -x target/toolchains/rust-web/rustc ]; then
  SAM_BUILD_ARCHS=arm64 bash infra/check-template.sh
else
  rm -rf .aws-sam/build-arm64
fi
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
