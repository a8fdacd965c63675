/**
 * S2 and S3: one router, two ISPs (scenarios.md S2, S3; RFC 8475 3.2.1, 3.2.3, 3.2.4).
 *
 *   host (h0) ---- (lan0) R1 (wan-a) ---- [p-r1 acc0] ISP A (inet0) ---- (isp-a)
 *                            (wan-b) ---- [p-r1 acc0] ISP B (inet0) ---- (isp-b) srv  "the Internet":
 *                                                                              2001:db8:100::80 on lo
 *
 * R1 advertises 2001:db8:1:1::/64 (from ISP A's 2001:db8:1::/48) and 2001:db8:2:1::/64 (from
 * ISP B's 2001:db8:2::/48) on its LAN; firsthop sets their preferred lifetimes from the uplinks'
 * carrier (conditional RAs). The forwarding half is R1's kernel: source-specific routes send
 * what comes from A's /48 to A and from B's /48 to B (R1_ROUTES). Each ISP only takes its own
 * customer's source addresses (ingress filtering, BCP 38) and the server routes each /48 back
 * through its own ISP, as on the real Internet.
 *
 * The host makes new TCP connections to the server every 100 ms, letting its kernel pick the
 * source address (RFC 6724: deprecated addresses are avoided), and others bound to each of its
 * addresses. SYNs are captured as they leave R1 (wan-a, wan-b) and as they reach the server
 * (isp-a, isp-b): which source went which way is seen, not guessed.
 *
 * Uplinks fail as a line does: the ISP's access port toward R1 goes down, R1's wan-a loses
 * carrier and keeps its own configuration (addresses, routes).
 */
