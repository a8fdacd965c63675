#!/usr/bin/env bash
# Quick start, first command: install and build, then run scenario S1 (firsthop lab run S1) on a namespace lab.
set -euo pipefail
# Root is needed (packages, network namespaces). Not root: start again through sudo when it is
# installed; where you are root, sudo is not needed (a fresh machine may not have it).
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo env "PATH=$PATH" ${CI:+"CI=$CI"} bash "$(readlink -f "${BASH_SOURCE[0]}")" "$@"
  fi
  echo "${BASH_SOURCE[0]}: run this as root (sudo is not installed)" >&2
  exit 1
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/tmp/firsthop-setup.log 2>&1 || { cat /tmp/firsthop-setup.log; exit 1; }
exec node dist/src/cli/main.js lab run S1 "$@"
