/**
 * Network-namespace lab used by the integration tests, the demo and the benchmarks.
 *
 * A Lab owns a set of network namespaces (named `<prefix>-<pid36>-<n36>-<name>`), the
 * processes spawned inside them and a temporary directory. `destroy()` (or the
 * process-wide registry on exit, SIGINT, SIGTERM, SIGHUP and uncaught exceptions)
 * kills those processes and deletes the namespaces. `cleanupStale()` removes namespaces
 * whose owning process is gone (a crashed or SIGKILLed earlier run).
 *
 * Every command is run with execFile/spawn and an argv array (never a shell string),
 * with LC_ALL=C so that tool output is parseable.
 *
 * This module re-exports the inspection helpers (./inspect), the rdisc6 runner and
 * parser (./rdisc6), the packet capture / pcap reader (./pcap) and ready-made topologies
 * plus a radvd runner (./topology).
 */
import { execFile, execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { confKey } from './inspect';

export * from './inspect';
export * from './rdisc6';
export * from './pcap';
export * from './topology';

/** Default prefix of every namespace a Lab creates; `cleanupStale()` looks for it. */
export const LAB_PREFIX = 'fhlab';

const NETNS_RUN_DIR = '/run/netns';

/** Environment for every lab command: the C locale so rdisc6, sysctl and ip print untranslated text. */
export const LAB_ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export interface ExecOptions {
  /** Kill the command (SIGKILL) after this many milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Throw a LabExecError when the command exits non-zero, times out or is killed. Default false. */
  check?: boolean;
  /** Text written to the command's standard input. */
  input?: string;
  /** Extra environment variables (added to LAB_ENV). */
  env?: Record<string, string>;
  /** Largest stdout/stderr kept, in bytes. Default 16 MiB. */
  maxBuffer?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the command was killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the command was killed because it ran past `timeoutMs`. */
  timedOut: boolean;
}

export interface SpawnOptions {
  /** Default ['ignore', 'pipe', 'pipe']. */
  stdio?: StdioOptions;
  env?: Record<string, string>;
}

export interface VethOptions {
  /** Bring both ends up (default true). */
  up?: boolean;
  mtu?: number;
  macA?: string;
  macB?: string;
  /** Enslave end A (in nsA) / end B (in nsB) to a bridge of that name in the same namespace. */
  masterA?: string;
  masterB?: string;
}

export interface VethPair {
  nsA: string;
  ifA: string;
  nsB: string;
  ifB: string;
}

export interface BridgeOptions {
  /** Multicast snooping; off by default so that RAs and RSs flood to every port. */
  mcastSnooping?: boolean;
  /** Give the bridge itself no IPv6 (default true: the bridge is a plain switch). */
  noIpv6?: boolean;
}

export interface NamespaceOptions {
  /** Keep duplicate address detection (default false: accept_dad=0 for all/default, so link-local addresses are usable at once). */
  dad?: boolean;
}

export interface LabOptions {
  /** Where failures during cleanup are reported. Default: console.error. */
  log?: (message: string) => void;
}

export class LabExecError extends Error {
  override readonly name = 'LabExecError';
  constructor(readonly argv: readonly string[], readonly result: ExecResult) {
    super(
      `command failed (${result.timedOut ? 'timed out' : result.signal ? `signal ${result.signal}` : `exit ${result.code}`}): ${argv.join(' ')}` +
        (result.stderr.trim() ? `\n${result.stderr.trim()}` : '') +
        (!result.stderr.trim() && result.stdout.trim() ? `\n${result.stdout.trim().slice(0, 2000)}` : ''),
    );
  }
}

const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
const NAME_RE = /^[A-Za-z0-9_.-]+$/;

function checkIfname(ifname: string): void {
  if (!IFNAME_RE.test(ifname)) throw new Error(`invalid interface name '${ifname}' (1..15 chars of [A-Za-z0-9_.-])`);
}

/** Run a command (argv, no shell). Never throws for a non-zero exit unless opts.check. */
export function run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('run: empty argv'));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'utf8',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? 16 * 1024 * 1024,
        env: opts.env ? { ...LAB_ENV, ...opts.env } : LAB_ENV,
      },
      (err, stdout, stderr) => {
        let code: number | null = 0;
        let signal: NodeJS.Signals | null = null;
        let timedOut = false;
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null; killed?: boolean };
          if (typeof e.code === 'string') {
            // spawn failure (ENOENT...): report like a shell would
            code = 127;
            stderr = `${stderr}${stderr ? '\n' : ''}${file}: ${e.message}`;
          } else {
            code = typeof e.code === 'number' ? e.code : null;
            signal = e.signal ?? null;
            timedOut = Boolean(e.killed) && signal === 'SIGKILL';
          }
          if (/maxBuffer/.test(e.message)) stderr = `${stderr}\n${e.message}`;
        }
        const result: ExecResult = { stdout, stderr, code, signal, timedOut };
        if (opts.check && (code !== 0 || signal !== null)) reject(new LabExecError(argv, result));
        else resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Synchronous best-effort command for the exit path: returns stdout or undefined on failure. */
