/**
 * What a scenario measures, and how, from outside the daemons:
 *  - WireWatch: tcpdump on a link (kernel timestamps), RAs decoded with firsthop's own codec
 *    (checked against rdisc6 elsewhere in the suite), VRRP adverts and NAs;
 *  - KernelWatch: `ip -ts -6 monitor` in a namespace: the kernel's route, address, neighbour and
 *    link notifications, timestamped as `ip` reads them;
 *  - Pinger: `ping -D` every 10 ms: the replies' times, the outage;
 *  - PathWatch: tcpdump of the host's echo requests on the links they may leave by: which path
 *    the traffic took, and when it switched.
 * Each feeds the run's Timeline. Nothing here asks a daemon what it did.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { decodeMessage } from '../../wire';
import { formatIPv6, formatMac } from '../../net/ipv6';
import type { NdMessage, RouterAdvertisement } from '../../wire/types';
import type { Lab } from '../netns';
import { capture, type Capture, type CapturedPacket } from '../pcap';
import type { Lane, Timeline } from './timeline';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` every `intervalMs` until it returns something other than undefined, or time out with undefined. */
export async function poll<T>(fn: () => T | undefined, timeoutMs: number, intervalMs = 5): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() >= end) return undefined;
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------
// The wire

export interface WirePacket {
  readonly tUs: number;
  readonly src: string;
  readonly srcMac: string | undefined;
  /** 'ra' | 'na' | 'vrrp' */
  readonly kind: 'ra' | 'na' | 'vrrp';
  readonly ra?: RouterAdvertisement;
  readonly na?: Extract<NdMessage, { type: 'na' }>;
  /** VRRP: the advertised priority. */
  readonly vrrpPriority?: number;
}

/** RAs, NAs and VRRP adverts (IPv6 next header 112) seen on a link. */
export const WIRE_FILTER = '(icmp6 and (ip6[40] == 134 or ip6[40] == 136)) or ip6 proto 112';

/** A one-line summary of an RA: router lifetime and every lifetime it carries. */
export function describeRa(ra: RouterAdvertisement): string {
  const parts = [`router lifetime ${ra.routerLifetime}`];
  for (const o of ra.options) {
    if (o.type === 'prefixInformation') parts.push(`PIO ${o.prefix}/${o.prefixLength} preferred ${o.preferredLifetime} valid ${o.validLifetime}`);
    else if (o.type === 'routeInformation') parts.push(`RIO ${o.prefix}/${o.prefixLength} lifetime ${o.lifetime}`);
    else if (o.type === 'rdnss') parts.push(`RDNSS ${o.servers.join(',')} lifetime ${o.lifetime}`);
  }
  return parts.join(', ');
}

/** The lifetimes an RA says for one item: 'router', a prefix 'P/LEN' (preferred), a route 'route P/LEN', 'rdnss ADDR'. */
export function raValue(ra: RouterAdvertisement, item: string): number | undefined {
  if (item === 'router') return ra.routerLifetime;
  if (item.startsWith('route ')) {
    const want = item.slice(6);
    const o = ra.options.find((x) => x.type === 'routeInformation' && `${x.prefix}/${x.prefixLength}` === want);
    return o?.type === 'routeInformation' ? o.lifetime : undefined;
  }
  if (item.startsWith('valid ')) {
    const want = item.slice(6);
    const o = ra.options.find((x) => x.type === 'prefixInformation' && `${x.prefix}/${x.prefixLength}` === want);
    return o?.type === 'prefixInformation' ? o.validLifetime : undefined;
  }
  if (item.startsWith('rdnss ')) {
    const want = item.slice(6);
    const o = ra.options.find((x) => x.type === 'rdnss' && x.servers.includes(want));
    return o?.type === 'rdnss' ? o.lifetime : undefined;
  }
  const o = ra.options.find((x) => x.type === 'prefixInformation' && `${x.prefix}/${x.prefixLength}` === item);
  return o?.type === 'prefixInformation' ? o.preferredLifetime : undefined;
}

export interface WireWatchOptions {
  /** Items (see raValue) drawn as series on the wire lane, per RA source. */
  readonly track?: readonly string[];
  /** Names for sources in the timeline ('fe80::1' -> 'virtual router'). */
  readonly names?: ReadonlyMap<string, string>;
}

/** tcpdump on one link, decoded as packets arrive. */
export class WireWatch {
  private readonly decoded: WirePacket[] = [];
  private readonly lastText = new Map<string, string>();
  private readonly lastVrrp = new Map<string, number>();
  private seen = 0;

