#!/usr/bin/env bash
# Install f5stegojs 0.1.2 (npm; an F5 port for browsers and Node.js, MIT) into
# target/f5stegojs, for the data scripts that embed with it (scripts/eval_known_keys.py
# --tool f5stegojs). Needs node and npm (Debian: nodejs, npm). Prints the CLI's path.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/f5stegojs
if [ ! -x "$dir/node_modules/f5stegojs/bin/f5stego" ]; then
    if ! command -v npm > /dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm > /dev/null
    fi
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" f5stegojs@0.1.2 > /dev/null
fi
echo "$PWD/$dir/node_modules/f5stegojs/bin/f5stego"
