/**
 * S8: a rogue router on the segment (scenarios.md S8, ipv6-high-availability.md, RFC 8475
 * section 5; docs/rogue-routers.md).
 *
 *   host (h0) ----[ LAN: switch/br0 ]---- gw (lan0)  firsthop: the real router, 2001:db8:1:1::/64
 *                        |                 | up0
 *                  rogue (lan0)          server      2001:db8:ff::1 on lo
 *
 * The rogue is a router with nowhere to send: a travel router plugged in backwards (its LAN
 * port on our LAN, its WAN port empty), forwarding on, no route beyond the LAN. It sends RAs
 * with a default route (preference high), a foreign prefix 2001:db8:bad::/64 and an RDNSS
 * server, every few seconds (src/lab/rogue.ts). The host pings the server every 10 ms from its
 * legitimate address. (A rogue that does not forward at all loses the host by itself after
 * about 5 s of traffic: the host's NUD probe is answered by an NA without the Router flag, and
 * the host drops it as a default router, RFC 4861 7.2.5, until its next RA.)
 *
 * Phase 1, RogueRAWithdraw off: firsthop reports the rogue. The report is timed from when it
 * becomes visible from outside: a poller inside gw's namespace reads firsthop's Prometheus
 * endpoint (/metrics on [::1], started with --http) every 20 ms; /metrics rather than
 * /api/status because the status JSON is reused for 200 ms, and HTTP rather than the control
 * socket because the metrics are what monitoring scrapes. What the report says (source, MAC,
 * offers) is read once from /api/status. The host meanwhile takes the rogue's default route
 * and address (ip monitor), and its traffic goes to the rogue, which drops it.
 *
 * Phase 2, the operator turns RogueRAWithdraw on (reload): the rogue's next RA is answered by a
 * withdrawal RA from the rogue's own address (captured on the host's link), the host deletes
 * the default route and the on-link prefix and deprecates the address (ip monitor), and the
 * host's traffic flows through gw again (captures on gw's and the rogue's LAN ports).
 */
import type { ChildProcess } from 'node:child_process';
import { addresses, linkInfo, prepareRouter, routes, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import { RaSender, rogueRa } from '../rogue';
import { parseMac } from '../../net/ipv6';
import type { PrefixInformationOption } from '../../wire/types';
import { segment } from '../topology';
import { poll, type KernelEvent, type WirePacket } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { fmtMs, longestGap } from './timeline';

const LAN_PREFIX = '2001:db8:1:1::/64';
const ROGUE_PREFIX = '2001:db8:bad::/64';
const ROGUE_DNS = '2001:db8:bad::53';
const SERVER = '2001:db8:ff::1';
const HTTP_PORT = 9475;
const POLL_MS = 20;
const PATH_GW = 'through gw';
const PATH_ROGUE = 'to the rogue';

const ms = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : (b - a) / 1000);
/** Where the previous poll's answer lies relative to the RA: '3.2 ms before the RA', '0.4 ms after the RA'. */
const pollBefore = (prevUs: number, raUs: number): string => `${fmtMs(Math.abs(prevUs - raUs) / 1000)} ${prevUs <= raUs ? 'before' : 'after'} the RA`;

function gwConfig(withdraw: boolean): string {
  return `# S8: the LAN's only router; it watches the link for other routers.
interface lan0 {
    AdvSendAdvert on;
    AdvDefaultLifetime 1800;
    RogueRAWithdraw ${withdraw ? 'on' : 'off'};   # ${withdraw ? 'answer each rogue RA with its withdrawal' : 'report only (the default)'}
    prefix ${LAN_PREFIX} { };
    RDNSS 2001:db8:1:1::1 { };
};
`;
}

// ---------------------------------------------------------------------------------------------
// firsthop's metrics, polled over HTTP from inside its namespace