  private constructor(
    private readonly cap: Capture,
    private readonly tl: Timeline,
    readonly where: string,
    private readonly opts: WireWatchOptions,
  ) {}

  static async start(lab: Lab, tl: Timeline, ns: string, ifname: string, opts: WireWatchOptions = {}): Promise<WireWatch> {
    const cap = await capture(lab, ns, ifname, WIRE_FILTER);
    return new WireWatch(cap, tl, `${ifname}@${ns}`, opts);
  }

  private name(src: string): string {
    const n = this.opts.names?.get(src);
    return n === undefined ? src : `${n} (${src})`;
  }

  /** Decode what was captured since the last call and add it to the timeline. */
  update(): void {
    const all = this.cap.packets;
    for (; this.seen < all.length; this.seen++) {
      const p = all[this.seen] as CapturedPacket;
      const w = this.decode(p);
      if (w === undefined) continue;
      this.decoded.push(w);
      this.record(w);
    }
  }

  private decode(p: CapturedPacket): WirePacket | undefined {
    const ic = p.icmpv6;
    if (ic !== undefined) {
      try {
        const m = decodeMessage(ic.message, { keepMalformed: true });
        if (m.type === 'ra') return { tUs: p.tsMicros, src: ic.src, srcMac: ic.srcMac, kind: 'ra', ra: m };
        if (m.type === 'na') return { tUs: p.tsMicros, src: ic.src, srcMac: ic.srcMac, kind: 'na', na: m };
      } catch {
        return undefined;
      }
      return undefined;
    }
    // VRRP over IPv6 (Ethernet, no extension headers): IPv6 header at 14, VRRP at 54; priority is octet 2.
    const b = p.bytes;
    if (b.length >= 14 + 40 + 8 && b[12] === 0x86 && b[13] === 0xdd && b[14 + 6] === 112) {
      const src = formatIPv6(b, 14 + 8);
      return { tUs: p.tsMicros, src, srcMac: formatMac(b.subarray(6, 12)), kind: 'vrrp', vrrpPriority: b[54 + 2] ?? 0 };
    }
    return undefined;
  }

  private record(w: WirePacket): void {
    const source = `capture ${this.where}`;
    if (w.kind === 'ra' && w.ra !== undefined) {
      const text = describeRa(w.ra);
      if (this.lastText.get(w.src) !== text) {
        const first = !this.lastText.has(w.src);
        this.lastText.set(w.src, text);
        this.tl.add({ tUs: w.tUs, lane: 'wire', what: `${first ? 'first RA' : 'RA changed'} from ${this.name(w.src)}: ${text}`, source });
      }
      for (const item of this.opts.track ?? []) {
        const v = raValue(w.ra, item);
        if (v !== undefined) this.tl.sample(`${item} from ${this.opts.names?.get(w.src) ?? w.src}`, 'wire', 's', w.tUs, v);
      }
    } else if (w.kind === 'vrrp') {
      const prev = this.lastVrrp.get(w.src);
      if (prev !== w.vrrpPriority) {
        this.tl.add({ tUs: w.tUs, lane: 'wire', what: `VRRP adverts from ${this.name(w.src)}${w.srcMac !== undefined ? ` (MAC ${w.srcMac})` : ''}, priority ${w.vrrpPriority}`, source });
      }
      this.lastVrrp.set(w.src, w.vrrpPriority ?? -1);
    } else if (w.kind === 'na' && w.na !== undefined && !w.na.solicited) {
      this.tl.add({ tUs: w.tUs, lane: 'wire', what: `unsolicited NA for ${w.na.target}${w.na.router ? ' (Router flag)' : ''} from ${this.name(w.src)}`, source });
    }
  }

  /** The first packet after `afterUs` that matches, waiting up to timeoutMs. */
  async wait(pred: (p: WirePacket) => boolean, afterUs: number, timeoutMs: number): Promise<WirePacket | undefined> {
    return poll(() => {
      this.update();
      return this.decoded.find((p) => p.tUs >= afterUs && pred(p));
    }, timeoutMs);
  }

  /** Every packet captured so far, decoded. */
  packets(): readonly WirePacket[] {
    this.update();
    return this.decoded;
  }

  /** The last RA from `src` captured so far. */
  lastRa(src: string): WirePacket | undefined {
    const all = this.packets();
    for (let i = all.length - 1; i >= 0; i--) if (all[i]?.kind === 'ra' && all[i]?.src === src) return all[i];
    return undefined;
  }

