/**
 * scale: 1,000 advertising interfaces.
 *
 * A router namespace and a host namespace joined by COUNT veth pairs (r0..r999 / h0..h999,
 * created with `ip -n NS -batch`), a radvd.conf with one `interface` block per router side
 * (MinRtrAdvInterval 3, MaxRtrAdvInterval 4, prefix 2001:db8:<i hex>::/64, one RDNSS).
 * Each daemon is started on it in turn (firsthop, then radvd) and, once it is up and every
 * interface has advertised, left alone for WINDOW seconds. Measured:
 *  - CPU (utime+stime of the whole process from /proc/PID/stat) over the window, and in total
 *    from spawn to the end of the window (start-up included);
 *  - VmRSS and VmHWM from /proc/PID/status (sampled every 5 s; the max and the last);
 *  - RAs sent in the window: Icmp6OutRouterAdvertisements of the router namespace's
 *    /proc/net/snmp6 (exact, per namespace) and a tcpdump on `any` in the host namespace
 *    (distinct router sources = interfaces actually advertising; per-interface intervals).
 *
 * The host side is a passive tap: net.ipv6.conf.{all,default}.disable_ipv6=1 in the host
 * namespace before the veths exist. accept_ra=0 alone is not enough: the host kernel would
 * still send no RSs and configure nothing, but it would create one neighbour entry per router
 * interface from the RAs' source link-layer option, and the kernel's IPv6 neighbour table is
 * shared by all namespaces with gc_thresh3 = 1024 by default (a global, init-namespace-only
 * sysctl this benchmark does not touch). 1,000 host-side entries push that table full and the
 * *router's* RAs then fail in the kernel (Ip6OutNoRoutes, ndisc table_fulls): a lab artifact
 * that would be blamed on the daemon. With IPv6 off, the host kernel drops the RAs at once,
 * does no ND/MLD work on the 2 shared CPUs, and tcpdump (a packet socket) still sees them all.
 * The neighbour-table counters are reported so that any remaining pressure is visible.
 *
 *   npm run build && node dist/bench/scale.js [--count N] [--window S] [--daemons firsthop,radvd] [--out NAME]
 *     [--command 'PATH [ARGS]']   start firsthop this way (e.g. bin/firsthop, or node with V8 flags)
 *
 * Writes bench/results/scale.json (or NAME.json). firsthop inherits NODE_OPTIONS from the
 * benchmark's environment (recorded in the JSON), so V8 flags can be tried without changes:
 *   NODE_OPTIONS=--optimize-for-size node dist/bench/scale.js --daemons firsthop --out scale-optimize-for-size
 */
import { realtimeMicros, run, startRadvd, RA_FILTER, type Capture, type CapturedPacket, type Lab } from '../src/lab/netns';
import { startFirsthop } from '../src/lab/firsthop';
import { captureAll, cpuSample, logPatterns, fanConfig, ndiscCache, vethFan, fmt, log, machineInfo, memSample, runBench, sleep, snmp6, summarize, table, writeResult, type CpuSample, type MemSample } from './common';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const COUNT = arg('--count', 1000);
const WINDOW_S = arg('--window', 60);
function strArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const DAEMONS = strArg('--daemons', 'firsthop,radvd').split(',') as DaemonName[];
const OUT = strArg('--out', 'scale');
const COMMAND = strArg('--command', '');
if (!/^[A-Za-z0-9_.-]+$/.test(OUT)) throw new Error(`--out ${OUT}: letters, digits, _ . - only`);
for (const d of DAEMONS) if (d !== 'firsthop' && d !== 'radvd') throw new Error(`--daemons: unknown daemon ${d}`);
const MIN_INTERVAL = 3;
const MAX_INTERVAL = 4;

function config(count: number): string {
  return fanConfig(count, MIN_INTERVAL, MAX_INTERVAL);
}

type DaemonName = 'firsthop' | 'radvd';