/** The poller: node in gw's namespace, GET /metrics every POLL_MS, one JSON line each time the rogue-related metrics change. */
const POLLER = `
const [base, every] = [process.argv[1], Number(process.argv[2])];
const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const want = /^firsthop_(rogue_detections_total|rogue_routers|rogue_ras_total|rogue_countermeasures_total|reloads_total|ras_received_total)[{ ]/;
let last = '';
let prev = 0;
async function tick() {
  const sent = now();
  let key;
  let out;
  try {
    const text = await (await fetch(base + '/metrics')).text();
    const m = {};
    for (const l of text.split('\\n')) if (want.test(l)) { const i = l.lastIndexOf(' '); m[l.slice(0, i)] = Number(l.slice(i + 1)); }
    key = JSON.stringify(m);
    out = { sent, t: now(), prev, m };
  } catch (e) {
    key = 'error ' + e.message;
    out = { sent, t: now(), prev, error: String(e.message) };
  }
  if (key !== last) { last = key; process.stdout.write(JSON.stringify(out) + '\\n'); }
  prev = out.t;
  setTimeout(tick, every);
}
tick();
`;

interface MetricsSample {
  /** When the request left and when its answer arrived (realtime µs, in the poller). */
  readonly sent: number;
  readonly t: number;
  /** When the previous answer (which did not show this) arrived. */
  readonly prev: number;
  readonly m?: Readonly<Record<string, number>>;
  readonly error?: string;
}

class MetricsWatch {
  readonly samples: MetricsSample[] = [];
  private buf = '';

  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
    readonly base: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      const end = this.buf.lastIndexOf('\n');
      if (end < 0) return;
      for (const line of this.buf.slice(0, end).split('\n')) {
        try {
          this.samples.push(JSON.parse(line) as MetricsSample);
        } catch {
          // a partial line cannot happen (split at the last newline); ignore anything else
        }
      }
      this.buf = this.buf.slice(end + 1);
    });
  }

  static start(lab: Lab, ns: string, base: string): MetricsWatch {
    return new MetricsWatch(lab, lab.spawn(ns, [process.execPath, '-e', POLLER, base, String(POLL_MS)], { stdio: ['ignore', 'pipe', 'pipe'] }), base);
  }

  /** A metric's value in a sample: `name` with labels as Prometheus prints them, e.g. firsthop_rogue_routers{interface="lan0"}. */
  static value(s: MetricsSample | undefined, series: string): number | undefined {
    return s?.m?.[series];
  }

  latest(): MetricsSample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]?.m !== undefined) return this.samples[i];
    return undefined;
  }

  /**
   * The values now: the poller prints only changes, so wait for three more polls and take the
   * last sample printed. Returns it with the time up to which it is known to hold.
   */
  async now(): Promise<{ sample: MetricsSample | undefined; asOf: number }> {
    await new Promise((r) => setTimeout(r, 3 * POLL_MS + 10));
    return { sample: this.latest(), asOf: Math.round((performance.timeOrigin + performance.now()) * 1000) - POLL_MS * 1000 };
  }

  /** The first sample answered at or after afterUs in which `pred` holds. */
  wait(pred: (s: MetricsSample) => boolean, afterUs: number, timeoutMs: number): Promise<MetricsSample | undefined> {
    return poll(() => this.samples.find((s) => s.t >= afterUs && s.m !== undefined && pred(s)), timeoutMs, 5);
  }

  async stop(): Promise<void> {
    await this.lab.kill(this.child, 500);
  }
}

const M = {
  detections: 'firsthop_rogue_detections_total{interface="lan0"}',
  rogues: 'firsthop_rogue_routers{interface="lan0"}',
  rogueRas: 'firsthop_rogue_ras_total{interface="lan0"}',
  countered: 'firsthop_rogue_countermeasures_total{result="sent",interface="lan0"}',
  reloads: 'firsthop_reloads_total{result="ok"}',
} as const;

interface SeenRouterJson {
  readonly source: string;
  readonly mac?: string;
  readonly role: string;
  readonly rogue: boolean;
  readonly count: number;
  readonly countered: number;
  readonly offers: { readonly defaultRoute: boolean; readonly routerLifetime: number; readonly prefixes: readonly string[]; readonly rdnss: readonly string[] };
}