import { addresses, defaultRoutes, prepareHost, prepareRouter, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import { Conns, type Attempt } from './conns';
import { addressStateOf, carrierOf, raValue, type KernelEvent, type KernelWatch, type WirePacket, type WireWatch } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { fmtMs } from './timeline';

export interface Isp {
  /** 'A' or 'B'. */
  readonly name: string;
  /** The ISP's namespace. */
  readonly ns: string;
  /** R1's uplink to it. */
  readonly wan: string;
  /** The server's link from it. */
  readonly ingress: string;
  /** The customer's block from this ISP. */
  readonly block: string;
  /** The LAN prefix R1 advertises from it. */
  readonly lan: string;
  readonly lanStart: string;
  /** The ISP's resolver (RDNSS) in the primary/backup config. */
  readonly rdnss: string;
  /** Access link R1 <-> ISP: the ISP is ::1, R1 ::2. */
  readonly access: string;
  /** Link ISP <-> server: the ISP is ::1, the server ::2. */
  readonly core: string;
}

export const ISP_A: Isp = { name: 'A', ns: 'ispa', wan: 'wan-a', ingress: 'isp-a', block: '2001:db8:1::/48', lan: '2001:db8:1:1::/64', lanStart: '2001:db8:1:1:', rdnss: '2001:db8:1::53', access: '2001:db8:fa::', core: '2001:db8:ea::' };
export const ISP_B: Isp = { name: 'B', ns: 'ispb', wan: 'wan-b', ingress: 'isp-b', block: '2001:db8:2::/48', lan: '2001:db8:2:1::/64', lanStart: '2001:db8:2:1:', rdnss: '2001:db8:2::53', access: '2001:db8:fb::', core: '2001:db8:eb::' };
export const SERVER = '2001:db8:100::80';
export const SERVER_PORT = 8080;
/** The ISP's access port toward R1 (a port of its access bridge acc0): cut to take R1's carrier. */
const ACCESS_PORT = 'p-r1';
const VALID = 2592000;
/**
 * How late a lost carrier may reach user space: the kernel's linkwatch handles changes it does
 * not deem urgent at most once a second, machine-wide (the next run is at least 1 s after the
 * previous one, whatever triggered it), and a lost carrier on a plain device (ifindex = iflink:
 * a physical NIC, or a veth whose peer has the same ifindex in its own namespace, as R1's wan-a
 * here) is not urgent. A carrier coming up is, so recovery is not delayed.
 */
const LINKWATCH_MS = 1000;
/** The end-to-end bound from a cut to the RA: linkwatch, firsthop's part, and 300 ms for a busy machine. */
const e2eMs = (reactMs: number): number => LINKWATCH_MS + reactMs + 300;
const PREFERRED = 604800;

/**
 * The routing R1 needs beside firsthop (`ip -n R1 ...` argv). Source-specific routes (the
 * kernel's IPv6 subtrees, CONFIG_IPV6_SUBTREES): the destination is matched first, then the
 * source, so the LAN's own prefixes stay on the LAN and only what leaves is steered. Each /48
 * has an unreachable backstop: while its uplink is down (ignore_routes_with_linkdown) its packets
 * get an ICMPv6 error at once instead of falling back to the plain default and leaking to the
 * other ISP, which would drop them anyway (ingress filtering). The plain defaults carry R1's own
 * traffic (sources outside both blocks: its link addresses).
 */
export const R1_ROUTES: ReadonlyArray<readonly string[]> = [
  ['-6', 'route', 'add', 'default', 'from', ISP_A.block, 'via', `${ISP_A.access}1`, 'dev', ISP_A.wan],
  ['-6', 'route', 'add', 'unreachable', 'default', 'from', ISP_A.block, 'metric', '4096'],
  ['-6', 'route', 'add', 'default', 'from', ISP_B.block, 'via', `${ISP_B.access}1`, 'dev', ISP_B.wan],
  ['-6', 'route', 'add', 'unreachable', 'default', 'from', ISP_B.block, 'metric', '4096'],
  ['-6', 'route', 'add', 'default', 'via', `${ISP_A.access}1`, 'dev', ISP_A.wan, 'metric', '1024'],
  ['-6', 'route', 'add', 'default', 'via', `${ISP_B.access}1`, 'dev', ISP_B.wan, 'metric', '2048'],
];

/** The same text as examples/rfc8475-3.2.1-primary-backup.conf (a unit test keeps them equal). */
export const PRIMARY_BACKUP_CONF = `# RFC 8475 3.2.1: one router, two ISPs. ISP A (wan-a, 2001:db8:1::/48) is primary, ISP B
# (wan-b, 2001:db8:2::/48) the backup. While A is up, hosts prefer A's prefix and B's is
# deprecated; when A goes down, A's is deprecated and B's preferred. Only preferred lifetimes
# change: valid lifetimes never do (RFC 8475 3.1.2, RFC 4862 5.5.3). Recovery of A is
# announced after a hold-down, and a flapping A stays deprecated (RFC 8475 3.2.7).

condition uplink-a {
    link wan-a up;
    damping on;               # defaults: hold-down 30 s, penalty 1000, suppress 2000, reuse 750, half-life 60 s, max 600 s
};

interface lan0 {
    AdvSendAdvert on;
    MaxRtrAdvInterval 600;
    prefix 2001:db8:1:1::/64 {
        AdvValidLifetime 2592000;
        AdvPreferredLifetime 604800;
        if uplink-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
    };
    prefix 2001:db8:2:1::/64 {
        AdvValidLifetime 2592000;
        AdvPreferredLifetime 604800;
        if uplink-a { AdvPreferredLifetime 0; } else { AdvPreferredLifetime 604800; };
    };
    # Each ISP's resolver follows its uplink (scenarios.md S2).
    RDNSS 2001:db8:1::53 {
        AdvRDNSSLifetime 1800;
        if uplink-a { AdvRDNSSLifetime 1800; } else { AdvRDNSSLifetime 0; };
    };
    RDNSS 2001:db8:2::53 {
        AdvRDNSSLifetime 1800;
    };
    # A ULA keeps intra-site traffic preferred when every uplink is down (RFC 8475 3.2.6).
    prefix fd00:1:2:3::/64 { };
};
`;

/** The same text as examples/rfc8475-3.2.3-load-balancing.conf (a unit test keeps them equal). */
export const LOAD_BALANCING_CONF = `# RFC 8475 3.2.3 (and 3.2.4 on each of two routers): both uplinks in use. Each prefix is
# preferred while its own uplink is up and deprecated while it is down.

condition uplink-a { link wan-a up; damping on; };
condition uplink-b { link wan-b up; damping on; };

interface lan0 {
    AdvSendAdvert on;
    prefix 2001:db8:1:1::/64 {
        AdvPreferredLifetime 604800;
        AdvValidLifetime 2592000;
        if uplink-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
    };
    prefix 2001:db8:2:1::/64 {
        AdvPreferredLifetime 604800;
        AdvValidLifetime 2592000;
        if uplink-b { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
    };
    # Not a default router while no uplink works at all.
    if no-uplink { AdvDefaultLifetime 0; } else { AdvDefaultLifetime 1800; };
};

condition no-uplink { not any-uplink; };
condition any-uplink { any uplink-a uplink-b; };
`;

/** The fast setting of an example: triggered RAs 30 ms apart, a 2 s hold-down (as test/integration/conditions.test.ts). */
export function fastConfig(conf: string, holdDown = 2): string {
  return conf.replace(/AdvSendAdvert on;/g, 'AdvSendAdvert on;\n    MinDelayBetweenRAs 0.03;').replace(/damping on;/g, `damping { HoldDown ${holdDown}; };`);
}

/** The ISP whose block holds `addr`, by name ('A', 'B'), or '?' */
export function ispOf(addr: string | undefined): string {
  if (addr === undefined) return '?';
  if (addr.startsWith('2001:db8:1:')) return 'A';
  if (addr.startsWith('2001:db8:2:')) return 'B';
  return '?';
}

/** Build the namespaces, links, addresses and routes. Returns R1's link-local address on the LAN. */
export async function s2Topology(lab: Lab): Promise<string> {
  for (const ns of ['r1', 'host', 'ispa', 'ispb', 'srv']) await lab.addNamespace(ns);
  await lab.sysctls('r1', {
    'net.ipv6.conf.all.forwarding': 1,
    // A route over an uplink without carrier is not used: its /48 falls to the unreachable backstop.
    'net.ipv6.conf.all.ignore_routes_with_linkdown': 1,
    'net.ipv6.conf.default.ignore_routes_with_linkdown': 1,
  });
  for (const isp of [ISP_A, ISP_B]) await lab.sysctls(isp.ns, { 'net.ipv6.conf.all.forwarding': 1 });
  await lab.addVeth('r1', 'lan0', 'host', 'h0', { up: false });
  await prepareHost(lab, 'host', 'h0');
  await prepareRouter(lab, 'r1', 'lan0');
  await lab.ip('srv', ['addr', 'add', `${SERVER}/128`, 'dev', 'lo']);
  for (const isp of [ISP_A, ISP_B]) {
    // The access line ends on a bridge in the ISP (its access switch), so that taking the port
    // down takes R1's carrier while both ends keep their addresses and routes.
    await lab.addBridge(isp.ns, 'acc0', { noIpv6: false });
    await lab.addVeth('r1', isp.wan, isp.ns, ACCESS_PORT, { masterB: 'acc0' });
    await lab.addVeth(isp.ns, 'inet0', 'srv', isp.ingress);
    await lab.ip('r1', ['addr', 'add', `${isp.access}2/64`, 'dev', isp.wan, 'nodad']);
    await lab.ip(isp.ns, ['addr', 'add', `${isp.access}1/64`, 'dev', 'acc0', 'nodad']);
    await lab.ip(isp.ns, ['addr', 'add', `${isp.core}1/64`, 'dev', 'inet0', 'nodad']);
    await lab.ip('srv', ['addr', 'add', `${isp.core}2/64`, 'dev', isp.ingress, 'nodad']);
    await lab.ip(isp.ns, ['-6', 'route', 'add', isp.block, 'via', `${isp.access}2`, 'dev', 'acc0']);
    await lab.ip(isp.ns, ['-6', 'route', 'add', 'default', 'via', `${isp.core}2`, 'dev', 'inet0']);
    // Ingress filtering (BCP 38): from its customer the ISP takes only the customer's block and the access link.
    await lab.ip(isp.ns, ['-6', 'rule', 'add', 'pref', '100', 'iif', 'acc0', 'from', isp.block, 'lookup', 'main']);
    await lab.ip(isp.ns, ['-6', 'rule', 'add', 'pref', '101', 'iif', 'acc0', 'from', `${isp.access}/64`, 'lookup', 'main']);
    await lab.ip(isp.ns, ['-6', 'rule', 'add', 'pref', '102', 'iif', 'acc0', 'blackhole']);
    // The Internet routes each block back through its own ISP only.
    await lab.ip('srv', ['-6', 'route', 'add', isp.block, 'via', `${isp.core}1`, 'dev', isp.ingress]);
  }
  for (const a of ['2001:db8:1:1::1/64', '2001:db8:2:1::1/64', 'fd00:1:2:3::1/64']) await lab.ip('r1', ['addr', 'add', a, 'dev', 'lan0', 'nodad']);
  for (const argv of R1_ROUTES) await lab.ip('r1', argv);
  await lab.linkUp('host', 'h0');
  const r1LL = await waitLinkLocal(lab, 'r1', 'lan0');
  await waitLinkLocal(lab, 'host', 'h0');
  return r1LL;
}

/** Cut an uplink: the ISP's access port goes down (R1 loses carrier, keeps its config). */
export const cutUplink = (lab: Lab, isp: Isp): Promise<void> => lab.linkDown(isp.ns, ACCESS_PORT);
export const restoreUplink = (lab: Lab, isp: Isp): Promise<void> => lab.linkUp(isp.ns, ACCESS_PORT);

/** An address notification's state for `addr` (undefined: another address or not an address). */
export function addrState(e: KernelEvent, addr: string): 'deprecated' | 'preferred' | 'deleted' | undefined {
  return addressStateOf(e, (a) => a.startsWith(`${addr}/`));
}

/** R1's link notifications: carrier of an uplink. */
const carrier = carrierOf;

export interface S2Env {
  readonly r1LL: string;
  readonly wire: WireWatch;
  readonly host: KernelWatch;
  readonly r1: KernelWatch;
  readonly conns: Conns;
  /** The host's SLAAC address in each ISP's LAN prefix. */
  readonly addr: Readonly<Record<string, string>>;
  /** When the run's first RA from R1 was seen (for the valid-lifetime check). */
  readonly firstRaUs: number;
}

/**
 * Build the lab, start the probes and firsthop, and wait for the host's two addresses to be
 * in the state `want` says. The connection client is not started yet.
 */
export async function s2Setup(ctx: ScenarioContext, config: string, want: (isp: Isp, preferredLft: number) => boolean): Promise<S2Env> {
  const { lab } = ctx;
  const r1LL = await s2Topology(lab);
  const wire = await ctx.wire('host', 'h0', { track: [ISP_A.lan, ISP_B.lan, ...(config.includes('RDNSS') ? [`rdnss ${ISP_A.rdnss}`] : ['router'])], names: new Map([[r1LL, 'R1']]) });
  const host = await ctx.kernel('host', { label: 'host' });
  const seen = new Map<string, string>();
  const r1 = await ctx.kernel('r1', {
    lane: 'failure',
    label: 'R1 kernel',
    show: (e) => {
      for (const isp of [ISP_A, ISP_B]) {
        const c = carrier(e, isp.wan);
        // Only changes: a capture starting or stopping (promiscuous mode) renotifies the link too.
        if (c === undefined || seen.get(isp.wan) === c) continue;
        seen.set(isp.wan, c);
        return `${isp.wan} ${c === 'lost' ? 'lost carrier' : 'carrier up'}`;
      }
      return undefined;
    },
  });
  const conns = await Conns.start(lab, ctx.tl, {
    clientNs: 'host',
    serverNs: 'srv',
    server: SERVER,
    port: SERVER_PORT,
    links: [
      { label: 'ISP A', side: 'egress', ns: 'r1', ifname: ISP_A.wan },
      { label: 'ISP B', side: 'egress', ns: 'r1', ifname: ISP_B.wan },
      { label: 'ISP A', side: 'ingress', ns: 'srv', ifname: ISP_A.ingress },
      { label: 'ISP B', side: 'ingress', ns: 'srv', ifname: ISP_B.ingress },
    ],
    name: ispOf,
  });
  ctx.onFinish(() => conns.stop()); // also when the set-up fails below (stop() is idempotent)
  await ctx.firsthop('r1', config, { label: 'R1' });
  const got = await waitFor(async () => {
    const all = (await addresses(lab, 'host', 'h0')).filter((a) => a.scope === 'global' && !a.flags.temporary);
    const out: Record<string, string> = {};
    for (const isp of [ISP_A, ISP_B]) {
      const a = all.find((x) => x.address.startsWith(isp.lanStart));
      if (a === undefined || !want(isp, a.preferredLft)) return undefined;
      out[isp.name] = a.address;
    }
    return out;
  }, { timeoutMs: 20_000, intervalMs: 50, what: "the host's addresses from both prefixes" });
  if (got === undefined) throw new Error("the host's addresses did not appear");
  const first = wire.packets().find((p) => p.kind === 'ra' && p.src === r1LL);
  return { r1LL, wire, host, r1, conns, addr: got, firstRaUs: first?.tUs ?? ctx.now() };
}

/** The first RA from R1 after `afterUs` that matches. */
function raFrom(env: S2Env, pred: (p: WirePacket) => boolean, afterUs: number, timeoutMs: number): Promise<WirePacket | undefined> {
  return env.wire.wait((p) => p.kind === 'ra' && p.src === env.r1LL && p.ra !== undefined && pred(p), afterUs, timeoutMs);
}

const val = (p: WirePacket | undefined, item: string): number | undefined => (p?.ra === undefined ? undefined : raValue(p.ra, item));
const ms = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '-' : fmtMs((b - a) / 1000));

