#!/usr/bin/env bash
# Builds firsthop_VERSION_amd64.deb with dpkg-deb from what `npm run build` produced (run it
# first, or scripts/setup.sh): no debian/ source tree, no debhelper.
#
#   scripts/build-deb.sh [OUTDIR]        (default OUTDIR: the repository; prints the .deb's path)
#
# Layout:
#   /usr/lib/firsthop/                 PAYLOAD below, plus node_modules/ with the runtime npm
#                                      packages (package.json's dependencies and theirs)
#   /usr/sbin/firsthop                 -> ../lib/firsthop/bin/firsthop (the launcher: node with
#                                      the V8 flags, see bin/firsthop)
#   /lib/systemd/system/firsthop.service, /usr/share/man/man8/firsthop.8.gz,
#   /usr/share/doc/firsthop/           copyright, changelog.gz, README.md, config-reference.md,
#                                      examples/
# Packaging sources: packaging/deb/. Needs dpkg-dev (dpkg-shlibdeps), binutils (strip) and tar.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

# --- what goes under /usr/lib/firsthop (the one place to change for a bundle) --------------
# Paths relative to the repository, copied with their directories. For dist/ only *.js files
# are taken (no source maps). With NPM_RUNTIME=1 the runtime npm packages are copied from
# node_modules/; a bundle that inlines them sets it to 0.
PAYLOAD=(bin/firsthop dist/firsthop.js dist/firsthop-http.js dist/firsthop-lab.js build/Release/firsthop_sys.node package.json)
NPM_RUNTIME=1
# -----------------------------------------------------------------------------------------

