/**
 * Shared helpers of the benchmarks: process CPU and memory from /proc, percentiles, the
 * machine description, result tables and JSON output, and a `runBench` wrapper that always
 * destroys the lab (namespaces, processes) on success, failure and signals.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Capture, cleanupStale, Lab, realtimeMicros, run } from '../src/lab/netns';
import type { PaceResult } from './pacer';

/** Clock ticks per second for /proc/PID/stat (sysconf(_SC_CLK_TCK); 100 on every Linux port we run on). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface CpuSample {
  /** utime + stime of the whole thread group, milliseconds (10 ms resolution). */
  cpuMs: number;
  utimeMs: number;
  stimeMs: number;
  /** On-CPU time summed over the live threads' /proc/PID/task/TID/schedstat (ns resolution), milliseconds. */
  schedMs: number;
}

/** utime/stime of a process (all its threads) from /proc/PID/stat. */
export function cpuSample(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  let schedMs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        schedMs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      } catch {
        // thread exited meanwhile
      }
    }
  } catch {
    schedMs = NaN; // schedstat needs CONFIG_SCHED_INFO
  }
  const tick = 1000 / CLK_TCK;
  return { cpuMs: (utime + stime) * tick, utimeMs: utime * tick, stimeMs: stime * tick, schedMs };
}

export interface MemSample {
  /** Resident set size now, KiB. */
  vmRssKb: number;
  /** Peak resident set size, KiB. */
  vmHwmKb: number;
  threads: number;
}

export function memSample(pid: number): MemSample {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { vmRssKb: field('VmRSS'), vmHwmKb: field('VmHWM'), threads: field('Threads') };
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  return {
    n,
    min: n ? Math.min(...values) : NaN,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    max: n ? Math.max(...values) : NaN,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : NaN,
  };
}

function firstLine(argv: string[]): string {
  try {
    const [file, ...args] = argv;
    const out = execFileSync(file!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  } catch (e) {
    const out = String((e as { stdout?: unknown }).stdout ?? '');
    return out.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
  }
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  kernel: string;
  node: string;
  radvd: string;
  memTotalKb: number;
  firsthopCommit: string;
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const mem = /^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  const radvdVersion = /Version:\s*(\S+)/.exec(
    (() => {
      try {
        return execFileSync('radvd', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        // radvd 2.19 prints its version on stderr and exits 1.
        const err = e as { stdout?: unknown; stderr?: unknown };
        return `${String(err.stdout ?? '')}${String(err.stderr ?? '')}`;
      }
    })(),
  )?.[1];
  return {
    nproc: Number(firstLine(['nproc'])) || cpus().length,
    cpuModel: model,
    kernel: firstLine(['uname', '-r']),
    node: process.version,
    radvd: radvdVersion ?? 'unknown',
    memTotalKb: Number(mem ?? NaN),
    firsthopCommit: firstLine(['git', '-C', resolve(__dirname, '..', '..'), 'rev-parse', '--short', 'HEAD']),
  };
}

/** Repository root (dist/bench/common.js -> ../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Write bench/results/<name>.json in the source tree (not dist/). Returns the path. */
export function writeResult(name: string, data: unknown): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

/** A plain-text table (also valid Markdown). */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(digits);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}

/** Root check; the benchmarks need network namespaces. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    process.stderr.write('this benchmark needs root (network namespaces, raw sockets)\n');
    process.exit(2);
  }
}

/**
 * Run a benchmark body with a fresh lab (namespace prefix 'fhbench'), destroying it afterwards
 * whatever happens. Stale namespaces of earlier, crashed benchmark runs are removed first.
 * Sets the exit code: 0 on success, 1 on an exception.
 */
export async function runBench(name: string, body: (lab: Lab) => Promise<void>): Promise<void> {
  requireRoot();
  await cleanupStale('fhbench', { log });
  const lab = Lab.create('fhbench', { log });
  try {
    await body(lab);
    process.exitCode = 0;
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  } finally {
    const names = lab.namespaceNames();
    await lab.destroy();
    log(`${name}: lab destroyed (${names.length} namespace(s) removed)`);
  }
}

/** Counters of /proc/net/snmp6 (per network namespace) as name -> value. */
export function parseSnmp6(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

export async function snmp6(lab: Lab, ns: string): Promise<Map<string, number>> {
  return parseSnmp6(await lab.readFile(ns, '/proc/net/snmp6'));
}

/**
 * Raw IPv6 sockets of a namespace (/proc/net/raw6): inode -> { drops, rxQueue }. `drops` is
 * the number of packets the kernel dropped because the socket's receive buffer was full.
 */
export async function raw6Sockets(lab: Lab, ns: string): Promise<{ inode: number; protocol: number; rxQueue: number; drops: number }[]> {
  const text = await lab.readFile(ns, '/proc/net/raw6');
  const out: { inode: number; protocol: number; rxQueue: number; drops: number }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    // sl local:port remote:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    const local = f[1] ?? '';
    const queues = (f[4] ?? '0:0').split(':');
    out.push({
      protocol: parseInt(local.split(':')[1] ?? '0', 16),
      rxQueue: parseInt(queues[1] ?? '0', 16),
      inode: Number(f[9]),
      drops: Number(f[f.length - 1]),
    });
  }
  return out;
}

/** Socket inodes a process holds (from /proc/PID/fd links `socket:[N]`). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) out.add(Number(m[1]));
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    // process gone
  }
  return out;
}

/**
 * Drops counted on process `pid`'s ICMPv6 raw sockets in namespace `ns`: the /proc/net/raw6
 * rows whose inode the process holds as an fd. NaN when none is found, so that a failed match
 * never reads as "no drops".
 */
export async function icmpv6SocketDrops(lab: Lab, ns: string, pid: number): Promise<number> {
  const inodes = socketInodes(pid);
  const mine = (await raw6Sockets(lab, ns)).filter((s) => s.protocol === 58 && inodes.has(s.inode));
  return mine.length === 0 ? NaN : mine.reduce((a, s) => a + s.drops, 0);
}

/**
 * tcpdump on every interface of a namespace (`-i any`). capture() cannot be used for this:
 * tcpdump 4.99 / libpcap 1.10 give `any` the LINUX_SLL2 link type (276), which the lab's
 * pcap reader does not decode, so this forces `-y LINUX_SLL` (113), which it does.
 */
export async function captureAll(lab: Lab, ns: string, filter: string, snaplen = 128): Promise<Capture> {
  const argv = ['tcpdump', '-i', 'any', '-y', 'LINUX_SLL', '-n', '-w', '-', '-U', '--immediate-mode', '--time-stamp-precision=nano', '-B', '16384', '-s', String(snaplen), filter];
  const child = lab.spawn(ns, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const cap = new Capture(lab, child, `any@${ns}`);
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(cap.stderr)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`tcpdump -i any in ${ns} exited: ${cap.stderr}`);
    if (Date.now() > deadline) {
      await lab.kill(child, 500);
      throw new Error(`tcpdump -i any in ${ns} not listening after 10 s: ${cap.stderr}`);
    }
    await sleep(20);
  }
  return cap;
}

