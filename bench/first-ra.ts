/**
 * first-ra: time from process start to the first Router Advertisement on the wire.
 *
 * One router/host veth pair. tcpdump in the host namespace timestamps every RA in the
 * kernel (CLOCK_REALTIME, ns precision); the start time is realtimeMicros() (also
 * CLOCK_REALTIME) taken just before the daemon is spawned. firsthop (the shipped bundle,
 * dist/firsthop.js), firsthop unbundled (dist/src/cli/main.js, the tsc output) and radvd run
 * in rotation on the same radvd.conf, RUNS times each after one discarded warm-up run each.
 * `--main LABEL=PATH` (repeatable) adds another firsthop script, e.g. a copy of an older build.
 *
 *   npm run build && node dist/bench/first-ra.js [--runs N] [--main LABEL=PATH]...
 *
 * Writes bench/results/first-ra.json.
 */
import { spawnSync } from 'node:child_process';
import { capture, realtimeMicros, routerHostPair, RA_FILTER, startRadvd, type Capture, type Lab } from '../src/lab/netns';
import { FIRSTHOP_MAIN, startFirsthop, UNBUNDLED_MAIN } from '../src/lab/firsthop';
import { fmt, log, machineInfo, runBench, sleep, summarize, table, writeResult, type Summary } from './common';

const RUNS = (() => {
  const i = process.argv.indexOf('--runs');
  return i >= 0 ? Number(process.argv[i + 1]) : 20;
})();
const TARGET_MS = 300;

/** The firsthop scripts measured: label -> path. */
const FIRSTHOPS: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>([['firsthop', FIRSTHOP_MAIN]]);
  if (UNBUNDLED_MAIN !== FIRSTHOP_MAIN) m.set('firsthop unbundled', UNBUNDLED_MAIN);
  process.argv.forEach((a, i) => {
    if (a !== '--main') return;
    const v = process.argv[i + 1] ?? '';
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`--main LABEL=PATH, not '${v}'`);
    m.set(v.slice(0, eq), v.slice(eq + 1));
  });
  return m;
})();

function config(ifname: string): string {
  return `interface ${ifname} {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    prefix 2001:db8:1::/64 {
        AdvOnLink on;
        AdvAutonomous on;
    };
    RDNSS 2001:db8::53 {
    };
};
`;
}

/** A label of FIRSTHOPS, or 'radvd'. */
type Daemon = string;

interface RunResult {
  daemon: Daemon;
  run: number;
  warmup: boolean;
  /** Spawn to first RA on the wire, ms. */
  firstRaMs: number;
  /** Spawn to the daemon's start log line as seen by the benchmark, ms (radvd: includes startRadvd's 300 ms settle, so not comparable). */
  startedMs: number;
}

async function oneRun(lab: Lab, cap: Capture, ifname: string, daemon: Daemon, run: number, warmup: boolean): Promise<RunResult> {
  const conf = config(ifname);
  const t0 = realtimeMicros();
  let stop: () => Promise<unknown>;
  const main = FIRSTHOPS.get(daemon);
  if (main !== undefined) {
    // -d 1 (info): same log volume as radvd's -d 1; startFirsthop passes -d 2 first, the last -d wins.
    const h = await startFirsthop(lab, 'router', conf, { name: `fh${run}`, args: ['-d', '1'], main });
    stop = () => h.stop();
  } else {
    const h = await startRadvd(lab, 'router', conf, { name: `radvd${run}` });
    stop = () => h.stop();
  }
  const startedMs = (realtimeMicros() - t0) / 1000;
  let firstRaMs: number;
  try {
    const ra = await cap.waitForPacket((p) => p.icmpv6?.type === 134 && p.tsMicros >= t0, 10_000);
    firstRaMs = (ra.tsMicros - t0) / 1000;
  } finally {
    await stop();
  }
  // Let the goodbye RA (router lifetime 0) pass before the next start.
  await sleep(300);
  return { daemon, run, warmup, firstRaMs, startedMs };
}