/** A stream's attempts started in [from, to): how many, how many completed, from which ISP's address, in through which ISP. */
export function summarize(env: S2Env, stream: string, from: number, to: number): { n: number; ok: number; pending: number; from: Record<string, number>; via: Record<string, number>; errs: Record<string, number>; list: Attempt[] } {
  const list = env.conns.attempts(stream).filter((a) => a.t >= from && a.t < to);
  const pending = env.conns.pending(stream, from, to).length;
  const out = { n: list.length + pending, ok: 0, pending, from: {} as Record<string, number>, via: {} as Record<string, number>, errs: {} as Record<string, number>, list };
  for (const a of list) {
    if (a.ok) {
      out.ok++;
      const f = ispOf(a.local);
      out.from[f] = (out.from[f] ?? 0) + 1;
      const v = env.conns.synOf(a, 'ingress')?.link ?? 'not captured';
      out.via[v] = (out.via[v] ?? 0) + 1;
    } else {
      out.errs[a.err ?? 'error'] = (out.errs[a.err ?? 'error'] ?? 0) + 1;
    }
  }
  return out;
}

const fmtCounts = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';

/** Every completed attempt of `stream` in [from, to) came from `isp`'s address and in through `isp`; at least `min` of them. */
function allThrough(env: S2Env, stream: string, from: number, to: number, isp: Isp, min: number): { pass: boolean; detail: string } {
  const s = summarize(env, stream, from, to);
  const good = s.list.filter((a) => a.ok && ispOf(a.local) === isp.name && env.conns.synOf(a, 'ingress')?.link === `ISP ${isp.name}`).length;
  return {
    pass: s.n >= min && good === s.n,
    detail: `${s.n} attempts in ${fmtMs((to - from) / 1000)}: ${s.ok} completed (from ${fmtCounts(s.from)}; in through ${fmtCounts(s.via)}), failures: ${fmtCounts(s.errs)}${s.pending > 0 ? `, ${s.pending} still pending` : ''}`,
  };
}

