/**
 * rogue-flood: one host sends COUNT Router Advertisements, each from its own spoofed
 * link-local source (fe80::1:X:Y) and each offering a default route, a prefix and an RDNSS
 * (a rogue's RA, 80 bytes of ICMPv6; sender: bench/ra-sender.ts in its own process), while
 * the router runs firsthop, then radvd, on the same radvd.conf (one interface,
 * MinRtrAdvInterval 3, MaxRtrAdvInterval 4, a prefix and an RDNSS; no AllowedRouters, so
 * every source is an unknown router offering something: a rogue to firsthop).
 *
 * The issue this answers: 200,000 RAs from 200,000 spoofed sources grew firsthop's RSS from
 * 54 to 135 MB and wrote 197,154 warning lines. Targets: RSS grows by at most 10 MB, at most
 * 100 log lines, periodic RAs stay on schedule, at most 20 µs of CPU per received RA.
 *
 * Measured per daemon:
 *  - CPU (utime+stime, /proc/PID/stat; and schedstat) over the flood (sender start to its end
 *    plus DRAIN s for the daemon to empty its socket), net of an idle baseline of IDLE s
 *    measured just before, and per RA the router kernel received (Icmp6InRouterAdvertisements
 *    in the router namespace) and per RA the daemon read (received minus socket drops);
 *  - VmRSS before, max during the flood and the POST s after it (sampled every 250 ms),
 *    right after the flood, at the end; VmHWM;
 *  - RAs dropped at the daemon's raw socket because its receive buffer was full
 *    (/proc/net/raw6 `drops`);
 *  - log lines (counted on the daemon's stderr as they arrive) during the flood and in the
 *    POST s after it (firsthop's summary line comes at the end of its 60-s interval);
 *  - whether periodic multicast RAs stayed on schedule: gaps between consecutive multicast
 *    RAs from the router (captured in the host namespace, router's MAC as Ethernet source)
 *    from IDLE s before the flood to the end of POST;
 *  - for firsthop, `firsthop status --json`: interfaces[].watch (table size, received,
 *    rogueRas, rogueDetections, evicted) and counters, before, right after and at the end.
 *
 * The host interface has accept_ra=0 (the host is the attacker; and IPV6_MULTICAST_LOOP is
 * off on the sender's socket, so its own RAs never reach its stack).
 *
 * radvd runs at its default log level (startRadvdQuiet below). The kernel's neighbour-table
 * cap is raised for the run (NEIGH_THRESH3 below).
 *
 *   npm run build && node dist/bench/rogue-flood.js [--count 200000] [--rate 18000 | --rate 0]
 *        [--post 70] [--idle 10] [--daemons firsthop,radvd] [--out rogue-flood] [--slla]
 *        [--keep-neigh-limit] [--fh-node-options '--max-semi-space-size=1']
 *
 * --rate 0: as fast as the sender can. --slla: RAs with a source link-layer option.
 * --fh-node-options: NODE_OPTIONS of the firsthop process only; with
 * '--require /abs/path/dist/bench/inspect-preload.js' and FH_PROF / FH_MEMLOG in the
 * environment, a CPU profile / memory log of the daemon (see bench/inspect-preload.ts).
 * Writes bench/results/<out>.json. The targets line judges CPU per RA received by the kernel;
 * the JSON also has it per RA the daemon read (usPerRaRead).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, LAB_ENV, linkInfo, realtimeMicros, routerHostPair, waitLinkLocal, RA_FILTER, type Capture, type Lab, type RouterHost } from '../src/lab/netns';
import { FIRSTHOP_MAIN, startFirsthop } from '../src/lab/firsthop';
import { confKey } from '../src/lab/inspect';
import { cpuSample, fmt, log, logPatterns, machineInfo, memSample, ndiscCache, icmpv6SocketDrops, runBench, sleep, snmp6, table, writeResult, type CpuSample, type MemSample, floodConfig, type FloodDaemon, type SenderResult } from './common';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
function sarg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const COUNT = arg('--count', 200_000);
const RATE = arg('--rate', 18_000);
const POST_S = arg('--post', 70);
const IDLE_S = arg('--idle', 10);
const DAEMONS = sarg('--daemons', 'firsthop,radvd').split(',') as DaemonName[];
const OUT = sarg('--out', 'rogue-flood');
const SLLA = process.argv.includes('--slla');
/** Leave the kernel's neighbour-table limit as it is (see NEIGH_THRESH3 below). */
/** NODE_OPTIONS for the firsthop process only (e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof', '--max-semi-space-size=1'). */
const FH_NODE_OPTIONS = sarg('--fh-node-options', '');
const KEEP_NEIGH_LIMIT = process.argv.includes('--keep-neigh-limit');
/**
 * The router's kernel creates a neighbour entry (state NONE, STALE with an SLLA option) for the
 * source of every RA it receives, even with accept_ra=0, before and whatever the daemon does.
 * Entries younger than 5 s cannot be garbage-collected, and the IPv6 neighbour table is one
 * for all namespaces, capped by net.ipv6.neigh.default.gc_thresh3 (1024 by default). At the
 * default, the flood fills it within its first ~1,000 sources; from then on every namespace
 * on the machine fails to create neighbour entries (sendmsg EINVAL), the sender's own RAs and
 * the router's periodic RAs included, so the daemons would see ~1,000 RAs instead of COUNT.
 * The benchmark raises the cap for its run (machine-wide; restored at exit, on every path) so
 * that it measures the daemons, and the other namespaces on the machine are not disturbed.
 * --keep-neigh-limit shows the kernel's behaviour at the default.
 */