  /** The first RA after `afterUs` (from `src`, if given) whose value for `item` satisfies `want`. */
  waitRa(item: string, want: (v: number) => boolean, afterUs: number, timeoutMs: number, src?: string): Promise<WirePacket | undefined> {
    return this.wait((p) => p.kind === 'ra' && p.ra !== undefined && (src === undefined || p.src === src) && ((v) => v !== undefined && want(v))(raValue(p.ra, item)), afterUs, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.cap.stop();
    this.update();
  }
}

// ---------------------------------------------------------------------------
// A namespace's kernel

export interface KernelEvent {
  readonly tUs: number;
  readonly kind: 'route' | 'address' | 'neigh' | 'link' | 'other';
  readonly deleted: boolean;
  /** The line without its timestamp, continuation lines joined. */
  readonly text: string;
}

/**
 * Parse `ip -ts [-o] monitor` output: `[2026-12-05T01:14:55.725891] ...` lines; continuations
 * are indented lines, or (with -o) within the line after a '\'.
 */
export function parseMonitor(text: string): KernelEvent[] {
  const out: KernelEvent[] = [];
  let cur: { tUs: number; text: string } | undefined;
  const flush = (): void => {
    if (cur === undefined) return;
    out.push(classify(cur.tUs, cur.text));
    cur = undefined;
  };
  for (const line of text.split('\n')) {
    const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\] (.*)$/.exec(line);
    if (m !== null) {
      flush();
      // ip prints local time; the lab runs with TZ unset (UTC) but do not rely on it: see localToUs.
      cur = { tUs: localToUs(m[1] as string, m[2] as string), text: (m[3] as string).replace(/\s*\\\s+/g, ' ').trim() };
    } else if (cur !== undefined && /^\s/.test(line)) {
      cur.text += ` ${line.trim()}`;
    }
  }
  flush();
  return out;
}

function localToUs(dateTime: string, micros: string): number {
  const [d, t] = dateTime.split('T') as [string, string];
  const [y, mo, da] = d.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = t.split(':').map(Number) as [number, number, number];
  return new Date(y, mo - 1, da, h, mi, s).getTime() * 1000 + Number(micros);
}

function classify(tUs: number, raw: string): KernelEvent {
  const deleted = raw.startsWith('Deleted ');
  const text = deleted ? raw.slice(8) : raw;
  let kind: KernelEvent['kind'] = 'other';
  if (/^\d+: \S+\s+inet6? /.test(text)) kind = 'address';
  else if (/^\d+: \S+: </.test(text)) kind = 'link';
  else if (/ lladdr | (FAILED|INCOMPLETE|STALE|REACHABLE|DELAY|PROBE)$/.test(text) && !/ via /.test(text)) kind = 'neigh';
  else if (/^(default|[0-9a-f:]+\/\d+|[0-9a-f:]+ (via|dev) )/.test(text) || /^(unreachable|local|multicast) /.test(text)) kind = 'route';
  return { tUs, kind, deleted, text };
}

export interface KernelWatchOptions {
  /** The timeline lane (default 'host'). */
  readonly lane?: Lane;
  /** Label for the timeline (default the namespace). */
  readonly label?: string;
  /** Which notifications become timeline events (default: RA-learned routes, global addresses' state, links). */
  readonly show?: (e: KernelEvent) => string | undefined;
}

/** A link notification's carrier for `ifname`: 'lost', 'up', or undefined (another link, or neither). */
export function carrierOf(e: KernelEvent, ifname: string): 'lost' | 'up' | undefined {
  if (e.kind !== 'link' || /^\d+: ([^:@\s]+)[@:]/.exec(e.text)?.[1] !== ifname) return undefined;
  if (/NO-CARRIER/.test(e.text)) return 'lost';
  return /LOWER_UP/.test(e.text) ? 'up' : undefined;
}

/**
 * An address notification's state for a global address that `which` accepts (given the
 * address with its /LEN): 'deleted', 'deprecated' (preferred lifetime 0) or 'preferred';
 * undefined for anything else.
 */
export function addressStateOf(e: KernelEvent, which: (addressWithLength: string) => boolean): 'deleted' | 'deprecated' | 'preferred' | undefined {
  if (e.kind !== 'address') return undefined;
  const m = /inet6 (\S+) scope global/.exec(e.text);
  if (m === null || !which(m[1] as string)) return undefined;
  if (e.deleted) return 'deleted';
  const pl = /preferred_lft (\d+|forever)/.exec(e.text)?.[1];
  return / deprecated/.test(e.text) || pl === '0' ? 'deprecated' : 'preferred';
}

