#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine with Node 20 and npm, as root, for firsthop's demo,
# tests and benchmarks: installs the lab tools (without starting any service), the npm
# packages (which builds the native addon), compiles the TypeScript, and removes lab
# namespaces left by crashed runs. Idempotent and quick when everything is there.
# Used by scripts/demo.sh, scripts/test.sh and .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "$(id -u)" != 0 ]; then echo "run as root (it installs packages and builds network namespaces)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
export PATH="${PATH}:/usr/local/sbin:/usr/sbin:/sbin"

section() { printf '\n=== %s\n' "$*"; }

# --- system packages ---------------------------------------------------------------------
LAB_PACKAGES=(iproute2 iputils-ping nftables ndisc6 tcpdump radvd bird2 keepalived procps prometheus chromium)
# tool -> package that provides it
declare -A TOOL_PKG=([ip]=iproute2 [ping]=iputils-ping [nft]=nftables [rdisc6]=ndisc6 [tcpdump]=tcpdump [radvd]=radvd [bird]=bird2 [birdc]=bird2 [keepalived]=keepalived [sysctl]=procps [prometheus]=prometheus [promtool]=prometheus [chromium]=chromium)
declare -A BUILD_PKG=([python3]=python3 [make]=build-essential [g++]=build-essential [cc]=build-essential)
# scripts/build-deb.sh and the package test (test/integration/package.test.ts)
declare -A DEB_PKG=([dpkg-deb]=dpkg [dpkg-shlibdeps]=dpkg-dev [strip]=binutils [lintian]=lintian)

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_BACKUP="${POLICY_RC}.firsthop-ci-backup"
policy_installed=0

restore_policy() {
  if [ "$policy_installed" = 1 ]; then
    rm -f "$POLICY_RC"
    if [ -e "$POLICY_BACKUP" ]; then mv -f "$POLICY_BACKUP" "$POLICY_RC"; fi
    policy_installed=0
  fi
}
trap restore_policy EXIT

apt_updated=0
apt_install() {
  # Package maintainer scripts (radvd, bird2, keepalived) must not start services:
  # invoke-rc.d asks policy-rc.d, and 101 means "action forbidden".
  if [ "$policy_installed" = 0 ]; then
    if [ -e "$POLICY_RC" ]; then mv -f "$POLICY_RC" "$POLICY_BACKUP"; fi
    printf '#!/bin/sh\n# installed by firsthop .ci/run for the duration of apt-get install\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
    policy_installed=1
  fi
  if [ "$apt_updated" = 0 ]; then
    retry apt-get update
    apt_updated=1
  fi
  retry apt-get install -y --no-install-recommends "$@"
}

# Three tries, for transient mirror errors.
retry() {
  local n
  for n in 1 2 3; do
    if "$@"; then return 0; fi
    echo "attempt $n of 3 failed: $*" >&2
    [ "$n" = 3 ] || sleep 5
  done
  return 1
}

section "system packages"
missing=()
for tool in "${!TOOL_PKG[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "missing tools: ${missing[*]}; installing ${LAB_PACKAGES[*]}"
  apt_install "${LAB_PACKAGES[@]}"
else
  echo "lab tools present: ${!TOOL_PKG[*]}"
fi

# install_missing WHAT ASSOC_NAME: install the packages of the tools in the associative array
# (tool -> package) that are not on PATH.
install_missing() {
  local what=$1
  local -n tool_pkg=$2
  local want=() tool
  for tool in "${!tool_pkg[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || want+=("${tool_pkg[$tool]}")
  done
  [ "${#want[@]}" -gt 0 ] || return 0
  local pkgs
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${want[@]}" | sort -u))
  echo "missing $what; installing ${pkgs[*]}"
  apt_install "${pkgs[@]}"
}
install_missing "build tools for node-gyp" BUILD_PKG
install_missing "Debian packaging tools" DEB_PKG
restore_policy

for tool in "${!TOOL_PKG[@]}" "${!DEB_PKG[@]}" python3 make g++; do
  command -v "$tool" >/dev/null 2>&1 || { echo "still missing after install: $tool (package ${TOOL_PKG[$tool]:-${BUILD_PKG[$tool]:-${DEB_PKG[$tool]:-?}}})" >&2; exit 1; }
done

section "versions"
first_line() { "$@" 2>&1 | head -n 1 || true; }
echo "kernel:     $(uname -r)"
echo "node:       $(node --version)"
echo "npm:        $(npm --version)"
echo "ip:         $(first_line ip -V)"
echo "ping:       $(first_line ping -V)"
echo "nft:        $(first_line nft --version)"
echo "rdisc6:     $(first_line rdisc6 -V)"
echo "tcpdump:    $(first_line tcpdump --version)"
echo "radvd:      $(first_line radvd --version)"
echo "bird:       $(first_line bird --version)"
echo "keepalived: $(first_line keepalived --version)"
echo "sysctl:     $(first_line sysctl --version)"
echo "prometheus: $(first_line prometheus --version)"
echo "chromium:   $(first_line chromium --version)"
echo "python3:    $(first_line python3 --version)"
echo "g++:        $(first_line g++ --version)"
echo "dpkg-deb:   $(first_line dpkg-deb --version)"
echo "lintian:    $(first_line lintian --version)"

# --- node dependencies and build -----------------------------------------------------------
section "npm dependencies"
# node-gyp (binding.gyp) must not try to download headers: point it at the running node's
# own headers when npm has no nodedir configured.
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ]; then
  node_prefix="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
  if [ -f "$node_prefix/include/node/node.h" ]; then
    export npm_config_nodedir="$node_prefix"
    echo "npm_config_nodedir=$npm_config_nodedir"
  fi
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

section "build"
npm run build

# --- stale lab namespaces ----------------------------------------------------------------
# Namespaces made by src/lab/netns.ts are named <prefix>-<pid base36>-<n base36>-<name>
# with a prefix starting with "fh" (and the privilege probe's fhprobe-<pid base36>).
# Remove those whose owning process is gone (a crashed or killed earlier run).
section "stale lab namespaces"
stale=0
while read -r ns _; do
  [ -n "${ns:-}" ] || continue
  owner=""
  if [[ "$ns" =~ ^fh[a-z0-9]*-([0-9a-z]+)-[0-9a-z]+-.+$ ]]; then
    owner="${BASH_REMATCH[1]}"
  elif [[ "$ns" =~ ^fhprobe-([0-9a-z]+)$ ]]; then
    owner="${BASH_REMATCH[1]}"
  else
    continue
  fi
  [ "${#owner}" -le 8 ] || continue
  pid=$((36#$owner))
  if kill -0 "$pid" 2>/dev/null; then
    echo "keeping $ns (process $pid is alive)"
    continue
  fi
  for p in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
  if ip netns del "$ns"; then
    echo "removed stale namespace $ns"
    stale=$((stale + 1))
  fi
done < <(ip netns list 2>/dev/null || true)
echo "stale namespaces removed: $stale"