const NEIGH_THRESH3 = 262_144;
const THRESH3_PATH = '/proc/sys/net/ipv6/neigh/default/gc_thresh3';

const SETTLE_S = 2;
const DRAIN_S = 1;
const MIN_INTERVAL = 3;
const MAX_INTERVAL = 4;
/** Timer slack allowed around [MinRtrAdvInterval, MaxRtrAdvInterval] when judging gaps. */
const SLACK_S = 0.05;

const TARGET_RSS_KB = 10 * 1024;
const TARGET_LINES = 100;
const TARGET_US_PER_RA = 20;

function config(ifname: string): string {
  return floodConfig(ifname, MIN_INTERVAL, MAX_INTERVAL);
}

type DaemonName = FloodDaemon;

interface RaSenderResult extends SenderResult {
  count: number;
  raBytes: number;
  firstSource: string;
  lastSource: string;
}

interface WatchFigures {
  routers: number;
  capacity: number;
  received: number;
  rogueRas: number;
  rogueDetections: number;
  evicted: number;
  counters: Record<string, number>;
}

interface FloodResult {
  daemon: DaemonName;
  sender: RaSenderResult;
  /** Sender start to sender end + DRAIN_S. */
  floodS: number;
  cpuFloodMs: number;
  utimeFloodMs: number;
  stimeFloodMs: number;
  schedFloodMs: number;
  /** schedstat over the IDLE_S s before the flood, ms. */
  cpuIdleMs: number;
  /** Flood schedstat minus the idle rate over the flood's length, ms. */
  cpuFloodNetMs: number;
  usPerRaReceived: number;
  usPerRaRead: number;
  /** CPU in the POST_S s after the flood (schedstat), ms. */
  cpuPostMs: number;
  rssBeforeKb: number;
  rssMaxFloodKb: number;
  rssAfterFloodKb: number;
  rssMaxPostKb: number;
  rssEndKb: number;
  hwmBeforeKb: number;
  hwmEndKb: number;
  rssGrowthKb: number;
  raReceivedByKernel: number;
  raReceivedByKernelPost: number;
  raDroppedAtDaemonSocket: number;
  rasSentKernel: number;
  /** Log lines the daemon wrote from the flood's start to DRAIN_S after its end, and in POST_S after. */
  logLinesFlood: number;
  logLinesPost: number;
  /** The lines themselves (first 200), with ms since the flood's start. */
  logLines: { atMs: number; line: string }[];
  logSummary: { count: number; pattern: string }[];
  /** Gaps between consecutive multicast RAs: during the idle baseline, overlapping the flood, after. */
  gapsIdle: number[];
  gapsFlood: number[];
  gapsPost: number[];
  gapsOutside: number;
  multicastDuringFlood: number;
  /** Kernel IPv6 neighbour table (all namespaces): entries before, max seen during the flood, table_fulls during it. */
  neighbourEntriesBefore: number;
  neighbourEntriesMaxFlood: number;
  neighbourTableFullsFlood: number;
  watchBefore?: WatchFigures;
  watchAfterFlood?: WatchFigures;
  watchEnd?: WatchFigures;
}