/** Default: routes learned from RAs, global addresses becoming deprecated or preferred, links. */
export function defaultShow(e: KernelEvent, state: Map<string, string>): string | undefined {
  if (e.kind === 'route' && / proto (ra|bird|ospf|bgp|static) /.test(`${e.text} `) && !e.text.startsWith('local ') && !e.text.startsWith('multicast ')) {
    return `${e.deleted ? 'route deleted' : 'route added'}: ${e.text.replace(/ metric \d+| expires \d+sec| pref medium/g, '')}`;
  }
  if (e.kind === 'address') {
    const addr = /inet6 (\S+) scope global/.exec(e.text)?.[1];
    const st = addressStateOf(e, () => true);
    if (addr === undefined || st === undefined) return undefined;
    const pl = /preferred_lft (\d+|forever)/.exec(e.text)?.[1];
    if (state.get(addr) === st) return undefined;
    state.set(addr, st);
    return `address ${addr} ${st}${st === 'preferred' && pl !== undefined ? ` (preferred_lft ${pl})` : ''}`;
  }
  if (e.kind === 'neigh') {
    // Routers' link-local addresses only: their reachability decides which routes a host uses.
    const m = /^(fe80::\S+) dev \S+(?: lladdr (\S+))?.* (\w+)$/.exec(e.text);
    if (m === null) return undefined;
    const st = e.deleted ? 'deleted' : (m[3] as string);
    const key = `neigh ${m[1]}`;
    if (state.get(key) === st) return undefined;
    state.set(key, st);
    return `neighbour ${m[1]}${m[2] !== undefined ? ` (${m[2]})` : ''} ${st}`;
  }
  if (e.kind === 'link') {
    const m = /^\d+: ([^:@]+)(?:@\S+)?: <([^>]*)>/.exec(e.text);
    if (m === null) return undefined;
    const flags = (m[2] as string).split(',');
    const st = e.deleted ? 'deleted' : flags.includes('NO-CARRIER') ? 'no carrier' : flags.includes('LOWER_UP') ? 'carrier up' : 'down';
    const key = `link ${m[1]}`;
    if (state.get(key) === st) return undefined;
    state.set(key, st);
    return `${m[1]}: ${st}`;
  }
  return undefined;
}

/** Whether process `pid` is `ip ... monitor` and has a socket open. */
function monitorListening(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmd.includes('monitor') || cmd.includes('netns')) return false;
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** `ip -ts -6 monitor` in a namespace, parsed as it runs. */
export class KernelWatch {
  readonly events: KernelEvent[] = [];
  private buf = '';
  private readonly state = new Map<string, string>();

  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
    private readonly tl: Timeline,
    private readonly opts: KernelWatchOptions,
    readonly ns: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.onData(d.toString('utf8')));
  }

  static async start(lab: Lab, tl: Timeline, ns: string, opts: KernelWatchOptions = {}): Promise<KernelWatch> {
    const child = lab.spawn(ns, ['ip', '-ts', '-o', '-6', 'monitor', 'link', 'route', 'address', 'neigh'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // ip has no "listening" line: wait until the process is `ip monitor` itself (ip netns exec
    // execs in place) and holds its netlink socket, which it binds to the groups at once.
    const ready = await poll(() => (child.exitCode !== null || monitorListening(child.pid) ? true : undefined), 3000, 5);
    if (child.exitCode !== null) throw new Error(`ip monitor in ${ns} exited (${child.exitCode})`);
    await sleep(ready === undefined ? 150 : 20);
    return new KernelWatch(lab, child, tl, opts, ns);
  }

  private onData(s: string): void {
    // `ip -o`: one record per line (its own line breaks printed as '\'), so a line is final.
    this.buf += s;
    const end = this.buf.lastIndexOf('\n');
    if (end < 0) return;
    const done = this.buf.slice(0, end + 1);
    this.buf = this.buf.slice(end + 1);
    for (const e of parseMonitor(done)) this.push(e);
  }

  private push(e: KernelEvent): void {
    this.events.push(e);
    const what = this.opts.show !== undefined ? this.opts.show(e) : defaultShow(e, this.state);
    if (what !== undefined) this.tl.add({ tUs: e.tUs, lane: this.opts.lane ?? 'host', what: `${this.opts.label ?? this.ns}: ${what}`, source: `kernel (ip monitor in ${this.ns})` });
  }

  async wait(pred: (e: KernelEvent) => boolean, afterUs: number, timeoutMs: number): Promise<KernelEvent | undefined> {
    return poll(() => this.events.find((e) => e.tUs >= afterUs && pred(e)), timeoutMs);
  }

  /** Notifications so far. */
  all(): readonly KernelEvent[] {
    return this.events;
  }

  async stop(): Promise<void> {
    await this.lab.kill(this.child, 500);
    const t = this.buf;
    this.buf = '';
    for (const e of parseMonitor(t)) this.push(e);
  }
}

// ---------------------------------------------------------------------------
// The data plane

/** Reply times (µs) from `ping -D` output lines. */
export function parsePingReplies(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/^\[(\d+)\.(\d+)\] \d+ bytes from/gm)) out.push(Number(m[1]) * 1e6 + Number((m[2] as string).padEnd(6, '0').slice(0, 6)));
  return out;
}

