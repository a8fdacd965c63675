/**
 * rdisc6 (package ndisc6) runner and a parser of its verbose output, so that tests can
 * check what a router actually put on the wire, independently of the kernel's view.
 *
 * Output format (ndisc6 1.0.5, C locale), one block per Router Advertisement:
 *
 *   Soliciting ff02::2 (ff02::2) on eth0...
 *
 *   Hop limit                 :           60 (      0x3c)        ("undefined" when 0)
 *   Stateful address conf.    :           No
 *   Stateful other conf.      :          Yes
 *   Mobile home agent         :           No
 *   Router preference         :          low                     (low|medium|high|medium (invalid))
 *   Neighbor discovery proxy  :           No
 *   Router lifetime           :           30 (0x0000001e) seconds
 *   Reachable time            :  unspecified (0x00000000)        (or "N (0x...) milliseconds")
 *   Retransmit time           :  unspecified (0x00000000)
 *    Prefix                   : 2001:db8:1::/64
 *     On-link                 :          Yes
 *     Autonomous address conf.:          Yes
 *     Valid time              :        86400 (0x00015180) seconds  ("    infinite (0xffffffff)")
 *     Pref. time              :        14400 (0x00003840) seconds
 *    Route                    : 2001:db8:99::/48
 *     Route preference        :         high
 *     Route lifetime          :         1800 (0x00000708) seconds
 *    Recursive DNS server     : 2001:db8:1::53                 (one line per server of the option,
 *    Recursive DNS server     : 2001:db8:1::54                  then one lifetime line: "DNS server
 *     DNS servers lifetime    :          600 (0x00000258) seconds   lifetime" when there is one)
 *    DNS search list          : example.com lab.example.org     (space separated, trailing space)
 *     DNS search list lifetime:          600 (0x00000258) seconds
 *    MTU                      :         1400 bytes (valid)      ("(invalid)" below 1280)
 *    Source link-layer address: 6E:D9:86:54:15:25
 *    from fe80::6cd9:86ff:fe54:1525
 *
 * Options appear in the order they are in the packet. Exit status: 0 when an RA was shown,
 * 2 with "Timed out." / "No response." when none came, 1 on errors.
 */
import type { Lab, ExecResult } from './netns';
import { INFINITE_LIFETIME } from './inspect';

export type Rdisc6Pref = 'high' | 'medium' | 'low' | 'invalid';

export interface Rdisc6Prefix {
  prefix: string;
  length: number;
  onLink: boolean;
  autonomous: boolean;
  /** Seconds; INFINITE_LIFETIME for "infinite". */
  validLifetime: number;
  preferredLifetime: number;
}

export interface Rdisc6Route {
  prefix: string;
  length: number;
  preference: Rdisc6Pref;
  lifetime: number;
}

export interface Rdisc6Rdnss {
  servers: string[];
  lifetime: number;
}

export interface Rdisc6Dnssl {
  domains: string[];
  lifetime: number;
}

export interface Rdisc6Advert {
  /** Cur Hop Limit; 0 = unspecified. */
  hopLimit: number;
  /** M flag ("Stateful address conf."). */
  managed: boolean;
  /** O flag ("Stateful other conf."). */
  other: boolean;
  /** H flag ("Mobile home agent"). */
  homeAgent: boolean;
  /** Default router preference; 'invalid' for the reserved value 10. */
  preference: Rdisc6Pref;
  /** P flag ("Neighbor discovery proxy"). */
  ndProxy: boolean;
  /** Seconds. */
  routerLifetime: number;
  /** Milliseconds; 0 = unspecified. */
  reachableTimeMs: number;
  /** Milliseconds; 0 = unspecified. */
  retransTimeMs: number;
  prefixes: Rdisc6Prefix[];
  routes: Rdisc6Route[];
  /** One entry per RDNSS option. */
  rdnss: Rdisc6Rdnss[];
  /** One entry per DNSSL option. */
  dnssl: Rdisc6Dnssl[];
  /** All RDNSS servers, in order. */
  dnsServers: string[];
  /** All DNSSL domains, in order. */
  searchList: string[];
  /** MTU option value, null when absent. */
  mtu: number | null;
  /** Source link-layer address option, lower case (ip's spelling), null when absent. */
  sourceLinkLayerAddress: string | null;
  /** Source address of the RA. */
  from: string;
  /** Lines of the block that the parser did not understand (empty for known output). */
  unparsed: string[];
}

export class Rdisc6ParseError extends Error {
  override readonly name = 'Rdisc6ParseError';
}

export class Rdisc6Error extends Error {
  override readonly name = 'Rdisc6Error';
  constructor(message: string, readonly result: ExecResult) {
    super(`${message}\n--- rdisc6 stdout ---\n${result.stdout}--- rdisc6 stderr ---\n${result.stderr}`);
  }
}