/** /proc/net/stat/ndisc_cache summed over CPUs (the IPv6 neighbour table is global, not per namespace). */
export function ndiscCache(): { entries: number; allocs: number; forcedGcRuns: number; tableFulls: number } {
  const lines = readFileSync('/proc/net/stat/ndisc_cache', 'utf8').trim().split('\n');
  const names = (lines[0] ?? '').trim().split(/\s+/);
  const sums = new Map<string, number>();
  for (const line of lines.slice(1)) {
    line
      .trim()
      .split(/\s+/)
      .forEach((v, i) => {
        const k = names[i] ?? String(i);
        // 'entries' is the table size repeated on every CPU line, the others are per-CPU counters.
        sums.set(k, k === 'entries' ? parseInt(v, 16) : (sums.get(k) ?? 0) + parseInt(v, 16));
      });
  }
  return { entries: sums.get('entries') ?? NaN, allocs: sums.get('allocs') ?? NaN, forcedGcRuns: sums.get('forced_gc_runs') ?? NaN, tableFulls: sums.get('table_fulls') ?? NaN };
}

/** radvd.conf with one interface block per r<i>: the intervals given, prefix 2001:db8:<i hex>::/64, one RDNSS. */
export function fanConfig(count: number, minInterval: number, maxInterval: number): string {
  const blocks: string[] = [];
  for (let i = 0; i < count; i++) {
    blocks.push(`interface r${i} {
    AdvSendAdvert on;
    MinRtrAdvInterval ${minInterval};
    MaxRtrAdvInterval ${maxInterval};
    prefix 2001:db8:${i.toString(16)}::/64 {
    };
    RDNSS 2001:db8::53 {
    };
};
`);
  }
  return blocks.join('');
}

/**
 * A router namespace and a host namespace joined by COUNT veth pairs r0..r<COUNT-1> (router) /
 * h0..h<COUNT-1> (host), created with `ip -n NS -batch` and brought up; resolves once every
 * router side has a usable link-local address (the lab disables DAD). The router has
 * forwarding on and accept_ra off. The host side is a passive tap: IPv6 disabled on every
 * host interface except those listed in `hostIpv6` (see bench/scale.ts for why).
 */