/**
 * radvd at its default log level (no -d), as it runs in production: at -d 1, as
 * src/lab/topology.ts's startRadvd runs it, radvd writes a debug line ("polling for ...")
 * on every wake-up, i.e. one per received RA in a flood, which would inflate both its log
 * and its CPU. Resolves once it said "started" and is still running 300 ms later.
 */
async function startRadvdQuiet(lab: Lab, ns: string, config: string, name: string): Promise<{ child: ChildProcess; log: () => string; stop: () => Promise<unknown> }> {
  const dir = lab.dir();
  const configPath = join(dir, `${name}.conf`);
  writeFileSync(configPath, config);
  const child = lab.spawn(ns, ['radvd', '-n', '-C', configPath, '-p', join(dir, `${name}.pid`), '-m', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (text.length < 256 * 1024) text += d.toString('utf8');
  });
  const deadline = Date.now() + 10_000;
  while (!/\bstarted\b/.test(text)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`radvd exited:\n${text}`);
    if (Date.now() > deadline) {
      await lab.kill(child, 500);
      throw new Error(`radvd did not start within 10 s:\n${text}`);
    }
    await sleep(20);
  }
  await sleep(300);
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`radvd exited:\n${text}`);
  return { child, log: () => text, stop: () => lab.kill(child) };
}

function firsthopStatus(controlPath: string): Promise<WatchFigures> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [FIRSTHOP_MAIN, 'status', '--json', '-s', controlPath], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        const s = JSON.parse(stdout) as { interfaces: { watch: { routers: unknown[]; capacity: number; received: number; rogueRas: number; rogueDetections: number; evicted: number } }[]; counters: Record<string, number> };
        const w = s.interfaces[0]!.watch;
        resolve({ routers: w.routers.length, capacity: w.capacity, received: w.received, rogueRas: w.rogueRas, rogueDetections: w.rogueDetections, evicted: w.evicted, counters: s.counters });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Counts the lines a daemon writes on stderr, with their arrival times (the first 5,000 kept). */
class LineCounter {
  count = 0;
  readonly lines: { at: number; line: string }[] = [];
  private partial = '';
  constructor(stream: NodeJS.ReadableStream | null | undefined) {
    stream?.on('data', (d: Buffer) => {
      const text = this.partial + d.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      const at = Date.now();
      for (const line of parts) {
        this.count++;
        if (this.lines.length < 5000) this.lines.push({ at, line });
      }
    });
  }
}

