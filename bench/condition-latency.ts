/**
 * condition-latency: from a netlink event on the router to the first Router Advertisement on
 * the wire that carries the changed lifetime (RFC 8475 conditional RAs), firsthop beside
 * BIRD 2's RAdv, on one topology, in one run.
 *
 *   npm run build && node dist/bench/condition-latency.js [--runs-slow N] [--runs-fast N] [--runs-solo N]
 *   node dist/bench/condition-latency.js --report [FILE]   (tables and verdicts again from a JSON)
 *
 * Topology (one lab):
 *
 *   hostf:h0 ── lan0 ┐                 ┌ wan-a ── isp:up0
 *                    router (firsthop on lan0, BIRD RAdv on lan1)
 *   hostb:h0 ── lan1 ┘
 *
 * Both daemons advertise 2001:db8:1:1::/64 with preferred lifetime 604800 while their
 * condition holds and 0 while it does not; one event on the router changes both at once:
 *
 *   link   firsthop `condition { link wan-a up; }`; BIRD `trigger 2001:db8:ff::/64`, the
 *          route `protocol direct` makes from wan-a's address (withdrawn while wan-a is
 *          down; keep_addr_on_down=1 so the address survives). The event is wan-a
 *          administratively down / up (RTM_NEWLINK, ifi_change IFF_UP).
 *   route  firsthop `condition { route 2001:db8:1::/48 proto bgp table 100; }`; BIRD
 *          `trigger 2001:db8:1::/48`, learned by `protocol kernel { learn; kernel table 100; }`.
 *          The event is RTM_DELROUTE / RTM_NEWROUTE of that route (proto bgp, table 100).
 *
 * Events alternate down/up (conditions without damping, so both directions are immediate and
 * both are measured), each from a steady state: the next event waits until the changed RA of
 * the previous one is on the wire, then MinDelayBetweenRAs (the larger of the two daemons')
 * plus 50 ms plus a uniform random 0-1 s, so events land at every phase of the periodic
 * schedule (MinRtrAdvInterval 3, MaxRtrAdvInterval 6 for both daemons).
 *
 * Timing. The event is sent by this process on its own rtnetlink socket in the router
 * namespace; its time is the clock right before sendto(2) (rtnetlink applies the change and
 * emits the notifications inside that call; the call's duration is recorded as the error
 * bound). RAs are timed by tcpdump in each host namespace (kernel CLOCK_REALTIME stamps, ns).
 * The clock of this process is performance.timeOrigin + performance.now(), calibrated against
 * CLOCK_REALTIME (Date.now() edges) at every phase. The host side is followed by NetState
 * (rtnetlink) in each host namespace: the time the kernel reports the SLAAC address deprecated
 * (preferred_lft 0), or preferred again.
 *
 * Per run: latency = first RA with the new preferred lifetime - event; the previous RA on the
 * wire before the event; allowed = max(event, previous RA + MinDelayBetweenRAs) (the earliest
 * the daemon's rate limit lets the RA go); lateness = RA - allowed. "Unconstrained" runs are
 * those where no RA went out in the MinDelayBetweenRAs before the event (allowed = event).
 *
 * Writes bench/results/condition-latency.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, prepareHost, prepareRouter, RA_FILTER, waitLinkLocal, type Capture, type CapturedPacket, type Lab } from '../src/lab/netns';
import { startFirsthop, type FirsthopHandle } from '../src/lab/firsthop';
import { linuxBackend } from '../src/sys/linux';
import { NetState } from '../src/netlink/state';
import type { ChildProcess } from 'node:child_process';
import { calibrate, cpuTimes, fmt, loadavg, log, machineInfo, nowUs, percentile, REPO_ROOT, runBench, sleep, table, writeResult } from './common';
import { prefixLifetimes, RtnlClient, type RouteSpec, type SentRequest } from './condition-rtnl';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} wants a whole number`);
  return v;
}

/** Events per case with MinDelayBetweenRAs 3 (about 3.6 s each). */
const RUNS_SLOW = arg('--runs-slow', 54);
/** Events per case with MinDelayBetweenRAs 0.03 (BIRD: 1 s; about 1.6 s each). */
const RUNS_FAST = arg('--runs-fast', 80);
/** Events per firsthop-alone control case (BIRD stopped; about 0.6 s each). */
const RUNS_SOLO = arg('--runs-solo', 30);

const PREFIX = '2001:db8:1:1::';
const PREFIX_LEN = 64;
const PREFERRED = 604800;
const VALID = 2592000;
const TRIGGER_LINK = '2001:db8:ff::/64';
const WAN_ADDR = '2001:db8:ff::1/64';
const ROUTE: Omit<RouteSpec, 'oif'> = { destination: '2001:db8:1::', prefixLength: 48, table: 100, protocol: 186 };
const MIN_RA = 3;
const MAX_RA = 6;
const SETTLE_MS = 50;

// Targets from the issue.
const TARGET_P50_MS = 5;
const TARGET_P99_MS = 20;
const TARGET_LATE_MS = 20;
const TARGET_HOST_MS = 50;