/**
 * The forwarding half over the whole run: no SYN from one ISP's block left R1 by the other
 * ISP's uplink, and each uplink carried its own (R1's capture on wan-a and wan-b).
 */
function forwardingCheck(ctx: ScenarioContext, env: S2Env): void {
  const eg = env.conns.syns('egress');
  const own = (isp: Isp): number => eg.filter((s) => s.link === `ISP ${isp.name}` && ispOf(s.src) === isp.name).length;
  const wrong = eg.filter((s) => ispOf(s.src) !== '?' && s.link !== `ISP ${ispOf(s.src)}`);
  ctx.check('forwarding half: each /48 leaves R1 by its own ISP, never the other', wrong.length === 0 && own(ISP_A) > 0 && own(ISP_B) > 0,
    `SYNs leaving R1: ${own(ISP_A)} from A's /48 on wan-a, ${own(ISP_B)} from B's /48 on wan-b, ${wrong.length} on the other ISP's uplink${wrong.length > 0 ? ` (first: ${wrong[0]?.src} on ${wrong[0]?.link})` : ''}`);
}

/** Valid lifetimes never changed: on the wire (every RA from R1) and in the host's kernel at the end. */
async function validCheck(ctx: ScenarioContext, env: S2Env): Promise<void> {
  const ras = env.wire.packets().filter((p) => p.kind === 'ra' && p.src === env.r1LL);
  const bad = ras.filter((p) => val(p, `valid ${ISP_A.lan}`) !== VALID || val(p, `valid ${ISP_B.lan}`) !== VALID);
  const elapsed = Math.ceil((ctx.now() - env.firstRaUs) / 1e6);
  const hostAddrs = (await addresses(ctx.lab, 'host', 'h0')).filter((a) => a.address === env.addr['A'] || a.address === env.addr['B']);
  const hostOk = hostAddrs.length === 2 && hostAddrs.every((a) => a.validLft <= VALID && a.validLft >= VALID - elapsed - 2);
  ctx.check('valid lifetimes never change', ras.length > 0 && bad.length === 0 && hostOk,
    `${ras.length} RAs from R1, ${bad.length} with a valid lifetime other than ${VALID} for either prefix; the host's addresses at the end: ${hostAddrs.map((a) => `${ispOf(a.address)} valid_lft ${a.validLft}`).join(', ')} (${elapsed} s after the first RA)`);
}

interface DownResult {
  readonly cut: number;
  readonly deprecated: number | undefined;
}

/**
 * Cut `down`'s uplink and follow it: R1's carrier, the RA deprecating its prefix (the other
 * `stay` preferred), the host's kernel, and the host's new connections moving to `stay`.
 */
