/**
 * What the multihoming scenarios (S4, S5: RFC 8475 3.2.2 and 3.2.5) share: two ISPs and a
 * server on the Internet, the site's prefixes, and probes of the host's *new* traffic.
 *
 *   <router A> wan0 ---- line0 [cust0] ispa up0 ---- a0           ISP A: 2001:db8:1::/48
 *                                                     inet (server 2001:db8:ff::1 on lo)
 *   <router B> wan0 ---- line0 [cust0] ispb up0 ---- b0           ISP B: 2001:db8:2::/48
 *
 * Each ISP routes its /48 to its customer's uplink (2001:db8:f1::1, 2001:db8:f2::1) and
 * everything else to the Internet; the Internet routes each /48 to its ISP. An uplink fails
 * as a cut line does: the ISP's port (line0, on its bridge cust0) goes down, both ends lose
 * carrier and keep their addresses and routes (routes over a link without carrier are
 * ignored: ignore_routes_with_linkdown), the customer's router sees NO-CARRIER on wan0.
 *
 * A host with addresses from both ISPs picks the source of each new connection by RFC 6724
 * (a deprecated address only when nothing else is left); so the data plane is measured with
 * new pings (a `ping -c 1` process every 100 ms, the kernel choosing the source each time),
 * captured on the host's link and at the Internet's side of each ISP, by source.
 */
import type { ChildProcess } from 'node:child_process';
import { addresses, waitFor } from '../inspect';
import type { Lab } from '../netns';
import { capture, type Capture } from '../pcap';
import { addressStateOf, carrierOf, parsePingReplies, poll, type KernelEvent } from './probes';
import type { ScenarioContext } from './scenario';
import { fmtMs, type Lane } from './timeline';

export const SERVER = '2001:db8:ff::1';

export interface Isp {
  readonly name: 'A' | 'B';
  /** The ISP's namespace. */
  readonly ns: 'ispa' | 'ispb';
  /** The site's address space from this ISP. */
  readonly site: string;
  /** The LAN prefix from it. */
  readonly lan: string;
  /** The first 64 bits of `lan`, written as addresses start ('2001:db8:1:1:'). */
  readonly lanStart: string;
  /** The uplink subnet between the ISP and the customer's border router. */
  readonly uplinkNet: string;
  readonly customerAddr: string;
  readonly ispAddr: string;
  /** The Internet's interface towards this ISP (captures there see what left through it). */
  readonly inetIf: 'a0' | 'b0';
}

export const ISP_A: Isp = { name: 'A', ns: 'ispa', site: '2001:db8:1::/48', lan: '2001:db8:1:1::/64', lanStart: '2001:db8:1:1:', uplinkNet: '2001:db8:f1::/64', customerAddr: '2001:db8:f1::1', ispAddr: '2001:db8:f1::2', inetIf: 'a0' };
export const ISP_B: Isp = { name: 'B', ns: 'ispb', site: '2001:db8:2::/48', lan: '2001:db8:2:1::/64', lanStart: '2001:db8:2:1:', uplinkNet: '2001:db8:f2::/64', customerAddr: '2001:db8:f2::1', ispAddr: '2001:db8:f2::2', inetIf: 'b0' };

/** Sysctls of every router in these labs: forwarding, no DAD, and routes over a dead link ignored. */
export const ROUTER_SYSCTLS: Readonly<Record<string, number>> = {
  'net.ipv6.conf.all.forwarding': 1,
  'net.ipv6.conf.default.forwarding': 1,
  'net.ipv6.conf.all.accept_dad': 0,
  'net.ipv6.conf.default.accept_dad': 0,
  'net.ipv6.conf.all.accept_ra': 0,
  'net.ipv6.conf.default.accept_ra': 0,
  'net.ipv6.conf.all.ignore_routes_with_linkdown': 1,
  'net.ipv6.conf.default.ignore_routes_with_linkdown': 1,
};

/**
 * The two ISPs and the Internet, connected to the customer routers `aRouter` and `bRouter`
 * (namespaces that exist) by their interface wan0, which gets the customer's uplink address
 * and a default route to its ISP.
 */
