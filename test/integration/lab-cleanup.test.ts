/**
 * The lab must never leave namespaces or processes behind: destroy(), exit, signals,
 * uncaught exceptions, and cleanupStale() for runs that were SIGKILLed.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  cleanupStale,
  defaultRoutes,
  Lab,
  LabExecError,
  linkInfo,
  namespaceExists,
  segment,
  startRadvd,
  waitFor,
} from '../../src/lab/netns';
import { basicRadvdConfig } from '../helpers/lab-radvd-configs';
import { describePrivileged } from '../helpers/privileged';

/** True while `pid` exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

interface ChildRun {
  namespaces: string[];
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Run test/helpers/lab-child.js in `mode`, optionally signal it once it has built its lab. */
function runChild(mode: string, signal?: NodeJS.Signals): Promise<ChildRun> {
  const script = join(__dirname, '..', 'helpers', 'lab-child.js');
  assert.ok(existsSync(script), `${script} (build first)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, FH_LAB_CHILD: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let info: { namespaces: string[]; pid: number } | undefined;
    let madeAll = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lab-child ${mode} hung; stderr: ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (info === undefined && nl >= 0) {
        info = JSON.parse(out.slice(0, nl)) as { namespaces: string[]; pid: number };
        madeAll = info.namespaces.every((n) => namespaceExists(n));
        if (signal) child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (!info) reject(new Error(`lab-child ${mode} exited (${sig ?? code}) before reporting; stderr: ${err}`));
      else if (!madeAll) reject(new Error(`lab-child ${mode}: namespaces ${info.namespaces.join(' ')} missing while it ran; stderr: ${err}`));
      else resolve({ ...info, code, signal: sig, stderr: err });
    });
  });
}

async function assertCleaned(r: ChildRun): Promise<void> {
  assert.equal(r.namespaces.length, 2);
  for (const n of r.namespaces) assert.equal(namespaceExists(n), false, `namespace ${n} left behind (stderr: ${r.stderr})`);
  await waitFor(() => !running(r.pid), { timeoutMs: 5000, what: `process ${r.pid} spawned in the lab to die (stderr: ${r.stderr})` });
}

describePrivileged('lab cleanup', { timeout: 120_000 }, () => {
  it('destroy() kills spawned processes, deletes namespaces and is idempotent', async () => {
    const lab = Lab.create();
    await lab.addNamespace('a');
    await lab.addNamespace('b');
    await lab.addVeth('a', 'va', 'b', 'vb', { mtu: 1400 });
    assert.equal((await linkInfo(lab, 'b', 'vb')).mtu, 1400);
    const sleeper = lab.spawn('a', ['sleep', '300']);
    // a process the lab did not spawn (e.g. a daemon that forked) is killed too (found via `ip netns pids`)
    spawn('ip', ['netns', 'exec', lab.ns('b'), 'sleep', '301'], { stdio: 'ignore', detached: true }).unref();
    await waitFor(() => execFileSync('ip', ['netns', 'pids', lab.ns('b')], { encoding: 'utf8' }).trim() !== '', { timeoutMs: 3000 });
    const strayPids = execFileSync('ip', ['netns', 'pids', lab.ns('b')], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
    assert.ok(strayPids.length >= 1);
    const names = lab.namespaceNames();
    const dir = lab.dir();
    await lab.destroy();
    await lab.destroy();
    lab.destroySync();
    for (const n of names) assert.equal(namespaceExists(n), false);
    assert.equal(existsSync(dir), false);
    assert.ok(sleeper.pid !== undefined);
    await waitFor(() => !running(sleeper.pid!), { timeoutMs: 3000 });
    for (const p of strayPids) await waitFor(() => !running(p), { timeoutMs: 3000 });
    await assert.rejects(lab.addNamespace('c'), /destroyed/);
  });

  it('exec reports exit codes and timeouts, and check throws', async () => {
    const lab = Lab.create();
    try {
      await lab.addNamespace('a');
      const ok = await lab.exec('a', ['ip', '-6', 'addr']);
      assert.equal(ok.code, 0);
      const bad = await lab.exec('a', ['false']);
      assert.equal(bad.code, 1);
      await assert.rejects(lab.exec('a', ['ls', '/nonexistent-path'], { check: true }), (e: unknown) => e instanceof LabExecError && /nonexistent-path/.test(e.message));
      const slow = await lab.exec('a', ['sleep', '5'], { timeoutMs: 200 });
      assert.equal(slow.timedOut, true);
      assert.equal(slow.code, null);
      const missing = await lab.exec('a', ['definitely-not-a-tool-fh']);
      assert.notEqual(missing.code, 0);
      assert.equal((await lab.exec('a', ['cat'], { input: 'hello' })).stdout, 'hello');
      assert.throws(() => lab.ns('nope'), /no namespace/);
      await assert.rejects(lab.addVeth('a', 'this-name-is-too-long', 'a', 'x'), /invalid interface name/);
    } finally {
      await lab.destroy();
    }
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${sig} to the owning process removes its namespaces and still kills it`, async () => {
      const r = await runChild('wait', sig);
      assert.equal(r.signal, sig, `child should die of ${sig} (code ${r.code}, stderr ${r.stderr})`);
      await assertCleaned(r);
    });
  }

  it('a SIGTERM handler of the program itself still runs (the signal is not swallowed)', async () => {
    const r = await runChild('handler', 'SIGTERM');
    assert.equal(r.code, 7);
    await assertCleaned(r);
  });

  it('an uncaught exception removes the namespaces and the process still crashes', async () => {
    const r = await runChild('throw');
    assert.equal(r.code, 1, `exit code (signal ${r.signal}); stderr: ${r.stderr}`);
    assert.match(r.stderr, /deliberate uncaught exception/);
    await assertCleaned(r);
  });

  it('an unhandled rejection removes the namespaces and the process still crashes', async () => {
    const r = await runChild('reject');
    assert.equal(r.code, 1, `exit code (signal ${r.signal}); stderr: ${r.stderr}`);
    assert.match(r.stderr, /deliberate unhandled rejection/);
    await assertCleaned(r);
  });

  it('process.exit() without destroy() removes the namespaces', async () => {
    const r = await runChild('exit');
    assert.equal(r.code, 3);
    await assertCleaned(r);
  });

  it('cleanupStale() removes namespaces of dead runs only, killing what runs inside', async () => {
    const dead = spawnSync('true');
    assert.ok(dead.pid);
    const staleName = `fhlab-${dead.pid.toString(36)}-0-stale`;
    const liveName = `fhlab-${process.pid.toString(36)}-zz-live`;
    try {
      execFileSync('ip', ['netns', 'add', staleName]);
      execFileSync('ip', ['netns', 'add', liveName]);
      const inside = spawn('ip', ['netns', 'exec', staleName, 'sleep', '300'], { stdio: 'ignore', detached: true });
      inside.unref();
      await waitFor(() => execFileSync('ip', ['netns', 'pids', staleName], { encoding: 'utf8' }).trim() !== '', { timeoutMs: 3000 });
      const removed = await cleanupStale();
      assert.ok(removed.includes(staleName), `removed ${JSON.stringify(removed)}`);
      assert.ok(!removed.includes(liveName));
      assert.equal(namespaceExists(staleName), false);
      assert.equal(namespaceExists(liveName), true);
      assert.ok(inside.pid !== undefined);
      await waitFor(() => !running(inside.pid!), { timeoutMs: 3000, what: 'process in the stale namespace to die' });
    } finally {
      for (const n of [staleName, liveName]) spawnSync('ip', ['netns', 'del', n]);
    }
  });

  it('segment() bridges two routers and a host: the host sees both default routes', async () => {
    const lab = Lab.create();
    try {
      const seg = await segment(lab);
      await seg.attach('r1', 'e0', 'router');
      await seg.attach('r2', 'e0', 'router');
      await seg.attach('h1', 'e0', 'host');
      await startRadvd(lab, 'r1', basicRadvdConfig('e0'), { name: 'r1' });
      await startRadvd(lab, 'r2', basicRadvdConfig('e0').replace('AdvDefaultPreference low', 'AdvDefaultPreference high'), { name: 'r2' });
      const defs = await waitFor(() => defaultRoutes(lab, 'h1'), { until: (rs) => rs.length === 2, timeoutMs: 20_000, what: 'two default routes' });
      assert.deepEqual(defs.map((d) => d.pref).sort(), ['high', 'low']);
    } finally {
      await lab.destroy();
    }
  });
});
