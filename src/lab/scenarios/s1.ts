/**
 * S1: two buildings joined by a private link (scenarios.md S1, rfc4191-in-practice.md).
 *
 *   host (h0) ----[ building 1 LAN: sw/br0 ]---- gw (lan0)  default router, prefix 2001:db8:1:1::/64
 *                          |                      | wan0
 *                     plr (lan0)                 core       the carrier: the long way round
 *                     plr (priv0)                 | c-b2
 *                          \\-- line (br0) ---  b2 (priv0, core0)  building 2: 2001:db8:2::/48,
 *                                                                   server 2001:db8:2::10 on lo
 *
 * plr advertises a Route Information Option for 2001:db8:2::/48 (router lifetime 0: it is not a
 * default router) while its private link has carrier. The host pings the building-2 server
 * every 10 ms; b2 captures the echo requests on both of its links, so the path is seen, not
 * guessed. Failures: the private link is cut (the line goes dark: both ends lose carrier),
 * then restored; then plr dies (killed, its links go dark, no goodbye RA) and the host must
 * wait out the route's lifetime.
 */
import { prepareHost, prepareRouter, routes, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import type { Scenario, ScenarioContext } from './scenario';
import { carrierOf, type KernelEvent, type KernelWatch } from './probes';
import { longestGap, fmtMs } from './timeline';

export const B2_PREFIX = '2001:db8:2::/48';
export const B2_SERVER = '2001:db8:2::10';
const LAN_PREFIX = '2001:db8:1:1::/64';

/** The routers' configs. `privLink`: the condition's statement (a link, or a probe across an overlay). */
export function s1Configs(o: { readonly gwPeer: string; readonly plrPeer: string; readonly routeLifetime: number; readonly maxInterval: number; readonly privCondition?: string }): { gw: string; plr: string } {
  const min = Math.max(3, Math.floor(o.maxInterval * 0.75));
  const gw = `# Building 1's default router
interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${o.gwPeer}; };    # the private-link router
    MinRtrAdvInterval ${min};
    MaxRtrAdvInterval ${o.maxInterval};
    AdvDefaultLifetime 1800;
    prefix ${LAN_PREFIX} {
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
};
`;
  const plr = `# The private-link router: not a default router; a route to building 2 while the private
# link works (conditional RA, RFC 8475; RIO, RFC 4191).
condition private-link {
    ${o.privCondition ?? 'link priv0 up;'}
};

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${o.plrPeer}; };   # the default router
    AdvDefaultLifetime 0;
    MinRtrAdvInterval ${min};
    MaxRtrAdvInterval ${o.maxInterval};
    MinDelayBetweenRAs 0.03;
    route ${B2_PREFIX} {
        AdvRoutePreference high;
        AdvRouteLifetime ${o.routeLifetime};
        if private-link { AdvRouteLifetime ${o.routeLifetime}; } else { AdvRouteLifetime 0; };
    };
};
`;
  return { gw, plr };
}

/**
 * Build S1's namespaces and links, all but the private link itself (`privateLink` makes it:
 * a veth, or an overlay). Addresses: plr priv0 2001:db8:ff01::1, b2's end 2001:db8:ff01::2.
 */
export async function s1Topology(lab: Lab, privateLink: (lab: Lab) => Promise<void>): Promise<{ gwLL: string; plrLL: string }> {
  for (const ns of ['sw', 'gw', 'plr', 'host', 'b2', 'core']) await lab.addNamespace(ns);
  for (const ns of ['gw', 'plr', 'b2', 'core']) {
    await lab.sysctls(ns, {
      'net.ipv6.conf.all.forwarding': 1,
      'net.ipv6.conf.all.accept_dad': 0,
      'net.ipv6.conf.default.accept_dad': 0,
      // A route whose link lost carrier is not used: b2's way back falls to the carrier.
      'net.ipv6.conf.all.ignore_routes_with_linkdown': 1,
      'net.ipv6.conf.default.ignore_routes_with_linkdown': 1,
    });
  }
  await lab.addBridge('sw', 'br0');
  await lab.addVeth('gw', 'lan0', 'sw', 'p-gw', { masterB: 'br0' });
  await lab.addVeth('plr', 'lan0', 'sw', 'p-plr', { masterB: 'br0' });
  await lab.addVeth('host', 'h0', 'sw', 'p-host', { masterB: 'br0' });
  await lab.addVeth('gw', 'wan0', 'core', 'c-gw');
  await lab.addVeth('b2', 'core0', 'core', 'c-b2');
  await prepareRouter(lab, 'gw', 'lan0');
  await prepareRouter(lab, 'plr', 'lan0');
  await prepareHost(lab, 'host', 'h0');
  await lab.ip('b2', ['link', 'set', 'lo', 'up']);
  await lab.ip('b2', ['addr', 'add', `${B2_SERVER}/128`, 'dev', 'lo']);
  await lab.ip('gw', ['addr', 'add', '2001:db8:1:1::1/64', 'dev', 'lan0', 'nodad']);
  await lab.ip('plr', ['addr', 'add', '2001:db8:1:1::2/64', 'dev', 'lan0', 'nodad']);
  await lab.ip('gw', ['addr', 'add', '2001:db8:ff02::1/64', 'dev', 'wan0', 'nodad']);
  await lab.ip('core', ['addr', 'add', '2001:db8:ff02::2/64', 'dev', 'c-gw', 'nodad']);
  await lab.ip('core', ['addr', 'add', '2001:db8:ff03::1/64', 'dev', 'c-b2', 'nodad']);
  await lab.ip('b2', ['addr', 'add', '2001:db8:ff03::2/64', 'dev', 'core0', 'nodad']);
  await privateLink(lab);
  await lab.ip('gw', ['-6', 'route', 'add', 'default', 'via', '2001:db8:ff02::2']);
  await lab.ip('core', ['-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8:ff02::1']);
  await lab.ip('core', ['-6', 'route', 'add', B2_PREFIX, 'via', '2001:db8:ff03::2']);
  await lab.ip('plr', ['-6', 'route', 'add', B2_PREFIX, 'via', '2001:db8:ff01::2']);
  // b2 answers building 1 over the private link while it is up, else through the carrier.
  await lab.ip('b2', ['-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8:ff01::1', 'metric', '100']);
  await lab.ip('b2', ['-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8:ff03::1', 'metric', '200']);
  const gwLL = await waitLinkLocal(lab, 'gw', 'lan0');
  const plrLL = await waitLinkLocal(lab, 'plr', 'lan0');
  await waitLinkLocal(lab, 'host', 'h0');
  return { gwLL, plrLL };
}

/**
 * The private link as a leased line: plr priv0 and b2 priv0 each end on a bridge in a `line`
 * namespace. Cutting the line (its two ports down) takes the carrier from both routers, as a
 * real cut does, without touching their own configuration (an interface set down by hand
 * would lose its IPv6 addresses and routes).
 */
export async function leasedLine(lab: Lab): Promise<void> {
  await lab.addNamespace('line');
  await lab.addBridge('line', 'br0');
  await lab.addVeth('plr', 'priv0', 'line', 'l-plr', { masterB: 'br0' });
  await lab.addVeth('b2', 'priv0', 'line', 'l-b2', { masterB: 'br0' });
  await lab.ip('plr', ['addr', 'add', '2001:db8:ff01::1/64', 'dev', 'priv0', 'nodad']);
  await lab.ip('b2', ['addr', 'add', '2001:db8:ff01::2/64', 'dev', 'priv0', 'nodad']);
}

async function lineDown(lab: Lab): Promise<void> {
  await Promise.all([lab.linkDown('line', 'l-plr'), lab.linkDown('line', 'l-b2')]);
}

async function lineUp(lab: Lab): Promise<void> {
  await Promise.all([lab.linkUp('line', 'l-plr'), lab.linkUp('line', 'l-b2')]);
}

/** A link notification of `ifname` saying its carrier is `up` (or lost). */
export function carrierIs(ifname: string, up: boolean): (e: KernelEvent) => boolean {
  return (e) => carrierOf(e, ifname) === (up ? 'up' : 'lost');
}

/** Follow a router's kernel for the carrier of one interface, on the failure lane. */
export function carrierWatch(ctx: ScenarioContext, ns: string, ifname: string): Promise<KernelWatch> {
  return ctx.kernel(ns, { lane: 'failure', label: `${ns} kernel`, show: (e) => (carrierIs(ifname, false)(e) ? `${ifname} lost carrier` : carrierIs(ifname, true)(e) ? `${ifname} carrier up` : undefined) });
}

/** Steady state: the host has its default route via gw and the RIO route via plr; traffic takes the private link. */
export async function s1Steady(ctx: ScenarioContext, gwLL: string, plrLL: string, routeLifetime: number): Promise<void> {
  const { lab } = ctx;
  const found = await waitFor(async () => {
    const rs = await routes(lab, 'host');
    const def = rs.find((r) => r.dst === 'default');
    const rio = rs.find((r) => r.dst === B2_PREFIX);
    return def !== undefined && rio !== undefined ? { def, rio } : undefined;
  }, { timeoutMs: 20_000, intervalMs: 50, what: 'the host learning its routes' });
  if (found === undefined) throw new Error('the host learned no routes');
  const got = found;
  ctx.say(`  the host: default via ${got.def.gateway} (gw), ${B2_PREFIX} via ${got.rio.gateway} (plr), preference ${got.rio.pref}, expires ${got.rio.expires ?? 'never'} s`);
  ctx.check('normal: default route via the default router', got.def.gateway === gwLL, `default via ${got.def.gateway}, gw is ${gwLL}`);
  ctx.check('normal: building 2 via the private-link router', got.rio.gateway === plrLL && (got.rio.expires ?? 0) <= routeLifetime, `${B2_PREFIX} via ${got.rio.gateway} (plr is ${plrLL}), expires ${got.rio.expires} s (lifetime ${routeLifetime} s)`);
  const defs = (await routes(lab, 'host')).filter((r) => r.dst === 'default');
  ctx.check('normal: the private-link router is not a default router', defs.every((r) => r.gateway !== plrLL), `${defs.length} default route(s), none via plr`);
}

/**
 * Until one ping gets through: the links' carriers settle and every neighbour cache on the path
 * is filled, as in a network that has been up for a while (the first pings of a fresh lab
 * wait up to a second for a carrier or a neighbour resolution).
 */
export async function warmUp(ctx: ScenarioContext, ns: string, dst: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await ctx.lab.exec(ns, ['ping', '-6', '-n', '-c', '1', '-W', '1', dst]);
    if (r.code === 0) return;
  }
  throw new Error(`${ns} cannot reach ${dst} in the steady state (${timeoutMs / 1000} s)`);
}