function yesNo(v: string, line: string): boolean {
  const t = v.trim();
  if (t === 'Yes') return true;
  if (t === 'No') return false;
  throw new Rdisc6ParseError(`expected Yes/No: '${line}'`);
}

/** "60 (      0x3c)", "30 (0x0000001e) seconds", "infinite (0xffffffff)", "unspecified (0x00000000)", "undefined (...)". */
function number32(v: string, line: string): number {
  const t = v.trim();
  if (/^infinite\b/.test(t)) return INFINITE_LIFETIME;
  if (/^(unspecified|undefined)\b/.test(t)) return 0;
  const m = /^(\d+)\b/.exec(t);
  if (!m || m[1] === undefined) throw new Rdisc6ParseError(`expected a number: '${line}'`);
  return Number(m[1]);
}

function pref(v: string, line: string): Rdisc6Pref {
  const t = v.trim();
  if (t === 'low' || t === 'medium' || t === 'high') return t;
  if (t.startsWith('medium (invalid)')) return 'invalid';
  throw new Rdisc6ParseError(`unknown preference: '${line}'`);
}

function prefixOf(v: string, line: string): { prefix: string; length: number } {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(v.trim());
  if (!m || m[1] === undefined || m[2] === undefined) throw new Rdisc6ParseError(`expected prefix/len: '${line}'`);
  return { prefix: m[1], length: Number(m[2]) };
}

function emptyAdvert(): Rdisc6Advert {
  return {
    hopLimit: 0,
    managed: false,
    other: false,
    homeAgent: false,
    preference: 'medium',
    ndProxy: false,
    routerLifetime: 0,
    reachableTimeMs: 0,
    retransTimeMs: 0,
    prefixes: [],
    routes: [],
    rdnss: [],
    dnssl: [],
    dnsServers: [],
    searchList: [],
    mtu: null,
    sourceLinkLayerAddress: null,
    from: '',
    unparsed: [],
  };
}

/** Parse every Router Advertisement block in rdisc6's verbose output (`rdisc6 -m` can print several). */
export function parseRdisc6All(text: string): Rdisc6Advert[] {
  const out: Rdisc6Advert[] = [];
  let cur: Rdisc6Advert | undefined;
  let pendingServers: string[] = [];
  const lastOf = <T>(xs: T[], line: string, what: string): T => {
    const x = xs[xs.length - 1];
    if (x === undefined) throw new Rdisc6ParseError(`'${line}' outside a ${what}`);
    return x;
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    if (line.trim() === '') continue;
    const from = /^\s*from\s+(\S+)$/.exec(line);
    if (from && from[1] !== undefined) {
      if (!cur) throw new Rdisc6ParseError(`'from' line without an advertisement: '${line}'`);
      cur.from = from[1];
      if (pendingServers.length > 0) {
        cur.rdnss.push({ servers: pendingServers, lifetime: 0 });
        cur.unparsed.push('(RDNSS servers without a lifetime line)');
      }
      pendingServers = [];
      out.push(cur);
      cur = undefined;
      continue;
    }
    const kv = /^\s*([^:]+?)\s*:\s?(.*)$/.exec(line);
    const label = kv?.[1];
    const value = kv?.[2] ?? '';
    if (label === 'Hop limit') {
      cur = emptyAdvert();
      pendingServers = [];
      cur.hopLimit = number32(value, line);
      continue;
    }
    if (!cur) continue; // "Soliciting ...", "Timed out.", "No response." and anything outside a block
    switch (label) {
      case 'Stateful address conf.':
        cur.managed = yesNo(value, line);
        break;
      case 'Stateful other conf.':
        cur.other = yesNo(value, line);
        break;
      case 'Mobile home agent':
        cur.homeAgent = yesNo(value, line);
        break;
      case 'Router preference':
        cur.preference = pref(value, line);
        break;
      case 'Neighbor discovery proxy':
        cur.ndProxy = yesNo(value, line);
        break;
      case 'Router lifetime':
        cur.routerLifetime = number32(value, line);
        break;
      case 'Reachable time':
        cur.reachableTimeMs = number32(value, line);
        break;
      case 'Retransmit time':
        cur.retransTimeMs = number32(value, line);
        break;
      case 'Prefix':
        cur.prefixes.push({ ...prefixOf(value, line), onLink: false, autonomous: false, validLifetime: 0, preferredLifetime: 0 });
        break;
      case 'On-link':
        lastOf(cur.prefixes, line, 'prefix').onLink = yesNo(value, line);
        break;
      case 'Autonomous address conf.':
        lastOf(cur.prefixes, line, 'prefix').autonomous = yesNo(value, line);
        break;
      case 'Valid time':
        lastOf(cur.prefixes, line, 'prefix').validLifetime = number32(value, line);
        break;
      case 'Pref. time':
        lastOf(cur.prefixes, line, 'prefix').preferredLifetime = number32(value, line);
        break;
      case 'Route':
        cur.routes.push({ ...prefixOf(value, line), preference: 'medium', lifetime: 0 });
        break;
      case 'Route preference':
        lastOf(cur.routes, line, 'route').preference = pref(value, line);
        break;
      case 'Route lifetime':
        lastOf(cur.routes, line, 'route').lifetime = number32(value, line);
        break;
      case 'Recursive DNS server':
        pendingServers.push(value.trim());
        cur.dnsServers.push(value.trim());
        break;
      case 'DNS server lifetime':
      case 'DNS servers lifetime':
        cur.rdnss.push({ servers: pendingServers, lifetime: number32(value, line) });
        pendingServers = [];
        break;
      case 'DNS search list': {
        const domains = value.trim() === '' ? [] : value.trim().split(/\s+/);
        cur.dnssl.push({ domains, lifetime: 0 });
        cur.searchList.push(...domains);
        break;
      }
      case 'DNS search list lifetime':
        lastOf(cur.dnssl, line, 'DNS search list').lifetime = number32(value, line);
        break;
      case 'MTU': {
        const m = /^\s*(\d+)\s+bytes?\b/.exec(value);
        if (!m || m[1] === undefined) throw new Rdisc6ParseError(`bad MTU line: '${line}'`);
        cur.mtu = Number(m[1]);
        break;
      }
      case 'Source link-layer address':
        cur.sourceLinkLayerAddress = value.trim().toLowerCase();
        break;
      default:
        cur.unparsed.push(line);
    }
  }
  return out;
}

