/**
 * S1 with many private-link routers (scenarios.md S1, last case): two private-link routers,
 * plr and plr2, each with its own leased line to building 2, both advertising a Route
 * Information Option for 2001:db8:2::/48. The host keeps one route per router (not ECMP
 * siblings: it uses one). When the line its traffic takes is cut, only that router's route
 * goes and the traffic moves to the other private link, not the default router; when that one
 * is cut too, it falls back to gw. Then both lines come back.
 */
import { prepareRouter, routes, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import type { Scenario } from './scenario';
import { B2_PREFIX, B2_SERVER, carrierIs, carrierWatch, leasedLine, s1Configs, s1Topology, warmUp } from './s1';
import { fmtMs } from './timeline';

const VIA_PLR = 'through plr and its line';
const VIA_PLR2 = 'through plr2 and its line';
const VIA_GW = 'through gw and the carrier';

/** The second private-link router: LAN port on sw's br0, its own line (namespace line2) to b2's priv1. */
async function addPlr2(lab: Lab): Promise<string> {
  await lab.addNamespace('plr2');
  await lab.sysctls('plr2', { 'net.ipv6.conf.all.forwarding': 1, 'net.ipv6.conf.all.ignore_routes_with_linkdown': 1, 'net.ipv6.conf.default.ignore_routes_with_linkdown': 1 });
  await lab.addVeth('plr2', 'lan0', 'sw', 'p-plr2', { masterB: 'br0' });
  await prepareRouter(lab, 'plr2', 'lan0');
  await lab.ip('plr2', ['addr', 'add', '2001:db8:1:1::3/64', 'dev', 'lan0', 'nodad']);
  await lab.addNamespace('line2');
  await lab.addBridge('line2', 'br0');
  await lab.addVeth('plr2', 'priv0', 'line2', 'l-plr2', { masterB: 'br0' });
  await lab.addVeth('b2', 'priv1', 'line2', 'l-b2', { masterB: 'br0' });
  await lab.ip('plr2', ['addr', 'add', '2001:db8:ff04::1/64', 'dev', 'priv0', 'nodad']);
  await lab.ip('b2', ['addr', 'add', '2001:db8:ff04::2/64', 'dev', 'priv1', 'nodad']);
  await lab.ip('plr2', ['-6', 'route', 'add', B2_PREFIX, 'via', '2001:db8:ff04::2']);
  await lab.ip('b2', ['-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8:ff04::1', 'metric', '150']);
  return waitLinkLocal(lab, 'plr2', 'lan0');
}

const cutLine = (lab: Lab, ns: string, a: string, b: string): Promise<unknown> => Promise.all([lab.linkDown(ns, a), lab.linkDown(ns, b)]);
const mendLine = (lab: Lab, ns: string, a: string, b: string): Promise<unknown> => Promise.all([lab.linkUp(ns, a), lab.linkUp(ns, b)]);

export const S1_MANY: Scenario = {
  name: 'S1-many',
  title: 'two private-link routers: each advertises its route; one cut leaves traffic on the other',
  seconds: { fast: 15, full: 15 },
  async run(ctx) {
    const { lab } = ctx;
    const routeLifetime = ctx.pick(10, 60);
    const maxInterval = ctx.pick(4, 20);
    ctx.say('Building S1 with two private-link routers: plr (line to b2 priv0) and plr2 (line2 to b2 priv1).');
    const { gwLL, plrLL } = await s1Topology(lab, leasedLine);
    const plr2LL = await addPlr2(lab);
    const names = new Map([[gwLL, 'gw'], [plrLL, 'plr'], [plr2LL, 'plr2']]);
    const wire = await ctx.wire('host', 'h0', { track: [`route ${B2_PREFIX}`], names });
    const host = await ctx.kernel('host', { label: 'host' });
    const k1 = await carrierWatch(ctx, 'plr', 'priv0');
    const k2 = await carrierWatch(ctx, 'plr2', 'priv0');
    const paths = await ctx.paths([
      { label: VIA_PLR, ns: 'b2', ifname: 'priv0' },
      { label: VIA_PLR2, ns: 'b2', ifname: 'priv1' },
      { label: VIA_GW, ns: 'b2', ifname: 'core0' },
    ]);
    // Every router lists the other two in AllowedRouters (a statement takes several addresses).
    const cfg = s1Configs({ gwPeer: `${plrLL}; ${plr2LL}`, plrPeer: `${gwLL}; ${plr2LL}`, routeLifetime, maxInterval });
    const cfg2 = s1Configs({ gwPeer: '', plrPeer: `${gwLL}; ${plrLL}`, routeLifetime, maxInterval });
    await ctx.firsthop('gw', cfg.gw);
    await ctx.firsthop('plr', cfg.plr);
    await ctx.firsthop('plr2', cfg2.plr);
    const both = await waitFor(async () => {
      const rs = (await routes(lab, 'host')).filter((r) => r.dst === B2_PREFIX);
      return rs.length >= 2 ? rs : undefined;
    }, { timeoutMs: 20_000, intervalMs: 50, what: 'a route to building 2 from each private-link router' });
    const gws = (both ?? []).map((r) => r.gateway).sort();
    ctx.check('normal: the host keeps one route to building 2 per private-link router', gws.length === 2 && gws.includes(plrLL) && gws.includes(plr2LL), `${B2_PREFIX} via ${gws.join(' and ')}`);
    await warmUp(ctx, 'host', B2_SERVER);
    const ping = ctx.ping('host', B2_SERVER);
    await ctx.sleep(500);
    const t0 = ctx.now();
    const viaPrivate = await Promise.race([paths.waitFirst(VIA_PLR, t0, 3000), paths.waitFirst(VIA_PLR2, t0, 3000)]);
    ctx.check('normal: traffic to building 2 takes a private link', viaPrivate !== undefined, viaPrivate !== undefined ? 'echo requests arrive on a private link' : 'none within 3 s');

    // The host's two routes are not ECMP siblings: the kernel uses one of them. Cut the line of
    // the router that carries the traffic, so that the cut has to move it.
    const R1 = { name: 'plr', ll: plrLL, line: 'line', port: 'l-plr', via: VIA_PLR, k: k1, b2if: 'priv0' };
    const R2 = { name: 'plr2', ll: plr2LL, line: 'line2', port: 'l-plr2', via: VIA_PLR2, k: k2, b2if: 'priv1' };
    const onPlr2 = paths.times(VIA_PLR2).filter((t) => t >= t0).length > paths.times(VIA_PLR).filter((t) => t >= t0).length;
    const [first, second] = onPlr2 ? [R2, R1] : [R1, R2];
    ctx.say(`  the host's traffic to building 2 goes through ${first.name}: its line is cut first`);

    // 1. The line in use is cut: its router's route goes; the traffic moves to the other private link.
    const cut1 = await ctx.inject(`${first.name}'s line is cut (the one carrying the traffic)`, () => cutLine(lab, first.line, first.port, 'l-b2'));
    const c1 = await first.k.wait(carrierIs('priv0', false), cut1, 2000);
    const ra1 = await wire.waitRa(`route ${B2_PREFIX}`, (v) => v === 0, cut1, 2000, first.ll);
    const del1 = await host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith(B2_PREFIX) && e.text.includes(first.ll), cut1, 2000);
    const via2 = await paths.waitFirst(second.via, cut1, 3000);
    ctx.chain(`${first.name}'s line cut`, cut1, [
      [`${first.name} kernel: priv0 lost carrier`, c1?.tUs, `ip monitor in ${first.name}`],
      [`RA from ${first.name}: RIO lifetime 0`, ra1?.tUs, 'capture on the host link'],
      [`host kernel deletes ${first.name}'s route`, del1?.tUs, 'ip monitor in host'],
      [`echo requests through ${second.name}`, via2, `capture on b2 ${second.b2if}`],
    ]);
    await ctx.sleep(300);
    const left = (await routes(lab, 'host')).filter((r) => r.dst === B2_PREFIX).map((r) => r.gateway);
    const toGw = paths.times(VIA_GW).filter((t) => t >= cut1).length;
    ctx.check(`one cut: only ${first.name}'s route goes, ${second.name}'s stays`, del1 !== undefined && left.length === 1 && left[0] === second.ll, `routes left: ${left.join(' ') || 'none'}`);
    ctx.check(`one cut: the traffic moves to the other private link (${second.name}), not the default router`, via2 !== undefined && toGw === 0, `${via2 !== undefined ? `through ${second.name} ${fmtMs((via2 - cut1) / 1000)} after the cut` : `not through ${second.name}`}; ${toGw} echo requests through gw`);

    // 2. The other line is cut too: the traffic falls back to gw.
    const cut2 = await ctx.inject(`${second.name}'s line is cut too`, () => cutLine(lab, second.line, second.port, 'l-b2'));
    const c2 = await second.k.wait(carrierIs('priv0', false), cut2, 2000);
    const ra2 = await wire.waitRa(`route ${B2_PREFIX}`, (v) => v === 0, cut2, 2000, second.ll);
    const del2 = await host.wait((e) => e.kind === 'route' && e.deleted && e.text.startsWith(B2_PREFIX) && e.text.includes(second.ll), cut2, 2000);
    const viaGw = await paths.waitFirst(VIA_GW, cut2, 3000);
    ctx.chain(`${second.name}'s line cut`, cut2, [
      [`${second.name} kernel: priv0 lost carrier`, c2?.tUs, `ip monitor in ${second.name}`],
      [`RA from ${second.name}: RIO lifetime 0`, ra2?.tUs, 'capture on the host link'],
      [`host kernel deletes ${second.name}'s route`, del2?.tUs, 'ip monitor in host'],
      ['echo requests through gw', viaGw, 'capture on b2 core0'],
    ]);
    ctx.check('both cut: the traffic falls back to the default router', viaGw !== undefined && viaGw - cut2 < 1_500_000, viaGw !== undefined ? `through gw ${fmtMs((viaGw - cut2) / 1000)} after the second cut` : 'not through gw within 3 s');

    // 3. Both lines come back: both routes again.
    const back = await ctx.inject('both lines are restored', () => Promise.all([mendLine(lab, 'line', 'l-plr', 'l-b2'), mendLine(lab, 'line2', 'l-plr2', 'l-b2')]));
    const again = await waitFor(async () => {
      const rs = (await routes(lab, 'host')).filter((r) => r.dst === B2_PREFIX);
      return rs.length >= 2 ? rs : undefined;
    }, { timeoutMs: 3000, intervalMs: 20, what: 'both routes back' }).catch(() => undefined);
    const viaBack = await Promise.race([paths.waitFirst(VIA_PLR, back, 3000), paths.waitFirst(VIA_PLR2, back, 3000)]);
    const up1 = await k1.wait(carrierIs('priv0', true), back, 2000);
    const up2 = await k2.wait(carrierIs('priv0', true), back, 2000);
    ctx.chain('both lines restored', back, [
      ['plr kernel: priv0 carrier up', up1?.tUs, 'ip monitor in plr'],
      ['plr2 kernel: priv0 carrier up', up2?.tUs, 'ip monitor in plr2'],
      ['first RA with the route again', (await wire.waitRa(`route ${B2_PREFIX}`, (v) => v > 0, back, 2000))?.tUs, 'capture on the host link'],
      ['host kernel adds a route to building 2', (await host.wait((e) => e.kind === 'route' && !e.deleted && e.text.startsWith(B2_PREFIX), back, 2000))?.tUs, 'ip monitor in host'],
      ['traffic on a private link again', viaBack, 'capture on b2 priv0/priv1'],
    ]);
    ctx.check('restored: both routes and the private path come back', again !== undefined && viaBack !== undefined, `${again?.length ?? 0} routes; ${viaBack !== undefined ? `private path ${fmtMs((viaBack - back) / 1000)} after the repair` : 'no private path'}`);
    await ping.stop();
  },
};