/** Wall time of a command run N times (spawnSync, from this process), ms. */
function commandTimes(argv: string[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

void runBench('first-ra', async (lab) => {
  const machine = machineInfo();
  log(`firsthop scripts: ${[...FIRSTHOPS].map(([l, p]) => `${l} = ${p}`).join(', ')}`);
  log(`first-ra: ${RUNS} runs per daemon on ${machine.cpuModel} x${machine.nproc}, kernel ${machine.kernel}, node ${machine.node}, radvd ${machine.radvd}`);
  const pair = await routerHostPair(lab);
  const cap = await capture(lab, 'host', pair.hostIf, { filter: RA_FILTER });

  const results: RunResult[] = [];
  // Rotation: each daemon goes first in turn.
  const all: Daemon[] = [...FIRSTHOPS.keys(), 'radvd'];
  const order = (i: number): Daemon[] => all.map((_, k) => all[(i + k) % all.length]!);
  for (const d of order(0)) results.push(await oneRun(lab, cap, pair.routerIf, d, -1, true));
  for (let i = 0; i < RUNS; i++) {
    for (const d of order(i)) {
      const r = await oneRun(lab, cap, pair.routerIf, d, i, false);
      results.push(r);
    }
    const last = results.slice(-all.length);
    log(`run ${i + 1}/${RUNS}: ${last.map((r) => `${r.daemon} ${fmt(r.firstRaMs)} ms`).join(', ')}`);
  }
  await cap.stop();

  // Context: what node alone costs, and what `ip netns exec` adds (both daemons pay that).
  const nodeAlone = summarize(commandTimes([process.execPath, '-e', '0'], 20));
  const netnsTrue = summarize(commandTimes(['ip', 'netns', 'exec', pair.router, 'true'], 20));
  const netnsNode = summarize(commandTimes(['ip', 'netns', 'exec', pair.router, process.execPath, '-e', '0'], 20));

  const measured = results.filter((r) => !r.warmup);
  const by = (d: Daemon): Summary => summarize(measured.filter((r) => r.daemon === d).map((r) => r.firstRaMs));
  const fh = by('firsthop');
  const rv = by('radvd');
  const variants = Object.fromEntries([...FIRSTHOPS.keys()].map((l) => [l, { script: FIRSTHOPS.get(l), firstRa: by(l) }]));
  const fhStarted = summarize(measured.filter((r) => r.daemon === 'firsthop').map((r) => r.startedMs));
  const withinTarget = measured.filter((r) => r.daemon === 'firsthop' && r.firstRaMs <= TARGET_MS).length;

  const rows = [
    ...[...FIRSTHOPS.keys()].map((l) => {
      const s = by(l);
      return [l, s.n, s.min, s.p50, s.p90, s.max, s.mean];
    }),
    ['radvd 2.19', rv.n, rv.min, rv.p50, rv.p90, rv.max, rv.mean],
  ] as (string | number)[][];
  const ctx = [
    ['node -e 0', nodeAlone.n, nodeAlone.min, nodeAlone.p50, nodeAlone.p90, nodeAlone.max, nodeAlone.mean],
    ['ip netns exec NS true', netnsTrue.n, netnsTrue.min, netnsTrue.p50, netnsTrue.p90, netnsTrue.max, netnsTrue.mean],
    ['ip netns exec NS node -e 0', netnsNode.n, netnsNode.min, netnsNode.p50, netnsNode.p90, netnsNode.max, netnsNode.mean],
    ['firsthop start log line', fhStarted.n, fhStarted.min, fhStarted.p50, fhStarted.p90, fhStarted.max, fhStarted.mean],
  ] as (string | number)[][];
  const header = ['', 'n', 'min ms', 'p50 ms', 'p90 ms', 'max ms', 'mean ms'];
  process.stdout.write(`\nfirst RA after spawn (kernel capture timestamp - spawn time)\n${table(header, rows)}\n`);
  process.stdout.write(`\nstart-up context (wall time of the whole command / of the log line)\n${table(header, ctx)}\n`);
  process.stdout.write(`\nfirsthop target: first RA within ${TARGET_MS} ms: ${withinTarget}/${fh.n} runs (max ${fmt(fh.max)} ms)\n`);
  const path = writeResult('first-ra', {
    benchmark: 'first-ra',
    date: new Date().toISOString(),
    machine,
    runsPerDaemon: RUNS,
    targetMs: TARGET_MS,
    config: config(pair.routerIf),
    firsthop: fh,
    firsthopVariants: variants,
    radvd: rv,
    firsthopWithinTarget: withinTarget,
    context: { nodeAlone, netnsExecTrue: netnsTrue, netnsExecNode: netnsNode, firsthopStartLogLine: fhStarted },
    runs: results,
  });
  log(`wrote ${path}`);
});