export async function buildIsps(lab: Lab, aRouter: string, bRouter: string): Promise<void> {
  await lab.addNamespace('inet');
  await lab.sysctls('inet', ROUTER_SYSCTLS);
  await lab.ip('inet', ['addr', 'add', `${SERVER}/128`, 'dev', 'lo']);
  for (const [isp, router, n] of [[ISP_A, aRouter, 'a'], [ISP_B, bRouter, 'b']] as const) {
    await lab.addNamespace(isp.ns);
    await lab.sysctls(isp.ns, ROUTER_SYSCTLS);
    // The ISP's end is a bridge with one port: taking the port down cuts the line, both ends
    // lose carrier and keep their addresses and routes (an interface set down loses them).
    await lab.addBridge(isp.ns, 'cust0', { noIpv6: false });
    await lab.addVeth(router, 'wan0', isp.ns, 'line0', { masterB: 'cust0' });
    await lab.addVeth(isp.ns, 'up0', 'inet', isp.inetIf);
    await lab.ip(router, ['addr', 'add', `${isp.customerAddr}/64`, 'dev', 'wan0', 'nodad']);
    await lab.ip(isp.ns, ['addr', 'add', `${isp.ispAddr}/64`, 'dev', 'cust0', 'nodad']);
    await lab.ip(isp.ns, ['addr', 'add', `2001:db8:f${n}::1/64`, 'dev', 'up0', 'nodad']);
    await lab.ip('inet', ['addr', 'add', `2001:db8:f${n}::2/64`, 'dev', isp.inetIf, 'nodad']);
    await lab.ip(isp.ns, ['-6', 'route', 'add', isp.site, 'via', isp.customerAddr]);
    await lab.ip(isp.ns, ['-6', 'route', 'add', 'default', 'via', `2001:db8:f${n}::2`]);
    await lab.ip('inet', ['-6', 'route', 'add', isp.site, 'via', `2001:db8:f${n}::1`]);
    await lab.ip(router, ['-6', 'route', 'add', 'default', 'via', isp.ispAddr, 'dev', 'wan0']);
  }
}

/** The line to `isp` is cut (both ends lose carrier), or repaired. */
export function uplinkDown(lab: Lab, isp: Isp): Promise<void> {
  return lab.linkDown(isp.ns, 'line0');
}
export function uplinkUp(lab: Lab, isp: Isp): Promise<void> {
  return lab.linkUp(isp.ns, 'line0');
}

/**
 * Source routing on a first-hop router (RFC 8475 3.2.2's forwarding policy): more specific
 * routes of the main table first, then packets from `site` go by table `table`, whose default
 * route is `via` (on `dev`).
 */
export async function sourceRoute(lab: Lab, ns: string, site: string, table: number, via: string, dev: string): Promise<void> {
  if (!(await lab.ip(ns, ['-6', 'rule', 'show'])).stdout.includes('suppress_prefixlength 0')) {
    await lab.ip(ns, ['-6', 'rule', 'add', 'pref', '100', 'lookup', 'main', 'suppress_prefixlength', '0']);
  }
  await lab.ip(ns, ['-6', 'rule', 'add', 'pref', String(100 + table), 'from', site, 'lookup', String(table)]);
  await lab.ip(ns, ['-6', 'route', 'add', 'default', 'via', via, 'dev', dev, 'table', String(table)]);
}

// ---------------------------------------------------------------------------
// The routers' kernels

/** Link notifications of the uplink wan0: carrier lost, carrier back. */
export const noCarrier = (e: KernelEvent): boolean => carrierOf(e, 'wan0') === 'lost';
export const carrierUp = (e: KernelEvent): boolean => carrierOf(e, 'wan0') === 'up';
/** BIRD's route to `isp`'s uplink subnet added to, or deleted from, a router's kernel. */
export const uplinkRoute = (isp: Isp, deleted: boolean) => (e: KernelEvent): boolean => e.kind === 'route' && e.deleted === deleted && e.text.startsWith(`${isp.uplinkNet} `) && / proto bird/.test(e.text);

