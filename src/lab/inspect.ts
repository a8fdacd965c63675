/**
 * Host-side setup and kernel-state inspection of a lab namespace, all from `ip -j` JSON
 * and /proc/sys/net (read inside the namespace). The parsers are pure and exported so that
 * they can be unit-tested on recorded JSON.
 */
import type { Lab } from './netns';

/** Lifetime value meaning "infinite"/"forever" (ip's JSON and the RA wire format both use it). */
export const INFINITE_LIFETIME = 0xffffffff;

export type RoutePref = 'high' | 'medium' | 'low';

export interface RouteEntry {
  /** 'unicast', 'local', 'multicast', ... */
  type: string;
  /** As ip prints it: 'default' for ::/0, otherwise 'prefix/len' (or a bare address for /128). */
  dst: string;
  gateway?: string;
  dev?: string;
  /** 'ra' for routes learned from RAs (default and RIO routes), 'kernel' for on-link prefix routes, ... */
  protocol: string;
  metric?: number;
  pref?: RoutePref;
  /** Seconds until the route expires (absent: permanent). */
  expires?: number;
  table?: string;
  flags: string[];
  /** Route metrics (RA default routes carry the advertised MTU and hop limit here). */
  mtu?: number;
  hoplimit?: number;
  /** Nexthop weight when the route came from a multipath entry (flattened into one entry per nexthop). */
  weight?: number;
}

export interface RouteQuery {
  dev?: string;
  protocol?: string;
  /** Only routes whose dst equals this ('default' matches ::/0 too). */
  dst?: string;
  /** Routing table (default 'main'; 'all' for every table). */
  table?: string;
}

export interface AddressFlags {
  dynamic: boolean;
  mngtmpaddr: boolean;
  deprecated: boolean;
  tentative: boolean;
  temporary: boolean;
  dadfailed: boolean;
  optimistic: boolean;
  noprefixroute: boolean;
}

export interface AddressEntry {
  address: string;
  prefixLength: number;
  scope: string;
  /** Seconds; INFINITE_LIFETIME (4294967295) means forever. */
  preferredLft: number;
  validLft: number;
  flags: AddressFlags;
}