export const S1: Scenario = {
  name: 'S1',
  title: 'two buildings, a private link: cut -> the route goes at once; router dies -> it lasts its lifetime',
  seconds: { fast: 20, full: 50 },
  async run(ctx) {
    const { lab } = ctx;
    const routeLifetime = ctx.pick(10, 60);
    const maxInterval = ctx.pick(4, 20);
    ctx.say('Building S1: building 1 LAN (gw, plr, host), the private link plr <-> line <-> b2, the carrier gw <-> core <-> b2.');
    const { gwLL, plrLL } = await s1Topology(lab, leasedLine);
    const names = new Map([[gwLL, 'gw'], [plrLL, 'plr']]);
    const wire = await ctx.wire('host', 'h0', { track: [`route ${B2_PREFIX}`], names });
    const host = await ctx.kernel('host', { label: 'host' });
    const plrKernel = await carrierWatch(ctx, 'plr', 'priv0');
    const paths = await ctx.paths([
      { label: 'through plr and the private link', ns: 'b2', ifname: 'priv0' },
      { label: 'through gw and the carrier', ns: 'b2', ifname: 'core0' },
    ]);
    const cfg = s1Configs({ gwPeer: plrLL, plrPeer: gwLL, routeLifetime, maxInterval });
    await ctx.firsthop('gw', cfg.gw);
    const plr = await ctx.firsthop('plr', cfg.plr);
    await s1Steady(ctx, gwLL, plrLL, routeLifetime);
    await warmUp(ctx, 'host', B2_SERVER);
    const ping = ctx.ping('host', B2_SERVER);
    const t0 = ctx.now();
    const viaPlr = await paths.waitFirst('through plr and the private link', t0, 5000);
    ctx.check('normal: traffic to building 2 takes the private link', viaPlr !== undefined, viaPlr !== undefined ? 'echo requests arrive on b2 priv0' : 'no echo request on b2 priv0 within 5 s');
    await ctx.sleep(500);

    // 1. The private link is cut: b2's end goes down, plr loses carrier.
    const cut = await ctx.inject('the private link is cut (the line goes dark: plr and b2 lose carrier)', () => lineDown(lab));
    const carrier = await plrKernel.wait(carrierIs('priv0', false), cut, 2000);
    const ra0 = await wire.waitRa(`route ${B2_PREFIX}`, (v) => v === 0, cut, 2000, plrLL);
    const del = await host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith(B2_PREFIX), cut, 2000);
    const viaGw = await paths.waitFirst('through gw and the carrier', cut, 3000);
    const reply = await ping.waitReply(viaGw ?? cut, 3000);
    ctx.chain('private link cut', cut, [
      ['plr kernel: priv0 lost carrier', carrier?.tUs, 'ip monitor in plr'],
      ['RA from plr: RIO lifetime 0', ra0?.tUs, 'capture on the host link'],
      ['host kernel deletes the route', del?.tUs, 'ip monitor in host'],
      ['first echo request through gw', viaGw, 'capture on b2 core0'],
      ['first reply after it', reply, 'ping -D'],
    ]);
    const gap = longestGap(ping.replies(), cut, (reply ?? cut) + 1);
    // "At once": firsthop's part is from the kernel's carrier notification to the RA; the
    // kernel itself may hold a carrier change back for up to a second (its linkwatch queue).
    ctx.check('cut: the RIO goes to lifetime 0 at once', ra0 !== undefined && carrier !== undefined && ra0.tUs - carrier.tUs < 50_000,
      ra0 !== undefined && carrier !== undefined ? `RA ${fmtMs((ra0.tUs - carrier.tUs) / 1000)} after plr's kernel reported the lost carrier (${fmtMs((carrier.tUs - cut) / 1000)} after the cut)` : `no ${carrier === undefined ? 'carrier notification' : 'RA with lifetime 0'} within 2 s`);
    ctx.check('cut: the host drops the route at once, not after its lifetime', del !== undefined && del.tUs - cut < 1_500_000, del ? `route deleted ${fmtMs((del.tUs - cut) / 1000)} after the cut (its lifetime: ${routeLifetime} s)` : 'the route was not deleted within 2 s');
    ctx.check('cut: traffic falls back to the default router', viaGw !== undefined && reply !== undefined, viaGw ? `through gw ${fmtMs((viaGw - cut) / 1000)} after the cut; longest gap between replies ${fmtMs(gap?.ms)}` : 'no echo request through gw within 3 s');
    await ctx.sleep(1000);

    // 2. The private link comes back.
    const back = await ctx.inject('the private link is restored', () => lineUp(lab));
    const carrierUp = await plrKernel.wait(carrierIs('priv0', true), back, 3000);
    const raUp = await wire.waitRa(`route ${B2_PREFIX}`, (v) => v > 0, back, 3000, plrLL);
    const add = await host.wait((e) => e.kind === 'route' && !e.deleted && e.text.startsWith(B2_PREFIX), back, 3000);
    const viaPlr2 = await paths.waitFirst('through plr and the private link', back, 4000);
    ctx.chain('private link restored', back, [
      ['plr kernel: priv0 carrier up', carrierUp?.tUs, 'ip monitor in plr'],
      [`RA from plr: RIO lifetime ${routeLifetime}`, raUp?.tUs, 'capture on the host link'],
      ['host kernel adds the route', add?.tUs, 'ip monitor in host'],
      ['first echo request through plr', viaPlr2, 'capture on b2 priv0'],
    ]);
    ctx.check('restored: the route and the traffic come back', add !== undefined && viaPlr2 !== undefined, viaPlr2 ? `through plr ${fmtMs((viaPlr2 - back) / 1000)} after the link came back` : 'traffic did not return to the private link within 4 s');
    await ctx.sleep(1000);

    // 3. plr dies: killed, its links go dark; no goodbye RA. The host keeps the route for its lifetime.
    const dies = await ctx.inject('plr dies (SIGKILL; its LAN port and the line go dark: no final RA)', async () => {
      plr.child.kill('SIGKILL');
      await Promise.all([lab.linkDown('sw', 'p-plr'), lineDown(lab)]);
    });
    const lastRa = wire.lastRa(plrLL);
    const fallback = await paths.waitFirst('through gw and the carrier', dies, (routeLifetime + 5) * 1000);
    const replyAfter = await ping.waitReply(fallback ?? dies, 3000);
    const delDead = await host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith(B2_PREFIX), dies, 1000);
    // The host's neighbour entry for plr: NUD (RFC 4861 7.3) finds it unreachable after its
    // reachable time, DELAY and PROBE; Linux then skips routes through it (the RFC 4191
    // reachability rule) and backtracks to the default route, before the lifetime ends.
    const failed = host.all().find((e) => e.tUs >= dies && e.kind === 'neigh' && e.text.startsWith(`${plrLL} `) && /FAILED/.test(e.text));
    ctx.chain('private-link router dead', dies, [
      ['last RA from plr, before the death', lastRa?.tUs, 'capture on the host link'],
      ["host kernel: plr's neighbour entry FAILED (NUD)", failed?.tUs, 'ip monitor in host'],
      ['first echo request through gw', fallback, 'capture on b2 core0'],
      ['first reply after it', replyAfter, 'ping -D'],
      ['host kernel removes the expired route', delDead?.tUs, 'ip monitor in host (garbage collection may come later)'],
    ]);
    const expiresAt = lastRa !== undefined ? lastRa.tUs + routeLifetime * 1e6 : undefined;
    if (fallback === undefined || expiresAt === undefined) {
      ctx.check('dies: the host falls back once the route expires or plr is found unreachable', false, 'no fallback seen');
    } else {
      const early = fallback < expiresAt - 1_000_000;
      const byNud = failed !== undefined && Math.abs(fallback - failed.tUs) < 1_000_000;
      ctx.check('dies: the host keeps the route through a dead router for seconds, not milliseconds', fallback - dies > 2_000_000, `traffic blackholed for ${fmtMs((fallback - dies) / 1000)} after the death (a cut link: ${fmtMs(ra0 !== undefined ? (ra0.tUs - cut) / 1000 : undefined)})`);
      ctx.check('dies: the host falls back at the latest when the route\'s lifetime ends', fallback <= expiresAt + 1_500_000 && (!early || byNud),
        `traffic through gw ${fmtMs((fallback - dies) / 1000)} after the death; the route (lifetime ${routeLifetime} s) expired ${fmtMs((expiresAt - dies) / 1000)} after it${early ? (byNud ? `; earlier because NUD found plr unreachable ${fmtMs((failed.tUs - dies) / 1000)} after the death` : '; earlier, with no NUD failure to explain it') : ''}`);
    }
    await ping.stop();
  },
};
