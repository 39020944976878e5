#!/usr/bin/env bash
# `npm run test:node24`: the Node tests (`npm run test:node`) again under Node 24, the other
# supported version beside the 20 the rest runs on. Node 24 comes from the npm registry's
# `node-<platform>-<arch>` package, installed once into a cache folder outside the repository
# (PROGRESS_NODE24_DIR, default ~/.cache/progress-elements/node24). `--install` only installs it.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${PROGRESS_NODE24_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/progress-elements/node24}"
package="node-$(node -p 'process.platform + "-" + process.arch')"
bin="$dir/node_modules/$package/bin"

if ! [ -x "$bin/node" ] || [[ "$("$bin/node" --version)" != v24.* ]]; then
  echo "installing Node 24 ($package@24) into $dir"
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@24" > /dev/null)
fi
echo "Node $("$bin/node" --version) at $bin/node"
if [ "${1:-}" = --install ]; then exit 0; fi

PATH="$bin:$PATH" npm run test:node