/** A router's kernel on the failure lane (KernelWatch's show): its uplink's carrier, and BIRD's routes to the uplinks. */
export function routerShow(e: KernelEvent): string | undefined {
  if (noCarrier(e)) return 'wan0 lost carrier';
  if (carrierUp(e)) return 'wan0 carrier up';
  for (const isp of [ISP_A, ISP_B]) {
    if (uplinkRoute(isp, true)(e)) return `route to ISP ${isp.name}'s uplink ${isp.uplinkNet} deleted (BIRD)`;
    if (uplinkRoute(isp, false)(e)) return `route to ISP ${isp.name}'s uplink ${isp.uplinkNet} added (BIRD): ${e.text.replace(/ metric \d+| pref medium/g, '')}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The host's addresses, from its kernel's notifications

/**
 * What an `ip monitor` address notification says about the host's address in `isp`'s LAN
 * prefix: 'deprecated' (preferred lifetime 0) or 'preferred'; undefined for anything else.
 */
export function addressState(e: KernelEvent, isp: Isp): 'deprecated' | 'preferred' | undefined {
  const st = addressStateOf(e, (a) => a.startsWith(isp.lanStart));
  return st === 'deleted' ? undefined : st;
}

// ---------------------------------------------------------------------------
// New pings

/**
 * A new ping every intervalMs from a namespace: a `ping -c 1` process each time, so the kernel
 * picks the source address anew for each (as for a new connection), where one long-running
 * ping keeps the address it started with. Replies are timed by `ping -D`.
 */
export class NewPings {
  private text = '';
  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      if (this.text.length < 8 * 1024 * 1024) this.text += d.toString('utf8');
    });
  }

  static start(lab: Lab, ns: string, dst: string, intervalMs = 100): NewPings {
    // Each ping in the background: one waiting for a lost reply does not hold the next back.
    const script = `while :; do ping -6 -n -D -c 1 -W 1 ${dst} & sleep ${intervalMs / 1000}; done`;
    return new NewPings(lab, lab.spawn(ns, ['sh', '-c', script], { stdio: ['ignore', 'pipe', 'ignore'] }), `new pings ${ns} -> ${dst}`);
  }

  replies(): number[] {
    return parsePingReplies(this.text);
  }

  waitReply(afterUs: number, timeoutMs: number): Promise<number | undefined> {
    return poll(() => this.replies().find((t) => t >= afterUs), timeoutMs);
  }

  async stop(): Promise<number[]> {
    await this.lab.kill(this.child, 500);
    return this.replies();
  }
}

/** Echo requests to the server captured on one link, sorted by the ISP their source belongs to. */
export class SourceWatch {
  private constructor(
    private readonly cap: Capture,
    readonly label: string,
    readonly where: string,
  ) {}

  static async start(lab: Lab, ns: string, ifname: string, label: string): Promise<SourceWatch> {
    const cap = await capture(lab, ns, ifname, `icmp6 and ip6[40] == 128 and dst host ${SERVER}`);
    return new SourceWatch(cap, label, `${ifname}@${ns}`);
  }

  /** Times of the echo requests from `isp`'s LAN prefix. */
  times(isp: Isp): number[] {
    return this.cap.packets.filter((p) => p.icmpv6?.src.startsWith(isp.lanStart) === true).map((p) => p.tsMicros);
  }

  first(isp: Isp, afterUs: number, timeoutMs: number): Promise<number | undefined> {
    return poll(() => this.times(isp).find((t) => t >= afterUs), timeoutMs);
  }

  lastBefore(isp: Isp, beforeUs: number): number | undefined {
    const t = this.times(isp).filter((x) => x < beforeUs);
    return t.length === 0 ? undefined : Math.max(...t);
  }

  /** Echo requests between fromUs and toUs: how many from A, from B. */
  count(isp: Isp, fromUs: number, toUs: number): number {
    return this.times(isp).filter((t) => t >= fromUs && t < toUs).length;
  }

  /** Stop, and put one event on the data lane each time the source of the requests changes ISP. */
  async stop(ctx: ScenarioContext, lane: Lane = 'data'): Promise<void> {
    await this.cap.stop();
    let cur: string | undefined;
    for (const p of this.cap.packets) {
      const src = p.icmpv6?.src ?? '';
      const isp = src.startsWith(ISP_A.lanStart) ? 'A' : src.startsWith(ISP_B.lanStart) ? 'B' : 'other';
      if (isp === cur) continue;
      cur = isp;
      ctx.event(lane, p.tsMicros, `${this.label}: from ${isp === 'other' ? src : `ISP ${isp}'s address ${src}`}`, `capture ${this.where}`);
    }
  }
}

/** Put new pings' replies on the data lane: replies per 100 ms, and each silence over 1 s. */
export function recordNewPings(ctx: ScenarioContext, label: string, replies: readonly number[]): void {
  ctx.recordReplies(label, replies, 1000);
}

/** "+123 ms after X" for a check's detail. */
export function after(t: number | undefined, t0: number, what: string): string {
  return t === undefined ? `not seen` : `${fmtMs((t - t0) / 1000)} after ${what}`;
}

// ---------------------------------------------------------------------------
// The host's side of a run: new pings, where they leave from and by which ISP

export interface DataWatches {
  readonly pings: NewPings;
  /** The host's echo requests on its own link, and at the Internet's side of each ISP. */
  readonly fromHost: SourceWatch;
  readonly viaA: SourceWatch;
  readonly viaB: SourceWatch;
  /** Stop them and put what they saw on the data lane (once; the runner does it at the end). */
  stop(): Promise<void>;
}

export async function startDataWatches(ctx: ScenarioContext, hostIf = 'h0'): Promise<DataWatches> {
  const fromHost = await SourceWatch.start(ctx.lab, 'host', hostIf, "the host's new pings leave");
  const viaA = await SourceWatch.start(ctx.lab, 'inet', ISP_A.inetIf, 'through ISP A');
  const viaB = await SourceWatch.start(ctx.lab, 'inet', ISP_B.inetIf, 'through ISP B');
  const pings = NewPings.start(ctx.lab, 'host', SERVER);
  let stopped = false;
  const watches: DataWatches = {
    pings,
    fromHost,
    viaA,
    viaB,
    async stop() {
      if (stopped) return;
      stopped = true;
      recordNewPings(ctx, 'new pings host -> server', await pings.stop());
      for (const w of [fromHost, viaA, viaB]) await w.stop(ctx);
    },
  };
  ctx.onFinish(() => watches.stop()); // whatever happens to the run
  return watches;
}

/** An `ip monitor` event in the host: its address in `isp`'s prefix became `st`. */
export const hostAddr = (isp: Isp, st: 'deprecated' | 'preferred') => (e: KernelEvent): boolean => e.kind === 'address' && !e.deleted && addressState(e, isp) === st;

/** Steady state: the host has both addresses, A's preferred and B's deprecated; new pings leave from A through ISP A. */
export async function steadyOnA(ctx: ScenarioContext, d: DataWatches): Promise<void> {
  const st = await waitFor(async () => {
    const as = await addresses(ctx.lab, 'host', 'h0');
    const a = as.find((x) => x.address.startsWith(ISP_A.lanStart) && !x.flags.temporary);
    const b = as.find((x) => x.address.startsWith(ISP_B.lanStart) && !x.flags.temporary);
    return a !== undefined && b !== undefined && a.preferredLft > 0 && b.preferredLft === 0 ? { a, b } : undefined;
  }, { timeoutMs: 20_000, intervalMs: 100, what: "the host's addresses: A's preferred, B's deprecated" });
  if (st === undefined) throw new Error('no steady state');
  ctx.say(`  the host: ${st.a.address} (ISP A) preferred ${st.a.preferredLft} s, ${st.b.address} (ISP B) deprecated`);
  const t = ctx.now();
  const viaA = await d.viaA.first(ISP_A, t, 5000);
  const reply = await d.pings.waitReply(viaA ?? t, 3000);
  const fromB = d.fromHost.count(ISP_B, t, ctx.now());
  ctx.check("normal: new pings leave from A's address through ISP A", viaA !== undefined && reply !== undefined && fromB === 0,
    viaA !== undefined ? `through ISP A ${fmtMs((viaA - t) / 1000)} after the check started, ${reply !== undefined ? 'answered' : 'not answered'}; ${fromB} from B` : 'no echo request from A through ISP A within 5 s');
}

/**
 * After the event at t0, new pings leave from `to` through its ISP and are answered (the
 * first one may come before `switchUs`, when the host's kernel made `to`'s address preferred:
 * with both addresses deprecated the kernel may already pick `to`'s); from 0.6 s after
 * `settledUs` (when the last router that had to tell the host did so; a ping process may
 * have picked its source just before) for 1.5 s, none leaves from `from`. Also counts the new
 * pings that left from `from` between t0 and the first from `to` (lost, when `from`'s ISP is
 * the one that failed).
 */
export async function dataSwitch(ctx: ScenarioContext, d: DataWatches, name: string, t0: number, to: Isp, from: Isp, switchUs: number | undefined, settledUs = switchUs): Promise<{ host?: number; isp?: number; reply?: number; before: number }> {
  // The first new ping from `to` after the event, not one that left before it and was still in flight.
  const host = await d.fromHost.first(to, t0, Math.max(4000, ((switchUs ?? t0) - t0) / 1000 + 4000));
  const isp = await (to === ISP_A ? d.viaA : d.viaB).first(to, host ?? t0, 3000);
  const reply = isp !== undefined ? await d.pings.waitReply(isp, 3000) : undefined;
  const settle = (settledUs ?? switchUs ?? t0) + 600_000;
  const end = Math.max(ctx.now(), settle + 1_500_000);
  await ctx.sleep(Math.max(0, (end - ctx.now()) / 1000));
  const stale = d.fromHost.count(from, settle, end);
  const before = d.fromHost.count(from, t0, host ?? switchUs ?? t0);
  ctx.check(`${name}: new pings leave from ${to.name}'s address through ISP ${to.name}`, host !== undefined && isp !== undefined && reply !== undefined && stale === 0,
    `from ${to.name} on the host's link ${after(host, t0, 'the event')}, through ISP ${to.name} ${after(isp, t0, 'the event')}, answered ${after(reply, t0, 'the event')}; ${before} new ping(s) from ${from.name} before the first from ${to.name}, ${stale} from 0.6 s after ${settledUs !== switchUs ? 'the last router told the host' : 'it'}`);
  return { ...(host !== undefined ? { host } : {}), ...(isp !== undefined ? { isp } : {}), ...(reply !== undefined ? { reply } : {}), before };
}
