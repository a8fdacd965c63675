/**
 * The README's quick start, `./scripts/demo.sh` and `./scripts/test.sh`, works as written where
 * you are root without sudo (a fresh machine), where you are root with it, and as another user
 * through sudo. The scripts run from a copy of the tree whose setup, node program and npm are
 * stubs that report the user they ran as (the real ones install packages and build), with a
 * stub sudo that reports how it was called. Needs root to run commands as nobody.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { it } from 'node:test';
import { describePrivileged } from '../helpers/privileged';

const REPO = resolve(__dirname, '..', '..', '..');
const RUNUSER = '/usr/sbin/runuser';

/** The tools the two scripts use (and nothing else: no sudo, whatever this machine has). */
const TOOLS = ['bash', 'sh', 'env', 'id', 'dirname', 'readlink', 'cat'];

function tree(): { dir: string; stubs: string; sudo: string; tools: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fh-quickstart-'));
  const stubs = join(dir, 'stubs');
  const sudo = join(dir, 'sudo-stub');
  const tools = join(dir, 'tools');
  for (const d of ['scripts', 'dist/src/cli', 'stubs', 'sudo-stub', 'tools']) mkdirSync(join(dir, d), { recursive: true });
  for (const t of TOOLS) symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), join(tools, t));
  symlinkSync(process.execPath, join(tools, 'node'));
  for (const s of ['demo.sh', 'test.sh']) copyFileSync(join(REPO, 'scripts', s), join(dir, 'scripts', s));
  writeFileSync(join(dir, 'scripts', 'setup.sh'), '#!/usr/bin/env bash\necho "setup as uid $(id -u)"\n');
  writeFileSync(join(dir, 'dist/src/cli/main.js'), 'console.log(`main.js ${process.argv.slice(2).join(" ")} as uid ${process.getuid()}`);\n');
  writeFileSync(join(stubs, 'npm'), '#!/bin/sh\necho "npm $* as uid $(id -u)"\n');
  writeFileSync(join(sudo, 'sudo'), '#!/bin/sh\necho "sudo $*"\n');
  for (const f of ['scripts/demo.sh', 'scripts/test.sh', 'scripts/setup.sh', 'stubs/npm', 'sudo-stub/sudo']) chmodSync(join(dir, f), 0o755);
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  chmodSync(dir, 0o755);
  return { dir, stubs, sudo, tools };
}

/** Run `./scripts/NAME` in `dir` as `user` (root or nobody) with PATH = `path`. */
function run(dir: string, name: string, user: 'root' | 'nobody', path: string): { code: number | null; out: string } {
  const env = ['/usr/bin/env', '-i', `PATH=${path}`, `./scripts/${name}`];
  const argv = user === 'root' ? env : [RUNUSER, '-u', 'nobody', '--', ...env];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describePrivileged('README quick start: root without sudo, root with sudo, another user through sudo', {}, () => {

  it('demo.sh and test.sh run as root where sudo is not installed', (t) => {
    const { dir, stubs, tools } = tree();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = `${stubs}:${tools}`;
    const demo = run(dir, 'demo.sh', 'root', path);
    assert.equal(demo.code, 0, demo.out);
    assert.match(demo.out, /main\.js lab run S1 as uid 0/);
    const test = run(dir, 'test.sh', 'root', path);
    assert.equal(test.code, 0, test.out);
    assert.match(test.out, /setup as uid 0[\s\S]*npm test as uid 0/);
  });

  it('as root with sudo installed, sudo is not used', (t) => {
    const { dir, stubs, sudo, tools } = tree();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = run(dir, 'demo.sh', 'root', `${sudo}:${stubs}:${tools}`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /main\.js lab run S1 as uid 0/);
    assert.doesNotMatch(r.out, /^sudo /m);
  });

  it('another user: through sudo when it is installed, else a clear error', (t) => {
    const { dir, stubs, sudo, tools } = tree();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const name of ['demo.sh', 'test.sh']) {
      const path = `${sudo}:${stubs}:${tools}`;
      const via = run(dir, name, 'nobody', path);
      assert.equal(via.code, 0, via.out);
      // The same script again, by absolute path, as root, with the caller's PATH (node may live outside sudo's secure_path).
      assert.equal(via.out.trim(), `sudo env PATH=${path} bash ${join(dir, 'scripts', name)}`);
      const without = run(dir, name, 'nobody', `${stubs}:${tools}`);
      assert.equal(without.code, 1, without.out);
      assert.match(without.out, /run this as root \(sudo is not installed\)/);
      assert.doesNotMatch(without.out, /uid/);
    }
  });
});
