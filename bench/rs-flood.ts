/**
 * rs-flood: one host sends RATE Router Solicitations per second for DURATION seconds at the
 * router (to ff02::2, from its link-local address, with a source link-layer address option;
 * sender: bench/rs-sender.ts in its own process) while the router runs firsthop, then radvd,
 * on the same radvd.conf (MinRtrAdvInterval 3, MaxRtrAdvInterval 4, AdvRASolicitedUnicast
 * left at its default, on).
 *
 * Measured per daemon:
 *  - CPU (utime+stime, /proc/PID/stat; and schedstat) over the flood;
 *  - VmRSS before, max during (sampled every 250 ms) and VmHWM;
 *  - RSs the router kernel received (Icmp6InRouterSolicits) and RSs dropped at the daemon's
 *    raw socket because its receive buffer was full (/proc/net/raw6 `drops`);
 *  - RAs sent: Icmp6OutRouterAdvertisements, and from a capture in the host namespace split
 *    by destination: multicast (ff02::1) vs unicast (the host);
 *  - whether periodic multicast RAs stayed on schedule: the gaps between consecutive
 *    multicast RAs from PRE seconds before the flood to its end.
 *
 * The host interface has accept_ra=0: the host is the attacker and its kernel should not
 * spend the 2 shared CPUs on processing whatever RAs come back (the capture sees them anyway).
 *
 * With --interfaces N (N > 1) the router advertises on N interfaces (bench/scale.ts's
 * topology and config: r0..rN-1, host sides as passive taps except h0, the flooding host),
 * the flood hits r0 only, and the daemons get 20 s to settle before the idle baseline
 * (radvd needs ~15 s to set up 1,000 interfaces). The daemons' CPU then includes their
 * periodic RAs on every interface; the idle baseline shows that share.
 *
 *   npm run build && node dist/bench/rs-flood.js [--rate 10000] [--duration 20] [--interfaces N]
 *
 * Writes bench/results/rs-flood.json (rs-flood-<N>ifaces.json with --interfaces N).
 */
import { join } from 'node:path';
import { capture, linkInfo, realtimeMicros, routerHostPair, startRadvd, waitLinkLocal, RA_FILTER, type Capture, type Lab, type RouterHost } from '../src/lab/netns';
import { startFirsthop } from '../src/lab/firsthop';
import { confKey } from '../src/lab/inspect';
import { cpuSample, fanConfig, logPatterns, fmt, vethFan, log, machineInfo, memSample, icmpv6SocketDrops, runBench, sleep, snmp6, table, writeResult, type MemSample, floodConfig, type FloodDaemon, type SenderResult } from './common';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const RATE = arg('--rate', 10_000);
const DURATION_S = arg('--duration', 20);
const INTERFACES = arg('--interfaces', 1);
const SETTLE_S = INTERFACES > 1 ? 20 : 0;
const PRE_S = 6;
const POST_S = 4;
const MIN_INTERVAL = 3;
const MAX_INTERVAL = 4;

function config(ifname: string): string {
  if (INTERFACES > 1) return fanConfig(INTERFACES, MIN_INTERVAL, MAX_INTERVAL);
  return floodConfig(ifname, MIN_INTERVAL, MAX_INTERVAL);
}

type DaemonName = FloodDaemon;

interface FloodResult {
  daemon: DaemonName;
  sender: SenderResult;
  floodS: number;
  cpuFloodMs: number;
  utimeFloodMs: number;
  stimeFloodMs: number;
  schedFloodMs: number;
  cpuFloodPct: number;
  /** CPU in the PRE seconds before the flood (idle baseline), ms. */
  cpuIdleMs: number;
  /** Flood CPU minus the idle rate over the flood's duration: what the flood itself cost, ms. */
  cpuFloodNetMs: number;
  rssBeforeKb: number;
  rssMaxKb: number;
  rssAfterKb: number;
  hwmKb: number;
  rsReceivedByKernel: number;
  rsDroppedAtDaemonSocket: number;
  rasSentKernel: number;
  rasMulticast: number;
  rasUnicast: number;
  /** Gaps between consecutive multicast RAs from PRE s before the flood to its end (s). */
  multicastGaps: number[];
  multicastGapMin: number;
  multicastGapMax: number;
  multicastGapsOutside: number;
  /** Unicast answers per second of the flood. */
  unicastPerSecond: number[];
  logWarnings: string[];
  /** Most frequent kinds of log line (see logPatterns). */
  logSummary: { count: number; pattern: string }[];
}