interface DaemonResult {
  daemon: DaemonName;
  /** Spawn to the start log line, s. */
  upS: number;
  /** Spawn until RAs from every interface were captured, s (NaN if not all). */
  allAdvertisingS: number;
  /** Distinct router interfaces (RA sources) captured since spawn / within the window. */
  sourcesSinceStart: number;
  sourcesInWindow: number;
  windowS: number;
  cpuWindowMs: number;
  /** The same from schedstat (ns resolution, live threads). */
  schedWindowMs: number;
  cpuWindowPct: number;
  utimeWindowMs: number;
  stimeWindowMs: number;
  cpuTotalMs: number;
  /** CPU from spawn until every interface advertised (start-up cost), ms. */
  cpuStartupMs: number;
  rssKbLast: number;
  /** VmRSS every 5 s through the window, KiB. */
  rssSeriesKb: number[];
  rssKbMax: number;
  hwmKb: number;
  threads: number;
  /** Icmp6OutRouterAdvertisements delta over the window (router namespace). */
  rasSentWindow: number;
  /** RAs the router kernel dropped after counting them (no neighbour entry could be made): Ip6OutNoRoutes, Ip6OutDiscards. */
  outNoRoutesWindow: number;
  outDiscardsWindow: number;
  /** RAs received in the router namespace (the daemon's own, looped back, when its socket has IPV6_MULTICAST_LOOP on). */
  inRouterAdvertisementsWindow: number;
  /** Global (all namespaces) IPv6 neighbour table: table_fulls and forced_gc_runs deltas, entries at the end. */
  ndiscTableFullsWindow: number;
  ndiscForcedGcWindow: number;
  ndiscEntriesEnd: number;
  /** Neighbour entries in the router namespace at the end of the window; those for fe80:: addresses. */
  routerNeighbours: number;
  routerNeighboursOwn: number;
  rasCapturedWindow: number;
  expectedRasWindow: number;
  /** Per-interface RA intervals in the window (s). */
  intervalMin: number;
  intervalMean: number;
  intervalP50: number;
  intervalMax: number;
  /** Intervals outside [Min, Max + 0.1 s]. */
  intervalsOutOfRange: number;
  intervals: number;
  /** Time to stop (SIGTERM to exit), s. */
  stopS: number;
  logWarnings: string[];
  /** Most frequent kinds of log line (see logPatterns). */
  logSummary: { count: number; pattern: string }[];
  logLines: number;
  /** Config diagnostics logged at start-up (firsthop lints the config; radvd does not). */
  configWarnings: number;
}

function countSources(pkts: readonly CapturedPacket[]): Set<string> {
  const s = new Set<string>();
  for (const p of pkts) if (p.icmpv6?.type === 134) s.add(p.icmpv6.src);
  return s;
}