OUTDIR=$(mkdir -p "${1:-$ROOT}" && cd "${1:-$ROOT}" && pwd)
VERSION=$(node -p 'require("./package.json").version')
ARCH=$(dpkg --print-architecture)
[ "$ARCH" = amd64 ] || echo "warning: building on $ARCH: the package is named after this machine's architecture" >&2
MAINTAINER="firsthop maintainers <maintainers@users.noreply.h-seed-2eaad6f4.example>"
for f in "${PAYLOAD[@]}"; do
  [ -e "$f" ] || { echo "build-deb: $f is missing: run 'npm run build' (and npm ci for the addon) first" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PKG=$WORK/pkg
LIB=$PKG/usr/lib/firsthop
DOC=$PKG/usr/share/doc/firsthop
mkdir -p "$LIB" "$PKG/usr/sbin" "$PKG/lib/systemd/system" "$PKG/usr/share/man/man8" "$DOC" "$PKG/DEBIAN"

# The payload.
for f in "${PAYLOAD[@]}"; do
  mkdir -p "$LIB/$(dirname "$f")"
  if [ -d "$f" ]; then
    mkdir -p "$LIB/$f"
    (cd "$f" && find . -type f -name '*.js' -print0 | tar --null -T - -cf -) | tar -xf - -C "$LIB/$f"
  else
    cp "$f" "$LIB/$f"
  fi
done
# The package's node runs from the nodejs package, whatever PATH holds.
grep -q '^NODE=node$' "$LIB/bin/firsthop" || { echo "build-deb: bin/firsthop has no NODE=node line to point at /usr/bin/node" >&2; exit 1; }
sed -i 's|^NODE=node$|NODE=/usr/bin/node|' "$LIB/bin/firsthop"
ln -s ../lib/firsthop/bin/firsthop "$PKG/usr/sbin/firsthop"
# Only the fields node and the addon loader read (src/sys/linux.ts finds its root by the name).
node -e '
  const p = require("./package.json");
  const out = { name: p.name, version: p.version, description: p.description, license: p.license, type: p.type, main: p.main, dependencies: p.dependencies };
  require("fs").writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$LIB/package.json"

if [ "$NPM_RUNTIME" = 1 ]; then
  # package.json's dependencies and theirs, as node resolves them from the repository.
  node -e '
    const { dirname, join } = require("path");
    const { existsSync } = require("fs");
    const seen = new Map();
    // node_modules lookup as node does it (not require.resolve: "exports" may hide package.json).
    const find = (name, from) => {
      for (let d = from; ; d = dirname(d)) {
        const pj = join(d, "node_modules", name, "package.json");
        if (existsSync(pj)) return pj;
        if (dirname(d) === d) throw new Error(`runtime dependency ${name} not found from ${from}: run npm ci`);
      }
    };
    const visit = (name, from) => {
      const pj = find(name, from);
      const dir = dirname(pj);
      if (seen.has(dir)) return;
      seen.set(dir, name);
      const p = require(pj);
      for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) visit(d, dir);
    };
    for (const d of Object.keys(require("./package.json").dependencies ?? {})) visit(d, process.cwd());
    for (const dir of seen.keys()) console.log(dir);
  ' | while read -r dir; do
    rel=${dir#"$(readlink -f node_modules)"/}
    rel=${rel#"$ROOT/node_modules/"}
    mkdir -p "$LIB/node_modules/$rel"
    (cd "$dir" && find . \( -path ./node_modules -o -path ./test -o -path ./specs -o -path ./examples \) -prune -o -type f \
        ! -iname '*.md' ! -iname 'LICENSE*' ! -iname '*.d.ts' ! -name '*.d.cts' ! -name '*.d.mts' ! -name '*.map' ! -name '*.ts' \
        ! -name 'Makefile' ! -name 'gruntfile.js' ! -name '.*' -print0 | tar --null -T - -cf -) |
      tar -xf - -C "$LIB/node_modules/$rel"
  done
fi

strip --strip-unneeded "$LIB/build/Release/firsthop_sys.node"
find "$LIB" -type d -exec chmod 0755 {} +
find "$LIB" -type f -exec chmod 0644 {} +
chmod 0755 "$LIB/bin/firsthop"
# Files that start with #! (dist/firsthop.js) are executable, as lintian expects.
grep -rlZ --include='*.js' -m1 '^#!' "$LIB" | xargs -0 -r chmod 0755

# systemd, man page, docs.
install -m 0644 packaging/deb/firsthop.service "$PKG/lib/systemd/system/firsthop.service"
gzip -9n <packaging/deb/firsthop.8 >"$PKG/usr/share/man/man8/firsthop.8.gz"
install -m 0644 packaging/deb/copyright "$DOC/copyright"
install -m 0644 README.md docs/config-reference.md "$DOC/"
mkdir -p "$DOC/examples"
install -m 0644 examples/* "$DOC/examples/"
if DATE=$(git log -1 --format=%cD 2>/dev/null) && [ -n "$DATE" ]; then
  COMMIT=$(git rev-parse --short HEAD)
  CHANGE="Built from firsthop's repository at commit $COMMIT."
else
  DATE=$(date -R)
  CHANGE="Built from firsthop's sources (not a git checkout)."
fi
printf 'firsthop (%s) unstable; urgency=medium\n\n  * %s\n\n -- %s  %s\n' "$VERSION" "$CHANGE" "$MAINTAINER" "$DATE" |
  gzip -9n >"$DOC/changelog.gz"
chmod 0644 "$DOC/changelog.gz" "$PKG/usr/share/man/man8/firsthop.8.gz"

# Control files.
install -m 0755 packaging/deb/postrm "$PKG/DEBIAN/postrm"
mkdir -p "$WORK/shlibs/debian"
printf 'Source: firsthop\n\nPackage: firsthop\nArchitecture: any\n' >"$WORK/shlibs/debian/control"
SHLIBS=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O "$LIB/build/Release/firsthop_sys.node" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$SHLIBS" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies for the addon" >&2; exit 1; }
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
cat >"$PKG/DEBIAN/control" <<CONTROL
Package: firsthop
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_SIZE
Depends: nodejs (>= 20), $SHLIBS
Recommends: nftables
Suggests: iproute2, tcpdump, iputils-ping, bird2, keepalived
Section: net
Priority: optional
Description: IPv6 first-hop daemon: Router Advertisements, conditional RAs, VRRPv3
 firsthop sends IPv6 Router Advertisements with the options operators use and
 reads radvd.conf as it is, with radvd's command line. It drives RA lifetimes
 from the state of the network (conditional RAs, RFC 8475), runs VRRPv3 (RFC
 9568) in the same process, and reports rogue routers heard on its links.
 .
 The package holds the daemon (run by node from the nodejs package), its
 native addon, a hardened systemd unit reading /etc/radvd.conf, and the
 firsthop(8) manual page.
CONTROL
(cd "$PKG" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"

DEB="$OUTDIR/firsthop_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
echo "$DEB"