async function flood(lab: Lab, pair: RouterHost, cap: Capture, daemon: DaemonName, hostLL: string, hostMac: string, hostIfindex: number): Promise<FloodResult> {
  const conf = config(pair.routerIf);
  let pid: number;
  let logText: () => string;
  let stop: () => Promise<unknown>;
  log(`${daemon}: starting`);
  if (daemon === 'firsthop') {
    const h = await startFirsthop(lab, 'router', conf, { name: 'fh-flood', args: ['-d', '1'] });
    pid = h.child.pid!;
    logText = () => h.log();
    stop = () => h.stop();
  } else {
    const h = await startRadvd(lab, 'router', conf, { name: 'radvd-flood' });
    pid = h.child.pid!;
    logText = () => h.log();
    stop = () => h.stop();
  }
  const daemonDrops = (): Promise<number> => icmpv6SocketDrops(lab, 'router', pid);

  if (SETTLE_S > 0) await sleep(SETTLE_S * 1000);
  const idle0 = cpuSample(pid);
  await sleep(PRE_S * 1000);
  const cpu0 = cpuSample(pid);
  const mem0 = memSample(pid);
  const snmp0 = await snmp6(lab, 'router');
  const drops0 = await daemonDrops();
  const t0 = realtimeMicros();

  log(`${daemon}: flooding ${RATE} RS/s for ${DURATION_S} s`);
  const sender = lab.spawn('host', [
    process.execPath,
    join(__dirname, 'rs-sender.js'),
    '--netns', pair.host,
    '--ifindex', String(hostIfindex),
    '--source', hostLL,
    '--mac', hostMac,
    '--rate', String(RATE),
    '--duration', String(DURATION_S),
  ]);
  let out = '';
  let err = '';
  sender.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  sender.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const mems: MemSample[] = [mem0];
  const exited = new Promise<number | null>((r) => sender.once('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await sleep(250);
    try {
      mems.push(memSample(pid));
    } catch {
      throw new Error(`${daemon} died during the flood:\n${logText().slice(-4000)}`);
    }
  }
  const code = await exited;
  const cpu1 = cpuSample(pid);
  const t1 = realtimeMicros();
  const snmp1 = await snmp6(lab, 'router');
  const drops1 = await daemonDrops();
  const mem1 = memSample(pid);
  if (code !== 0) throw new Error(`rs-sender exited ${code}: ${err}`);
  const s = JSON.parse(out.trim()) as SenderResult;
  log(`${daemon}: sender sent ${s.sent} (${fmt(s.achievedRate, 0)}/s), ${s.failed} refused ${JSON.stringify(s.errors)}`);

  await sleep(POST_S * 1000);
  await stop();
  await sleep(500);

  const ras = cap.packets.filter((p) => p.icmpv6?.type === 134 && p.tsMicros >= t0 && p.tsMicros <= t1);
  const multicast = ras.filter((p) => p.icmpv6!.dst === 'ff02::1');
  const unicast = ras.filter((p) => p.icmpv6!.dst !== 'ff02::1');
  // Schedule: multicast RAs from PRE s before the flood to its end, plus the first one after.
  const mts = cap.packets
    .filter((p) => p.icmpv6?.type === 134 && p.icmpv6.dst === 'ff02::1' && p.tsMicros >= t0 - PRE_S * 1e6 && p.tsMicros <= t1 + POST_S * 1e6)
    .map((p) => p.tsMicros);
  const gaps: number[] = [];
  for (let i = 1; i < mts.length; i++) {
    // keep gaps that overlap the flood window
    if (mts[i]! >= t0 && mts[i - 1]! <= t1) gaps.push((mts[i]! - mts[i - 1]!) / 1e6);
  }
  const unicastPerSecond: number[] = [];
  for (const p of unicast) {
    const sec = Math.floor((p.tsMicros - t0) / 1e6);
    unicastPerSecond[sec] = (unicastPerSecond[sec] ?? 0) + 1;
  }
  const floodS = (t1 - t0) / 1e6;
  const cpuFloodMs = cpu1.cpuMs - cpu0.cpuMs;
  const lines = logText().split('\n');
  const res: FloodResult = {
    daemon,
    sender: s,
    floodS,
    cpuFloodMs,
    utimeFloodMs: cpu1.utimeMs - cpu0.utimeMs,
    stimeFloodMs: cpu1.stimeMs - cpu0.stimeMs,
    schedFloodMs: cpu1.schedMs - cpu0.schedMs,
    cpuFloodPct: (cpuFloodMs / 1000 / floodS) * 100,
    cpuIdleMs: cpu0.schedMs - idle0.schedMs,
    cpuFloodNetMs: cpu1.schedMs - cpu0.schedMs - ((cpu0.schedMs - idle0.schedMs) / PRE_S) * floodS,
    rssBeforeKb: mem0.vmRssKb,
    rssMaxKb: Math.max(...mems.map((m) => m.vmRssKb), mem1.vmRssKb),
    rssAfterKb: mem1.vmRssKb,
    hwmKb: mem1.vmHwmKb,
    rsReceivedByKernel: (snmp1.get('Icmp6InRouterSolicits') ?? NaN) - (snmp0.get('Icmp6InRouterSolicits') ?? NaN),
    rsDroppedAtDaemonSocket: drops1 - drops0,
    rasSentKernel: (snmp1.get('Icmp6OutRouterAdvertisements') ?? NaN) - (snmp0.get('Icmp6OutRouterAdvertisements') ?? NaN),
    rasMulticast: multicast.length,
    rasUnicast: unicast.length,
    multicastGaps: gaps,
    multicastGapMin: gaps.length ? Math.min(...gaps) : NaN,
    multicastGapMax: gaps.length ? Math.max(...gaps) : NaN,
    // Allowed: MinDelayBetweenRAs (3 s) .. MaxRtrAdvInterval (4 s), plus 10 ms of timer slack.
    multicastGapsOutside: gaps.filter((g) => g < MIN_INTERVAL - 0.01 || g > MAX_INTERVAL + 0.01).length,
    unicastPerSecond: Array.from(unicastPerSecond, (x) => x ?? 0),
    logWarnings: lines.filter((l) => !/\.conf:\d+:\d+: warning:/.test(l) && /warn|error|cannot|can't|fail|limit/i.test(l)).slice(0, 20),
    logSummary: logPatterns(logText()),
  };
  log(`${daemon}: ${JSON.stringify({ ...res, sender: undefined, multicastGaps: undefined, logSummary: undefined })}`);
  return res;
}

void runBench('rs-flood', async (lab) => {
  const machine = machineInfo();
  log(`rs-flood: ${RATE} RS/s for ${DURATION_S} s, on ${machine.cpuModel} x${machine.nproc}, kernel ${machine.kernel}, node ${machine.node}, radvd ${machine.radvd}`);
  let pair: RouterHost;
  if (INTERFACES > 1) {
    const fan = await vethFan(lab, INTERFACES, { hostIpv6: ['h0'] });
    pair = { router: fan.router, host: fan.host, routerIf: 'r0', hostIf: 'h0' };
  } else {
    pair = await routerHostPair(lab);
  }
  await lab.sysctl('host', confKey(pair.hostIf, 'accept_ra'), 0);
  const hostLL = await waitLinkLocal(lab, 'host', pair.hostIf);
  const hl = await linkInfo(lab, 'host', pair.hostIf);
  if (!hl.address) throw new Error('host interface has no MAC address');
  const cap = await capture(lab, 'host', pair.hostIf, { filter: RA_FILTER, snaplen: 128 });
  const results: FloodResult[] = [];
  for (const d of ['firsthop', 'radvd'] as DaemonName[]) {
    results.push(await flood(lab, pair, cap, d, hostLL, hl.address, hl.ifindex));
    await sleep(2000);
  }
  await cap.stop();

  const [fh, rv] = results as [FloodResult, FloodResult];
  const row = (label: string, f: (r: FloodResult) => string | number): (string | number)[] => [label, f(fh), f(rv)];
  const rows = [
    row('RS sent (achieved rate /s)', (r) => `${r.sender.sent} (${fmt(r.sender.achievedRate, 0)})`),
    row('RS received by the router kernel', (r) => r.rsReceivedByKernel),
    row('RS dropped at the daemon socket (rcvbuf full)', (r) => r.rsDroppedAtDaemonSocket),
    row('daemon CPU during flood, ms (utime+stime)', (r) => `${fmt(r.cpuFloodMs, 0)} (${fmt(r.utimeFloodMs, 0)}+${fmt(r.stimeFloodMs, 0)})`),
    row('daemon CPU during flood, % of one core', (r) => fmt(r.cpuFloodPct, 1)),
    row(`daemon CPU idle (${PRE_S} s before), ms`, (r) => fmt(r.cpuIdleMs, 0)),
    row('flood CPU net of idle, ms', (r) => fmt(r.cpuFloodNetMs, 0)),
    row('flood CPU net per RS received, us', (r) => fmt((r.cpuFloodNetMs * 1000) / r.rsReceivedByKernel, 1)),
    row('VmRSS before / max during / after (MiB)', (r) => `${fmt(r.rssBeforeKb / 1024)} / ${fmt(r.rssMaxKb / 1024)} / ${fmt(r.rssAfterKb / 1024)}`),
    row('VmHWM (MiB)', (r) => fmt(r.hwmKb / 1024)),
    row('RAs sent during flood (snmp6)', (r) => r.rasSentKernel),
    row('  multicast (ff02::1), captured', (r) => r.rasMulticast),
    row('  unicast (to the host), captured', (r) => r.rasUnicast),
    row('multicast gaps min / max (s)', (r) => `${fmt(r.multicastGapMin, 2)} / ${fmt(r.multicastGapMax, 2)}`),
    row('multicast gaps outside [3, 4] s', (r) => `${r.multicastGapsOutside}/${r.multicastGaps.length}`),
  ];
  process.stdout.write(`\nrs-flood: ${RATE} RS/s target for ${DURATION_S} s at r0 of ${INTERFACES} advertising interface(s) (MinRtrAdvInterval ${MIN_INTERVAL}, MaxRtrAdvInterval ${MAX_INTERVAL})\n${table(['', 'firsthop', 'radvd 2.19'], rows)}\n`);
  process.stdout.write(`\nmulticast gaps (s): firsthop ${fh.multicastGaps.map((g) => fmt(g, 2)).join(' ')}; radvd ${rv.multicastGaps.map((g) => fmt(g, 2)).join(' ')}\n`);
  for (const r of results) {
    process.stdout.write(`\n${r.daemon} log, most frequent lines:\n${r.logSummary.map((p) => `  ${String(p.count).padStart(7)}  ${p.pattern}`).join('\n')}\n`);
  }
  const path = writeResult(INTERFACES > 1 ? `rs-flood-${INTERFACES}ifaces` : 'rs-flood', {
    benchmark: 'rs-flood',
    interfaces: INTERFACES,
    date: new Date().toISOString(),
    machine,
    rate: RATE,
    durationS: DURATION_S,
    config: INTERFACES > 1 ? fanConfig(1, MIN_INTERVAL, MAX_INTERVAL) + `... (${INTERFACES} blocks)\n` : config(pair.routerIf),
    hostAcceptRa: 0,
    results,
  });
  log(`wrote ${path}`);
});