type Daemon = 'firsthop' | 'bird';
type Kind = 'link' | 'route';
type Direction = 'down' | 'up';

// ---------------------------------------------------------------------------------------
// Clock: nowUs() and calibrate() from ./common (CLOCK_REALTIME in µs, as the pcap stamps).

// ---------------------------------------------------------------------------------------
// Recorders of timestamped observations, with waiting.

class Recorder<T> {
  readonly items: { us: number; v: T }[] = [];
  private readonly waiters = new Set<() => void>();

  push(v: T): void {
    this.items.push({ us: nowUs(), v });
    for (const w of [...this.waiters]) w();
  }

  /** First item at or after `fromUs` matching pred, waiting up to timeoutMs; undefined on timeout. */
  wait(fromUs: number, pred: (v: T) => boolean, timeoutMs: number): Promise<{ us: number; v: T } | undefined> {
    const find = (): { us: number; v: T } | undefined => this.items.find((i) => i.us >= fromUs && pred(i.v));
    const hit = find();
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const check = (): void => {
        const h = find();
        if (h) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(h);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

// ---------------------------------------------------------------------------------------
// Configs

function firsthopConfig(kind: Kind, minDelay: number): string {
  const cond = kind === 'link' ? 'link wan-a up;' : `route ${ROUTE.destination}/${ROUTE.prefixLength} proto bgp table ${ROUTE.table};`;
  return `# bench/condition-latency.ts: ${kind} case, no damping (recovery is immediate too)
condition uplink {
    ${cond}
};

interface lan0 {
    AdvSendAdvert on;
    MinRtrAdvInterval ${MIN_RA};
    MaxRtrAdvInterval ${MAX_RA};
    MinDelayBetweenRAs ${minDelay};
    AdvDefaultLifetime 1800;
    prefix ${PREFIX}/${PREFIX_LEN} {
        AdvValidLifetime ${VALID};
        AdvPreferredLifetime ${PREFERRED};
        if uplink { AdvPreferredLifetime ${PREFERRED}; } else { AdvPreferredLifetime 0; };
    };
};
`;
}

function birdConfig(kind: Kind, minDelay: number): string {
  const trigger = kind === 'link' ? TRIGGER_LINK : `${ROUTE.destination}/${ROUTE.prefixLength}`;
  return `# bench/condition-latency.ts: ${kind} case
log stderr all;
router id 192.0.2.1;

protocol device { scan time 10; }

# link case: wan-a's connected route; withdrawn while wan-a is down.
protocol direct { ipv6; interface "wan-a"; }

# route case: the BGP route in kernel table 100, learned as it comes and goes.
protocol kernel kroute {
    ipv6 { import all; export none; };
    learn;
    kernel table ${ROUTE.table};
}

protocol radv {
    ipv6 { export all; };
    trigger ${trigger};
    interface "lan1" {
        min ra interval ${MIN_RA};
        max ra interval ${MAX_RA};
        min delay ${minDelay};
        default lifetime 1800 sensitive no;
        prefix ${PREFIX}/${PREFIX_LEN} {
            valid lifetime ${VALID};
            preferred lifetime ${PREFERRED} sensitive yes;
        };
    };
}
`;
}

// ---------------------------------------------------------------------------------------
// BIRD

interface BirdHandle {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

async function startBird(lab: Lab, ns: string, name: string, conf: string): Promise<BirdHandle> {
  const confPath = join(lab.dir(), `${name}.conf`);
  const sock = join(lab.dir(), `${name}.ctl`);
  writeFileSync(confPath, conf);
  const child = lab.spawn(ns, ['bird', '-f', '-c', confPath, '-s', sock]);
  let text = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (text.length < 1 << 20) text += d.toString('utf8');
  });
  child.stdout?.on('data', (d: Buffer) => {
    if (text.length < 1 << 20) text += d.toString('utf8');
  });
  const deadline = Date.now() + 10_000;
  while (!/<INFO> Started/.test(text)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bird exited: ${text}`);
    if (Date.now() > deadline) throw new Error(`bird not started after 10 s: ${text}`);
    await sleep(20);
  }
  return { child, log: () => text, stop: () => lab.kill(child, 2000) };
}

function birdVersion(): string {
  // BIRD 2 prints "BIRD version 2.0.12" on stderr.
  const r = spawnSync('bird', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || 'unknown';
}

// ---------------------------------------------------------------------------------------
// Measurement records

interface RunRecord {
  case: string;
  kind: Kind;
  daemon: Daemon;
  /** This daemon's MinDelayBetweenRAs / min delay, s. */
  minDelayS: number;
  run: number;
  direction: Direction;
  /** Event time (clock before sendto), µs CLOCK_REALTIME. */
  eventUs: number;
  /** Duration of the sendto(2) carrying the request, µs (bound on the event-time error). */
  sendUs: number;
  /** Time this process saw the kernel's notification of the change in the router namespace, ms after the event (link up: carrier on). */
  notifyMs: number | null;
  /** Event - previous RA on the wire, ms (null: none captured). */
  prevRaGapMs: number | null;
  /** Earliest time the rate limit allows, ms after the event. */
  allowedMs: number;
  /** No RA in the MinDelayBetweenRAs before the event. */
  unconstrained: boolean;
  /** First RA with the new preferred lifetime, ms after the event (null: none within the timeout). */
  latencyMs: number | null;
  /** latency - allowed, ms. */
  latenessMs: number | null;
  /**
   * The kernel emitted its notification of the change no later than this, ms after the event:
   * min(end of sendto(2), this process seeing the notification). 0..eventBoundMs is the
   * event-time uncertainty (the link-down request spends most of its time in dev_close()
   * before the notification goes out).
   */
  eventBoundMs: number;
  /** latencyMs - eventBoundMs: the latency counted from the latest possible event time (a lower bound). */
  latencyLowerMs: number | null;
  /** RAs on the wire after the event still carrying the old lifetime. */
  staleRas: number;
  /** The host kernel reports the address deprecated (down) / preferred again (up), ms after the event. */
  hostMs: number | null;
  /** Down only: the host kernel's first report of preferred_lft 0 (the deprecated flag follows from addrconf_verify). */
  hostPreferredZeroMs: number | null;
}

interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function stats(values: readonly number[]): Stats {
  return { n: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

interface CaseSummary {
  case: string;
  kind: Kind;
  daemon: Daemon;
  minDelayS: number;
  solo: boolean;
  runs: number;
  missing: number;
  latency: Stats;
  latencyDown: Stats;
  latencyUp: Stats;
  lateness: Stats;
  unconstrainedLatency: Stats;
  /** Unconstrained runs, latency counted from the latest possible event time (lower bound). */
  unconstrainedLatencyLower: Stats;
  /** Event-time uncertainty, ms. */
  eventBoundMs: Stats;
  constrainedRuns: number;
  staleRas: number;
  host: Stats;
  hostDown: Stats;
  hostMissing: number;
  sendUs: Stats;
  notifyMs: Stats;
}

function summarizeCase(c: string, kind: Kind, daemon: Daemon, minDelayS: number, solo: boolean, runs: RunRecord[]): CaseSummary {
  const lat = (rs: RunRecord[]): number[] => rs.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]));
  return {
    case: c,
    kind,
    daemon,
    minDelayS,
    solo,
    runs: runs.length,
    missing: runs.filter((r) => r.latencyMs === null).length,
    latency: stats(lat(runs)),
    latencyDown: stats(lat(runs.filter((r) => r.direction === 'down'))),
    latencyUp: stats(lat(runs.filter((r) => r.direction === 'up'))),
    lateness: stats(runs.flatMap((r) => (r.latenessMs === null ? [] : [r.latenessMs]))),
    unconstrainedLatency: stats(lat(runs.filter((r) => r.unconstrained))),
    unconstrainedLatencyLower: stats(runs.flatMap((r) => (r.unconstrained && r.latencyLowerMs !== null ? [r.latencyLowerMs] : []))),
    eventBoundMs: stats(runs.map((r) => r.eventBoundMs)),
    constrainedRuns: runs.filter((r) => !r.unconstrained).length,
    staleRas: runs.reduce((a, r) => a + r.staleRas, 0),
    host: stats(runs.flatMap((r) => (r.hostMs === null ? [] : [r.hostMs]))),
    hostDown: stats(runs.flatMap((r) => (r.hostMs === null || r.direction !== 'down' ? [] : [r.hostMs]))),
    hostMissing: runs.filter((r) => r.hostMs === null).length,
    sendUs: stats(runs.map((r) => r.sendUs)),
    notifyMs: stats(runs.flatMap((r) => (r.notifyMs === null ? [] : [r.notifyMs]))),
  };
}

// ---------------------------------------------------------------------------------------
// The lab

interface Side {
  daemon: Daemon;
  hostNs: string;
  cap: Capture;
  /** Host SLAAC address in PREFIX: preferred lifetime and deprecated flag, as the kernel reports them. */
  hostAddr: Recorder<{ preferred: number; deprecated: boolean }>;
  hostState: NetState;
}

interface World {
  lab: Lab;
  routerNs: string;
  wanIfindex: number;
  rtnl: RtnlClient;
  routerState: NetState;
  /** wan-a link state and the table-100 route, as the router's kernel reports them to this process. */
  routerEvents: Recorder<{ kind: 'link'; up: boolean; carrier: boolean } | { kind: 'route'; present: boolean }>;
  sides: Record<Daemon, Side>;
}

function preferredOf(p: CapturedPacket): number | undefined {
  const m = p.icmpv6;
  if (!m || m.type !== 134) return undefined;
  return prefixLifetimes(m.message, PREFIX, PREFIX_LEN)?.preferred;
}

async function buildWorld(lab: Lab): Promise<World> {
  for (const n of ['router', 'hostf', 'hostb', 'isp']) await lab.addNamespace(n);
  await lab.addVeth('router', 'lan0', 'hostf', 'h0', { up: false });
  await lab.addVeth('router', 'lan1', 'hostb', 'h0', { up: false });
  await lab.addVeth('router', 'wan-a', 'isp', 'up0', { up: false });
  await lab.sysctl('router', 'net/ipv6/conf/wan-a/keep_addr_on_down', 1);
  await lab.linkUp('isp', 'up0');
  await lab.linkUp('router', 'wan-a');
  await lab.ip('router', ['-6', 'addr', 'add', WAN_ADDR, 'dev', 'wan-a']);
  for (const [ns, lan] of [
    ['hostf', 'lan0'],
    ['hostb', 'lan1'],
  ] as const) {
    await prepareHost(lab, ns, 'h0');
    await prepareRouter(lab, 'router', lan);
    await lab.linkUp(ns, 'h0');
  }
  // BIRD advertises the prefixes of the interface's own addresses.
  await lab.ip('router', ['-6', 'addr', 'add', `${PREFIX}1/${PREFIX_LEN}`, 'dev', 'lan1']);
  await waitLinkLocal(lab, 'router', 'lan0');
  await waitLinkLocal(lab, 'router', 'lan1');
  await waitLinkLocal(lab, 'router', 'wan-a');

  const routerNs = lab.ns('router');
  const routerState = await NetState.open(linuxBackend({ netns: routerNs }));
  const wan = routerState.linkByName('wan-a');
  if (!wan) throw new Error('wan-a not found in the router namespace');
  const routerEvents: World['routerEvents'] = new Recorder();
  routerState.on((e) => {
    if (e.kind === 'link' && e.link.ifindex === wan.ifindex) routerEvents.push({ kind: 'link', up: e.link.up, carrier: e.link.carrier });
    const isRoute = (r: { table: number; destination: string; prefixLength: number }): boolean =>
      r.table === ROUTE.table && r.destination === ROUTE.destination && r.prefixLength === ROUTE.prefixLength;
    if (e.kind === 'route' && isRoute(e.route)) routerEvents.push({ kind: 'route', present: true });
    if (e.kind === 'routeRemoved' && isRoute(e.route)) routerEvents.push({ kind: 'route', present: false });
  });

  const side = async (daemon: Daemon, hostNs: string): Promise<Side> => {
    const cap = await capture(lab, hostNs, 'h0', { filter: RA_FILTER, snaplen: 512 });
    const hostState = await NetState.open(linuxBackend({ netns: lab.ns(hostNs) }));
    const h0 = hostState.linkByName('h0');
    if (!h0) throw new Error(`h0 not found in ${hostNs}`);
    const hostAddr: Side['hostAddr'] = new Recorder();
    hostState.on((e) => {
      if (e.kind === 'address' && e.address.ifindex === h0.ifindex && e.address.scope === 0 && e.address.address.startsWith('2001:db8:1:1:')) {
        hostAddr.push({ preferred: e.address.preferredLifetime, deprecated: e.address.deprecated });
      }
    });
    return { daemon, hostNs, cap, hostAddr, hostState };
  };
  const sides = { firsthop: await side('firsthop', 'hostf'), bird: await side('bird', 'hostb') };
  return { lab, routerNs, wanIfindex: wan.ifindex, rtnl: new RtnlClient(routerNs, nowUs), routerState, routerEvents, sides };
}

// ---------------------------------------------------------------------------------------
// One case

interface CaseSpec {
  name: string;
  kind: Kind;
  fhDelay: number;
  /** BIRD's min delay (s); undefined: BIRD not running (firsthop-alone control). */
  birdDelay: number | undefined;
  runs: number;
}


interface CaseResult {
  spec: CaseSpec;
  /** Share of both CPUs busy during the case (all processes), percent; load average at its end. */
  machineBusyPct: number;
  loadavgEnd: string;
  firsthopConfig: string;
  birdConfig: string | undefined;
  clockOffsetUs: number;
  records: RunRecord[];
  firsthopLog: string;
  birdLog: string;
}

async function waitSteady(w: World, daemons: Daemon[], sinceUs: number, timeoutMs: number): Promise<number> {
  let last = sinceUs;
  for (const d of daemons) {
    const s = w.sides[d];
    const ra = await s.cap.waitForPacket((p) => p.tsMicros >= sinceUs && preferredOf(p) === PREFERRED, timeoutMs);
    last = Math.max(last, ra.tsMicros);
    const a = await s.hostAddr.wait(0, (v) => v.preferred > 0 && !v.deprecated, timeoutMs);
    if (!a) throw new Error(`${s.hostNs}: no preferred ${PREFIX}/64 address within ${timeoutMs} ms`);
  }
  return last;
}

function sendEvent(w: World, kind: Kind, dir: Direction): SentRequest {
  if (kind === 'link') return w.rtnl.setLinkUp(w.wanIfindex, dir === 'up');
  return w.rtnl.route(dir === 'up' ? 'add' : 'del', { ...ROUTE, oif: w.wanIfindex });
}

async function runCase(w: World, spec: CaseSpec): Promise<CaseResult> {
  const { lab } = w;
  const daemons: Daemon[] = spec.birdDelay === undefined ? ['firsthop'] : ['firsthop', 'bird'];
  const delayOf = (d: Daemon): number => (d === 'firsthop' ? spec.fhDelay : spec.birdDelay!);
  const maxDelay = Math.max(...daemons.map(delayOf));
  // Start from "condition true": wan-a up, the route present.
  await lab.linkUp('router', 'wan-a');
  if (spec.kind === 'route') {
    await lab.ip('router', ['-6', 'route', 'replace', `${ROUTE.destination}/${ROUTE.prefixLength}`, 'dev', 'wan-a', 'proto', 'bgp', 'table', String(ROUTE.table)]);
  }
  await sleep(200);
  const offset = calibrate();
  const fhConf = firsthopConfig(spec.kind, spec.fhDelay);
  const birdConf = spec.birdDelay === undefined ? undefined : birdConfig(spec.kind, spec.birdDelay);
  const started = nowUs();
  const cpu0 = cpuTimes();
  let fh: FirsthopHandle | undefined;
  let bird: BirdHandle | undefined;
  const records: RunRecord[] = [];
  let fhLog = '';
  let birdLog = '';
  try {
    fh = await startFirsthop(lab, 'router', fhConf, { name: `fh-${spec.name}`, debug: 1 });
    if (birdConf !== undefined) bird = await startBird(lab, 'router', `bird-${spec.name}`, birdConf);
    let lastChange = await waitSteady(w, daemons, started, 15_000);
    for (let i = 0; i < spec.runs; i++) {
      const dir: Direction = i % 2 === 0 ? 'down' : 'up';
      const want = dir === 'down' ? 0 : PREFERRED;
      // Steady state, then a random phase of the periodic schedule.
      const at = lastChange + (maxDelay * 1000 + SETTLE_MS + Math.random() * 1000) * 1000;
      const waitMs = (at - nowUs()) / 1000;
      if (waitMs > 0) await sleep(waitMs);

      const sent = sendEvent(w, spec.kind, dir);
      const ev = sent.beforeUs;
      const errno = await sent.ack;
      if (errno !== 0) throw new Error(`${spec.name} run ${i} (${dir}): the kernel refused the request: errno ${errno}`);
      const notified = w.routerEvents.wait(ev, (e) => (e.kind === 'link' ? (dir === 'down' ? !e.up : e.up && e.carrier) : e.present === (dir === 'up')), 2000);
      const ras = await Promise.all(
        daemons.map((d) =>
          w.sides[d].cap
            .waitForPacket((p) => p.tsMicros >= ev && preferredOf(p) === want, delayOf(d) * 1000 + 5000)
            .catch(() => undefined),
        ),
      );
      const hosts = await Promise.all(
        daemons.map((d) =>
          w.sides[d].hostAddr.wait(ev, (v) => (dir === 'down' ? v.preferred === 0 && v.deprecated : v.preferred > 0 && !v.deprecated), 2000),
        ),
      );
      const notify = await notified;
      const line: string[] = [];
      daemons.forEach((d, k) => {
        const s = w.sides[d];
        const ra = ras[k];
        const before = s.cap.packets.filter((p) => p.icmpv6?.type === 134 && p.tsMicros < ev);
        const prev = before.length ? before[before.length - 1]!.tsMicros : undefined;
        const allowedUs = prev === undefined ? ev : Math.max(ev, prev + delayOf(d) * 1e6);
        const stale = s.cap.packets.filter((p) => p.icmpv6?.type === 134 && p.tsMicros >= ev && (ra === undefined || p.tsMicros < ra.tsMicros)).length;
        const pz = dir === 'down' ? s.hostAddr.items.find((x) => x.us >= ev && x.v.preferred === 0) : undefined;
        const rec: RunRecord = {
          case: spec.name,
          kind: spec.kind,
          daemon: d,
          minDelayS: delayOf(d),
          run: i,
          direction: dir,
          eventUs: ev,
          sendUs: sent.afterUs - sent.beforeUs,
          notifyMs: notify ? (notify.us - ev) / 1000 : null,
          prevRaGapMs: prev === undefined ? null : (ev - prev) / 1000,
          allowedMs: (allowedUs - ev) / 1000,
          unconstrained: allowedUs === ev,
          latencyMs: ra ? (ra.tsMicros - ev) / 1000 : null,
          latenessMs: ra ? (ra.tsMicros - allowedUs) / 1000 : null,
          eventBoundMs: Math.min(sent.afterUs - sent.beforeUs, notify ? notify.us - ev : Infinity) / 1000,
          latencyLowerMs: null,
          staleRas: stale,
          hostMs: hosts[k] ? (hosts[k]!.us - ev) / 1000 : null,
          hostPreferredZeroMs: pz ? (pz.us - ev) / 1000 : null,
        };
        if (rec.latencyMs !== null) rec.latencyLowerMs = rec.latencyMs - rec.eventBoundMs;
        records.push(rec);
        if (ra) lastChange = Math.max(lastChange, ra.tsMicros);
        line.push(
          `${d} ${rec.latencyMs === null ? 'MISSING' : `${fmt(rec.latencyMs, 2)} ms`}` +
            (rec.unconstrained ? '' : ` (rate-limited, allowed +${fmt(rec.allowedMs, 0)} ms)`) +
            ` host ${rec.hostMs === null ? '-' : `${fmt(rec.hostMs, 1)} ms`}` +
            (stale ? ` stale ${stale}` : ''),
        );
      });
      lastChange = Math.max(lastChange, nowUs() - 1000 * 1000 * maxDelay); // never wait on a missing RA forever
      log(`${spec.name} ${i + 1}/${spec.runs} ${dir.padEnd(4)}: ${line.join(' | ')}`);
    }
  } finally {
    fhLog = fh?.log() ?? '';
    birdLog = bird?.log() ?? '';
    await fh?.stop();
    await bird?.stop();
    // Back to "condition true" for whatever comes next.
    await lab.linkUp('router', 'wan-a');
  }
  const cpu1 = cpuTimes();
  const machineBusyPct = (100 * (cpu1.busy - cpu0.busy)) / Math.max(1, cpu1.total - cpu0.total);
  return { spec, machineBusyPct, loadavgEnd: loadavg(), firsthopConfig: fhConf, birdConfig: birdConf, clockOffsetUs: offset, records, firsthopLog: fhLog.slice(-20_000), birdLog: birdLog.slice(-20_000) };
}

// ---------------------------------------------------------------------------------------

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-';
}

function gitDirty(): string[] {
  try {
    return execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------
// Report

interface CaseMeta {
  name: string;
  machineBusyPct: number;
  loadavgEnd: string;
}

/** Summaries, the tables and the verdicts on the targets, from the per-run records. */
function render(specs: readonly CaseSpec[], runs: readonly RunRecord[], meta: readonly CaseMeta[]): { summaries: CaseSummary[]; verdicts: string[]; text: string } {
  const summaries: CaseSummary[] = [];
  for (const spec of specs) {
    for (const d of ['firsthop', 'bird'] as const) {
      const recs = runs.filter((x) => x.case === spec.name && x.daemon === d);
      if (recs.length === 0) continue;
      summaries.push(summarizeCase(spec.name, spec.kind, d, d === 'firsthop' ? spec.fhDelay : spec.birdDelay!, spec.birdDelay === undefined, recs));
    }
  }
  const label = (s: CaseSummary): string => `${s.kind} ${s.daemon === 'firsthop' ? 'firsthop' : 'BIRD'}${s.solo ? ' (alone)' : ''}`;
  const wire = table(
    ['case', 'min delay s', 'runs', 'miss', 'latency p50', 'p90', 'p99', 'max', 'unconstr. n', 'p50', 'p99', 'lower-bound p50', 'p99', 'lateness p50', 'p90', 'p99', 'max', 'stale RAs'],
    summaries.map((s) => [
      label(s),
      String(s.minDelayS),
      String(s.runs),
      String(s.missing),
      ms(s.latency.p50),
      ms(s.latency.p90),
      ms(s.latency.p99),
      ms(s.latency.max),
      String(s.unconstrainedLatency.n),
      ms(s.unconstrainedLatency.p50),
      ms(s.unconstrainedLatency.p99),
      ms(s.unconstrainedLatencyLower.p50),
      ms(s.unconstrainedLatencyLower.p99),
      ms(s.lateness.p50),
      ms(s.lateness.p90),
      ms(s.lateness.p99),
      ms(s.lateness.max),
      String(s.staleRas),
    ]),
  );
  const dirs = table(
    ['case', 'min delay s', 'down p50', 'down p99', 'down max', 'up p50', 'up p99', 'up max', 'host n', 'host p50', 'host p99', 'host max', 'host down p99', 'host miss'],
    summaries.map((s) => [
      label(s),
      String(s.minDelayS),
      ms(s.latencyDown.p50),
      ms(s.latencyDown.p99),
      ms(s.latencyDown.max),
      ms(s.latencyUp.p50),
      ms(s.latencyUp.p99),
      ms(s.latencyUp.max),
      String(s.host.n),
      ms(s.host.p50),
      ms(s.host.p99),
      ms(s.host.max),
      ms(s.hostDown.p99),
      String(s.hostMissing),
    ]),
  );
  const timing = table(
    ['case', 'sendto µs p50', 'p99', 'max', 'notify ms p50', 'p99', 'max', 'event bound ms p50', 'p99', 'max', 'machine busy %', 'loadavg at end'],
    specs.map((spec) => {
      const s = summaries.find((x) => x.case === spec.name && x.daemon === 'firsthop')!;
      const m = meta.find((x) => x.name === spec.name);
      return [
        spec.name,
        fmt(s.sendUs.p50, 0),
        fmt(s.sendUs.p99, 0),
        fmt(s.sendUs.max, 0),
        ms(s.notifyMs.p50),
        ms(s.notifyMs.p99),
        ms(s.notifyMs.max),
        ms(s.eventBoundMs.p50),
        ms(s.eventBoundMs.p99),
        ms(s.eventBoundMs.max),
        m ? fmt(m.machineBusyPct, 0) : '-',
        m?.loadavgEnd ?? '-',
      ];
    }),
  );

  // Verdicts on the raw numbers (event = start of the request) and, where the raw numbers miss,
  // from the latest possible event time (the kernel's notification may come late in the request).
  const verdicts: string[] = [];
  const ok = (b: boolean): string => (b ? 'ok' : 'MISSED');
  for (const s of summaries.filter((x) => x.daemon === 'firsthop')) {
    const recs = runs.filter((r) => r.case === s.case && r.daemon === 'firsthop');
    const u = s.unconstrainedLatency;
    const ul = s.unconstrainedLatencyLower;
    const lateLower = Math.max(...recs.map((r) => (r.latencyMs === null ? Infinity : r.latencyMs - Math.max(r.allowedMs, r.eventBoundMs))));
    const hostLower = Math.max(...recs.map((r) => (r.hostMs === null ? Infinity : r.hostMs - r.eventBoundMs)));
    const fast = s.minDelayS < 1;
    const rawOk = u.p50 <= TARGET_P50_MS && u.p99 <= TARGET_P99_MS && s.lateness.max <= TARGET_LATE_MS && s.missing === 0 && (!fast || (s.host.max <= TARGET_HOST_MS && s.hostMissing === 0));
    let v =
      `${label(s)}, MinDelayBetweenRAs ${s.minDelayS} s: unconstrained p50 ${ms(u.p50)} ms (target ${TARGET_P50_MS}) ${ok(u.p50 <= TARGET_P50_MS)}, ` +
      `p99 ${ms(u.p99)} ms (target ${TARGET_P99_MS}) ${ok(u.p99 <= TARGET_P99_MS)}; ` +
      `max lateness ${ms(s.lateness.max)} ms (target ${TARGET_LATE_MS}) ${ok(s.lateness.max <= TARGET_LATE_MS && s.missing === 0)}` +
      (fast ? `; host max ${ms(s.host.max)} ms (target ${TARGET_HOST_MS}) ${ok(s.host.max <= TARGET_HOST_MS && s.hostMissing === 0)}` : '');
    if (!rawOk) {
      const slow = recs.filter((r) => r.eventBoundMs > TARGET_P99_MS);
      const birdSame = slow.map((r) => runs.find((b) => b.case === r.case && b.run === r.run && b.daemon === 'bird'));
      v +=
        `. From the latest possible event time: p50 ${ms(ul.p50)}, p99 ${ms(ul.p99)}, max lateness ${ms(lateLower)}` +
        (fast ? `, host max ${ms(hostLower)}` : '') +
        ` ms (${ok(ul.p50 <= TARGET_P50_MS && ul.p99 <= TARGET_P99_MS && lateLower <= TARGET_LATE_MS && (!fast || hostLower <= TARGET_HOST_MS))})` +
        (slow.length
          ? `; the kernel spent ${slow.map((r) => `${ms(r.eventBoundMs)} ms (run ${r.run}, ${r.direction})`).join(', ')} inside the request before its notification` +
            (birdSame.some((b) => b !== undefined) ? `, BIRD's RA in the same run${slow.length > 1 ? 's' : ''}: ${birdSame.map((b) => (b?.latencyMs == null ? '-' : `${ms(b.latencyMs)} ms`)).join(', ')}` : '')
          : '');
    }
    verdicts.push(v);
  }