async function failUplink(ctx: ScenarioContext, env: S2Env, down: Isp, stay: Isp, o: { reactMs: number; rdnss: boolean; stayWasDeprecated: boolean }): Promise<DownResult> {
  const cut = await ctx.inject(`ISP ${down.name}'s uplink goes dark: its access port to R1 goes down (R1's ${down.wan} loses carrier)`, () => cutUplink(ctx.lab, down));
  const timeout = e2eMs(o.reactMs) + 1000;
  const lost = await env.r1.wait((e) => carrier(e, down.wan) === 'lost', cut, timeout);
  const ra = await raFrom(env, (p) => val(p, down.lan) === 0, cut, timeout);
  const dep = await env.host.wait((e) => addrState(e, env.addr[down.name] as string) === 'deprecated', cut, timeout);
  const stayPref = o.stayWasDeprecated ? await env.host.wait((e) => addrState(e, env.addr[stay.name] as string) === 'preferred', cut, timeout) : undefined;
  const first = await env.conns.waitFirst((a) => a.stream === 'auto' && a.ok && ispOf(a.local) === stay.name, dep?.tUs ?? cut, 3000);
  await ctx.sleep(300);
  const syn = env.conns.synOf(first, 'ingress');
  ctx.chain(`ISP ${down.name}'s uplink cut`, cut, [
    [`R1 kernel: ${down.wan} lost carrier`, lost?.tUs, 'ip monitor in R1'],
    [`RA from R1: ${down.lan} preferred 0, ${stay.lan} preferred ${val(ra, stay.lan) ?? '-'}${o.rdnss ? `, RDNSS ${down.rdnss} lifetime ${val(ra, `rdnss ${down.rdnss}`) ?? '-'}` : ''}`, ra?.tUs, 'capture on the host link'],
    [`host kernel: ${env.addr[down.name]} deprecated`, dep?.tUs, 'ip monitor in the host'],
    ...(o.stayWasDeprecated ? [[`host kernel: ${env.addr[stay.name]} preferred`, stayPref?.tUs, 'ip monitor in the host'] as const] : []),
    [`first new connection from ${stay.name}'s address (kernel's choice)`, first?.t, 'the client in the host'],
    [`its SYN reaches the server through ISP ${stay.name}`, syn?.link === `ISP ${stay.name}` ? syn.tUs : undefined, `capture on the server's ${stay.ingress}`],
  ]);
  const raOk = ra !== undefined && lost !== undefined && ra.tUs - lost.tUs < o.reactMs * 1000 && ra.tUs - cut < e2eMs(o.reactMs) * 1000 && val(ra, stay.lan) === PREFERRED && (!o.rdnss || (val(ra, `rdnss ${down.rdnss}`) === 0 && val(ra, `rdnss ${stay.rdnss}`) === 1800));
  ctx.check(`${down.name} down: the RA deprecates ${down.name}'s prefix at once, ${stay.name}'s preferred${o.rdnss ? `, ${down.name}'s RDNSS withdrawn` : ''}`, raOk,
    ra !== undefined
      ? `RA ${ms(lost?.tUs, ra.tUs)} after R1's kernel reported the carrier lost (bound ${fmtMs(o.reactMs)}), ${ms(cut, ra.tUs)} after the cut (bound ${fmtMs(e2eMs(o.reactMs))}): ${down.lan} preferred ${val(ra, down.lan)} valid ${val(ra, `valid ${down.lan}`)}, ${stay.lan} preferred ${val(ra, stay.lan)}${o.rdnss ? `, RDNSS ${down.rdnss} ${val(ra, `rdnss ${down.rdnss}`)}, ${stay.rdnss} ${val(ra, `rdnss ${stay.rdnss}`)}` : ''}, router lifetime ${ra.ra?.routerLifetime}`
      : `no RA with ${down.lan} preferred 0 within ${fmtMs(timeout)}`);
  ctx.check(`${down.name} down: the host's kernel deprecates ${down.name}'s address${o.stayWasDeprecated ? ` and prefers ${stay.name}'s` : ''}`, dep !== undefined && ra !== undefined && dep.tUs - ra.tUs < 500_000 && (!o.stayWasDeprecated || (stayPref !== undefined && stayPref.tUs - ra.tUs < 500_000)),
    dep !== undefined ? `${env.addr[down.name]} deprecated ${ms(cut, dep.tUs)} after the cut (${ms(ra?.tUs, dep.tUs)} after the RA)${o.stayWasDeprecated ? `; ${env.addr[stay.name]} preferred ${ms(cut, stayPref?.tUs)} after the cut` : ''}` : 'no deprecation seen');
  if (!o.stayWasDeprecated) {
    const flip = env.host.all().find((e) => e.tUs >= cut && addrState(e, env.addr[stay.name] as string) === 'deprecated');
    ctx.check(`${down.name} down: ${stay.name}'s address stays preferred in the host`, flip === undefined, flip === undefined ? `no deprecation of ${env.addr[stay.name]} since the cut` : `${env.addr[stay.name]} deprecated ${ms(cut, flip.tUs)} after the cut`);
  }
  return { cut, deprecated: dep?.tUs };
}

/** Wait a little for the last attempts' reports and SYNs, then judge [from, to) with allThrough. */
async function judgeThrough(ctx: ScenarioContext, env: S2Env, name: string, stream: string, from: number | undefined, to: number, isp: Isp, min: number): Promise<void> {
  await ctx.sleep(300);
  if (from === undefined) {
    ctx.check(name, false, 'the window was not seen (an earlier step failed)');
    return;
  }
  const r = allThrough(env, stream, from, to, isp, min);
  ctx.check(name, r.pass, r.detail);
}

