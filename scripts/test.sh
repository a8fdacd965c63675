#!/usr/bin/env bash
# Quick start, second command: install what the tests need, build, run `npm test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
printf '\n=== tests\n'
npm test