/** `ping -6 -D -i INTERVAL` from a namespace until stopped. */
export class Pinger {
  private text = '';
  private constructor(
    private readonly lab: Lab,
    private readonly child: ChildProcess,
    readonly label: string,
    readonly intervalMs: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      if (this.text.length < 8 * 1024 * 1024) this.text += d.toString('utf8');
    });
  }

  static start(lab: Lab, ns: string, dst: string, opts: { intervalMs?: number; source?: string; label?: string } = {}): Pinger {
    const i = opts.intervalMs ?? 10;
    const argv = ['ping', '-6', '-n', '-D', '-i', String(i / 1000), '-W', '1', ...(opts.source !== undefined ? ['-I', opts.source] : []), dst];
    return new Pinger(lab, lab.spawn(ns, argv, { stdio: ['ignore', 'pipe', 'pipe'] }), opts.label ?? `${ns} -> ${dst}`, i);
  }

  replies(): number[] {
    return parsePingReplies(this.text);
  }

  /** The first reply at or after afterUs. */
  async waitReply(afterUs: number, timeoutMs: number): Promise<number | undefined> {
    return poll(() => this.replies().find((t) => t >= afterUs), timeoutMs, 5);
  }

  async stop(): Promise<number[]> {
    await this.lab.kill(this.child, 500);
    return this.replies();
  }
}

export interface PathLink {
  readonly label: string;
  readonly ns: string;
  readonly ifname: string;
}

/** Echo requests (to `dst`) captured on each candidate link: which way the host's traffic goes. */
export class PathWatch {
  private constructor(
    private readonly caps: ReadonlyArray<{ readonly link: PathLink; readonly cap: Capture }>,
    private readonly tl: Timeline,
  ) {}

  static async start(lab: Lab, tl: Timeline, links: readonly PathLink[], filter = 'icmp6 and ip6[40] == 128'): Promise<PathWatch> {
    const caps = [];
    for (const link of links) caps.push({ link, cap: await capture(lab, link.ns, link.ifname, filter) });
    return new PathWatch(caps, tl);
  }

  /** Times (µs) of the packets seen on the link labelled `label`. */
  times(label: string): number[] {
    return this.caps.filter((c) => c.link.label === label).flatMap((c) => c.cap.packets.map((p) => p.tsMicros));
  }

  /** The first packet on `label` at or after afterUs. */
  async waitFirst(label: string, afterUs: number, timeoutMs: number): Promise<number | undefined> {
    return poll(() => this.times(label).find((t) => t >= afterUs), timeoutMs, 5);
  }

  /** The last packet on `label` before `beforeUs`. */
  lastBefore(label: string, beforeUs: number): number | undefined {
    const t = this.times(label).filter((x) => x < beforeUs);
    return t.length === 0 ? undefined : Math.max(...t);
  }

  /** Stop the captures and add one timeline event each time the traffic changes path. */
  async stop(): Promise<void> {
    for (const c of this.caps) await c.cap.stop();
    const all = this.caps.flatMap((c) => c.cap.packets.map((p) => ({ t: p.tsMicros, label: c.link.label, where: `${c.link.ifname}@${c.link.ns}` })));
    all.sort((a, b) => a.t - b.t);
    let cur: string | undefined;
    for (const p of all) {
      if (p.label === cur) continue;
      cur = p.label;
      this.tl.add({ tUs: p.t, lane: 'data', what: `the host's packets go ${p.label}`, source: `capture ${p.where}` });
    }
  }
}