/** Restore `isp`'s uplink: R1's carrier, the RA preferring it again only after the hold-down, the host's kernel. */
async function restoreAndHold(ctx: ScenarioContext, env: S2Env, isp: Isp, other: Isp | undefined, o: { holdS: number; reactMs: number; rdnss: boolean; connectionsMove: boolean }): Promise<{ back: number; up: number | undefined; preferred: number | undefined; ra: number | undefined }> {
  const back = await ctx.inject(`ISP ${isp.name}'s uplink comes back (R1's ${isp.wan} carrier up)`, () => restoreUplink(ctx.lab, isp));
  const timeout = o.holdS * 1000 + o.reactMs + 3000;
  const up = await env.r1.wait((e) => carrier(e, isp.wan) === 'up', back, 3000);
  const ra = await raFrom(env, (p) => (val(p, isp.lan) ?? 0) > 0, back, timeout);
  const pref = await env.host.wait((e) => addrState(e, env.addr[isp.name] as string) === 'preferred', back, timeout);
  const otherDep = other !== undefined ? await env.host.wait((e) => addrState(e, env.addr[other.name] as string) === 'deprecated', back, 2000) : undefined;
  const first = o.connectionsMove ? await env.conns.waitFirst((a) => a.stream === 'auto' && a.ok && ispOf(a.local) === isp.name, pref?.tUs ?? back, 3000) : undefined;
  if (o.connectionsMove) await ctx.sleep(300);
  const syn = env.conns.synOf(first, 'ingress');
  const base = up?.tUs ?? back;
  const early = env.wire.packets().filter((p) => p.kind === 'ra' && p.src === env.r1LL && p.tUs >= back && (ra === undefined || p.tUs < ra.tUs) && val(p, isp.lan) !== 0);
  ctx.chain(`ISP ${isp.name}'s uplink restored`, back, [
    [`R1 kernel: ${isp.wan} carrier up`, up?.tUs, 'ip monitor in R1'],
    [`RA from R1: ${isp.lan} preferred ${val(ra, isp.lan) ?? '-'}${other !== undefined ? `, ${other.lan} preferred ${val(ra, other.lan) ?? '-'}` : ''}${o.rdnss ? `, RDNSS ${isp.rdnss} lifetime ${val(ra, `rdnss ${isp.rdnss}`) ?? '-'}` : ''}`, ra?.tUs, 'capture on the host link'],
    [`host kernel: ${env.addr[isp.name]} preferred`, pref?.tUs, 'ip monitor in the host'],
    ...(other !== undefined ? [[`host kernel: ${env.addr[other.name]} deprecated`, otherDep?.tUs, 'ip monitor in the host'] as const] : []),
    ...(o.connectionsMove
      ? ([
          [`first new connection from ${isp.name}'s address (kernel's choice)`, first?.t, 'the client in the host'],
          [`its SYN reaches the server through ISP ${isp.name}`, syn?.link === `ISP ${isp.name}` ? syn.tUs : undefined, `capture on the server's ${isp.ingress}`],
        ] as const)
      : []),
  ]);
  const waited = ra !== undefined ? (ra.tUs - base) / 1000 : undefined;
  ctx.check(`${isp.name} back: announced only after the hold-down (${o.holdS} s)`, waited !== undefined && early.length === 0 && waited >= o.holdS * 1000 - 200 && waited < o.holdS * 1000 + o.reactMs
    && (!o.rdnss || val(ra, `rdnss ${isp.rdnss}`) === 1800) && (other === undefined || val(ra, other.lan) === 0),
    ra !== undefined ? `the RA preferring ${isp.lan} again came ${fmtMs(waited)} after R1's kernel reported the carrier (bound ${fmtMs(o.holdS * 1000)} .. +${fmtMs(o.reactMs)}); ${early.length} RAs before it preferred it${other !== undefined ? `; ${other.lan} preferred ${val(ra, other.lan)} in it` : ''}${o.rdnss ? `; RDNSS ${isp.rdnss} ${val(ra, `rdnss ${isp.rdnss}`)}` : ''}` : `no RA preferring ${isp.lan} within ${fmtMs(timeout)}`);
  ctx.check(`${isp.name} back: the host's kernel prefers ${isp.name}'s address again${other !== undefined ? ` and deprecates ${other.name}'s` : ''}`, pref !== undefined && ra !== undefined && pref.tUs >= ra.tUs - 1000 && pref.tUs - ra.tUs < 500_000 && (other === undefined || otherDep !== undefined),
    pref !== undefined ? `${env.addr[isp.name]} preferred ${ms(back, pref.tUs)} after the carrier came back (${ms(ra?.tUs, pref.tUs)} after the RA)${other !== undefined ? `; ${env.addr[other.name]} deprecated ${ms(back, otherDep?.tUs)} after it` : ''}` : 'not seen');
  return { back, up: up?.tUs, preferred: pref?.tUs, ra: ra?.tUs };
}

/**
 * Bound connections from `isp`'s address while its uplink was down [from, to): none completed,
 * none left R1 by the other uplink, and R1's unreachable backstop answered (ENETUNREACH).
 */