export interface LinkInfo {
  ifname: string;
  ifindex: number;
  /** Link (L2) MTU; the IPv6 MTU set by an RA MTU option is linkMtu(). */
  mtu: number;
  address?: string;
  operstate: string;
  flags: string[];
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function parseJsonArray(text: string, what: string): unknown[] {
  const t = text.trim();
  if (t === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch (e) {
    throw new Error(`${what}: not JSON: ${String(e)}: ${t.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${what}: expected a JSON array`);
  return parsed;
}

function asPref(v: unknown): RoutePref | undefined {
  return v === 'high' || v === 'medium' || v === 'low' ? v : undefined;
}

/** Parse `ip -6 -j route show ...` output. Multipath entries become one entry per nexthop. */
export function parseRoutesJson(text: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const raw of parseJsonArray(text, 'ip route')) {
    const r = obj(raw);
    const base: RouteEntry = {
      type: str(r['type']) ?? 'unicast',
      dst: str(r['dst']) ?? '',
      protocol: str(r['protocol']) ?? 'boot',
      flags: Array.isArray(r['flags']) ? (r['flags'] as unknown[]).flatMap((f) => (typeof f === 'string' ? [f] : [])) : [],
    };
    const gateway = str(r['gateway']);
    if (gateway !== undefined) base.gateway = gateway;
    const dev = str(r['dev']);
    if (dev !== undefined) base.dev = dev;
    const metric = num(r['metric']);
    if (metric !== undefined) base.metric = metric;
    const pref = asPref(r['pref']);
    if (pref !== undefined) base.pref = pref;
    const expires = num(r['expires']);
    if (expires !== undefined) base.expires = expires;
    const table = str(r['table']);
    if (table !== undefined) base.table = table;
    if (Array.isArray(r['metrics'])) {
      for (const m of r['metrics'] as unknown[]) {
        const mo = obj(m);
        const mtu = num(mo['mtu']);
        if (mtu !== undefined) base.mtu = mtu;
        const hl = num(mo['hoplimit']);
        if (hl !== undefined) base.hoplimit = hl;
      }
    }
    if (Array.isArray(r['nexthops']) && r['nexthops'].length > 0) {
      for (const nh of r['nexthops'] as unknown[]) {
        const n = obj(nh);
        const e: RouteEntry = { ...base, flags: [...base.flags] };
        const g = str(n['gateway']);
        if (g !== undefined) e.gateway = g;
        const d = str(n['dev']);
        if (d !== undefined) e.dev = d;
        const w = num(n['weight']);
        if (w !== undefined) e.weight = w;
        out.push(e);
      }
    } else {
      out.push(base);
    }
  }
  return out;
}

export function isDefaultDst(dst: string): boolean {
  return dst === 'default' || dst === '::/0';
}

/** Filter routes as RouteQuery says (dev, protocol, dst). */
export function filterRoutes(routes: RouteEntry[], q: RouteQuery = {}): RouteEntry[] {
  return routes.filter(
    (r) =>
      (q.dev === undefined || r.dev === q.dev) &&
      (q.protocol === undefined || r.protocol === q.protocol) &&
      (q.dst === undefined || r.dst === q.dst || (isDefaultDst(q.dst) && isDefaultDst(r.dst))),
  );
}

/** IPv6 routes of a namespace (table main unless q.table), including default and RIO routes (protocol 'ra'). */
export async function routes(lab: Lab, ns: string, q: RouteQuery = {}): Promise<RouteEntry[]> {
  const r = await lab.exec(ns, ['ip', '-6', '-j', 'route', 'show', 'table', q.table ?? 'main'], { check: true });
  return filterRoutes(parseRoutesJson(r.stdout), q);
}

/** Default routes (::/0) of a namespace, one entry per router. */
export async function defaultRoutes(lab: Lab, ns: string, q: Omit<RouteQuery, 'dst'> = {}): Promise<RouteEntry[]> {
  return routes(lab, ns, { ...q, dst: 'default' });
}

/** Parse `ip -6 -j addr show [dev IF]`: the inet6 addresses (of ifname when given). */
export function parseAddressesJson(text: string, ifname?: string): AddressEntry[] {
  const out: AddressEntry[] = [];
  for (const rawLink of parseJsonArray(text, 'ip addr')) {
    const link = obj(rawLink);
    if (ifname !== undefined && link['ifname'] !== undefined && link['ifname'] !== ifname) continue;
    const infos = Array.isArray(link['addr_info']) ? (link['addr_info'] as unknown[]) : [];
    for (const rawInfo of infos) {
      const a = obj(rawInfo);
      if (a['family'] !== undefined && a['family'] !== 'inet6') continue;
      const address = str(a['local']);
      if (address === undefined) continue;
      const flag = (k: string): boolean => a[k] === true;
      out.push({
        address,
        prefixLength: num(a['prefixlen']) ?? 128,
        scope: str(a['scope']) ?? 'global',
        preferredLft: num(a['preferred_life_time']) ?? INFINITE_LIFETIME,
        validLft: num(a['valid_life_time']) ?? INFINITE_LIFETIME,
        flags: {
          dynamic: flag('dynamic'),
          mngtmpaddr: flag('mngtmpaddr'),
          deprecated: flag('deprecated'),
          tentative: flag('tentative'),
          temporary: flag('temporary'),
          dadfailed: flag('dadfailed'),
          optimistic: flag('optimistic'),
          noprefixroute: flag('noprefixroute'),
        },
      });
    }
  }
  return out;
}

/** IPv6 addresses of an interface, with lifetimes and flags. */
export async function addresses(lab: Lab, ns: string, ifname: string): Promise<AddressEntry[]> {
  const r = await lab.exec(ns, ['ip', '-6', '-j', 'addr', 'show', 'dev', ifname], { check: true });
  return parseAddressesJson(r.stdout, ifname);
}

export function parseLinkJson(text: string): LinkInfo[] {
  return parseJsonArray(text, 'ip link').map((raw) => {
    const l = obj(raw);
    const info: LinkInfo = {
      ifname: str(l['ifname']) ?? '',
      ifindex: num(l['ifindex']) ?? 0,
      mtu: num(l['mtu']) ?? 0,
      operstate: str(l['operstate']) ?? 'UNKNOWN',
      flags: Array.isArray(l['flags']) ? (l['flags'] as unknown[]).flatMap((f) => (typeof f === 'string' ? [f] : [])) : [],
    };
    const mac = str(l['address']);
    if (mac !== undefined) info.address = mac;
    return info;
  });
}

/** `ip -j link show IF` inside the namespace. */
export async function linkInfo(lab: Lab, ns: string, ifname: string): Promise<LinkInfo> {
  const r = await lab.exec(ns, ['ip', '-j', 'link', 'show', 'dev', ifname], { check: true });
  const [info] = parseLinkJson(r.stdout);
  if (!info) throw new Error(`no link ${ifname} in ${ns}`);
  return info;
}

async function readIntSysctl(lab: Lab, ns: string, path: string): Promise<number> {
  const text = (await lab.readFile(ns, path)).trim();
  const v = Number(text);
  if (!Number.isInteger(v)) throw new Error(`${path} in ${ns}: not an integer: '${text}'`);
  return v;
}

/** The interface's IPv6 MTU (/proc/sys/net/ipv6/conf/IF/mtu): what an RA MTU option sets (the L2 MTU stays). */
export function linkMtu(lab: Lab, ns: string, ifname: string): Promise<number> {
  return readIntSysctl(lab, ns, `/proc/sys/net/ipv6/conf/${ifname}/mtu`);
}

/** The interface's current hop limit (/proc/sys/net/ipv6/conf/IF/hop_limit): set by an RA's Cur Hop Limit. */
export function hopLimit(lab: Lab, ns: string, ifname: string): Promise<number> {
  return readIntSysctl(lab, ns, `/proc/sys/net/ipv6/conf/${ifname}/hop_limit`);
}

/** Neighbour discovery timers of an interface (set by an RA's Reachable Time and Retrans Timer). */
export async function ndParams(lab: Lab, ns: string, ifname: string): Promise<{ baseReachableTimeMs: number; retransTimeMs: number }> {
  return {
    baseReachableTimeMs: await readIntSysctl(lab, ns, `/proc/sys/net/ipv6/neigh/${ifname}/base_reachable_time_ms`),
    retransTimeMs: await readIntSysctl(lab, ns, `/proc/sys/net/ipv6/neigh/${ifname}/retrans_time_ms`),
  };
}

/** Slash-form sysctl key for an IPv6 per-interface setting (safe for names containing dots). */
export function confKey(ifname: string, leaf: string): string {
  return `net/ipv6/conf/${ifname}/${leaf}`;
}

/** The sysctls prepareHost() applies to a host interface. */
export function hostSysctls(ifname: string): Record<string, number> {
  return {
    [confKey(ifname, 'forwarding')]: 0,
    [confKey(ifname, 'accept_ra')]: 2,
    [confKey(ifname, 'accept_ra_defrtr')]: 1,
    [confKey(ifname, 'accept_ra_pinfo')]: 1,
    [confKey(ifname, 'accept_ra_rtr_pref')]: 1,
    [confKey(ifname, 'accept_ra_rt_info_max_plen')]: 64,
    [confKey(ifname, 'accept_ra_min_hop_limit')]: 1,
    [confKey(ifname, 'accept_ra_mtu')]: 1,
    [confKey(ifname, 'autoconf')]: 1,
    [confKey(ifname, 'accept_dad')]: 0,
  };
}

/**
 * Make `ifname` in `ns` an RA-accepting host: accept_ra=2, accept_ra_defrtr/pinfo/rtr_pref=1,
 * accept_ra_rt_info_max_plen=64, accept_ra_min_hop_limit=1 (the kernel default), accept_ra_mtu=1,
 * forwarding=0, autoconf=1, accept_dad=0. The link is then taken down and up so that it starts
 * from a clean state (no addresses or routes learned before) and sends Router Solicitations.
 */
export async function prepareHost(lab: Lab, ns: string, ifname: string, opts: { bounce?: boolean } = {}): Promise<void> {
  await lab.sysctls(ns, hostSysctls(ifname));
  if (opts.bounce ?? true) await lab.linkDown(ns, ifname);
  await lab.linkUp(ns, ifname);
}

/** Make `ifname` in `ns` a router interface: forwarding=1 (all and IF), accept_ra=0, accept_dad=0, link up. */
export async function prepareRouter(lab: Lab, ns: string, ifname: string): Promise<void> {
  await lab.sysctls(ns, {
    'net.ipv6.conf.all.forwarding': 1,
    [confKey(ifname, 'forwarding')]: 1,
    [confKey(ifname, 'accept_ra')]: 0,
    [confKey(ifname, 'accept_dad')]: 0,
  });
  await lab.linkUp(ns, ifname);
}

/**
 * Wait until the interface has a usable (non-tentative) link-local address and return it.
 * After a veth comes up the kernel adds it only once the carrier is seen (linkwatch can take
 * up to a second); tools that send from it (rdisc6, radvd) fail before that.
 */
export async function waitLinkLocal(lab: Lab, ns: string, ifname: string, timeoutMs = 5000): Promise<string> {
  const a = await waitFor(async () => (await addresses(lab, ns, ifname)).find((x) => x.scope === 'link' && !x.flags.tentative && !x.flags.dadfailed), {
    timeoutMs,
    intervalMs: 50,
    what: `link-local address on ${ifname} in ${ns}`,
  });
  if (!a) throw new Error('unreachable');
  return a.address;
}

export interface WaitOptions<T> {
  /** Default 5000. */
  timeoutMs?: number;
  /** Default 100. */
  intervalMs?: number;
  /** Done when this returns true; default: the value is truthy (and, for an array, non-empty). */
  until?: (value: T) => boolean;
  /** Named in the timeout message. */
  what?: string;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(message: string, readonly lastValue: unknown, readonly lastError: unknown) {
    super(message);
  }
}

function defaultDone(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v);
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    return (s ?? String(v)).slice(0, 4000);
  } catch {
    return String(v);
  }
}

/**
 * Poll fn() until it yields a value accepted by opts.until (default: truthy / non-empty array) and
 * return that value. An exception from fn() counts as "not yet". On timeout, throws a
 * WaitTimeoutError quoting the last value (or last error) seen.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions<T> = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 100;
  const done = opts.until ?? defaultDone;
  const deadline = Date.now() + timeoutMs;
  let lastValue: unknown = undefined;
  let lastError: unknown = undefined;
  let seen = false;
  for (;;) {
    try {
      const v = await fn();
      lastValue = v;
      lastError = undefined;
      seen = true;
      if (done(v)) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  const what = opts.what ? ` for ${opts.what}` : '';
  const last = lastError !== undefined ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}` : seen ? `last value: ${show(lastValue)}` : 'no value';
  throw new WaitTimeoutError(`waitFor${what} timed out after ${timeoutMs} ms; ${last}`, lastValue, lastError);
}