  const text =
    `\nevent -> first RA with the new preferred lifetime on the wire (host-side tcpdump), ms\n${wire}\n` +
    `\nby direction (down = condition lost, up = back), and host kernel (address deprecated / preferred again), ms\n${dirs}\n` +
    `\nevent timing: sendto(2) of the request, this process seeing the router's notification, and the event-time bound (min of both)\n${timing}\n` +
    `\nfirsthop targets:\n${verdicts.map((x) => `  ${x}`).join('\n')}\n`;
  return { summaries, verdicts, text };
}

/** --report FILE: recompute summaries, tables and verdicts of an earlier run's JSON, and rewrite it. */
function reportOnly(path: string): void {
  const j = JSON.parse(readFileSync(path, 'utf8')) as {
    cases: { spec: CaseSpec; machineBusyPct: number; loadavgEnd: string }[];
    runs: RunRecord[];
    [k: string]: unknown;
  };
  const { summaries, verdicts, text } = render(
    j.cases.map((c) => c.spec),
    j.runs,
    j.cases.map((c) => ({ name: c.spec.name, machineBusyPct: c.machineBusyPct, loadavgEnd: c.loadavgEnd })),
  );
  process.stdout.write(text);
  writeFileSync(path, `${JSON.stringify({ ...j, summaries, verdicts }, null, 2)}\n`);
}