async function flood(lab: Lab, pair: RouterHost, cap: Capture, daemon: DaemonName, hostIfindex: number): Promise<FloodResult> {
  const conf = config(pair.routerIf);
  let pid: number;
  let logText: () => string;
  let stop: () => Promise<unknown>;
  let lines: LineCounter;
  let status: (() => Promise<WatchFigures>) | undefined;
  log(`${daemon}: starting`);
  if (daemon === 'firsthop') {
    // startFirsthop spawns with the lab's environment (LAB_ENV): set NODE_OPTIONS there for this one spawn.
    if (FH_NODE_OPTIONS !== '') LAB_ENV.NODE_OPTIONS = FH_NODE_OPTIONS;
    const h = await startFirsthop(lab, 'router', conf, { name: 'fh-rogue', debug: 1 }).finally(() => {
      if (FH_NODE_OPTIONS !== '') delete LAB_ENV.NODE_OPTIONS;
    });
    pid = h.child.pid!;
    lines = new LineCounter(h.child.stderr);
    logText = () => h.log();
    stop = () => h.stop();
    status = () => firsthopStatus(h.controlPath);
  } else {
    const h = await startRadvdQuiet(lab, 'router', conf, 'radvd-rogue');
    pid = h.child.pid!;
    lines = new LineCounter(h.child.stderr);
    logText = () => h.log();
    stop = () => h.stop();
  }
  const daemonDrops = (): Promise<number> => icmpv6SocketDrops(lab, 'router', pid);
  const mems: { at: number; m: MemSample }[] = [];
  let neighMax = 0;
  const sampleMem = (): MemSample => {
    neighMax = Math.max(neighMax, ndiscCache().entries);
    try {
      const m = memSample(pid);
      mems.push({ at: Date.now(), m });
      return m;
    } catch {
      throw new Error(`${daemon} died:\n${logText().slice(-4000)}`);
    }
  };

  await sleep(SETTLE_S * 1000);
  const watchBefore = status ? await status() : undefined;
  const idle0 = cpuSample(pid);
  const idleStartUs = realtimeMicros();
  await sleep(IDLE_S * 1000);
  const cpu0 = cpuSample(pid);
  const mem0 = sampleMem();
  const snmp0 = await snmp6(lab, 'router');
  const drops0 = await daemonDrops();
  const lines0 = lines.count;
  const neigh0 = ndiscCache();
  neighMax = neigh0.entries;
  const t0 = realtimeMicros();
  const t0Ms = Date.now();

  log(`${daemon}: sending ${COUNT} RAs from ${COUNT} spoofed sources at ${RATE > 0 ? `${RATE}/s` : 'full speed'}`);
  const sender = lab.spawn('host', [process.execPath, join(__dirname, 'ra-sender.js'), '--netns', pair.host, '--ifindex', String(hostIfindex), '--count', String(COUNT), '--rate', String(RATE), ...(SLLA ? ['--slla'] : [])]);
  let out = '';
  let err = '';
  sender.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  sender.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => sender.once('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await sleep(250);
    sampleMem();
  }
  const code = await exited;
  if (code !== 0) throw new Error(`ra-sender exited ${code}: ${err}`);
  await sleep(DRAIN_S * 1000);
  const cpu1 = cpuSample(pid);
  const t1 = realtimeMicros();
  const mem1 = sampleMem();
  const snmp1 = await snmp6(lab, 'router');
  const drops1 = await daemonDrops();
  const lines1 = lines.count;
  const neigh1 = ndiscCache();
  const neighMaxFlood = neighMax;
  const s = JSON.parse(out.trim()) as RaSenderResult;
  log(`${daemon}: sender sent ${s.sent} in ${fmt(s.durationS, 2)} s (${fmt(s.achievedRate, 0)}/s), ${s.failed} refused ${JSON.stringify(s.errors)}`);
  const watchAfterFlood = status ? await status() : undefined;

  // After the flood: POST_S s, RSS sampled, waiting for the end-of-interval summary line.
  const postEnd = Date.now() + POST_S * 1000;
  const rssPost: number[] = [];
  while (Date.now() < postEnd) {
    await sleep(250);
    rssPost.push(sampleMem().vmRssKb);
  }
  const cpu2: CpuSample = cpuSample(pid);
  const mem2 = sampleMem();
  const snmp2 = await snmp6(lab, 'router');
  const lines2 = lines.count;
  const t2 = realtimeMicros();
  const watchEnd = status ? await status() : undefined;
  await stop();
  await sleep(500);

  // Schedule: multicast RAs from the router, from the idle baseline's start to the end of POST.
  const mts = cap.packets.filter((p) => p.icmpv6?.type === 134 && p.icmpv6.dst === 'ff02::1' && p.tsMicros >= idleStartUs && p.tsMicros <= t2).map((p) => p.tsMicros);
  const gapsIdle: number[] = [];
  const gapsFlood: number[] = [];
  const gapsPost: number[] = [];
  for (let i = 1; i < mts.length; i++) {
    const a = mts[i - 1]!;
    const b = mts[i]!;
    const g = (b - a) / 1e6;
    if (b < t0) gapsIdle.push(g);
    else if (a <= t1) gapsFlood.push(g);
    else gapsPost.push(g);
  }
  const all = [...gapsIdle, ...gapsFlood, ...gapsPost];
  const floodS = (t1 - t0) / 1e6;
  const idleRate = (cpu0.schedMs - idle0.schedMs) / IDLE_S;
  const cpuFloodNetMs = cpu1.schedMs - cpu0.schedMs - idleRate * floodS;
  const received = (snmp1.get('Icmp6InRouterAdvertisements') ?? NaN) - (snmp0.get('Icmp6InRouterAdvertisements') ?? NaN);
  const dropped = drops1 - drops0;
  const floodLines = lines.lines.filter((l) => l.at >= t0Ms).slice(0, 200);
  const rssMaxFloodKb = Math.max(...mems.filter((x) => x.at >= t0Ms && x.at <= t0Ms + floodS * 1000 + 10).map((x) => x.m.vmRssKb), mem1.vmRssKb);
  const rssMaxPostKb = Math.max(...rssPost, mem2.vmRssKb);
  const res: FloodResult = {
    daemon,
    sender: s,
    floodS,
    cpuFloodMs: cpu1.cpuMs - cpu0.cpuMs,
    utimeFloodMs: cpu1.utimeMs - cpu0.utimeMs,
    stimeFloodMs: cpu1.stimeMs - cpu0.stimeMs,
    schedFloodMs: cpu1.schedMs - cpu0.schedMs,
    cpuIdleMs: cpu0.schedMs - idle0.schedMs,
    cpuFloodNetMs,
    usPerRaReceived: (cpuFloodNetMs * 1000) / received,
    usPerRaRead: (cpuFloodNetMs * 1000) / (received - dropped),
    cpuPostMs: cpu2.schedMs - cpu1.schedMs,
    rssBeforeKb: mem0.vmRssKb,
    rssMaxFloodKb,
    rssAfterFloodKb: mem1.vmRssKb,
    rssMaxPostKb,
    rssEndKb: mem2.vmRssKb,
    hwmBeforeKb: mem0.vmHwmKb,
    hwmEndKb: mem2.vmHwmKb,
    rssGrowthKb: Math.max(rssMaxFloodKb, rssMaxPostKb) - mem0.vmRssKb,
    raReceivedByKernel: received,
    raReceivedByKernelPost: (snmp2.get('Icmp6InRouterAdvertisements') ?? NaN) - (snmp1.get('Icmp6InRouterAdvertisements') ?? NaN),
    raDroppedAtDaemonSocket: dropped,
    rasSentKernel: (snmp1.get('Icmp6OutRouterAdvertisements') ?? NaN) - (snmp0.get('Icmp6OutRouterAdvertisements') ?? NaN),
    logLinesFlood: lines1 - lines0,
    logLinesPost: lines2 - lines1,
    logLines: floodLines.map((l) => ({ atMs: l.at - t0Ms, line: l.line })),
    logSummary: logPatterns(lines.lines.filter((l) => l.at >= t0Ms).map((l) => l.line).join('\n')),
    gapsIdle,
    gapsFlood,
    gapsPost,
    gapsOutside: all.filter((g) => g < MIN_INTERVAL - SLACK_S || g > MAX_INTERVAL + SLACK_S).length,
    multicastDuringFlood: mts.filter((t) => t >= t0 && t <= t1).length,
    neighbourEntriesBefore: neigh0.entries,
    neighbourEntriesMaxFlood: neighMaxFlood,
    neighbourTableFullsFlood: neigh1.tableFulls - neigh0.tableFulls,
    ...(watchBefore ? { watchBefore } : {}),
    ...(watchAfterFlood ? { watchAfterFlood } : {}),
    ...(watchEnd ? { watchEnd } : {}),
  };
  log(`${daemon}: ${JSON.stringify({ ...res, sender: undefined, logLines: undefined, logSummary: undefined })}`);
  return res;
}