/** firsthop's /api/status, fetched once from inside its namespace: the routers heard on lan0. */
async function routersHeard(lab: Lab, ns: string, base: string): Promise<SeenRouterJson[]> {
  const r = await lab.exec(ns, [process.execPath, '-e', 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))', `${base}/api/status`], { timeoutMs: 5000 });
  const s = JSON.parse(r.stdout) as { interfaces: Array<{ name: string; watch: { routers: SeenRouterJson[] } }> };
  return s.interfaces.find((i) => i.name === 'lan0')?.watch.routers ?? [];
}

// ---------------------------------------------------------------------------------------------
// The rogue

/** The rogue sends its RA now and then every `everyMs` until stopped. */
function startRogue(sender: RaSender, rogueMac: string, everyMs: number): { stop(): void } {
  const ra = rogueRa({ options: [{ type: 'sourceLinkLayer', address: parseMac(rogueMac) }, ...rogueRa().options] });
  sender.send(ra);
  const timer = setInterval(() => sender.send(ra), everyMs);
  return { stop: () => clearInterval(timer) };
}

// ---------------------------------------------------------------------------------------------

export const S8: Scenario = {
  name: 'S8',
  title: 'a rogue router on the LAN: reported within one RA (countermeasure off), then withdrawn in its name (RogueRAWithdraw on)',
  seconds: { fast: 12, full: 35 },
  async run(ctx) {
    const { lab } = ctx;
    const every = ctx.pick(1500, 5000);
    ctx.say('Building S8: a LAN with gw (firsthop), the host and a rogue box; a server behind gw.');
    ctx.say(`  the rogue (a router with no uplink) sends an RA every ${every / 1000} s: default route (preference high, lifetime 1800 s), ${ROGUE_PREFIX}, RDNSS ${ROGUE_DNS}.`);
    const seg = await segment(lab, { switchNs: 'sw', bridge: 'br0' });
    await seg.attach('gw', 'lan0', 'router');
    await seg.attach('host', 'h0', 'host');
    await seg.attach('rogue', 'lan0', 'router'); // forwarding on, nowhere to forward to
    await lab.addNamespace('server');
    await lab.addVeth('gw', 'up0', 'server', 's0');
    await prepareRouter(lab, 'gw', 'up0');
    await lab.ip('server', ['addr', 'add', `${SERVER}/128`, 'dev', 'lo']);
    await lab.ip('gw', ['addr', 'add', '2001:db8:1:1::1/64', 'dev', 'lan0', 'nodad']);
    await lab.ip('gw', ['addr', 'add', '2001:db8:f1::1/64', 'dev', 'up0', 'nodad']);
    await lab.ip('server', ['addr', 'add', '2001:db8:f1::2/64', 'dev', 's0', 'nodad']);
    await lab.ip('gw', ['-6', 'route', 'add', `${SERVER}/128`, 'via', '2001:db8:f1::2']);
    await lab.ip('server', ['-6', 'route', 'add', LAN_PREFIX, 'via', '2001:db8:f1::1']);
    const gwLL = await waitLinkLocal(lab, 'gw', 'lan0');
    const rogueLL = await waitLinkLocal(lab, 'rogue', 'lan0');
    const gwMac = (await linkInfo(lab, 'gw', 'lan0')).address ?? '';
    const rogueMac = (await linkInfo(lab, 'rogue', 'lan0')).address ?? '';
    ctx.say(`  gw ${gwLL} (MAC ${gwMac}), rogue ${rogueLL} (MAC ${rogueMac})`);
    ctx.say(`  firsthop's report is read from outside: GET /metrics on [::1]:${HTTP_PORT} (--http) every ${POLL_MS} ms from inside gw's namespace, as monitoring would scrape it`);
    ctx.say('  (/metrics, not /api/status, whose answer is reused for 200 ms; the status is read once, for the source, MAC and offers).');

    const names = new Map([[gwLL, 'gw'], [rogueLL, 'rogue']]);
    const wire = await ctx.wire('host', 'h0', { track: ['router', ROGUE_PREFIX], names });
    const host = await ctx.kernel('host', { label: 'host' });
    const paths = await ctx.paths([
      { label: PATH_GW, ns: 'gw', ifname: 'lan0' },
      { label: PATH_ROGUE, ns: 'rogue', ifname: 'lan0' },
    ], `icmp6 and ip6[40] == 128 and ip6 dst ${SERVER} and (ether dst ${gwMac} or ether dst ${rogueMac})`);
    const base = `http://[::1]:${HTTP_PORT}`;
    const fh = await ctx.firsthop('gw', gwConfig(false), { args: ['--http', `[::1]:${HTTP_PORT}`] });
    const metrics = MetricsWatch.start(lab, 'gw', base);
    if ((await metrics.wait(() => true, 0, 10_000)) === undefined) throw new Error(`no answer from ${base}/metrics in gw within 10 s: ${JSON.stringify(metrics.samples.at(-1) ?? 'nothing')}`);
    const sender = await RaSender.open(lab, 'rogue', 'lan0');
    let rogue: { stop(): void } | undefined;
    try {
      // Normal: the host routes via gw, from its address in the LAN prefix.
      const legit = await waitFor(async () => {
        const def = (await routes(lab, 'host')).filter((r) => r.dst === 'default');
        const a = (await addresses(lab, 'host', 'h0')).find((x) => x.scope === 'global' && x.address.startsWith('2001:db8:1:1:'));
        return def.length === 1 && def[0]?.gateway === gwLL && a !== undefined ? a.address : undefined;
      }, { timeoutMs: 15_000, intervalMs: 50, what: "the host's default route via gw and its address" });
      if (legit === undefined) throw new Error('the host got no address');
      const ping = ctx.ping('host', SERVER, { source: legit, label: `host (${legit}) -> ${SERVER}` });
      const t = ctx.now();
      const viaGw = await paths.waitFirst(PATH_GW, t, 5000);
      const m0 = (await metrics.now()).sample;
      ctx.check('normal: the host routes via gw and its traffic goes through gw', viaGw !== undefined && (await ping.waitReply(t, 3000)) !== undefined, `default via ${gwLL}, pinging from ${legit}; echo requests on gw's port ${viaGw !== undefined ? 'seen' : 'NOT seen'}`);
      ctx.check('normal: firsthop reports no rogue', MetricsWatch.value(m0, M.detections) === 0 && MetricsWatch.value(m0, M.rogues) === 0,
        `over HTTP: ${M.detections} = ${MetricsWatch.value(m0, M.detections)}, ${M.rogues} = ${MetricsWatch.value(m0, M.rogues)}`);
      await ctx.sleep(500);

      // Phase 1: countermeasure off.
      const isRogueRa = (p: WirePacket): boolean => p.kind === 'ra' && p.src === rogueLL && p.srcMac === rogueMac && (p.ra?.routerLifetime ?? 0) > 0;
      const isWithdrawal = (p: WirePacket): boolean => p.kind === 'ra' && p.src === rogueLL && p.srcMac === gwMac;
      const t0 = await ctx.inject(`a rogue starts sending RAs every ${every / 1000} s (RogueRAWithdraw off: report only)`, async () => {
        rogue = startRogue(sender, rogueMac, every);
      });
      const ra1 = await wire.wait(isRogueRa, t0, 2000);
      const r0 = ra1?.tUs ?? t0;
      const rogueDef = (e: KernelEvent): boolean => e.kind === 'route' && e.text.startsWith(`default via ${rogueLL} `);
      const addDef = await host.wait((e) => rogueDef(e) && !e.deleted, r0, 2000);
      const addPrefix = await host.wait((e) => e.kind === 'route' && !e.deleted && e.text.startsWith(`${ROGUE_PREFIX} `), r0, 2000);
      const addAddr = await host.wait((e) => e.kind === 'address' && !e.deleted && /inet6 2001:db8:bad:/.test(e.text), r0, 2000);
      const report = await metrics.wait((s) => (MetricsWatch.value(s, M.detections) ?? 0) >= 1, r0, 3000);
      const hijack = await paths.waitFirst(PATH_ROGUE, r0, 2000);
      const lastReply = ping.replies().filter((x) => x < (hijack ?? r0 + 1_000_000)).at(-1);
      const ra2 = await wire.wait(isRogueRa, r0 + 1000, every + 3000);
      ctx.chain('a rogue appears (countermeasure off)', t0, [
        ["the rogue's first RA", ra1?.tUs, 'capture on the host link'],
        ['host kernel adds a default route via the rogue', addDef?.tUs, 'ip monitor in host'],
        [`host kernel adds ${ROGUE_PREFIX} on-link`, addPrefix?.tUs, 'ip monitor in host'],
        ['host kernel adds an address from the rogue prefix', addAddr?.tUs, 'ip monitor in host'],
        ["firsthop's report visible (rogue detections 1 in /metrics)", report?.t, `HTTP /metrics polled every ${POLL_MS} ms in gw`],
        ['last reply before the hijack', lastReply, 'ping -D'],
        ["the host's first echo request to the rogue", hijack, "capture on the rogue's port"],
        ["the rogue's second RA", ra2?.tUs, 'capture on the host link'],
      ]);
      if (report !== undefined) ctx.event('daemon', report.t, `firsthop over HTTP: ${M.detections} = ${MetricsWatch.value(report, M.detections)}, ${M.rogues} = ${MetricsWatch.value(report, M.rogues)}, ${M.rogueRas} = ${MetricsWatch.value(report, M.rogueRas)}`, `HTTP /metrics polled every ${POLL_MS} ms (answer received ${fmtMs(ms(r0, report.t))} after the RA; the poll answered ${pollBefore(report.prev, r0)} did not show it)`, true);
      ctx.check("rogue: the host takes the rogue's default route and address (what is at stake)", addDef !== undefined && addAddr !== undefined && addDef.tUs - r0 < 100_000,
        addDef !== undefined ? `default route via the rogue ${fmtMs(ms(r0, addDef.tUs))} after its RA, address ${addAddr !== undefined ? `${fmtMs(ms(r0, addAddr.tUs))}` : 'not seen'}` : 'the host ignored the rogue');
      ctx.check("rogue: its RAs hijack the host's traffic (the rogue has nowhere to send it)", hijack !== undefined, hijack !== undefined ? `echo requests reach the rogue ${fmtMs(ms(r0, hijack))} after its RA; the last reply came ${fmtMs(ms(lastReply, hijack))} before` : 'no echo request reached the rogue');
      const within = report !== undefined && report.t - r0 <= 1_000_000 && (ra2 === undefined || report.t < ra2.tUs) && MetricsWatch.value(report, M.rogueRas) === 1;
      ctx.check('rogue: firsthop reports it within one RA (visible over HTTP before its second RA)', within,
        report !== undefined ? `visible ${fmtMs(ms(r0, report.t))} after the rogue's first RA (the poll before, answered ${pollBefore(report.prev, r0)}, did not show it), with ${MetricsWatch.value(report, M.rogueRas)} rogue RA counted; the second RA came ${fmtMs(ms(r0, ra2?.tUs))} after the first` : 'no detection in /metrics within 3 s');
      const heard = await routersHeard(lab, 'gw', base);
      const me = heard.find((r) => r.source === rogueLL);
      const offersOk = me !== undefined && me.rogue && me.role === 'unknown' && me.mac === rogueMac && me.offers.defaultRoute && me.offers.routerLifetime === 1800 && me.offers.prefixes.includes(ROGUE_PREFIX) && me.offers.rdnss.includes(ROGUE_DNS);
      ctx.check('rogue: the report names its source, MAC and what it advertises', offersOk,
        me !== undefined ? `/api/status: ${me.source} (MAC ${me.mac ?? '-'}), role ${me.role}, rogue ${me.rogue}, ${me.count} RAs, offers default route ${me.offers.routerLifetime} s, prefixes ${me.offers.prefixes.join(' ') || '-'}, RDNSS ${me.offers.rdnss.join(' ') || '-'}` : `the rogue ${rogueLL} is not among the routers heard (${heard.map((r) => r.source).join(', ') || 'none'})`);
      const { sample: m1, asOf: end1 } = await metrics.now();
      const rogueRas1 = wire.packets().filter((p) => isRogueRa(p) && p.tUs < end1).length;
      const withdrawals1 = wire.packets().filter((p) => isWithdrawal(p) || (p.kind === 'ra' && p.src === rogueLL && p.ra?.routerLifetime === 0)).length;
      const defs1 = (await routes(lab, 'host')).filter((r) => r.dst === 'default' && r.gateway === rogueLL);
      ctx.check('rogue: counted in the metrics', MetricsWatch.value(m1, M.detections) === 1 && MetricsWatch.value(m1, M.rogues) === 1 && MetricsWatch.value(m1, M.rogueRas) === rogueRas1,
        `${M.detections} = ${MetricsWatch.value(m1, M.detections)}, ${M.rogues} = ${MetricsWatch.value(m1, M.rogues)}, ${M.rogueRas} = ${MetricsWatch.value(m1, M.rogueRas)} (rogue RAs on the wire: ${rogueRas1})`);
      ctx.check('countermeasure off: reported only, nothing withdrawn', withdrawals1 === 0 && MetricsWatch.value(m1, M.countered) === 0 && defs1.length === 1,
        `${withdrawals1} withdrawal RAs on the wire, ${M.countered} = ${MetricsWatch.value(m1, M.countered)}; the host still routes via the rogue: ${defs1.length === 1 ? `yes (expires in ${defs1[0]?.expires} s)` : 'no'}`);

      // Phase 2: the operator turns the countermeasure on.
      const reload = await ctx.inject('the operator turns RogueRAWithdraw on (config reload, SIGHUP)', async () => {
        fh.writeConfig(gwConfig(true));
        fh.signal('SIGHUP');
        await metrics.wait((s) => (MetricsWatch.value(s, M.reloads) ?? 0) >= 1, ctx.now(), 5000);
      });
      // The first rogue RA once the reload is in force (a rogue RA between the SIGHUP and the
      // new config taking effect is answered by the old one, which does not withdraw).
      const applied = ctx.now();
      const raN = await wire.wait(isRogueRa, applied, every + 3000);
      const n0 = raN?.tUs ?? reload;
      const wd = await wire.wait(isWithdrawal, n0, 1000);
      const delDef = await host.wait((e) => rogueDef(e) && e.deleted, n0, 2000);
      const delPrefix = await host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith(`${ROGUE_PREFIX} `), n0, 2000);
      const deprecated = await host.wait((e) => e.kind === 'address' && !e.deleted && /inet6 2001:db8:bad:/.test(e.text) && (/ deprecated/.test(e.text) || /preferred_lft 0sec/.test(e.text)), n0, 2000);
      const countered = await metrics.wait((s) => (MetricsWatch.value(s, M.countered) ?? 0) >= 1, n0, 3000);
      const backGw = await paths.waitFirst(PATH_GW, n0, 3000);
      const replyBack = await ping.waitReply(backGw ?? n0, 3000);
      ctx.chain(`countermeasure on: the rogue's next RA (${fmtMs(ms(reload, raN?.tUs))} after the reload) and its withdrawal`, n0, [
        ["the rogue's next RA", raN?.tUs, 'capture on the host link'],
        ["withdrawal RA in the rogue's name (from gw's MAC)", wd?.tUs, 'capture on the host link'],
        ['host kernel deletes the default route via the rogue', delDef?.tUs, 'ip monitor in host'],
        [`host kernel deletes ${ROGUE_PREFIX} on-link`, delPrefix?.tUs, 'ip monitor in host'],
        ['host kernel deprecates the rogue-prefix address', deprecated?.tUs, 'ip monitor in host'],
        ['countermeasure counted (/metrics)', countered?.t, `HTTP /metrics polled every ${POLL_MS} ms in gw`],
        ['first echo request through gw again', backGw, "capture on gw's port"],
        ['first reply after it', replyBack, 'ping -D'],
      ]);
      if (countered !== undefined) ctx.event('daemon', countered.t, `firsthop over HTTP: ${M.countered} = ${MetricsWatch.value(countered, M.countered)}`, `HTTP /metrics polled every ${POLL_MS} ms`, true);
      const wra = wd?.ra;
      const pios = (wra?.options ?? []).filter((o): o is PrefixInformationOption => o.type === 'prefixInformation' && `${o.prefix}/${o.prefixLength}` === ROGUE_PREFIX);
      const onLink0 = pios.some((o) => o.onLink && !o.autonomous && o.validLifetime === 0);
      const addr0 = pios.some((o) => !o.onLink && o.autonomous && o.preferredLifetime === 0 && o.validLifetime === 7200);
      const dns0 = (wra?.options ?? []).some((o) => o.type === 'rdnss' && o.servers.includes(ROGUE_DNS) && o.lifetime === 0);
      const slla = (wra?.options ?? []).some((o) => o.type === 'sourceLinkLayer');
      ctx.check("on: the withdrawal RA is on the wire at once, in the rogue's name", wd !== undefined && wd.tUs - n0 <= 50_000 && wra?.routerLifetime === 0 && onLink0 && addr0 && dns0 && !slla,
        wd !== undefined ? `${fmtMs(ms(n0, wd.tUs))} after the rogue's RA, from ${wd.src} with gw's MAC ${wd.srcMac}: router lifetime ${wra?.routerLifetime}, ${ROGUE_PREFIX} L=1 A=0 valid 0 ${onLink0 ? 'yes' : 'NO'}, L=0 A=1 preferred 0 valid 7200 ${addr0 ? 'yes' : 'NO'}, RDNSS lifetime 0 ${dns0 ? 'yes' : 'NO'}, source link-layer option ${slla ? 'present (wrong)' : 'none'}` : 'no withdrawal within 1 s');
      ctx.check("on: the host drops the rogue's default route within 100 ms of its RA", delDef !== undefined && delDef.tUs - n0 <= 100_000,
        delDef !== undefined ? `deleted ${fmtMs(ms(n0, delDef.tUs))} after the rogue's RA (its lifetime was 1800 s)` : 'not deleted within 2 s');
      const badAddr = (await addresses(lab, 'host', 'h0')).find((a) => a.address.startsWith('2001:db8:bad:'));
      ctx.check("on: the rogue's prefix leaves the host: on-link route gone, address deprecated (valid at most 2 h)", delPrefix !== undefined && deprecated !== undefined && badAddr !== undefined && badAddr.preferredLft === 0 && (badAddr.validLft ?? Infinity) <= 7200,
        `on-link route deleted ${fmtMs(ms(n0, delPrefix?.tUs))}, address deprecated ${fmtMs(ms(n0, deprecated?.tUs))} after the RA; now ${badAddr !== undefined ? `${badAddr.address} preferred_lft ${badAddr.preferredLft} valid_lft ${badAddr.validLft}` : 'no address'}`);
      ctx.check("on: the host's traffic (legitimate address) flows through gw again", backGw !== undefined && replyBack !== undefined && backGw - n0 <= 200_000,
        backGw !== undefined ? `through gw ${fmtMs(ms(n0, backGw))} after the rogue's RA, replies ${replyBack !== undefined ? 'again' : 'missing'}` : 'no echo request through gw within 3 s');

      // The rogue goes on: every RA is answered, the host's route through it lives a moment.
      const keepFrom = ctx.now();
      await ctx.sleep(every * 2 + 300);
      rogue?.stop();
      rogue = undefined;
      await ctx.sleep(300);
      const later = wire.packets().filter((p) => isRogueRa(p) && p.tUs > n0 + 1000);
      const answered = later.map((p) => wire.packets().find((w) => isWithdrawal(w) && w.tUs >= p.tUs && w.tUs - p.tUs <= 50_000));
      const lives: number[] = [];
      for (const p of later) {
        const add = host.all().find((e) => rogueDef(e) && !e.deleted && e.tUs >= p.tUs - 1000 && e.tUs - p.tUs < 500_000);
        const del = add !== undefined ? host.all().find((e) => rogueDef(e) && e.deleted && e.tUs >= add.tUs) : undefined;
        if (add !== undefined) lives.push(del !== undefined ? (del.tUs - add.tUs) / 1000 : Infinity);
      }
      const gapOn = longestGap(ping.replies(), (replyBack ?? n0) + 1, ctx.now());
      ctx.say(`    later rogue RAs: ${later.length}, answered within 50 ms: ${answered.filter((a) => a !== undefined).length}; the host's route via the rogue lived ${lives.map((l) => fmtMs(l)).join(', ') || '-'} each time; longest gap between replies ${fmtMs(gapOn?.ms)}`);
      ctx.check('on: every later rogue RA is answered; the rogue route lives at most 100 ms on the host', later.length >= 1 && answered.every((a) => a !== undefined) && lives.length === later.length && lives.every((l) => l <= 100),
        `${later.length} later rogue RAs, ${answered.filter((a) => a !== undefined).length} answered within 50 ms; route via the rogue lived ${lives.map((l) => fmtMs(l)).join(', ') || '-'}`);
      ctx.check("on: the host's traffic keeps flowing while the rogue goes on", gapOn !== undefined && gapOn.ms <= 250,
        `longest gap between replies after the first withdrawal: ${fmtMs(gapOn?.ms)} over ${fmtMs(ms(keepFrom, ctx.now()))}`);
      const { sample: m2, asOf: end2 } = await metrics.now();
      const wireWithdrawals = wire.packets().filter((p) => isWithdrawal(p) && p.tUs < end2).length;
      for (const w of wire.packets().filter(isWithdrawal)) ctx.event('wire', w.tUs, `withdrawal RA in the rogue's name (${w.src}), sent by gw (MAC ${w.srcMac})`, 'capture h0@host');
      ctx.check('on: the countermeasure is counted', MetricsWatch.value(m2, M.countered) === wireWithdrawals && MetricsWatch.value(m2, M.detections) === 1,
        `${M.countered} = ${MetricsWatch.value(m2, M.countered)} (withdrawals on the wire: ${wireWithdrawals}); ${M.detections} = ${MetricsWatch.value(m2, M.detections)} (the same rogue)`);
      await ping.stop();

      // Traffic sourced from the rogue-prefix address: it leaves through gw now, and no answer comes back.
      if (badAddr !== undefined) {
        const tb = ctx.now();
        const r = await lab.exec('host', ['ping', '-6', '-n', '-c', '5', '-i', '0.1', '-W', '1', '-I', badAddr.address, SERVER], { timeoutMs: 10_000 });
        await ctx.sleep(200);
        const viaGwBad = paths.times(PATH_GW).filter((x) => x >= tb).length;
        const viaRogueBad = paths.times(PATH_ROGUE).filter((x) => x >= tb).length;
        const received = /(\d+) received/.exec(r.stdout)?.[1] ?? '?';
        ctx.event('data', tb, `ping from the rogue-prefix address ${badAddr.address}: 5 sent, ${received} answered; ${viaGwBad} echo requests through gw, ${viaRogueBad} to the rogue`, 'ping; captures on gw and rogue ports');
        ctx.say(`    from the deprecated rogue-prefix address ${badAddr.address}: 5 sent, ${received} answered (${viaGwBad} through gw, ${viaRogueBad} to the rogue): nobody routes ${ROGUE_PREFIX} back here`);
        ctx.check('on: even traffic from the rogue-prefix address leaves through gw, not the rogue', viaGwBad >= 5 && viaRogueBad === 0,
          `${viaGwBad} echo requests through gw, ${viaRogueBad} to the rogue; ${received} of 5 answered (the server has no route to ${ROGUE_PREFIX})`);
      }
    } finally {
      rogue?.stop();
      sender.close();
      await metrics.stop();
    }
  },
};
