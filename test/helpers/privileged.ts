/**
 * Gate for tests that need root, network namespaces and the lab tools.
 *
 * - Not root (or no netns support, or a tool missing) and CI !== 'true': the test/suite is
 *   SKIPPED with the reason.
 * - CI === 'true': the same conditions FAIL the test/suite (CI must never silently skip),
 *   naming the Debian package to install for a missing tool.
 *
 * Usage:
 *   describePrivileged('lab', { tools: ['radvd'] }, () => { it(...) });
 *   test('x', async (t) => { if (!privileged(t, ['radvd'])) return; ... });
 *
 * This file is also picked up by `node --test dist/test/` (it lives under test/): it must
 * have no side effects when run on its own.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';

/** Tools every lab test needs. */
export const LAB_TOOLS = ['ip', 'rdisc6', 'tcpdump', 'sysctl'] as const;

/** Debian package providing each tool the lab and the tests use. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  ip: 'iproute2',
  bridge: 'iproute2',
  ping: 'iputils-ping',
  nft: 'nftables',
  rdisc6: 'ndisc6',
  ndisc6: 'ndisc6',
  tcpdump: 'tcpdump',
  sysctl: 'procps',
  radvd: 'radvd',
  radvdump: 'radvd',
  bird: 'bird2',
  birdc: 'bird2',
  keepalived: 'keepalived',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  chromium: 'chromium',
  dpkg: 'dpkg',
  'dpkg-deb': 'dpkg',
  'dpkg-shlibdeps': 'dpkg-dev',
  lintian: 'lintian',
  strip: 'binutils',
  'systemd-analyze': 'systemd',
  setpriv: 'util-linux',
};

export function isCI(): boolean {
  return process.env['CI'] === 'true';
}

const EXTRA_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH (plus the sbin directories), or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_PATH];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

let netnsProbe: string | undefined | null = null; // null = not probed yet; undefined = ok; string = failure reason

/** Create and delete a throwaway namespace to prove `ip netns` works here. Cached per process. */
function probeNetns(): string | undefined {
  if (netnsProbe !== null) return netnsProbe;
  const name = `fhprobe-${process.pid.toString(36)}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    netnsProbe = undefined;
  } catch (e) {
    const err = e as { stderr?: Buffer | string; message?: string };
    netnsProbe = `'ip netns add' failed: ${String(err.stderr ?? err.message ?? e).trim()}`;
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      /* it was not created */
    }
  }
  return netnsProbe;
}

/**
 * Why privileged tests cannot run here, or undefined when they can.
 * Checks: root, the tools (LAB_TOOLS plus `tools`), and a real `ip netns add`.
 */
export function privilegeProblem(tools: readonly string[] = []): string | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) return `needs root (network namespaces), running as uid ${uid}`;
  const wanted = [...new Set([...LAB_TOOLS, ...tools])];
  const missing = wanted.filter((t) => findTool(t) === undefined);
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => TOOL_PACKAGES[t] ?? t))];
    return `missing tool(s) ${missing.join(', ')}: apt-get install ${pkgs.join(' ')}`;
  }
  return probeNetns();
}

/**
 * Inside a test: returns true when the privileged test may run. Otherwise skips it (locally)
 * and returns false, or throws (CI=true) so that the test fails.
 */
export function privileged(t: TestContext, tools: readonly string[] = []): boolean {
  const problem = privilegeProblem(tools);
  if (problem === undefined) return true;
  if (isCI()) throw new Error(`privileged test cannot run in CI: ${problem}`);
  t.skip(problem);
  return false;
}

export interface PrivilegedSuiteOptions {
  /** Tools needed beyond LAB_TOOLS (e.g. ['radvd']). */
  tools?: readonly string[];
  /** Per-suite timeout in ms (node:test). */
  timeout?: number;
}

/**
 * describe() that runs only where privileged tests can: skipped with the reason otherwise,
 * and in CI replaced by a suite holding one failing test that names the problem.
 */
export function describePrivileged(name: string, opts: PrivilegedSuiteOptions, fn: () => void): void {
  const problem = privilegeProblem(opts.tools ?? []);
  const base = opts.timeout !== undefined ? { timeout: opts.timeout } : {};
  if (problem === undefined) {
    describe(name, base, fn);
  } else if (isCI()) {
    describe(name, base, () => {
      it('privileged environment is available', () => {
        throw new Error(`privileged suite cannot run in CI: ${problem}`);
      });
    });
  } else {
    describe(name, { ...base, skip: problem }, fn);
  }
}
