/**
 * The firsthop command sets its own V8 flags (issue 9, item 2): bin/firsthop, which npm links
 * as the package's bin and the Debian package installs as /usr/sbin/firsthop, starts node with
 * --max-semi-space-size=1 --optimize-for-size; the systemd unit carries no V8 flag. (The installed command is
 * checked on a running daemon by test/integration/package.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'firsthop');
const V8_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'];

/** Run the launcher (or a link to it) with a fake `node` first on PATH that prints its argv. */
function argvThroughLauncher(path: string, args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'fh-launcher-'));
  try {
    const fake = join(dir, 'node');
    writeFileSync(fake, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    chmodSync(fake, 0o755);
    const out = execFileSync(path, args, { env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` } }).toString();
    return out.split('\n').slice(0, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bin/firsthop starts node with the V8 flags, then the CLI and the arguments unchanged', () => {
  const argv = argvThroughLauncher(LAUNCHER, ['-C', '/etc/radvd conf', '-d', '2']);
  assert.deepEqual(argv, [...V8_FLAGS, join(ROOT, 'dist', 'firsthop.js'), '-C', '/etc/radvd conf', '-d', '2']);
});

test('bin/firsthop finds the CLI when started through a symbolic link (npm .bin, /usr/sbin)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fh-link-'));
  try {
    const link = join(dir, 'firsthop');
    symlinkSync(LAUNCHER, link);
    assert.deepEqual(argvThroughLauncher(link, ['version']), [...V8_FLAGS, join(ROOT, 'dist', 'firsthop.js'), 'version']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin/firsthop runs the real CLI', () => {
  const out = execFileSync(LAUNCHER, ['version']).toString();
  assert.match(out, /^firsthop \d+\.\d+\.\d+/);
});

test("package.json's bin is the launcher", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
  assert.equal(pkg.bin['firsthop'], 'bin/firsthop');
  assert.ok(pkg.files.includes('bin'), 'bin/ is in the npm package');
});

test('the systemd unit passes no V8 flag and no NODE_OPTIONS: the command sets its own', () => {
  const unit = readFileSync(join(ROOT, 'packaging', 'deb', 'firsthop.service'), 'utf8');
  const active = unit.split('\n').filter((l) => !l.startsWith('#'));
  for (const l of active) {
    assert.doesNotMatch(l, /--max-|--optimize|NODE_OPTIONS|\/usr\/bin\/node/, l);
  }
  assert.ok(active.some((l) => /^ExecStart=\/usr\/sbin\/firsthop /.test(l)));
});