export async function vethFan(lab: Lab, count: number, opts: { hostIpv6?: readonly string[] } = {}): Promise<{ router: string; host: string }> {
  const router = await lab.addNamespace('router');
  const host = await lab.addNamespace('host');
  // Router: forwarding on (no RSs from it, all-routers joined by the kernel), no RA processing.
  await lab.sysctls('router', {
    'net.ipv6.conf.all.forwarding': 1,
    'net.ipv6.conf.default.forwarding': 1,
    'net.ipv6.conf.all.accept_ra': 0,
    'net.ipv6.conf.default.accept_ra': 0,
  });
  await lab.sysctls('host', { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
  const dir = lab.dir();
  const add: string[] = [];
  const upR: string[] = [];
  const upH: string[] = [];
  for (let i = 0; i < count; i++) {
    add.push(`link add r${i} type veth peer name h${i} netns ${host}`);
    upR.push(`link set r${i} up`);
    upH.push(`link set h${i} up`);
  }
  writeFileSync(join(dir, 'add.batch'), `${add.join('\n')}\n`);
  writeFileSync(join(dir, 'up-router.batch'), `${upR.join('\n')}\n`);
  writeFileSync(join(dir, 'up-host.batch'), `${upH.join('\n')}\n`);
  const t = Date.now();
  await run(['ip', '-n', router, '-batch', join(dir, 'add.batch')], { check: true, timeoutMs: 300_000 });
  await run(['ip', '-n', host, '-batch', join(dir, 'up-host.batch')], { check: true, timeoutMs: 300_000 });
  await run(['ip', '-n', router, '-batch', join(dir, 'up-router.batch')], { check: true, timeoutMs: 300_000 });
  log(`created ${count} veth pairs in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // Wait until every router interface has a usable link-local address (DAD is off in the lab).
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await run(['ip', '-n', router, '-6', '-o', 'addr', 'show', 'scope', 'link'], { check: true, maxBuffer: 64 * 1024 * 1024 });
    const ready = new Set<string>();
    for (const line of r.stdout.split('\n')) {
      const m = /^\d+:\s+(r\d+)\s+inet6\s+fe80::\S+\s+scope link(.*)$/.exec(line);
      if (m && !/tentative|dadfailed/.test(m[2] ?? '')) ready.add(m[1]!);
    }
    if (ready.size >= count) break;
    if (Date.now() > deadline) throw new Error(`only ${ready.size}/${count} router interfaces have a link-local address after 120 s`);
    await sleep(500);
  }
  log(`all ${count} router interfaces have link-local addresses after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  for (const ifname of opts.hostIpv6 ?? []) await lab.sysctl('host', `net.ipv6.conf.${ifname}.disable_ipv6`, 0);
  return { router, host };
}


/**
 * The most frequent kinds of line in a daemon log: timestamps, pids, numbers, addresses and
 * interface names replaced by placeholders, counted. Shows what a daemon complained about
 * (e.g. radvd's sendmsg errors) without storing megabytes of log.
 */
export function logPatterns(text: string, top = 12): { count: number; pattern: string }[] {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const key = line
      .replace(/^\[[^\]]*\]\s*/, '') // radvd: [Nov 25 08:22:02]
      .replace(/^\d{4}-\d\d-\d\dT\S+\s*/, '') // firsthop: ISO timestamp
      .replace(/\(\d+\)|\[\d+\]/g, '(PID)')
      .replace(/\/tmp\/\S+/g, 'FILE')
      .replace(/\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(\/\d+)?/gi, 'ADDR')
      .replace(/\b[rh]\d+\b/g, 'IF')
      .replace(/\d+(\.\d+)?/g, 'N')
      .slice(0, 160);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([pattern, count]) => ({ count, pattern }));
}

// ---------------------------------------------------------------------------------------
// Clock: CLOCK_REALTIME in µs, as tcpdump's pcap stamps.

let clockOffsetUs = 0;

/** CLOCK_REALTIME now, in µs, comparable with capture timestamps (after calibrate()). */
export function nowUs(): number {
  return realtimeMicros() + clockOffsetUs;
}

/**
 * Offset of realtimeMicros() from CLOCK_REALTIME: at an edge of Date.now() (a whole
 * millisecond of CLOCK_REALTIME), compare; median of 9 edges (about 9 ms of spinning).
 * Sets the offset nowUs() uses and returns it.
 */
export function calibrate(): number {
  const xs: number[] = [];
  for (let i = 0; i < 9; i++) {
    const a = Date.now();
    let b: number;
    let p: number;
    do {
      p = realtimeMicros();
      b = Date.now();
    } while (b === a);
    xs.push(b * 1000 - p);
  }
  xs.sort((x, y) => x - y);
  clockOffsetUs = xs[4]!;
  return clockOffsetUs;
}

/** Whole-machine CPU use from /proc/stat (every process, other engineers' included). */
export function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

export function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** The one-interface radvd.conf of the flood benchmarks (rs-flood, rogue-flood): a prefix and an RDNSS. */
export function floodConfig(ifname: string, minInterval: number, maxInterval: number): string {
  return `interface ${ifname} {
    AdvSendAdvert on;
    MinRtrAdvInterval ${minInterval};
    MaxRtrAdvInterval ${maxInterval};
    prefix 2001:db8:1::/64 {
    };
    RDNSS 2001:db8::53 {
    };
};
`;
}

/** The value after `--name` on the command line, or `dflt`; throws when neither is there. */
export function option(name: string, dflt?: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
}

/** What the paced flood senders (bench/rs-sender.ts, bench/ra-sender.ts) print as JSON. */
export type SenderResult = PaceResult;

/** The daemons the flood benchmarks compare. */
export type FloodDaemon = 'firsthop' | 'radvd';