function runSync(argv: readonly string[], timeoutMs = 5000): string | undefined {
  const [file, ...args] = argv;
  if (file === undefined) return undefined;
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: timeoutMs, env: LAB_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function parseNetnsList(stdout: string): string[] {
  const text = stdout.trim();
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) {
      return parsed.flatMap((e: unknown) => (e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? [(e as { name: string }).name] : []));
    }
  } catch {
    /* fall through to text form */
  }
  return text.split('\n').map((l) => l.split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/** Names of all network namespaces on the machine (`ip -j netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const r = await run(['ip', '-j', 'netns', 'list']);
  return r.code === 0 ? parseNetnsList(r.stdout) : [];
}

function parsePids(stdout: string | undefined): number[] {
  return (stdout ?? '').split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number).filter((p) => p > 1 && p !== process.pid);
}

function tryKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kill every process inside a namespace, then delete it. Async, best effort; returns an error text or undefined. */
async function deleteNamespace(name: string): Promise<string | undefined> {
  const pids = parsePids((await run(['ip', 'netns', 'pids', name], { timeoutMs: 5000 })).stdout);
  if (pids.length > 0) {
    for (const pid of pids) tryKill(pid, 'SIGTERM');
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline && pids.some(pidAlive)) await sleep(25);
    for (const pid of pids) if (pidAlive(pid)) tryKill(pid, 'SIGKILL');
  }
  const r = await run(['ip', 'netns', 'del', name], { timeoutMs: 5000 });
  if (r.code !== 0 && namespaceExists(name)) return `ip netns del ${name}: ${r.stderr.trim() || `exit ${r.code}`}`;
  return undefined;
}

/** True when /run/netns/NAME exists (where `ip netns add` mounts named namespaces). */
export function namespaceExists(name: string): boolean {
  return existsSync(join(NETNS_RUN_DIR, name));
}

function deleteNamespaceSync(name: string): string | undefined {
  const pids = parsePids(runSync(['ip', 'netns', 'pids', name]));
  if (pids.length > 0) {
    for (const pid of pids) tryKill(pid, 'SIGTERM');
    sleepSync(100);
    for (const pid of pids) tryKill(pid, 'SIGKILL');
  }
  const out = runSync(['ip', 'netns', 'del', name]);
  if (out === undefined && namespaceExists(name)) return `ip netns del ${name} failed`;
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches every lab prefix (they all start with "fh"; see Lab.create). */
const ANY_LAB_PREFIX = 'fh[a-z0-9]*';

/**
 * Parse a lab namespace name `<prefix>-<pid36>-<n36>-<name>`; undefined when it isn't one.
 * Without `prefix`, any lab prefix (fh...) matches.
 */
export function parseLabNamespace(name: string, prefix?: string): { prefix: string; pid: number; seq: number; local: string } | undefined {
  const p = prefix === undefined ? ANY_LAB_PREFIX : escapeRe(prefix);
  const m = new RegExp(`^(${p})-([0-9a-z]{1,8})-([0-9a-z]{1,8})-(.+)$`).exec(name);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) return undefined;
  return { prefix: m[1], pid: parseInt(m[2], 36), seq: parseInt(m[3], 36), local: m[4] };
}