function boundWhileDown(ctx: ScenarioContext, env: S2Env, isp: Isp, from: number, to: number): void {
  const s = summarize(env, env.addr[isp.name] as string, from, to);
  const leaked = env.conns.syns('egress').filter((x) => x.tUs >= from && x.tUs < to && ispOf(x.src) === isp.name && x.link !== `ISP ${isp.name}`);
  ctx.check(`${isp.name} down: connections bound to ${isp.name}'s address fail (R1 answers no route), none leak through the other ISP`, s.n > 0 && s.ok === 0 && leaked.length === 0 && (s.errs['ENETUNREACH'] ?? 0) > 0,
    `${s.n} attempts: ${s.ok} completed, failures ${fmtCounts(s.errs)}${s.pending > 0 ? `, ${s.pending} still pending (an error is reported at the SYN's retransmission, 1 s on)` : ''}; ${leaked.length} SYNs from ${isp.name}'s /48 left R1 by the other uplink`);
}

export const S2: Scenario = {
  name: 'S2',
  title: 'one router, two ISPs (primary/backup): A fails -> B preferred, new connections move to B; A back -> after the hold-down',
  seconds: { fast: 15, full: 50 },
  async run(ctx) {
    const holdS = ctx.pick(2, 30);
    // firsthop's part, from R1's kernel notification to the RA: at once, unless an RA went out less than MinDelayBetweenRAs (0.03 s fast, 3 s full) before.
    const reactMs = ctx.pick(200, 3500);
    const conf = ctx.fast ? fastConfig(PRIMARY_BACKUP_CONF, holdS) : PRIMARY_BACKUP_CONF;
    ctx.say(`Building S2: host -- R1 -- ISP A / ISP B -- server; examples/rfc8475-3.2.1-primary-backup.conf${ctx.fast ? ` with a ${holdS} s hold-down and MinDelayBetweenRAs 0.03` : ' as shipped (hold-down 30 s, MinDelayBetweenRAs 3 s)'}.`);
    const env = await s2Setup(ctx, conf, (isp, p) => (isp === ISP_A ? p > 600_000 : p === 0));
    try {
      const A = env.addr['A'] as string;
      const B = env.addr['B'] as string;
      ctx.say(`  the host: ${A} (A, preferred), ${B} (B, deprecated)`);
      const last = env.wire.lastRa(env.r1LL);
      ctx.check("A up: A's prefix preferred, B's deprecated, both resolvers", val(last, ISP_A.lan) === PREFERRED && val(last, ISP_B.lan) === 0 && val(last, `rdnss ${ISP_A.rdnss}`) === 1800 && val(last, `rdnss ${ISP_B.rdnss}`) === 1800,
        `last RA: ${ISP_A.lan} preferred ${val(last, ISP_A.lan)}, ${ISP_B.lan} preferred ${val(last, ISP_B.lan)}, RDNSS ${ISP_A.rdnss} ${val(last, `rdnss ${ISP_A.rdnss}`)}, ${ISP_B.rdnss} ${val(last, `rdnss ${ISP_B.rdnss}`)}`);
      env.conns.startClient([A, B]);
      const t0 = ctx.now();
      await ctx.sleep(ctx.pick(1500, 3000));
      const t1 = ctx.now();
      await judgeThrough(ctx, env, "A up: new connections use A's address and go through ISP A", 'auto', t0, t1, ISP_A, 5);
      await judgeThrough(ctx, env, "A up: B's deprecated address still works when asked for, through ISP B", B, t0, t1, ISP_B, 5);

      const down = await failUplink(ctx, env, ISP_A, ISP_B, { reactMs, rdnss: true, stayWasDeprecated: true });
      await ctx.sleep(ctx.pick(2000, 5000));
      const t2 = ctx.now();
      const between = summarize(env, 'auto', down.cut, down.deprecated ?? down.cut);
      ctx.say(`    between the cut and the host's deprecation (${ms(down.cut, down.deprecated)}): ${between.n} new connections, ${between.n - between.ok} failed (${fmtCounts(between.errs)})`);
      await judgeThrough(ctx, env, "A down: every new connection after the deprecation uses B's address, through ISP B", 'auto', down.deprecated, t2, ISP_B, 10);
      boundWhileDown(ctx, env, ISP_A, down.cut, t2);

      const rec = await restoreAndHold(ctx, env, ISP_A, ISP_B, { holdS, reactMs, rdnss: true, connectionsMove: true });
      await judgeThrough(ctx, env, 'A back, held down: new connections stay on B until the swap', 'auto', rec.back, rec.preferred ?? ctx.now(), ISP_B, 10);
      await ctx.sleep(ctx.pick(1500, 3000));
      const t3 = ctx.now();
      await judgeThrough(ctx, env, "A back: new connections use A's address again, through ISP A", 'auto', rec.preferred, t3, ISP_A, 10);
      await judgeThrough(ctx, env, "A back: B's address still works when asked for, through ISP B", B, rec.back, t3, ISP_B, 10);
      await env.conns.stopClient();
      forwardingCheck(ctx, env);
      await validCheck(ctx, env);
    } finally {
      await env.conns.stop();
    }
  },
};

