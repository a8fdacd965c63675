/**
 * `firsthop lab` as an operator runs it: `list`, a run interrupted by Ctrl-C (SIGINT) in the
 * middle leaves no namespace, process or temp directory behind; `--keep` leaves the lab up
 * with its daemons running, `--json` prints the result, and `firsthop lab clean` removes it.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { listNamespaces } from '../../src/lab/netns';
import { FIRSTHOP_MAIN } from '../../src/lab/firsthop';
import { SCENARIOS } from '../../src/lab/scenarios/index';
import { describePrivileged } from '../helpers/privileged';

function labNamespaces(pid: number): Promise<string[]> {
  return listNamespaces().then((all) => all.filter((n) => n.startsWith(`fhrun-${pid.toString(36)}-`)));
}

function labDirs(pid: number): string[] {
  return readdirSync(tmpdir()).filter((d) => d.startsWith(`fhrun-${pid.toString(36)}-`));
}

/** Processes whose command line mentions `text` (the lab's temp directory). */
function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = execFileSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).replace(/\0/g, ' ');
      if (cmd.includes(text) && !cmd.includes('cat /proc')) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

function runCli(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FIRSTHOP_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine?.(l, () => child.kill('SIGINT'));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, out, err, pid: child.pid ?? 0 }));
  });
}

describePrivileged('firsthop lab: list, Ctrl-C, --keep and clean', { timeout: 240_000 }, () => {
  it('lab list names every scenario with a line of what it shows', () => {
    const out = execFileSync(process.execPath, [FIRSTHOP_MAIN, 'lab', 'list'], { encoding: 'utf8' });
    assert.match(out, /^S1 +two buildings/m);
    for (const sc of SCENARIOS) assert.match(out, new RegExp(`^${sc.name} +\\S`, 'm'), `lab list names ${sc.name}`);
    assert.equal(out.trim().split('\n').length, SCENARIOS.length);
    const bad = (() => {
      try {
        execFileSync(process.execPath, [FIRSTHOP_MAIN, 'lab', 'run', 'S99'], { encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (e) {
        return String((e as { stderr: string }).stderr);
      }
    })();
    assert.match(bad, /no scenario 'S99'/);
  });

  it('Ctrl-C in the middle of a run removes the lab: no namespace, process or directory left', async () => {
    let sent = false;
    const r = await runCli(['lab', 'run', 'S1', '--fast'], (line, kill) => {
      if (!sent && /^>>> the private link is cut/.test(line)) {
        sent = true;
        kill();
      }
    });
    assert.ok(sent, `the run reached the cut before Ctrl-C:\n${r.out}\n${r.err}`);
    assert.equal(r.signal, 'SIGINT', `dies of the SIGINT as a program should (code ${r.code})`);
    assert.deepEqual(await labNamespaces(r.pid), []);
    assert.deepEqual(labDirs(r.pid), []);
    assert.deepEqual(processesWith(`fhrun-${r.pid.toString(36)}-`), []);
  });

  it('--keep leaves the lab and its daemons up; --json prints the result; lab clean removes it all', async () => {
    const r = await runCli(['lab', 'run', 'S1', '--fast', '--keep', '--json']);
    try {
      assert.equal(r.code, 0, r.err);
      const result = JSON.parse(r.out) as { scenario: string; verdict: string; checks: unknown[]; chains: unknown[] };
      assert.equal(result.scenario, 'S1');
      assert.equal(result.verdict, 'pass');
      assert.ok(result.checks.length >= 5 && result.chains.length >= 3);
      assert.match(r.err, /The lab is left up \(--keep\)/);
      const ns = await labNamespaces(r.pid);
      assert.ok(ns.some((n) => n.endsWith('-host')) && ns.some((n) => n.endsWith('-gw')), ns.join(' '));
      const dir = labDirs(r.pid)[0];
      assert.ok(dir !== undefined && existsSync(join(tmpdir(), dir, 'firsthop-gw.log')), 'configs and logs kept');
      assert.ok(processesWith(join(tmpdir(), dir, 'firsthop-gw.conf')).length > 0, "gw's firsthop still runs after the command exited");
      const routes = execFileSync('ip', ['-n', ns.find((n) => n.endsWith('-host')) as string, '-6', 'route'], { encoding: 'utf8' });
      assert.match(routes, /default via fe80::.* proto ra/, 'the host still has its default route');
    } finally {
      const clean = execFileSync(process.execPath, [FIRSTHOP_MAIN, 'lab', 'clean'], { encoding: 'utf8' });
      assert.match(clean, /removed \d+ namespaces|no lab to remove/);
    }
    assert.deepEqual(await labNamespaces(r.pid), []);
    assert.deepEqual(labDirs(r.pid), []);
    assert.deepEqual(processesWith(`fhrun-${r.pid.toString(36)}-`), []);
  });
});
