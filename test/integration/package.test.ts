/**
 * The Debian package (issue 9, item 5): scripts/build-deb.sh builds it, lintian reports no
 * error, `dpkg -i` installs it, the installed /usr/sbin/firsthop advertises in a lab namespace
 * (the host namespace's kernel learns the default route and the prefix) with the unit's
 * capability bounding set and no_new_privs (through setpriv), with the V8 flags it
 * sets itself (read from /proc/PID/cmdline; the unit file carries none), systemd-analyze
 * accepts the unit where it is installed, and `dpkg --purge` leaves nothing behind.
 *
 * This installs a package system-wide. It purges it again, failure or not. If a firsthop
 * package is already installed, it leaves it alone: the suite is skipped with the reason
 * (fails under CI=true, where the machine is fresh and that would be unexpected).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRoutes, Lab, rdisc6, routerHostPair, waitFor, waitLinkLocal, type RouterHost } from '../../src/lab/netns';
import { startFirsthop, type FirsthopHandle } from '../../src/lab/firsthop';
import { describePrivileged, findTool, isCI } from '../helpers/privileged';

const ROOT = resolve(__dirname, '..', '..', '..');
const INSTALLED = ['/usr/sbin/firsthop', '/usr/lib/firsthop', '/lib/systemd/system/firsthop.service', '/usr/share/man/man8/firsthop.8.gz', '/usr/share/doc/firsthop'];

function installedVersion(): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Version}', 'firsthop'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [status, version] = r.stdout.trim().split(' ');
  return status === 'not-installed' || status === undefined ? undefined : `${version} (${status})`;
}

function sh(argv: string[], timeoutMs = 60_000): { code: number | null; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const already = installedVersion();
const suite = (fn: () => void): void => {
  if (already === undefined) {
    describePrivileged('the Debian package, installed', { tools: ['dpkg', 'dpkg-deb', 'dpkg-shlibdeps', 'strip', 'lintian', 'setpriv'], timeout: 120_000 }, fn);
  } else {
    const reason = `a firsthop package ${already} is already installed here; this test installs and purges its own, so it leaves that one alone (dpkg --purge firsthop to run it)`;
    if (isCI()) {
      describe('the Debian package, installed', () => {
        it('no firsthop package is installed before the test', () => {
          throw new Error(reason);
        });
      });
    } else {
      describe('the Debian package, installed', { skip: reason }, fn);
    }
  }
};

suite(() => {
  let out: string;
  let deb: string;
  let installedByUs = false;
  let lab: Lab | undefined;
  let pair: RouterHost;
  let fh: FirsthopHandle | undefined;

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'firsthop-deb-'));
    deb = execFileSync(join(ROOT, 'scripts', 'build-deb.sh'), [out], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop()!;
  });

  after(async () => {
    await fh?.stop();
    await lab?.destroy();
    // Purge whatever happened above, then report what is left.
    if (installedByUs || installedVersion() !== undefined) sh(['dpkg', '--purge', 'firsthop']);
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('is named firsthop_VERSION_amd64.deb, with the version of package.json and the dependencies', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(deb, join(out, `firsthop_${version}_amd64.deb`));
    const fields = execFileSync('dpkg-deb', ['-f', deb, 'Package', 'Version', 'Architecture', 'Depends'], { encoding: 'utf8' });
    assert.match(fields, /^Package: firsthop$/m);
    assert.match(fields, new RegExp(`^Version: ${version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(fields, /^Architecture: amd64$/m);
    assert.match(fields, /^Depends: nodejs \(>= 20\), libc6/m);
  });

  it('lintian reports no error', () => {
    const r = sh(['lintian', '--fail-on', 'error', deb], 90_000);
    const errors = r.out.split('\n').filter((l) => l.startsWith('E:'));
    assert.deepEqual(errors, [], r.out);
    assert.equal(r.code, 0, r.out);
  });

  it('dpkg -i installs it: the command, the library, the unit, the man page, the docs', () => {
    const r = sh(['dpkg', '-i', deb]);
    installedByUs = true;
    assert.equal(r.code, 0, r.out);
    for (const p of INSTALLED) assert.ok(existsSync(p), `${p} installed`);
    assert.ok(lstatSync('/usr/sbin/firsthop').isSymbolicLink());
    assert.equal(readlinkSync('/usr/sbin/firsthop'), '../lib/firsthop/bin/firsthop');
    assert.ok(existsSync('/usr/lib/firsthop/build/Release/firsthop_sys.node'));
    assert.ok(existsSync('/usr/lib/firsthop/node_modules/prom-client/package.json'));
    assert.ok(existsSync('/usr/share/doc/firsthop/examples/s1-private-link.conf'));
    assert.match(execFileSync('/usr/sbin/firsthop', ['version'], { encoding: 'utf8' }), /^firsthop \d/);
  });

  it('the unit carries no V8 flag, has the reload, directories and hardening, and systemd-analyze accepts it', () => {
    const unit = readFileSync('/lib/systemd/system/firsthop.service', 'utf8');
    const active = unit.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    for (const l of active) assert.doesNotMatch(l, /--max-|NODE_OPTIONS|\/usr\/bin\/node/, l);
    for (const want of ['ExecStart=/usr/sbin/firsthop -C /etc/radvd.conf', 'ExecReload=/bin/kill -HUP $MAINPID', 'StateDirectory=firsthop', 'RuntimeDirectory=firsthop', 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'Conflicts=radvd.service']) {
      assert.ok(active.some((l) => l.startsWith(want)), `unit has ${want}`);
    }
    assert.ok(!active.some((l) => l.startsWith('MemoryDenyWriteExecute')), 'no MemoryDenyWriteExecute (V8 JIT)');
    const analyze = findTool('systemd-analyze');
    if (analyze === undefined) return; // "where systemd is present"
    const r = sh([analyze, 'verify', 'firsthop.service']);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '', r.out);
  });

  it('the installed /usr/sbin/firsthop advertises in a lab namespace, with its own V8 flags', async () => {
    lab = Lab.create();
    pair = await routerHostPair(lab);
    const routerLL = await waitLinkLocal(lab, 'router', pair.routerIf);
    const config = `interface ${pair.routerIf} {\n    AdvSendAdvert on;\n    MinRtrAdvInterval 3;\n    MaxRtrAdvInterval 10;\n    prefix 2001:db8:7::/64 { };\n};\n`;
    // As the unit runs it: no new privileges, and only CAP_NET_RAW and CAP_NET_ADMIN
    // (setpriv execs in place, so the pid is still the daemon's).
    const command = ['setpriv', '--no-new-privs', '--bounding-set', '-all,+net_raw,+net_admin', '/usr/sbin/firsthop'];
    fh = await startFirsthop(lab, 'router', config, { command, debug: 1 });
    const status = readFileSync(`/proc/${fh.child.pid}/status`, 'utf8');
    assert.match(status, /^CapBnd:\s*0*3000$/m, 'bounding set CAP_NET_RAW | CAP_NET_ADMIN');
    assert.match(status, /^NoNewPrivs:\s*1$/m);
    const cmdline = readFileSync(`/proc/${fh.child.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(cmdline.slice(0, 4), ['/usr/bin/node', '--max-semi-space-size=1', '--optimize-for-size', '/usr/lib/firsthop/dist/firsthop.js'], cmdline.join(' '));
    const [def] = await waitFor(() => defaultRoutes(lab!, 'host'), { timeoutMs: 15_000, what: 'default route from the installed firsthop' });
    assert.equal(def?.gateway, routerLL);
    const ra = await rdisc6(lab, 'host', pair.hostIf);
    assert.equal(ra.from, routerLL);
    assert.deepEqual(ra.prefixes.map((p) => `${p.prefix}/${p.length}`), ['2001:db8:7::/64']);
    assert.equal(await fh.stop(), 0);
    fh = undefined;
  });

  it('dpkg --purge removes it and leaves nothing behind', () => {
    const r = sh(['dpkg', '--purge', 'firsthop']);
    assert.equal(r.code, 0, r.out);
    installedByUs = false;
    assert.equal(installedVersion(), undefined);
    for (const p of [...INSTALLED, '/var/lib/firsthop']) assert.ok(!existsSync(p), `${p} removed`);
  });
});