const reportIdx = process.argv.indexOf('--report');
if (reportIdx >= 0) {
  reportOnly(process.argv[reportIdx + 1] ?? join(REPO_ROOT, 'bench', 'results', 'condition-latency.json'));
} else {
  void runBench('condition-latency', async (lab) => {
    const t0 = Date.now();
    const machine = { ...machineInfo(), bird: birdVersion(), srcUncommitted: gitDirty() };
    log(`condition-latency on ${machine.cpuModel} x${machine.nproc}, kernel ${machine.kernel}, node ${machine.node}, ${machine.bird}`);
    const cal0 = calibrate();
    const w = await buildWorld(lab);
    const all: CaseSpec[] = [
      { name: 'link-3', kind: 'link', fhDelay: 3, birdDelay: 3, runs: RUNS_SLOW },
      { name: 'link-0.03', kind: 'link', fhDelay: 0.03, birdDelay: 1, runs: RUNS_FAST },
      { name: 'route-3', kind: 'route', fhDelay: 3, birdDelay: 3, runs: RUNS_SLOW },
      { name: 'route-0.03', kind: 'route', fhDelay: 0.03, birdDelay: 1, runs: RUNS_FAST },
      { name: 'link-0.03-solo', kind: 'link', fhDelay: 0.03, birdDelay: undefined, runs: RUNS_SOLO },
      { name: 'route-0.03-solo', kind: 'route', fhDelay: 0.03, birdDelay: undefined, runs: RUNS_SOLO },
    ];
    const specs = all.filter((s) => s.runs > 0);
    const results: CaseResult[] = [];
    for (const spec of specs) {
      log(`case ${spec.name}: ${spec.runs} events, firsthop MinDelayBetweenRAs ${spec.fhDelay}${spec.birdDelay === undefined ? ', BIRD not running' : `, BIRD min delay ${spec.birdDelay}`}`);
      results.push(await runCase(w, spec));
    }
    const calEnd = calibrate();
    for (const s of Object.values(w.sides)) {
      s.hostState.close();
      await s.cap.stop();
    }
    w.routerState.close();
    w.rtnl.close();

    const { summaries, verdicts, text } = render(
      results.map((r) => r.spec),
      results.flatMap((r) => r.records),
      results.map((r) => ({ name: r.spec.name, machineBusyPct: r.machineBusyPct, loadavgEnd: r.loadavgEnd })),
    );
    process.stdout.write(text);

    const path = writeResult('condition-latency', {
      benchmark: 'condition-latency',
      date: new Date().toISOString(),
      durationS: Math.round((Date.now() - t0) / 1000),
      machine,
      method: {
        event: 'rtnetlink request sent by the benchmark process in the router namespace (RTM_NEWLINK ifi_change IFF_UP on wan-a; RTM_DELROUTE/RTM_NEWROUTE of 2001:db8:1::/48 proto bgp table 100); event time = clock right before sendto(2)',
        wire: 'tcpdump in each host namespace, kernel CLOCK_REALTIME timestamps (ns)',
        host: 'NetState (rtnetlink) in each host namespace: first address report with preferred_lft 0 and IFA_F_DEPRECATED (down) / preferred_lft > 0 without it (up)',
        clock: 'performance.timeOrigin + performance.now(), offset to CLOCK_REALTIME calibrated at Date.now() millisecond edges (median of 9) before every case',
        spacing: `next event >= changed RA of the previous one + max(MinDelayBetweenRAs) + ${SETTLE_MS} ms + uniform(0, 1 s)`,
        intervals: `MinRtrAdvInterval ${MIN_RA}, MaxRtrAdvInterval ${MAX_RA} (both daemons)`,
        birdLinkTrigger: `protocol direct on wan-a (${WAN_ADDR}, keep_addr_on_down=1), trigger ${TRIGGER_LINK}`,
        birdRouteTrigger: `protocol kernel { learn; kernel table ${ROUTE.table}; }, trigger ${ROUTE.destination}/${ROUTE.prefixLength}`,
        birdMinDelay: 'BIRD 2.0.12 takes `min delay` as whole seconds > 0 (proto/radv/config.Y: "Min delay must be positive"): 1 s is its minimum, used where firsthop runs 0.03',
      },
      targets: { unconstrainedP50Ms: TARGET_P50_MS, unconstrainedP99Ms: TARGET_P99_MS, maxLatenessMs: TARGET_LATE_MS, hostMs: TARGET_HOST_MS },
      clockOffsetUs: { start: cal0, perCase: Object.fromEntries(results.map((r) => [r.spec.name, r.clockOffsetUs])), end: calEnd },
      summaries,
      verdicts,
      cases: results.map((r) => ({ spec: r.spec, machineBusyPct: r.machineBusyPct, loadavgEnd: r.loadavgEnd, firsthopConfig: r.firsthopConfig, birdConfig: r.birdConfig, clockOffsetUs: r.clockOffsetUs })),
      runs: results.flatMap((r) => r.records),
      logs: Object.fromEntries(results.map((r) => [r.spec.name, { firsthop: r.firsthopLog.slice(-4000), bird: r.birdLog.slice(-4000) }])),
    });
    log(`wrote ${path} after ${Math.round((Date.now() - t0) / 1000)} s`);
  });
}
