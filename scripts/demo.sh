#!/usr/bin/env bash
# Quick start, first command: install and build, then run the S1 and S7 demos on a namespace lab.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/tmp/firsthop-setup.log 2>&1 || { cat /tmp/firsthop-setup.log; exit 1; }
exec node dist/src/cli/main.js demo