export const S3: Scenario = {
  name: 'S3',
  title: 'load balancing over two uplinks: both preferred; each deprecated while its own uplink is down; none: no default router',
  seconds: { fast: 20, full: 60 },
  async run(ctx) {
    const holdS = ctx.pick(2, 30);
    // firsthop's part, from R1's kernel notification to the RA: at once, unless an RA went out less than MinDelayBetweenRAs (0.03 s fast, 3 s full) before.
    const reactMs = ctx.pick(200, 3500);
    // Steps apart by more than MinDelayBetweenRAs, so that each RA is the event's own.
    const gap = ctx.pick(1500, 4000);
    const conf = ctx.fast ? fastConfig(LOAD_BALANCING_CONF, holdS) : LOAD_BALANCING_CONF;
    ctx.say(`Building S3: host -- R1 -- ISP A / ISP B -- server; examples/rfc8475-3.2.3-load-balancing.conf${ctx.fast ? ` with a ${holdS} s hold-down and MinDelayBetweenRAs 0.03` : ' as shipped (hold-down 30 s, MinDelayBetweenRAs 3 s)'}.`);
    const env = await s2Setup(ctx, conf, (_isp, p) => p > 600_000);
    try {
      const A = env.addr['A'] as string;
      const B = env.addr['B'] as string;
      ctx.say(`  the host: ${A} (A) and ${B} (B), both preferred`);
      const last = env.wire.lastRa(env.r1LL);
      ctx.check('both up: both prefixes preferred, R1 a default router', val(last, ISP_A.lan) === PREFERRED && val(last, ISP_B.lan) === PREFERRED && last?.ra?.routerLifetime === 1800,
        `last RA: ${ISP_A.lan} preferred ${val(last, ISP_A.lan)}, ${ISP_B.lan} preferred ${val(last, ISP_B.lan)}, router lifetime ${last?.ra?.routerLifetime}`);
      env.conns.startClient([A, B]);
      const t0 = ctx.now();
      await ctx.sleep(ctx.pick(1500, 3000));
      const t1 = ctx.now();
      await ctx.sleep(300);
      const auto = summarize(env, 'auto', t0, t1);
      const consistent = auto.list.filter((a) => a.ok && env.conns.synOf(a, 'ingress')?.link === `ISP ${ispOf(a.local)}`).length;
      ctx.check("both up: new connections complete, through the ISP of the source the kernel picked", auto.n >= 5 && consistent === auto.n,
        `${auto.n} attempts: ${auto.ok} completed, from ${fmtCounts(auto.from)}, in through ${fmtCounts(auto.via)}; failures ${fmtCounts(auto.errs)}`);
      await judgeThrough(ctx, env, "both up: A's address works, through ISP A", A, t0, t1, ISP_A, 5);
      await judgeThrough(ctx, env, "both up: B's address works, through ISP B", B, t0, t1, ISP_B, 5);
      // Cut the uplink the kernel's choice uses, so that the move is seen; then the other.
      const [X, Y] = (auto.from['B'] ?? 0) > (auto.from['A'] ?? 0) ? [ISP_B, ISP_A] : [ISP_A, ISP_B];
      ctx.say(`  the kernel picks ${X.name}'s address for new connections: ${X.name}'s uplink goes first`);

      const dx = await failUplink(ctx, env, X, Y, { reactMs, rdnss: false, stayWasDeprecated: false });
      await ctx.sleep(gap);
      const t2 = ctx.now();
      await judgeThrough(ctx, env, `${X.name} down: every new connection after the deprecation uses ${Y.name}'s address, through ISP ${Y.name}`, 'auto', dx.deprecated, t2, Y, 5);
      boundWhileDown(ctx, env, X, dx.cut, t2);

      const rec = await restoreAndHold(ctx, env, X, undefined, { holdS, reactMs, rdnss: false, connectionsMove: false });
      await judgeThrough(ctx, env, `${X.name} back, held down: new connections stay on ${Y.name} until ${X.name} is preferred again`, 'auto', rec.back, rec.preferred ?? ctx.now(), Y, 5);
      await ctx.sleep(gap);
      const t3 = ctx.now();
      await judgeThrough(ctx, env, `${X.name} back: ${X.name}'s address works again, through ISP ${X.name}`, env.addr[X.name] as string, rec.preferred, t3, X, 5);
      const again = summarize(env, 'auto', rec.preferred ?? t3, t3);
      ctx.say(`    with both preferred again, the kernel's choice: from ${fmtCounts(again.from)}`);

      const dy = await failUplink(ctx, env, Y, X, { reactMs, rdnss: false, stayWasDeprecated: false });
      await ctx.sleep(gap);
      const t4 = ctx.now();
      await judgeThrough(ctx, env, `${Y.name} down: every new connection after the deprecation uses ${X.name}'s address, through ISP ${X.name}`, 'auto', dy.deprecated, t4, X, 5);
      boundWhileDown(ctx, env, Y, dy.cut, t4);

      // No uplink at all: R1 stops being a default router (router lifetime 0).
      const none = await ctx.inject(`ISP ${X.name}'s uplink goes dark too: no uplink left`, () => cutUplink(ctx.lab, X));
      const timeout = e2eMs(reactMs) + 1000;
      const lost = await env.r1.wait((e) => carrier(e, X.wan) === 'lost', none, timeout);
      const ra = await raFrom(env, (p) => p.ra?.routerLifetime === 0, none, timeout);
      const dep = await env.host.wait((e) => addrState(e, env.addr[X.name] as string) === 'deprecated', none, timeout);
      const noDef = await env.host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith('default'), none, timeout);
      const fail = await env.conns.waitFirst((a) => a.stream === 'auto' && !a.ok, noDef?.tUs ?? none, 2000);
      ctx.chain('no uplink left', none, [
        [`R1 kernel: ${X.wan} lost carrier`, lost?.tUs, 'ip monitor in R1'],
        [`RA from R1: router lifetime 0, ${ISP_A.lan} preferred ${val(ra, ISP_A.lan) ?? '-'}, ${ISP_B.lan} preferred ${val(ra, ISP_B.lan) ?? '-'}`, ra?.tUs, 'capture on the host link'],
        [`host kernel: ${env.addr[X.name]} deprecated`, dep?.tUs, 'ip monitor in the host'],
        ['host kernel: default route via R1 deleted', noDef?.tUs, 'ip monitor in the host'],
        [`first new connection failing at once (${fail?.err ?? '-'})`, fail?.t, 'the client in the host'],
      ]);
      ctx.check('no uplink: R1 stops being a default router at once, both prefixes deprecated', ra !== undefined && lost !== undefined && ra.tUs - lost.tUs < reactMs * 1000 && ra.tUs - none < e2eMs(reactMs) * 1000 && val(ra, ISP_A.lan) === 0 && val(ra, ISP_B.lan) === 0,
        ra !== undefined ? `RA with router lifetime 0 ${ms(lost?.tUs, ra.tUs)} after R1's kernel reported the carrier lost (bound ${fmtMs(reactMs)}), ${ms(none, ra.tUs)} after the cut (bound ${fmtMs(e2eMs(reactMs))}), ${ISP_A.lan} preferred ${val(ra, ISP_A.lan)}, ${ISP_B.lan} preferred ${val(ra, ISP_B.lan)}` : `no RA with router lifetime 0 within ${fmtMs(timeout)}`);
      await ctx.sleep(gap);
      const t5 = ctx.now();
      await ctx.sleep(300);
      const after = summarize(env, 'auto', noDef?.tUs ?? t5, t5);
      const fast = after.list.filter((a) => !a.ok && a.te - a.t < 100_000).length;
      const defs = await defaultRoutes(ctx.lab, 'host');
      ctx.check('no uplink: the host drops its default route; new connections fail at once instead of timing out', noDef !== undefined && defs.length === 0 && after.n >= 5 && fast === after.n,
        noDef !== undefined ? `default route deleted ${ms(none, noDef.tUs)} after the cut; after it ${after.n} attempts, ${fast} failed within 100 ms (${fmtCounts(after.errs)}), ${after.ok} completed` : 'the default route was not deleted');
      await env.conns.stopClient();
      forwardingCheck(ctx, env);
      await validCheck(ctx, env);
    } finally {
      await env.conns.stop();
    }
  },
};