export interface CleanupStaleOptions {
  /** Also delete namespaces whose owning pid is still alive (never this process's live labs). Default false. */
  force?: boolean;
  log?: (message: string) => void;
}

/**
 * Delete namespaces named `<prefix>-<pid36>-...` whose owning process no longer exists
 * (left by a crashed or SIGKILLed run), killing anything still running inside them.
 * Without `prefix`, every lab prefix (fh...) is considered. Namespaces of live processes
 * (another engineer's test run) are left alone unless `force`. Returns the names deleted.
 * Never throws.
 */
export async function cleanupStale(prefix?: string, opts: CleanupStaleOptions = {}): Promise<string[]> {
  const log = opts.log ?? ((m: string) => console.error(`[lab] ${m}`));
  const removed: string[] = [];
  let names: string[];
  try {
    names = await listNamespaces();
  } catch (e) {
    log(`cleanupStale: cannot list namespaces: ${String(e)}`);
    return removed;
  }
  const mine = new Set<string>();
  for (const lab of liveLabs) for (const n of lab.namespaceNames()) mine.add(n);
  for (const name of names) {
    const parsed = parseLabNamespace(name, prefix);
    if (!parsed || mine.has(name)) continue;
    if (!opts.force && (parsed.pid === process.pid || pidAlive(parsed.pid))) continue;
    try {
      const err = await deleteNamespace(name);
      if (err) log(`cleanupStale: ${err}`);
      else removed.push(name);
    } catch (e) {
      log(`cleanupStale: ${name}: ${String(e)}`);
    }
  }
  // Temp directories of the same labs (configs, logs, sockets of a `firsthop lab run --keep`).
  let dirs: string[] = [];
  try {
    dirs = readdirSync(tmpdir());
  } catch {
    // no tmpdir listing: nothing to remove
  }
  for (const d of dirs) {
    const parsed = parseLabNamespace(d, prefix);
    if (!parsed || parsed.pid === process.pid || (!opts.force && pidAlive(parsed.pid))) continue;
    try {
      rmSync(join(tmpdir(), d), { recursive: true, force: true });
    } catch (e) {
      log(`cleanupStale: ${d}: ${String(e)}`);
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------
// Process-wide registry

const liveLabs = new Set<Lab>();
let handlersInstalled = false;
const CLEANUP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function destroyAllSync(): void {
  for (const lab of [...liveLabs]) lab.destroySync();
}

function onExit(): void {
  destroyAllSync();
}

function onUncaught(): void {
  // Only when the exception is about to kill the process: with an 'uncaughtException' handler
  // (node:test has one) the process goes on, and the labs are still in use; 'exit' covers it.
  if (process.listenerCount('uncaughtException') === 0) destroyAllSync();
}

function onSignal(signal: NodeJS.Signals): void {
  destroyAllSync();
  // Do not swallow the signal: drop our listeners and, if nobody else handles this
  // signal, re-raise it so the process dies of it as it would have without us.
  for (const s of CLEANUP_SIGNALS) process.removeListener(s, onSignal);
  handlersInstalled = false;
  process.removeListener('exit', onExit);
  process.removeListener('uncaughtExceptionMonitor', onUncaught);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onExit);
  // A monitor observes the exception without changing the crash behaviour.
  process.on('uncaughtExceptionMonitor', onUncaught);
  for (const s of CLEANUP_SIGNALS) process.on(s, onSignal);
}

function uninstallHandlersIfIdle(): void {
  if (!handlersInstalled || liveLabs.size > 0) return;
  handlersInstalled = false;
  process.removeListener('exit', onExit);
  process.removeListener('uncaughtExceptionMonitor', onUncaught);
  for (const s of CLEANUP_SIGNALS) process.removeListener(s, onSignal);
}

let labSeq = 0;

// ---------------------------------------------------------------------------

interface Tracked {
  child: ChildProcess;
  argv: readonly string[];
  exited: Promise<void>;
}

export class Lab {
  /** `<prefix>-<pid36>-<n36>`; every namespace of this lab is `${id}-${name}`. */
  readonly id: string;
  private readonly namespaces = new Map<string, string>(); // local name -> full name
  private readonly children = new Set<Tracked>();
  private readonly log: (message: string) => void;
  private tmp: string | undefined;
  private destroyed = false;

  private constructor(prefix: string, opts: LabOptions) {
    // "fh" first: .ci/run and cleanupStale() recognise lab namespaces by it.
    if (!/^fh[a-z0-9]{0,10}$/.test(prefix)) throw new Error(`invalid lab prefix '${prefix}' ('fh' then up to 10 of [a-z0-9])`);
    this.id = `${prefix}-${process.pid.toString(36)}-${(labSeq++).toString(36)}`;
    this.log = opts.log ?? ((m: string) => console.error(`[lab ${this.id}] ${m}`));
  }

  /**
   * A new, empty lab (prefix default 'fhlab'; it must start with 'fh'). Registers it for cleanup
   * at process exit and on SIGINT/SIGTERM/SIGHUP/uncaught exceptions.
   */
  static create(prefix: string = LAB_PREFIX, opts: LabOptions = {}): Lab {
    const lab = new Lab(prefix, opts);
    liveLabs.add(lab);
    installHandlers();
    return lab;
  }

  /** Full names of the namespaces this lab created (and has not yet deleted). */
  namespaceNames(): string[] {
    return [...this.namespaces.values()];
  }

  /** Resolve a local namespace name (or an already-full name of this lab) to the full name. */
  ns(name: string): string {
    const full = this.namespaces.get(name);
    if (full !== undefined) return full;
    for (const f of this.namespaces.values()) if (f === name) return f;
    throw new Error(`lab ${this.id}: no namespace '${name}'`);
  }

  /** Temporary directory of this lab (for configs, pid files, captures), removed by destroy(). */
  dir(): string {
    if (this.tmp === undefined) this.tmp = mkdtempSync(join(tmpdir(), `${this.id}-`));
    return this.tmp;
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`lab ${this.id} is destroyed`);
  }

  /** Create namespace `${id}-${name}` with lo up and (unless opts.dad) DAD disabled. Returns the full name. */
  async addNamespace(name: string, opts: NamespaceOptions = {}): Promise<string> {
    this.assertLive();
    if (!NAME_RE.test(name)) throw new Error(`invalid namespace name '${name}'`);
    if (this.namespaces.has(name)) throw new Error(`lab ${this.id}: namespace '${name}' exists`);
    const full = `${this.id}-${name}`;
    // Register before creating so that a failure half way still gets cleaned up.
    this.namespaces.set(name, full);
    await run(['ip', 'netns', 'add', full], { check: true });
    await run(['ip', '-n', full, 'link', 'set', 'lo', 'up'], { check: true });
    if (!opts.dad) {
      await this.sysctls(full, { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 });
    }
    return full;
  }

  /** Run `ip -n NS <args>` (throws on failure). */
  async ip(ns: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(['ip', '-n', this.ns(ns), ...args], { check: true, ...opts });
  }

  /**
   * A veth pair created directly inside the namespaces (never in the root namespace, so names
   * cannot clash with other runs), optionally enslaved to bridges, and brought up.
   */
  async addVeth(nsA: string, ifA: string, nsB: string, ifB: string, opts: VethOptions = {}): Promise<VethPair> {
    this.assertLive();
    checkIfname(ifA);
    checkIfname(ifB);
    const a = this.ns(nsA);
    const b = this.ns(nsB);
    const argv = ['ip', '-n', a, 'link', 'add', ifA];
    if (opts.macA) argv.push('address', opts.macA);
    if (opts.mtu !== undefined) argv.push('mtu', String(opts.mtu));
    argv.push('type', 'veth', 'peer', 'name', ifB, 'netns', b);
    if (opts.macB) argv.push('address', opts.macB);
    if (opts.mtu !== undefined) argv.push('mtu', String(opts.mtu));
    await run(argv, { check: true });
    if (opts.masterA) await this.setMaster(nsA, ifA, opts.masterA);
    if (opts.masterB) await this.setMaster(nsB, ifB, opts.masterB);
    if (opts.up ?? true) {
      await this.linkUp(nsA, ifA);
      await this.linkUp(nsB, ifB);
    }
    return { nsA: a, ifA, nsB: b, ifB };
  }

  /** A bridge (a plain L2 switch: no STP, no snooping, no IPv6 of its own by default), up. */
  async addBridge(ns: string, name: string, opts: BridgeOptions = {}): Promise<void> {
    this.assertLive();
    checkIfname(name);
    const full = this.ns(ns);
    await run(['ip', '-n', full, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', opts.mcastSnooping ? '1' : '0'], { check: true });
    if (opts.noIpv6 ?? true) await this.sysctl(full, confKey(name, 'disable_ipv6'), 1);
    await this.linkUp(ns, name);
  }

  async setMaster(ns: string, ifname: string, bridge: string): Promise<void> {
    await this.ip(ns, ['link', 'set', ifname, 'master', bridge]);
  }

  async linkUp(ns: string, ifname: string): Promise<void> {
    await this.ip(ns, ['link', 'set', ifname, 'up']);
  }

  async linkDown(ns: string, ifname: string): Promise<void> {
    await this.ip(ns, ['link', 'set', ifname, 'down']);
  }

  /**
   * `ip netns exec NS argv...` with a timeout (default 10 s). Does not throw on a non-zero exit
   * unless opts.check. Resolves when the command's stdout/stderr close: a command that leaves a
   * background process holding them (a daemon without -n) only returns at the timeout; use spawn().
   */
  exec(ns: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) return Promise.reject(new Error('exec: empty argv'));
    return run(['ip', 'netns', 'exec', this.ns(ns), ...argv], opts);
  }

  /**
   * Start a long-running process inside a namespace (`ip netns exec` execs in place, so the
   * child's pid is the program's). It runs in its own process group, is tracked, and is
   * killed (SIGTERM, then SIGKILL after 2 s) by destroy() and at process exit.
   */
  spawn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.assertLive();
    if (argv.length === 0) throw new Error('spawn: empty argv');
    const full = ['ip', 'netns', 'exec', this.ns(ns), ...argv];
    const child = spawn('ip', full.slice(1), {
      stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: opts.env ? { ...LAB_ENV, ...opts.env } : LAB_ENV,
      detached: true,
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const tracked: Tracked = { child, argv: full, exited };
    this.children.add(tracked);
    // No unhandled 'error' event crash when the program is missing; callers see it on 'exit'/'error' too.
    child.on('error', (e) => this.log(`spawn ${argv.join(' ')}: ${e.message}`));
    return child;
  }

  /** Kill one spawned process (SIGTERM, SIGKILL after graceMs) and wait for it. */
  async kill(child: ChildProcess, graceMs = 2000): Promise<void> {
    const tracked = [...this.children].find((t) => t.child === child);
    if (!tracked) return;
    await this.stopTracked(tracked, graceMs);
  }

  private async stopTracked(t: Tracked, graceMs: number): Promise<void> {
    const { child } = t;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      signalGroup(child.pid, 'SIGTERM');
      const timer = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([t.exited.then(() => 'exited' as const), timer])) === 'timeout') {
        signalGroup(child.pid, 'SIGKILL');
        await Promise.race([t.exited, sleep(1000)]);
      }
    }
    this.children.delete(t);
  }

  /** `sysctl -q -w key=value` inside a namespace (key in dotted or slash form; use confKey() for interface names with dots). */
  async sysctl(ns: string, key: string, value: string | number): Promise<void> {
    await this.sysctls(ns, { [key]: value });
  }

  /** Several sysctls in one `sysctl -w` call. */
  async sysctls(ns: string, values: Record<string, string | number>): Promise<void> {
    const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    if (args.length === 0) return;
    await this.exec(ns, ['sysctl', '-q', '-w', ...args], { check: true });
  }

  /** Read a sysctl value (trimmed text) via /proc/sys inside the namespace. */
  async sysctlGet(ns: string, key: string): Promise<string> {
    const path = key.includes('/') ? key : key.replace(/\./g, '/');
    return (await this.readFile(ns, `/proc/sys/${path}`)).trim();
  }

  /** `cat FILE` inside a namespace (for /proc/sys/net, which is per namespace). */
  async readFile(ns: string, path: string): Promise<string> {
    return (await this.exec(ns, ['cat', path], { check: true })).stdout;
  }

  /**
   * Leave the lab up after this process exits (`firsthop lab run --keep`): the lab leaves the
   * exit registry, its processes are let go (our ends of their pipes closed: give daemons that
   * must survive a log file instead of a pipe) and its temp directory stays. `cleanupStale()`
   * (`firsthop lab clean`) removes it later, as it does a crashed run's. Returns the namespaces.
   */
  keep(): string[] {
    this.assertLive();
    this.destroyed = true;
    liveLabs.delete(this);
    uninstallHandlersIfIdle();
    for (const t of this.children) {
      t.child.stdout?.destroy();
      t.child.stderr?.destroy();
      t.child.unref();
    }
    this.children.clear();
    return this.namespaceNames();
  }

  /**
   * Kill every spawned process (and anything else left running in the namespaces), delete
   * every namespace and the temp directory. Idempotent; never throws; logs what failed.
   */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      await Promise.all([...this.children].map((t) => this.stopTracked(t, 2000).catch((e: unknown) => this.log(`stopping ${t.argv.join(' ')}: ${String(e)}`))));
      for (const [local, full] of [...this.namespaces]) {
        try {
          const err = await deleteNamespace(full);
          if (err) this.log(err);
        } catch (e) {
          this.log(`deleting namespace ${full}: ${String(e)}`);
        }
        this.namespaces.delete(local);
      }
      this.removeTmp();
    } catch (e) {
      this.log(`destroy: ${String(e)}`);
    } finally {
      liveLabs.delete(this);
      uninstallHandlersIfIdle();
    }
  }

  /** Synchronous destroy for exit paths (used by the registry). Idempotent; never throws. */
  destroySync(): void {
    if (this.destroyed && this.namespaces.size === 0) {
      liveLabs.delete(this);
      return;
    }
    this.destroyed = true;
    try {
      for (const t of this.children) {
        if (t.child.pid !== undefined && t.child.exitCode === null && t.child.signalCode === null) signalGroup(t.child.pid, 'SIGTERM');
      }
      if (this.children.size > 0) sleepSync(100);
      for (const t of this.children) {
        if (t.child.pid !== undefined && t.child.exitCode === null && t.child.signalCode === null) signalGroup(t.child.pid, 'SIGKILL');
      }
      this.children.clear();
      for (const [local, full] of [...this.namespaces]) {
        try {
          const err = deleteNamespaceSync(full);
          if (err) this.log(err);
        } catch (e) {
          this.log(`deleting namespace ${full}: ${String(e)}`);
        }
        this.namespaces.delete(local);
      }
      this.removeTmp();
    } catch (e) {
      this.log(`destroySync: ${String(e)}`);
    } finally {
      liveLabs.delete(this);
    }
  }

  private removeTmp(): void {
    if (this.tmp === undefined) return;
    try {
      rmSync(this.tmp, { recursive: true, force: true });
    } catch (e) {
      this.log(`removing ${this.tmp}: ${String(e)}`);
    }
    this.tmp = undefined;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // detached children lead their own process group; fall back to the pid alone.
  if (!tryKill(-pid, signal)) tryKill(pid, signal);
}

/** Labs not yet destroyed in this process (for diagnostics and tests). */
export function liveLabCount(): number {
  return liveLabs.size;
}
