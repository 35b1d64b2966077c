#!/usr/bin/env bash
# The template's checks, with the tools infra/test-services/install.sh put in .venv:
# cfn-lint, sam validate --lint, and sam build (cargo-lambda with zig, offline). The functions are
# built for x86_64 here: this machine's Rust toolchain has no aarch64 standard library and none
# can be fetched; deploys build arm64 (the default) with the same command where rustup can add
# the aarch64-unknown-linux-gnu target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} SAM_CLI_TELEMETRY=0
cfn-lint template.yaml
echo "cfn-lint: no findings"
sam validate --lint
arch=${SAM_BUILD_ARCH:-x86_64}
sam build --parameter-overrides "Architecture=$arch" --build-dir .aws-sam/build
for f in CreateUserFunction RedeemTokenFunction LoginFunction; do
  test -x ".aws-sam/build/$f/bootstrap" || { echo "error: sam build made no bootstrap for $f" >&2; exit 1; }
done
echo "sam build: bootstrap binaries for all three functions ($arch)"