async function measure(lab: Lab, cap: Capture, daemon: DaemonName, conf: string, count: number): Promise<DaemonResult> {
  log(`${daemon}: starting on ${count} interfaces`);
  const snmpBefore = await snmp6(lab, 'router');
  void snmpBefore;
  const capStart = cap.packets.length;
  const t0 = realtimeMicros();
  let pid: number;
  let logText: () => string;
  let stop: () => Promise<unknown>;
  if (daemon === 'firsthop') {
    // --command: how firsthop is started (default: node and the script, as the tests do); e.g.
    // --command bin/firsthop measures the installed command with its own V8 settings.
    const h = await startFirsthop(lab, 'router', conf, { name: 'fh-scale', args: ['-d', '1'], timeoutMs: 180_000, ...(COMMAND !== '' ? { command: COMMAND.split(' ') } : {}) });
    pid = h.child.pid!;
    logText = () => h.log();
    stop = () => h.stop();
  } else {
    const h = await startRadvd(lab, 'router', conf, { name: 'radvd-scale', timeoutMs: 180_000 });
    pid = h.child.pid!;
    logText = () => h.log();
    stop = () => h.stop();
  }
  const upS = (realtimeMicros() - t0) / 1e6;
  log(`${daemon}: up after ${upS.toFixed(2)} s (pid ${pid})`);
  // Wait until RAs from every interface have been captured (or 60 s).
  let allAdvertisingS = NaN;
  let cpuStartup: CpuSample | undefined;
  const waitDeadline = Date.now() + 60_000;
  for (;;) {
    const sources = countSources(cap.packets.slice(capStart));
    if (sources.size >= count) {
      const last = cap.packets[cap.packets.length - 1];
      allAdvertisingS = last ? (last.tsMicros - t0) / 1e6 : NaN;
      cpuStartup = cpuSample(pid);
      break;
    }
    if (Date.now() > waitDeadline) {
      log(`${daemon}: only ${sources.size}/${count} interfaces advertised within 60 s of start`);
      cpuStartup = cpuSample(pid);
      break;
    }
    await sleep(100);
  }
  log(`${daemon}: all interfaces advertising after ${fmt(allAdvertisingS, 2)} s; measuring for ${WINDOW_S} s`);

  const cpu0 = cpuSample(pid);
  const snmp0 = await snmp6(lab, 'router');
  const nd0 = ndiscCache();
  const w0 = realtimeMicros();
  const capW0 = cap.packets.length;
  const mems: MemSample[] = [memSample(pid)];
  const end = Date.now() + WINDOW_S * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(5000, end - Date.now()));
    mems.push(memSample(pid));
  }
  const cpu1 = cpuSample(pid);
  const snmp1 = await snmp6(lab, 'router');
  const nd1 = ndiscCache();
  const w1 = realtimeMicros();
  const neighRouter = (await run(['ip', '-n', lab.ns('router'), '-6', 'neigh', 'show', 'nud', 'all'], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n').filter((l) => l.trim() !== '');
  const snmpDelta = (k: string): number => (snmp1.get(k) ?? NaN) - (snmp0.get(k) ?? NaN);
  const mem = memSample(pid);
  mems.push(mem);
  // Packets captured in [w0, w1] (allow the capture pipe to catch up).
  await sleep(500);
  const inWindow = cap.packets.slice(capW0).filter((p) => p.icmpv6?.type === 134 && p.tsMicros >= w0 && p.tsMicros <= w1);
  const bySource = new Map<string, number[]>();
  for (const p of cap.packets.slice(capStart)) {
    if (p.icmpv6?.type !== 134 || p.tsMicros > w1) continue;
    let l = bySource.get(p.icmpv6.src);
    if (!l) bySource.set(p.icmpv6.src, (l = []));
    l.push(p.tsMicros);
  }
  const intervals: number[] = [];
  for (const ts of bySource.values()) {
    for (let i = 1; i < ts.length; i++) if (ts[i]! >= w0) intervals.push((ts[i]! - ts[i - 1]!) / 1e6);
  }
  const iv = summarize(intervals);
  const out = intervals.filter((x) => x < MIN_INTERVAL - 0.001 || x > MAX_INTERVAL + 0.1).length;

  const ts = Date.now();
  await stop();
  const stopS = (Date.now() - ts) / 1000;
  const text = logText();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // Config diagnostics (firsthop lints the file: "FILE:LINE:COL: warning: ...") are counted, not listed.
  const configWarnings = lines.filter((l) => /\.conf:\d+:\d+: warning:/.test(l)).length;
  const warnings = lines.filter((l) => !/\.conf:\d+:\d+: warning:/.test(l) && /warn|error|cannot|can't|fail|limit|exiting/i.test(l));
  const windowS = (w1 - w0) / 1e6;
  const cpuWindowMs = cpu1.cpuMs - cpu0.cpuMs;
  const res: DaemonResult = {
    daemon,
    upS,
    allAdvertisingS,
    sourcesSinceStart: countSources(cap.packets.slice(capStart)).size,
    sourcesInWindow: countSources(inWindow).size,
    windowS,
    cpuWindowMs,
    schedWindowMs: cpu1.schedMs - cpu0.schedMs,
    cpuWindowPct: (cpuWindowMs / 1000 / windowS) * 100,
    utimeWindowMs: cpu1.utimeMs - cpu0.utimeMs,
    stimeWindowMs: cpu1.stimeMs - cpu0.stimeMs,
    cpuTotalMs: cpu1.cpuMs,
    cpuStartupMs: cpuStartup.cpuMs,
    rssKbLast: mem.vmRssKb,
    rssSeriesKb: mems.map((m) => m.vmRssKb),
    rssKbMax: Math.max(...mems.map((m) => m.vmRssKb)),
    hwmKb: mem.vmHwmKb,
    threads: mem.threads,
    rasSentWindow: snmpDelta('Icmp6OutRouterAdvertisements'),
    outNoRoutesWindow: snmpDelta('Ip6OutNoRoutes'),
    outDiscardsWindow: snmpDelta('Ip6OutDiscards'),
    inRouterAdvertisementsWindow: snmpDelta('Icmp6InRouterAdvertisements'),
    ndiscTableFullsWindow: nd1.tableFulls - nd0.tableFulls,
    ndiscForcedGcWindow: nd1.forcedGcRuns - nd0.forcedGcRuns,
    ndiscEntriesEnd: nd1.entries,
    routerNeighbours: neighRouter.length,
    routerNeighboursOwn: neighRouter.filter((l) => /^fe80::/.test(l)).length,
    rasCapturedWindow: inWindow.length,
    expectedRasWindow: Math.round((count * windowS) / ((MIN_INTERVAL + MAX_INTERVAL) / 2)),
    intervalMin: iv.min,
    intervalMean: iv.mean,
    intervalP50: iv.p50,
    intervalMax: iv.max,
    intervalsOutOfRange: out,
    intervals: intervals.length,
    stopS,
    logWarnings: warnings.slice(0, 20),
    logSummary: logPatterns(text),
    logLines: lines.length,
    configWarnings,
  };
  log(`${daemon}: ${JSON.stringify({ ...res, rssSeriesKb: undefined, logSummary: undefined })}`);
  return res;
}

void runBench('scale', async (lab) => {
  const machine = machineInfo();
  log(`scale: ${COUNT} interfaces, ${WINDOW_S} s window, on ${machine.cpuModel} x${machine.nproc}, kernel ${machine.kernel}, node ${machine.node}, radvd ${machine.radvd}`);
  await vethFan(lab, COUNT);
  const cap = await captureAll(lab, 'host', RA_FILTER, 128);
  const conf = config(COUNT);
  const results: DaemonResult[] = [];
  for (const d of DAEMONS) {
    results.push(await measure(lab, cap, d, conf, COUNT));
    await sleep(3000);
  }
  await cap.stop();

  const fh = results.find((r) => r.daemon === 'firsthop');
  const rv = results.find((r) => r.daemon === 'radvd');
  const row = (label: string, f: (r: DaemonResult) => string | number): (string | number)[] => [label, ...results.map(f)];
  const rows = [
    row('spawn to start log line (s)', (r) => fmt(r.upS, 2)),
    row('spawn to all interfaces advertising (s)', (r) => fmt(r.allAdvertisingS, 2)),
    row(`interfaces seen advertising (of ${COUNT})`, (r) => r.sourcesInWindow),
    row('CPU in window, ms (utime+stime)', (r) => `${fmt(r.cpuWindowMs, 0)} (${fmt(r.utimeWindowMs, 0)}+${fmt(r.stimeWindowMs, 0)})`),
    row('CPU in window, % of one core', (r) => fmt(r.cpuWindowPct, 2)),
    row('CPU in window from schedstat, ms', (r) => fmt(r.schedWindowMs, 1)),
    row('CPU start-up (spawn to all advertising), ms', (r) => fmt(r.cpuStartupMs, 0)),
    row('CPU total (spawn to end of window), ms', (r) => fmt(r.cpuTotalMs, 0)),
    row('VmRSS at end / max of 5 s samples (MiB)', (r) => `${fmt(r.rssKbLast / 1024, 1)} / ${fmt(r.rssKbMax / 1024, 1)}`),
    row('VmHWM (MiB)', (r) => fmt(r.hwmKb / 1024, 1)),
    row('RAs sent in window (snmp6)', (r) => r.rasSentWindow),
    row('RAs captured in window', (r) => r.rasCapturedWindow),
    row('expected (count x window / 3.5 s)', (r) => r.expectedRasWindow),
    row('RAs dropped by the router kernel (Ip6OutNoRoutes)', (r) => r.outNoRoutesWindow),
    row('RAs looped back into the router (Icmp6InRouterAdvertisements)', (r) => r.inRouterAdvertisementsWindow),
    row('neighbour table: table_fulls / forced GC runs (global)', (r) => `${r.ndiscTableFullsWindow} / ${r.ndiscForcedGcWindow}`),
    row('neighbour entries: router ns (fe80::) / global', (r) => `${r.routerNeighbours} (${r.routerNeighboursOwn}) / ${r.ndiscEntriesEnd}`),
    row('per-interface interval min/mean/max (s)', (r) => `${fmt(r.intervalMin, 2)}/${fmt(r.intervalMean, 2)}/${fmt(r.intervalMax, 2)}`),
    row('intervals outside [3, 4.1] s', (r) => `${r.intervalsOutOfRange}/${r.intervals}`),
    row('stop (SIGTERM to exit), s', (r) => fmt(r.stopS, 2)),
    row('log lines (config warnings)', (r) => `${r.logLines} (${r.configWarnings})`),
  ];
  const names = results.map((r) => (r.daemon === 'radvd' ? 'radvd 2.19' : 'firsthop'));
  process.stdout.write(`\nscale: ${COUNT} interfaces, ${results.map((r) => `${fmt(r.windowS, 1)} s`).join(' / ')} window(s)${process.env['NODE_OPTIONS'] ? `, NODE_OPTIONS=${process.env['NODE_OPTIONS']}` : ''}\n${table(['', ...names], rows)}\n`);
  const cpuRatio = fh && rv ? fh.schedWindowMs / rv.schedWindowMs : NaN;
  if (fh) process.stdout.write(`\nfirsthop/radvd CPU in window (schedstat): ${fmt(cpuRatio, 2)}x (target <= 2x); firsthop max RSS ${fmt(fh.rssKbMax / 1024, 1)} MiB, VmHWM ${fmt(fh.hwmKb / 1024, 1)} MiB (target < 100 MB)\n`);
  for (const r of results) {
    process.stdout.write(`\n${r.daemon} log, most frequent lines:\n${r.logSummary.map((p) => `  ${String(p.count).padStart(7)}  ${p.pattern}`).join('\n')}\n`);
  }
  const path = writeResult(OUT, {
    benchmark: 'scale',
    date: new Date().toISOString(),
    machine,
    count: COUNT,
    windowS: WINDOW_S,
    nodeOptions: process.env['NODE_OPTIONS'] ?? '',
    hostSide: 'disable_ipv6=1 (passive tap)',
    configExample: config(1),
    cpuRatio,
    results,
  });
  log(`wrote ${path}`);
});
