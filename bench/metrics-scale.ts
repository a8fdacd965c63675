/**
 * metrics-scale: what a /metrics scrape costs at 1,000 interfaces, with prom-client and without.
 *
 * The daemon runs on the in-memory backend (no root, no namespaces): 1,000 advertising
 * interfaces (bench/common.ts fanConfig) plus 2 conditions, and one rogue router heard on every
 * interface, so each interface has every per-interface series. Measured, in one process:
 *  - status(): the daemon's status, which every scrape reads once (median of RUNS);
 *  - prom-client: FirsthopMetrics.render() (src/http/metrics.ts: one status(), Gauges/Counters
 *    filled by collect(), default process metrics), median and p90 of RUNS scrapes, the bytes
 *    and the number of samples;
 *  - hand-written: the same firsthop_* samples formatted by a loop over status() (what firsthop
 *    would do without prom-client), median of RUNS;
 *  - memory: RSS and V8 heap before loading prom-client, after creating the registry, and after
 *    the scrapes (forced GC between steps when node runs with --expose-gc).
 *
 *   npm run build && node --expose-gc dist/bench/metrics-scale.js [--count N] [--runs R]
 *
 * Writes bench/results/metrics-scale.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Daemon, type DaemonStatus } from '../src/daemon/daemon';
import { MemoryBackend, settle } from '../src/sys/memory';
import { ManualClock } from '../src/iface/clock';
import { memoryLogger } from '../src/daemon/log';
import { encodeMessage } from '../src/wire';
import type { RouterAdvertisement } from '../src/wire/types';
import { fanConfig, fmt, log, machineInfo, summarize, table, writeResult } from './common';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const COUNT = arg('--count', 1000);
const RUNS = arg('--runs', 30);

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const mem = (): { rssMiB: number; heapMiB: number } => {
  gc();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
};

const ROGUE: RouterAdvertisement = {
  type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'high', proxy: false,
  routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
  options: [{ type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 }],
};

/** The firsthop_* samples without prom-client: one loop over the status. */
function handWritten(s: DaemonStatus): string {
  const out: string[] = [];
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const put = (name: string, labels: Record<string, string>, v: number): void => {
    const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
    out.push(`${name}${l ? `{${l}}` : ''} ${v === Infinity ? '+Inf' : v}`);
  };
  put('firsthop_build_info', { version: s.version }, 1);
  for (const i of s.interfaces) {
    const L = { interface: i.name };
    for (const [kind, n] of Object.entries(i.sent)) put('firsthop_ras_sent_total', { ...L, kind }, n);
    put('firsthop_ra_packets_sent_total', { ...L, destination: 'multicast' }, i.stats.multicastSent);
    put('firsthop_ra_packets_sent_total', { ...L, destination: 'unicast' }, i.stats.unicastSent);
    put('firsthop_ra_send_errors_total', L, i.sendErrors);
    put('firsthop_rs_received_total', L, i.stats.solicitationsReceived);
    put('firsthop_rs_answered_total', L, i.sent.solicited);
    put('firsthop_rs_rate_limited_total', L, i.stats.solicitationsRateLimited);
    put('firsthop_rs_ignored_total', L, i.stats.solicitationsIgnored);
    put('firsthop_interface_advertising', L, i.ready ? 1 : 0);
    put('firsthop_interface_monitor_only', L, i.advSendAdvert ? 0 : 1);
    if (i.ra !== undefined) put('firsthop_router_lifetime_seconds', L, i.ra.routerLifetime);
    for (const o of i.ra?.options ?? []) {
      if (o.type !== 'prefixInformation') continue;
      put('firsthop_prefix_valid_lifetime_seconds', { ...L, prefix: `${o.prefix}/${o.prefixLength}` }, o.validLifetime);
      put('firsthop_prefix_preferred_lifetime_seconds', { ...L, prefix: `${o.prefix}/${o.prefixLength}` }, o.preferredLifetime);
    }
    put('firsthop_values_changed', L, i.reasons.length);
    for (const role of ['vrrp-peer', 'allowed', 'unknown']) put('firsthop_routers_seen', { ...L, role }, i.watch.routers.filter((r) => r.role === role).length);
    put('firsthop_rogue_routers', L, i.watch.routers.filter((r) => r.rogue).length);
    put('firsthop_ras_received_total', L, i.watch.received);
    put('firsthop_rogue_ras_total', L, i.watch.rogueRas);
    put('firsthop_rogue_detections_total', L, i.watch.rogueDetections);
    put('firsthop_rogue_countermeasures_total', { ...L, result: 'sent' }, i.watch.countermeasuresSent);
    put('firsthop_rogue_countermeasures_total', { ...L, result: 'limited' }, i.watch.countermeasuresLimited);
    put('firsthop_routers_evicted_total', L, i.watch.evicted);
    for (const [field, n] of Object.entries(i.watch.inconsistencies)) put('firsthop_ra_inconsistencies_total', { ...L, field }, n);
  }
  for (const c of s.conditions) {
    put('firsthop_condition_up', { condition: c.name }, c.effective ? 1 : 0);
    put('firsthop_condition_damping_penalty', { condition: c.name }, c.penalty);
  }
  return `${out.join('\n')}\n`;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fh-metrics-scale-'));
  try {
    const file = join(dir, 'radvd.conf');
    writeFileSync(file, `condition a { manual up; };\ncondition b { manual up; damping on; };\n${fanConfig(COUNT, 3, 4)}`);
    const backend = new MemoryBackend('router');
    const ifindexes: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const link = backend.kernel.addLink({ name: `r${i}`, mac: '02:00:00:00:00:01', mtu: 1500 });
      backend.kernel.addAddress({ ifindex: link.ifindex, address: `fe80::${(i + 1).toString(16)}` });
      ifindexes.push(link.ifindex);
    }
    const clock = new ManualClock();
    const daemon = new Daemon({ configPath: file, backend, log: memoryLogger(), clock, random: () => 0.5 });
    await daemon.start();
    await settle();
    clock.advance(0);
    for (const ifindex of ifindexes) backend.inject({ data: encodeMessage(ROGUE), source: 'fe80::bad', ifindex });
    await settle();
    log(`daemon on ${COUNT} interfaces, ${daemon.status().interfaces.reduce((n, i) => n + i.watch.routers.length, 0)} routers heard`);

    const m0 = mem();
    const statusMs = summarize(Array.from({ length: RUNS }, () => time(() => daemon.status())));
    const handMs = summarize(Array.from({ length: RUNS }, () => time(() => handWritten(daemon.status()))));
    const handText = handWritten(daemon.status());
    const m1 = mem();
    const { FirsthopMetrics } = await import('../src/http/metrics');
    const metrics = new FirsthopMetrics(daemon);
    const m2 = mem();
    let text = '';
    const promMs: number[] = [];
    for (let r = 0; r < RUNS; r++) promMs.push(await timeAsync(async () => (text = await metrics.render())));
    const m3 = mem();
    const prom = summarize(promMs);
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const firsthopSamples = text.split('\n').filter((l) => l.startsWith('firsthop_')).length;
    daemon.stop(false);

    const result = {
      machine: machineInfo(),
      count: COUNT,
      runs: RUNS,
      statusMs,
      promClient: { scrapeMs: prom, bytes: Buffer.byteLength(text), samples, firsthopSamples },
      handWritten: { ms: handMs, bytes: Buffer.byteLength(handText), samples: handText.split('\n').filter((l) => l !== '').length },
      memory: { beforePromClient: m0, afterStatusLoops: m1, afterRegistry: m2, afterScrapes: m3 },
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    };
    const out = writeResult('metrics-scale', result);
    process.stdout.write(
      table(
        ['measure', 'median ms', 'p90 ms', 'bytes', 'samples'],
        [
          ['status()', fmt(statusMs.p50, 2), fmt(statusMs.p90, 2), '', ''],
          ['prom-client render (incl. status)', fmt(prom.p50, 2), fmt(prom.p90, 2), result.promClient.bytes, samples],
          ['hand-written (incl. status)', fmt(handMs.p50, 2), fmt(handMs.p90, 2), result.handWritten.bytes, result.handWritten.samples],
        ],
      ) + '\n',
    );
    process.stdout.write(`memory (MiB): before prom-client rss ${fmt(m1.rssMiB)} heap ${fmt(m1.heapMiB)}; registry created rss ${fmt(m2.rssMiB)} heap ${fmt(m2.heapMiB)}; after ${RUNS} scrapes rss ${fmt(m3.rssMiB)} heap ${fmt(m3.heapMiB)}\n`);
    log(`wrote ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