/** Parse rdisc6 output holding (at least) one Router Advertisement; returns the first. */
export function parseRdisc6(text: string): Rdisc6Advert {
  const [first] = parseRdisc6All(text);
  if (!first) throw new Rdisc6ParseError(`no Router Advertisement in rdisc6 output:\n${text}`);
  return first;
}

export interface Rdisc6Options {
  /** Solicitations to send (-r). Default 1. */
  retries?: number;
  /** How long to wait for an answer after each solicitation, ms (-w). Default 3000. */
  waitMs?: number;
  /** Address to solicit (default ff02::2, all routers). */
  target?: string;
  /** Don't send a solicitation, only wait for an unsolicited RA (-d). */
  noSolicit?: boolean;
  /** Kill rdisc6 after this many ms. Default retries * waitMs + 5000. */
  timeoutMs?: number;
}

function rdisc6Argv(ifname: string, opts: Rdisc6Options, multiple: boolean): string[] {
  const argv = ['rdisc6', '-n', multiple ? '-m' : '-1', '-r', String(opts.retries ?? 1), '-w', String(opts.waitMs ?? 3000)];
  if (opts.noSolicit) argv.push('-d');
  if (opts.target) argv.push(opts.target);
  argv.push(ifname);
  return argv;
}

function rdisc6Timeout(opts: Rdisc6Options): number {
  return opts.timeoutMs ?? (opts.retries ?? 1) * (opts.waitMs ?? 3000) + 5000;
}

/** Run `rdisc6 -n -1 -r 1 -w 3000 IF` in `ns` and parse the first RA; throws Rdisc6Error when none comes. */
export async function rdisc6(lab: Lab, ns: string, ifname: string, opts: Rdisc6Options = {}): Promise<Rdisc6Advert> {
  const r = await lab.exec(ns, rdisc6Argv(ifname, opts, false), { timeoutMs: rdisc6Timeout(opts) });
  if (r.code !== 0) throw new Rdisc6Error(`rdisc6 on ${ifname} in ${ns}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}`, r);
  try {
    return parseRdisc6(r.stdout);
  } catch (e) {
    throw new Rdisc6Error(`rdisc6 output not understood: ${String(e)}`, r);
  }
}

/** Run `rdisc6 -m`: every RA received during retries * waitMs (possibly none). */
export async function rdisc6All(lab: Lab, ns: string, ifname: string, opts: Rdisc6Options = {}): Promise<Rdisc6Advert[]> {
  const r = await lab.exec(ns, rdisc6Argv(ifname, opts, true), { timeoutMs: rdisc6Timeout(opts) });
  if (r.code !== 0 && r.code !== 2) throw new Rdisc6Error(`rdisc6 -m on ${ifname} in ${ns}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}`, r);
  return parseRdisc6All(r.stdout);
}