function raiseNeighLimit(): { before: number; during: number } {
  const before = Number(readFileSync(THRESH3_PATH, 'utf8').trim());
  if (KEEP_NEIGH_LIMIT || before >= NEIGH_THRESH3) return { before, during: before };
  const restore = (): void => {
    try {
      writeFileSync(THRESH3_PATH, String(before));
    } catch {
      // nothing more to do at exit
    }
  };
  // Restored when the process exits (after runBench has removed the namespaces and their
  // entries), and on SIGINT/SIGTERM/SIGHUP: the lab's handlers (installed first) remove the
  // namespaces, then this one restores and re-raises the signal, as the lab's would.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (sig: NodeJS.Signals): void => {
    restore();
    process.removeListener('exit', restore);
    for (const s of signals) process.removeListener(s, onSignal);
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.once('exit', restore);
  for (const s of signals) process.on(s, onSignal);
  writeFileSync(THRESH3_PATH, String(NEIGH_THRESH3));
  log(`net.ipv6.neigh.default.gc_thresh3 raised from ${before} to ${NEIGH_THRESH3} for this run (restored at exit)`);
  return { before, during: NEIGH_THRESH3 };
}

void runBench('rogue-flood', async (lab) => {
  const machine = machineInfo();
  const neighLimit = raiseNeighLimit();
  log(`rogue-flood: ${COUNT} RAs from ${COUNT} spoofed sources at ${RATE > 0 ? `${RATE}/s` : 'full speed'}, on ${machine.cpuModel} x${machine.nproc}, kernel ${machine.kernel}, node ${machine.node}, radvd ${machine.radvd}`);
  const pair = await routerHostPair(lab);
  await lab.sysctl('host', confKey(pair.hostIf, 'accept_ra'), 0);
  await waitLinkLocal(lab, 'host', pair.hostIf);
  const hl = await linkInfo(lab, 'host', pair.hostIf);
  const rl = await linkInfo(lab, 'router', pair.routerIf);
  if (!rl.address) throw new Error('router interface has no MAC address');
  // Only what the router sends: the sender's 200,000 RAs leave through the same interface.
  const cap = await capture(lab, 'host', pair.hostIf, { filter: `ether src ${rl.address} and ${RA_FILTER}`, snaplen: 128 });
  const results: FloodResult[] = [];
  const ndisc: { daemon: string; routerNeighbours: number }[] = [];
  for (const d of DAEMONS) {
    results.push(await flood(lab, pair, cap, d, hl.ifindex));
    ndisc.push({ daemon: d, routerNeighbours: (await lab.exec('router', ['ip', '-6', 'neigh', 'show', 'dev', pair.routerIf])).stdout.split('\n').filter((l) => l.trim() !== '').length });
    await lab.exec('router', ['ip', '-6', 'neigh', 'flush', 'dev', pair.routerIf, 'nud', 'all']);
    await sleep(2000);
  }
  await cap.stop();

  const cols = results.map((r) => (r.daemon === 'radvd' ? `radvd ${machine.radvd}` : r.daemon));
  const row = (label: string, f: (r: FloodResult) => string | number): (string | number)[] => [label, ...results.map(f)];
  const mib = (kb: number): string => fmt(kb / 1024);
  const gaps = (xs: number[]): string => (xs.length === 0 ? '-' : `${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)} (${xs.length})`);
  const rows = [
    row('RAs sent (achieved rate /s, duration s)', (r) => `${r.sender.sent} (${fmt(r.sender.achievedRate, 0)}, ${fmt(r.sender.durationS, 2)})`),
    row('RAs received by the router kernel', (r) => r.raReceivedByKernel),
    row('RAs dropped at the daemon socket (rcvbuf full)', (r) => r.raDroppedAtDaemonSocket),
    row('daemon CPU during flood, ms (utime+stime)', (r) => `${fmt(r.cpuFloodMs, 0)} (${fmt(r.utimeFloodMs, 0)}+${fmt(r.stimeFloodMs, 0)})`),
    row('daemon CPU during flood, ms (schedstat)', (r) => fmt(r.schedFloodMs, 0)),
    row(`daemon CPU idle (${IDLE_S} s before), ms`, (r) => fmt(r.cpuIdleMs, 0)),
    row('flood CPU net of idle, ms', (r) => fmt(r.cpuFloodNetMs, 0)),
    row('  per RA received by the kernel, µs', (r) => fmt(r.usPerRaReceived, 2)),
    row('  per RA read by the daemon, µs', (r) => fmt(r.usPerRaRead, 2)),
    row(`daemon CPU in the ${POST_S} s after, ms`, (r) => fmt(r.cpuPostMs, 0)),
    row('VmRSS before / max flood / after flood (MiB)', (r) => `${mib(r.rssBeforeKb)} / ${mib(r.rssMaxFloodKb)} / ${mib(r.rssAfterFloodKb)}`),
    row(`VmRSS max in the ${POST_S} s after / at the end (MiB)`, (r) => `${mib(r.rssMaxPostKb)} / ${mib(r.rssEndKb)}`),
    row('RSS growth (max − before), MiB', (r) => mib(r.rssGrowthKb)),
    row('VmHWM before / end (MiB)', (r) => `${mib(r.hwmBeforeKb)} / ${mib(r.hwmEndKb)}`),
    row('log lines during flood (+1 s)', (r) => r.logLinesFlood),
    row(`log lines in the ${POST_S} s after`, (r) => r.logLinesPost),
    row('RAs sent during flood (snmp6)', (r) => r.rasSentKernel),
    row('multicast gaps idle (s)', (r) => gaps(r.gapsIdle)),
    row('multicast gaps overlapping the flood (s)', (r) => gaps(r.gapsFlood)),
    row('multicast gaps after (s)', (r) => gaps(r.gapsPost)),
    row(`gaps outside [${MIN_INTERVAL}, ${MAX_INTERVAL}] ± ${SLACK_S} s`, (r) => `${r.gapsOutside}/${r.gapsIdle.length + r.gapsFlood.length + r.gapsPost.length}`),
    row('kernel neighbour entries before / max (table_fulls)', (r) => `${r.neighbourEntriesBefore} / ${r.neighbourEntriesMaxFlood} (${r.neighbourTableFullsFlood})`),
    row('firsthop watch: routers / evicted (end)', (r) => (r.watchEnd ? `${r.watchEnd.routers} / ${r.watchEnd.evicted}` : '-')),
    row('firsthop watch: received / rogueRas / rogueDetections (flood)', (r) =>
      r.watchAfterFlood && r.watchBefore ? `${r.watchAfterFlood.received - r.watchBefore.received} / ${r.watchAfterFlood.rogueRas - r.watchBefore.rogueRas} / ${r.watchAfterFlood.rogueDetections - r.watchBefore.rogueDetections}` : '-',
    ),
  ];
  const rateText = RATE > 0 ? `${RATE}/s` : 'full speed';
  process.stdout.write(`\nrogue-flood: ${COUNT} RAs from ${COUNT} spoofed sources at ${rateText} (MinRtrAdvInterval ${MIN_INTERVAL}, MaxRtrAdvInterval ${MAX_INTERVAL})\n${table(['', ...cols], rows)}\n`);
  const targets = results.map((r) => ({
    daemon: r.daemon,
    rss: r.rssGrowthKb <= TARGET_RSS_KB,
    logLines: r.logLinesFlood + r.logLinesPost <= TARGET_LINES,
    schedule: r.gapsOutside === 0,
    cpuPerRa: r.usPerRaReceived <= TARGET_US_PER_RA,
  }));
  process.stdout.write(`\ntargets (RSS ≤ +10 MiB, ≤ 100 log lines flood+after, gaps in [3, 4] s, ≤ 20 µs per RA received): ${JSON.stringify(targets)}\n`);
  for (const r of results) {
    process.stdout.write(`\n${r.daemon} log lines from the flood's start (ms since start):\n${r.logLines.slice(0, 40).map((l) => `  ${String(l.atMs).padStart(7)}  ${l.line.slice(0, 220)}`).join('\n')}\n`);
  }
  const path = writeResult(OUT, {
    benchmark: 'rogue-flood',
    date: new Date().toISOString(),
    machine,
    count: COUNT,
    rate: RATE,
    idleS: IDLE_S,
    drainS: DRAIN_S,
    postS: POST_S,
    config: config(pair.routerIf),
    hostAcceptRa: 0,
    slla: SLLA,
    neighGcThresh3: neighLimit,
    firsthopNodeOptions: FH_NODE_OPTIONS,
    routerNeighboursAfter: ndisc,
    targets,
    results,
  });
  log(`wrote ${path}`);
});
