#!/usr/bin/env bash
# The template's checks, with the tools infra/test-services/install.sh put in .venv: cfn-lint,
# sam validate --lint, what `sam local invoke --env-vars events/env.json` would hand each function
# (the SAM CLI's own code, up to the container), and sam build (cargo-lambda with zig, offline)
# for both architectures: arm64, the default a deploy builds, and x86_64. Prints each function's
# zip size per architecture.
#
#   SAM_BUILD_ARCHS="arm64 x86_64"   the architectures to build (default: both; empty: none)
#   SAM_LINT=0                       only build (no cfn-lint, sam validate, sam local check)
#
# Builds go to .aws-sam/build-<arch>. Without rustup's aarch64 target, the arm64 build uses
# Debian's rustc-web (infra/arm64-toolchain.sh) with its own target folder, target/rust-web.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} SAM_CLI_TELEMETRY=0

if [ "${SAM_LINT:-1}" != 0 ]; then
  cfn-lint template.yaml
  echo "cfn-lint: no findings"
  sam validate --lint
  python infra/sam-local-env.py
fi

functions=(CreateUserFunction RedeemTokenFunction LoginFunction MailerFunction)
packages=(create-user redeem-token login mailer) # the functions' CodeUri folders, in that order
for arch in ${SAM_BUILD_ARCHS-arm64 x86_64}; do
  build_dir=".aws-sam/build-$arch"
  build=(sam build --parameter-overrides "Architecture=$arch" --build-dir "$build_dir")
  # sam build runs `cargo lambda build --release [--arm64]` in each function's folder, one after
  # the other, and each ends in a fat-LTO link of a minute or two on one core. Built first in one
  # cargo invocation (the same command, all four packages: their dependencies resolve to the same
  # features alone as together), the links run side by side, and sam build's own runs find the
  # binaries up to date and only copy them.
  prebuild=(cargo lambda build --release)
  [ "$arch" != arm64 ] || prebuild+=(--arm64)
  for package in "${packages[@]}"; do prebuild+=(--package "$package"); done
  if [ "$arch" = arm64 ] && ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
    rustc=$(bash infra/arm64-toolchain.sh)
    # cargo-lambda then says "Failed to install target component" (rustup cannot add it) and
    # builds on: RUSTC brings the aarch64 standard library.
    echo "sam build arm64 with Debian's $("$rustc" --version)"
    RUSTC="$rustc" CARGO_TARGET_DIR="$PWD/target/rust-web" "${prebuild[@]}"
    RUSTC="$rustc" CARGO_TARGET_DIR="$PWD/target/rust-web" "${build[@]}"
  else
    "${prebuild[@]}"
    "${build[@]}"
  fi
  # Each bootstrap is an executable for the architecture asked for (ELF e_machine: 183 is
  # aarch64, 62 x86-64), and what it weighs zipped as `sam deploy` uploads it.
  python - "$arch" "$build_dir" "${functions[@]}" <<'PY'
import io, os, struct, sys, zipfile
arch, build_dir, *functions = sys.argv[1:]
want = {"arm64": 183, "x86_64": 62}[arch]
for name in functions:
    path = os.path.join(build_dir, name, "bootstrap")
    if not os.access(path, os.X_OK):
        sys.exit(f"error: sam build made no executable bootstrap for {name} ({arch})")
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF" or struct.unpack_from("<H", head, 18)[0] != want:
        sys.exit(f"error: {path} is not a Linux {arch} executable")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "bootstrap")
    print(f"sam build {arch:6} {name:20} bootstrap {os.path.getsize(path) / 2**20:5.1f} MiB, "
          f"zip {len(buf.getvalue()) / 2**20:4.2f} MiB")
PY
done
