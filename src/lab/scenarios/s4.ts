/**
 * S4: two routers, primary/backup (scenarios.md S4, RFC 8475 3.2.2).
 *
 *                 host (h0: SLAAC from both prefixes, new pings to the server every 100 ms)
 *                   |
 *            [ LAN: sw/br0 ]
 *             /            \
 *   r1 lan0 2001:db8:1:1::1   r2 lan0 2001:db8:2:1::1     each advertises its own ISP's prefix
 *   r1 x0 ---------------------- r2 x0                    a dedicated link: OSPFv3 (S4-route),
 *   r1 wan0                      r2 wan0                  and the source-routed detour
 *     |                            |
 *    ispa ------- inet ------- ispb                       server 2001:db8:ff::1 in inet
 *
 * R1 (ISP A) is the primary. Each router forwards packets from the other ISP's /48 to the
 * other router over x0 (RFC 8475 3.2.2's forwarding policy), so whichever router a host sends
 * through, its packets leave by the ISP of their source address.
 *
 * S4-route: R1 and R2 run BIRD 2 with OSPFv3 on x0. R1 announces its uplink's subnet
 * (2001:db8:f1::/64, a direct route with `check link`: only while wan0 has carrier); R2's
 * firsthop deprecates R2's prefix while that route is in its kernel (`route ... proto bird`),
 * and R1's deprecates its own while wan0 has no carrier.
 *
 * S4-vrrp: VRRP mastership decides (examples/rfc8475-3.2.2-r1-vrrp.conf): each router's prefix
 * is preferred only while it is the Active; R1's uplink failure lowers its priority below
 * R2's (track), R2 takes over, the prefixes swap.
 *
 * Injected: R1's uplink loses carrier (ISP A's end goes dark), then comes back.
 */
import { prepareRouter, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import { birdDirect, birdHead, birdKernel, birdOspf, ospfTimers, startBird, type Bird } from './bird';
import { ISP_A, ISP_B, ROUTER_SYSCTLS, after, buildIsps, carrierUp, dataSwitch, hostAddr, noCarrier, routerShow, sourceRoute, startDataWatches, steadyOnA, uplinkDown, uplinkRoute, uplinkUp, type DataWatches, type Isp } from './multihome';
import type { KernelWatch, WireWatch } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { activeDownIntervalMs } from '../../vrrp/machine';
import { segment } from '../topology';
import { fmtMs } from './timeline';

interface S4Lab {
  readonly r1LL: string;
  readonly r2LL: string;
  readonly r1x: string;
  readonly r2x: string;
}

async function s4Topology(lab: Lab): Promise<S4Lab> {
  for (const r of ['r1', 'r2']) {
    await lab.addNamespace(r);
    await lab.sysctls(r, ROUTER_SYSCTLS);
  }
  const seg = await segment(lab, { switchNs: 'sw', bridge: 'br0' });
  await seg.attach('r1', 'lan0', 'router');
  await seg.attach('r2', 'lan0', 'router');
  await seg.attach('host', 'h0', 'host');
  await lab.addVeth('r1', 'x0', 'r2', 'x0', { up: false });
  await prepareRouter(lab, 'r1', 'x0');
  await prepareRouter(lab, 'r2', 'x0');
  await buildIsps(lab, 'r1', 'r2');
  await lab.ip('r1', ['addr', 'add', '2001:db8:1:1::1/64', 'dev', 'lan0', 'nodad']);
  await lab.ip('r2', ['addr', 'add', '2001:db8:2:1::1/64', 'dev', 'lan0', 'nodad']);
  const r1x = await waitLinkLocal(lab, 'r1', 'x0');
  const r2x = await waitLinkLocal(lab, 'r2', 'x0');
  await sourceRoute(lab, 'r1', ISP_B.site, 200, r2x, 'x0');
  await sourceRoute(lab, 'r2', ISP_A.site, 200, r1x, 'x0');
  return { r1LL: await waitLinkLocal(lab, 'r1', 'lan0'), r2LL: await waitLinkLocal(lab, 'r2', 'lan0'), r1x, r2x };
}

/** RA timers shared by both variants (MinDelayBetweenRAs 0.03: a triggered RA is never held back). */
function raTimers(maxInterval: number): string {
  return `    MinRtrAdvInterval ${Math.max(3, Math.floor(maxInterval * 0.75))};
    MaxRtrAdvInterval ${maxInterval};
    MinDelayBetweenRAs 0.03;`;
}

function prefixBlock(isp: Isp, condition: string, preferredWhenTrue: boolean): string {
  const [yes, no] = preferredWhenTrue ? [604800, 0] : [0, 604800];
  return `    prefix ${isp.lan} {
        AdvValidLifetime 2592000;
        AdvPreferredLifetime 604800;
        if ${condition} { AdvPreferredLifetime ${yes}; } else { AdvPreferredLifetime ${no}; };
    };`;
}

/** S4-route's firsthop configs: R1 follows its uplink's carrier, R2 the route to it (examples/rfc8475-3.2.2-r2-route-presence.conf, adapted). */
export function s4RouteConfigs(o: { readonly r1LL: string; readonly r2LL: string; readonly maxInterval: number }): { r1: string; r2: string } {
  const r1 = `# S4-route, R1 (ISP A, the primary): A's prefix is preferred while R1's uplink has carrier.
condition isp-a { link wan0 up; };

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${o.r2LL}; };
${raTimers(o.maxInterval)}
${prefixBlock(ISP_A, 'isp-a', true)}
};
`;
  const r2 = `# S4-route, R2 (ISP B, the backup): B's prefix is deprecated while the route to ISP A's
# uplink, learned from R1 by OSPFv3 and installed by BIRD (proto bird), is in the kernel.
condition isp-a-route { route ${ISP_A.uplinkNet} proto bird; };

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${o.r1LL}; };
${raTimers(o.maxInterval)}
${prefixBlock(ISP_B, 'isp-a-route', false)}
};
`;
  return { r1, r2 };
}

/** BIRD on R1 or R2: OSPFv3 on x0 announcing the uplink's subnet while it has carrier; OSPF externals into the kernel. */
export function s4BirdConfig(o: { readonly routerId: string; readonly hello: number; readonly dead: number; readonly tick: number }): string {
  return (
    birdHead(o.routerId) +
    birdDirect('uplink', ['wan0']) +
    birdKernel('where source ~ [RTS_OSPF_EXT1, RTS_OSPF_EXT2]') +
    birdOspf({ tick: o.tick, ifaces: [{ name: 'x0', type: 'ptp', hello: o.hello, dead: o.dead }], export: 'where proto = "uplink"' })
  );
}

/** S4-vrrp's configs: examples/rfc8475-3.2.2-r1-vrrp.conf, and R2's counterpart (its own prefix, priority 100). */
export function s4VrrpConfigs(o: { readonly r1LL: string; readonly r2LL: string; readonly maxInterval: number; readonly advertInt: number; readonly preemptDelay: number }): { r1: string; r2: string } {
  const one = (me: 'R1' | 'R2', isp: Isp, priority: number, peer: string): string => `# S4-vrrp, ${me} (ISP ${isp.name}): its prefix is preferred only while it is the VRRP Active.
# R1's priority 150 drops to 50, below R2's 100, while its uplink is down (track).
condition isp-${isp.name.toLowerCase()} { link wan0 up; };

vrrp VI_1 {
    interface lan0;
    virtual_router_id 1;
    priority ${priority};
    advert_int ${o.advertInt};
    preempt_delay ${o.preemptDelay};
    virtual_ipaddress { fe80::1; };
    track isp-${isp.name.toLowerCase()} weight -100;
};

condition master { vrrp VI_1; };

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${peer}; };
${raTimers(o.maxInterval)}
${prefixBlock(isp, 'master', true)}
};
`;
  return { r1: one('R1', ISP_A, 150, o.r2LL), r2: one('R2', ISP_B, 100, o.r1LL) };
}

// ---------------------------------------------------------------------------
// What both variants watch

interface Watches extends DataWatches {
  readonly wire: WireWatch;
  readonly host: KernelWatch;
  readonly r1: KernelWatch;
  readonly r2: KernelWatch;
}

async function watch(ctx: ScenarioContext, l: S4Lab): Promise<Watches> {
  const names = new Map([[l.r1LL, 'R1'], [l.r2LL, 'R2']]);
  const wire = await ctx.wire('host', 'h0', { track: [ISP_A.lan, ISP_B.lan], names });
  const host = await ctx.kernel('host', { label: 'host' });
  const r1 = await ctx.kernel('r1', { lane: 'failure', label: 'r1 kernel', show: routerShow });
  const r2 = await ctx.kernel('r2', { lane: 'failure', label: 'r2 kernel', show: routerShow });
  return { wire, host, r1, r2, ...(await startDataWatches(ctx)) };
}

// ---------------------------------------------------------------------------
// S4-route

/** BIRD's log lines S4-route shows on the daemon lane. */
const S4_BIRD_LINES = /uplink\.ipv6 [<>]|Flushing LSA|Originating LSA: Type: 4005|kernel1\.ipv6 [<>] .*2001:db8:f[12]::|Neighbor .* changed state/;

export const S4Route: Scenario = {
  name: 'S4-route',
  title: 'two routers, two ISPs: R2 deprecates its prefix while OSPF carries the route to R1\'s uplink (RFC 8475 3.2.2)',
  needs: ['bird', 'birdc'],
  seconds: { fast: 16, full: 20 },
  async run(ctx) {
    const { lab } = ctx;
    const maxInterval = ctx.pick(4, 30);
    const { hello, dead, tick } = ospfTimers(ctx);
    ctx.say('Building S4-route: LAN (host, R1, R2), R1 <-> R2 over x0 (OSPFv3), R1 -> ISP A, R2 -> ISP B, the server behind both.');
    const l = await s4Topology(lab);
    const birds: Bird[] = [];
    ctx.say(`  BIRD 2 on R1 and R2: OSPFv3 hello ${hello} s, dead ${dead} s, tick ${tick} s; R1 announces ${ISP_A.uplinkNet} while wan0 has carrier`);
    birds.push(await startBird(ctx, 'r1', 'bird-r1', s4BirdConfig({ routerId: '10.0.0.1', hello, dead, tick }), { timeline: S4_BIRD_LINES }));
    birds.push(await startBird(ctx, 'r2', 'bird-r2', s4BirdConfig({ routerId: '10.0.0.2', hello, dead, tick }), { timeline: S4_BIRD_LINES }));
    for (const b of birds) await b.waitProtocols(['uplink', 'kernel1', 'ospf1']);
    for (const b of birds) await b.waitOspfFull(1, 'ospf1', (dead + 20) * 1000);
    await waitFor(async () => (await lab.ip('r2', ['-6', 'route', 'show', ISP_A.uplinkNet, 'proto', 'bird'])).stdout.trim() !== '', { timeoutMs: 15_000, intervalMs: 100, what: `R2 learning ${ISP_A.uplinkNet} from R1` });
    const r2route = (await lab.ip('r2', ['-6', 'route', 'show', ISP_A.uplinkNet])).stdout.trim();
    ctx.say(`  R2's kernel: ${r2route}`);
    ctx.check('normal: R2 has the route to ISP A\'s uplink from OSPF', / proto bird /.test(`${r2route} `) && / dev x0 /.test(`${r2route} `), r2route);
    const w = await watch(ctx, l);
    const cfg = s4RouteConfigs({ r1LL: l.r1LL, r2LL: l.r2LL, maxInterval });
    await ctx.firsthop('r1', cfg.r1, { label: 'R1' });
    await ctx.firsthop('r2', cfg.r2, { label: 'R2' });
    await steadyOnA(ctx, w);
    await ctx.sleep(500);

    // 1. R1's uplink loses carrier.
    const cut = await ctx.inject("R1's uplink to ISP A loses carrier (ISP A's end goes dark)", () => uplinkDown(lab, ISP_A));
    const carrier = await w.r1.wait(noCarrier, cut, 2000);
    const raA = await w.wire.waitRa(ISP_A.lan, (v) => v === 0, cut, 3000, l.r1LL);
    const del = await w.r2.wait(uplinkRoute(ISP_A, true), cut, (tick + 3) * 1000);
    const raB = await w.wire.waitRa(ISP_B.lan, (v) => v > 0, cut, (tick + 3) * 1000, l.r2LL);
    const aDep = await w.host.wait(hostAddr(ISP_A, 'deprecated'), cut, 3000);
    const bPref = await w.host.wait(hostAddr(ISP_B, 'preferred'), cut, (tick + 3) * 1000);
    const d1 = await dataSwitch(ctx, w, 'uplink lost', cut, ISP_B, ISP_A, bPref?.tUs);
    ctx.chain("R1's uplink lost", cut, [
      ['R1 kernel: wan0 lost carrier', carrier?.tUs, 'ip monitor in r1'],
      ["RA from R1: A's prefix preferred 0", raA?.tUs, 'capture on the host link'],
      ['host kernel: A\'s address deprecated', aDep?.tUs, 'ip monitor in host'],
      [`R2 kernel: route to ${ISP_A.uplinkNet} deleted (BIRD, after OSPF)`, del?.tUs, 'ip monitor in r2'],
      ["RA from R2: B's prefix preferred", raB?.tUs, 'capture on the host link'],
      ["host kernel: B's address preferred", bPref?.tUs, 'ip monitor in host'],
      ["first new ping from B's address", d1.host, 'capture on h0'],
      ['... through ISP B', d1.isp, 'capture on inet b0'],
      ['... answered', d1.reply, 'ping -D'],
    ]);
    ctx.check('lost: R1 deprecates A\'s prefix at once', raA !== undefined && raA.tUs - cut < 1_000_000, raA ? `RA ${after(raA.tUs, cut, 'the event')}` : 'no RA from R1 with A preferred 0 within 3 s');
    ctx.check(`lost: the route leaves R2's kernel within BIRD's OSPF tick (${tick} s) + 0.5 s`, del !== undefined && del.tUs - (carrier?.tUs ?? cut) < (tick + 0.5) * 1e6, del ? `deleted ${after(del.tUs, carrier?.tUs ?? cut, 'R1 lost carrier')}` : `not deleted within ${tick + 3} s`);
    // ip monitor's times are when `ip` read the notification: firsthop, reading its own copy, may send a little before.
    ctx.check("lost: R2's RA makes B preferred as the route goes", raB !== undefined && del !== undefined && raB.tUs - del.tUs > -20_000 && raB.tUs - del.tUs < 500_000, raB && del ? `RA ${fmtMs((raB.tUs - del.tUs) / 1000)} after the route left R2's kernel` : 'missing');
    ctx.check('lost: the host deprecates A and prefers B', aDep !== undefined && bPref !== undefined, `A deprecated ${after(aDep?.tUs, cut, 'the event')}, B preferred ${after(bPref?.tUs, cut, 'the event')}`);
    await ctx.sleep(1000);

    // 2. The uplink comes back.
    const back = await ctx.inject("R1's uplink to ISP A gets its carrier back", () => uplinkUp(lab, ISP_A));
    const carrier2 = await w.r1.wait(carrierUp, back, 3000);
    const raA2 = await w.wire.waitRa(ISP_A.lan, (v) => v > 0, back, 3000, l.r1LL);
    const add = await w.r2.wait(uplinkRoute(ISP_A, false), back, (tick + 8) * 1000);
    const raB2 = await w.wire.waitRa(ISP_B.lan, (v) => v === 0, back, (tick + 8) * 1000, l.r2LL);
    const aPref = await w.host.wait(hostAddr(ISP_A, 'preferred'), back, 3000);
    const bDep = await w.host.wait(hostAddr(ISP_B, 'deprecated'), back, (tick + 8) * 1000);
    const d2 = await dataSwitch(ctx, w, 'back', back, ISP_A, ISP_B, bDep?.tUs);
    ctx.chain("R1's uplink back", back, [
      ['R1 kernel: wan0 carrier up', carrier2?.tUs, 'ip monitor in r1'],
      ["RA from R1: A's prefix preferred", raA2?.tUs, 'capture on the host link'],
      ["host kernel: A's address preferred", aPref?.tUs, 'ip monitor in host'],
      [`R2 kernel: route to ${ISP_A.uplinkNet} back (BIRD, after OSPF)`, add?.tUs, 'ip monitor in r2'],
      ["RA from R2: B's prefix preferred 0", raB2?.tUs, 'capture on the host link'],
      ["host kernel: B's address deprecated", bDep?.tUs, 'ip monitor in host'],
      ["first new ping from A's address", d2.host, 'capture on h0'],
      ['... through ISP A', d2.isp, 'capture on inet a0'],
      ['... answered', d2.reply, 'ping -D'],
    ]);
    // MinLSInterval (5 s, RFC 2328) holds back a new instance of an LSA R1 originated less than 5 s before.
    ctx.check(`back: the route returns to R2's kernel within OSPF's MinLSInterval (5 s) + tick (${tick} s)`, add !== undefined && add.tUs - (carrier2?.tUs ?? back) < (5 + tick + 0.5) * 1e6, add ? `added ${after(add.tUs, carrier2?.tUs ?? back, 'R1 got carrier')}` : 'not added');
    ctx.check("back: R1 prefers A at once, R2 deprecates B as the route returns", raA2 !== undefined && raA2.tUs - back < 1_000_000 && raB2 !== undefined && add !== undefined && raB2.tUs - add.tUs > -20_000 && raB2.tUs - add.tUs < 500_000,
      `R1's RA ${after(raA2?.tUs, back, 'the event')}; R2's RA ${raB2 && add ? `${fmtMs((raB2.tUs - add.tUs) / 1000)} after the route came back` : 'missing'}`);
    ctx.check('back: the host prefers A and deprecates B', aPref !== undefined && bDep !== undefined, `A preferred ${after(aPref?.tUs, back, 'the event')}, B deprecated ${after(bDep?.tUs, back, 'the event')}`);
  },
};

// ---------------------------------------------------------------------------
// S4-vrrp

/** RFC 9568 6.1: Master_Down_Interval for a Backup of `priority`, ms (advert_int in seconds). */
const mdiOf = (priority: number, advertInt: number): number => activeDownIntervalMs(priority, Math.round(advertInt * 100));

export const S4Vrrp: Scenario = {
  name: 'S4-vrrp',
  title: 'two routers, two ISPs: the VRRP Active\'s prefix is preferred; R1\'s uplink fails, R2 takes over (RFC 8475 3.2.2)',
  // firsthop's VRRP drops packets to the virtual addresses with an nftables chain (accept off).
  needs: ['nft'],
  seconds: { fast: 10, full: 34 },
  async run(ctx) {
    const { lab } = ctx;
    const maxInterval = ctx.pick(4, 30);
    const advertInt = ctx.pick(0.1, 1);
    const preemptDelay = ctx.pick(1, 10);
    ctx.say('Building S4-vrrp: LAN (host, R1, R2), R1 <-> R2 over x0, R1 -> ISP A, R2 -> ISP B, the server behind both.');
    const l = await s4Topology(lab);
    const w = await watch(ctx, l);
    const cfg = s4VrrpConfigs({ r1LL: l.r1LL, r2LL: l.r2LL, maxInterval, advertInt, preemptDelay });
    ctx.say(`  VRRP: advert_int ${advertInt} s (a Backup takes over after about ${fmtMs(advertInt * 3.6 * 1000)} of silence or lower priority), preempt_delay ${preemptDelay} s`);
    await ctx.firsthop('r1', cfg.r1, { label: 'R1' });
    await ctx.firsthop('r2', cfg.r2, { label: 'R2' });
    const r2Started = ctx.now();
    const vr = (src: string, prio: (p: number) => boolean) => (p: { kind: string; src: string; vrrpPriority?: number }): boolean => p.kind === 'vrrp' && p.src === src && prio(p.vrrpPriority ?? -1);
    const r1Active = await w.wire.wait(vr(l.r1LL, (p) => p === 150), ctx.now() - 5e6, 10_000);
    ctx.check('normal: R1 is the Active (its adverts, priority 150, on the LAN)', r1Active !== undefined, r1Active ? 'VRRP adverts from R1 at priority 150' : 'no advert from R1 at priority 150');
    await steadyOnA(ctx, w);
    const t1 = ctx.now();
    await ctx.sleep(1000);
    const r2Quiet = w.wire.packets().filter((p) => p.kind === 'vrrp' && p.src === l.r2LL && p.tUs >= t1).length;
    ctx.check('normal: R2 is a Backup (no adverts from it)', r2Quiet === 0, `${r2Quiet} advert(s) from R2 in 1 s`);
    // preempt_delay also holds a Backup back for that long after its own start (keepalived's
    // behaviour): a failure sooner would be answered late. Let R2 settle first.
    const settled = r2Started + (preemptDelay + 1) * 1e6;
    if (ctx.now() < settled) {
      ctx.say(`  (waiting ${fmtMs((settled - ctx.now()) / 1000)}: R2 started less than preempt_delay + 1 s ago)`);
      await ctx.sleep((settled - ctx.now()) / 1000);
    }

    // 1. R1's uplink loses carrier: its priority drops to 50 < 100.
    const cut = await ctx.inject("R1's uplink to ISP A loses carrier (ISP A's end goes dark)", () => uplinkDown(lab, ISP_A));
    const carrier = await w.r1.wait(noCarrier, cut, 2000);
    const low = await w.wire.wait(vr(l.r1LL, (p) => p === 50), cut, 3000);
    const r2Adv = await w.wire.wait(vr(l.r2LL, (p) => p === 100), cut, (advertInt * 6 + 2) * 1000);
    const raA = await w.wire.waitRa(ISP_A.lan, (v) => v === 0, cut, (advertInt * 6 + 3) * 1000, l.r1LL);
    const raB = await w.wire.waitRa(ISP_B.lan, (v) => v > 0, cut, (advertInt * 6 + 3) * 1000, l.r2LL);
    const aDep = await w.host.wait(hostAddr(ISP_A, 'deprecated'), cut, (advertInt * 6 + 3) * 1000);
    const bPref = await w.host.wait(hostAddr(ISP_B, 'preferred'), cut, (advertInt * 6 + 3) * 1000);
    const d1 = await dataSwitch(ctx, w, 'uplink lost', cut, ISP_B, ISP_A, bPref?.tUs, raA !== undefined && raB !== undefined ? Math.max(raA.tUs, raB.tUs) : undefined);
    const r1Stops = w.wire.packets().filter((p) => p.kind === 'vrrp' && p.src === l.r1LL && r2Adv !== undefined && p.tUs > r2Adv.tUs + advertInt * 2e6).length;
    ctx.chain("R1's uplink lost", cut, [
      ['R1 kernel: wan0 lost carrier', carrier?.tUs, 'ip monitor in r1'],
      ['VRRP advert from R1 at priority 50', low?.tUs, 'capture on the host link'],
      ['first VRRP advert from R2 (R2 is the Active)', r2Adv?.tUs, 'capture on the host link'],
      ["RA from R1: A's prefix preferred 0", raA?.tUs, 'capture on the host link'],
      ["RA from R2: B's prefix preferred", raB?.tUs, 'capture on the host link'],
      ["host kernel: A's address deprecated", aDep?.tUs, 'ip monitor in host'],
      ["host kernel: B's address preferred", bPref?.tUs, 'ip monitor in host'],
      ["first new ping from B's address", d1.host, 'capture on h0'],
      ['... through ISP B', d1.isp, 'capture on inet b0'],
      ['... answered', d1.reply, 'ping -D'],
    ]);
    ctx.check('lost: R1 advertises its lowered priority at once', low !== undefined && low.tUs - cut < 1_000_000, low ? `priority 50 ${after(low.tUs, cut, 'the event')}` : 'no advert at priority 50');
    // RFC 9568 6.4.2: a Backup ignores a lower-priority Active's adverts (preempt), so it takes
    // over when Master_Down_Interval (3 x advert_int + skew) has passed since the last advert
    // it did not ignore: R1's last one at priority 150.
    const mdi = mdiOf(100, advertInt);
    const lastHigh = low === undefined ? undefined : w.wire.packets().filter((p) => p.kind === 'vrrp' && p.src === l.r1LL && p.vrrpPriority === 150 && p.tUs < low.tUs).pop();
    const sinceHigh = r2Adv !== undefined && lastHigh !== undefined ? (r2Adv.tUs - lastHigh.tUs) / 1000 : undefined;
    ctx.check(`lost: R2 takes over Master_Down_Interval (${fmtMs(mdi)}) after R1's last priority-150 advert`, sinceHigh !== undefined && sinceHigh > mdi - 50 && sinceHigh < mdi + 300 && r1Stops === 0,
      sinceHigh !== undefined ? `R2's first advert ${fmtMs(sinceHigh)} after it (${fmtMs((r2Adv!.tUs - low!.tUs) / 1000)} after R1's priority-50 advert); R1 then silent (${r1Stops} advert(s) later)` : 'no takeover seen');
    ctx.check('lost: the RAs follow the election: A deprecated by R1, B preferred by R2', raA !== undefined && raB !== undefined && r2Adv !== undefined && Math.abs(raB.tUs - r2Adv.tUs) < 300_000 && Math.abs(raA.tUs - r2Adv.tUs) < 300_000,
      `R1's RA ${after(raA?.tUs, cut, 'the event')}, R2's ${after(raB?.tUs, cut, 'the event')}; R2 Active ${after(r2Adv?.tUs, cut, 'the event')}`);
    ctx.check('lost: the host deprecates A and prefers B', aDep !== undefined && bPref !== undefined, `A deprecated ${after(aDep?.tUs, cut, 'the event')}, B preferred ${after(bPref?.tUs, cut, 'the event')}`);
    await ctx.sleep(1000);

    // 2. The uplink comes back: R1 (150 again) preempts after preempt_delay.
    const back = await ctx.inject("R1's uplink to ISP A gets its carrier back", () => uplinkUp(lab, ISP_A));
    const wait = (preemptDelay + advertInt * 6 + 3) * 1000;
    const mdi1 = mdiOf(150, advertInt);
    const carrier2 = await w.r1.wait(carrierUp, back, 3000);
    const r1Back = await w.wire.wait(vr(l.r1LL, (p) => p === 150), back, wait);
    const raA2 = await w.wire.waitRa(ISP_A.lan, (v) => v > 0, back, wait, l.r1LL);
    const raB2 = await w.wire.waitRa(ISP_B.lan, (v) => v === 0, back, wait, l.r2LL);
    const aPref = await w.host.wait(hostAddr(ISP_A, 'preferred'), back, wait);
    const bDep = await w.host.wait(hostAddr(ISP_B, 'deprecated'), back, wait);
    const d2 = await dataSwitch(ctx, w, 'back', back, ISP_A, ISP_B, bDep?.tUs, raA2 !== undefined && raB2 !== undefined ? Math.max(raA2.tUs, raB2.tUs) : undefined);
    ctx.chain("R1's uplink back", back, [
      ['R1 kernel: wan0 carrier up', carrier2?.tUs, 'ip monitor in r1'],
      ['first VRRP advert from R1 at priority 150 (R1 Active again)', r1Back?.tUs, 'capture on the host link'],
      ["RA from R1: A's prefix preferred", raA2?.tUs, 'capture on the host link'],
      ["RA from R2: B's prefix preferred 0", raB2?.tUs, 'capture on the host link'],
      ["host kernel: A's address preferred", aPref?.tUs, 'ip monitor in host'],
      ["host kernel: B's address deprecated", bDep?.tUs, 'ip monitor in host'],
      ["first new ping from A's address", d2.host, 'capture on h0'],
      ['... through ISP A', d2.isp, 'capture on inet a0'],
      ['... answered', d2.reply, 'ping -D'],
    ]);
    const c2 = carrier2?.tUs ?? back;
    ctx.check(`back: R1 preempts after preempt_delay (${preemptDelay} s) + Master_Down_Interval, not before`, r1Back !== undefined && r1Back.tUs - c2 >= preemptDelay * 1e6 && r1Back.tUs - c2 < (preemptDelay * 1000 + mdi1 + 500) * 1000,
      r1Back ? `R1 Active ${after(r1Back.tUs, c2, 'its carrier came back')}` : 'R1 did not take over');
    ctx.check('back: the RAs follow: A preferred by R1, B deprecated by R2, the host switches back', raA2 !== undefined && raB2 !== undefined && r1Back !== undefined && raA2.tUs - r1Back.tUs < 300_000 && raB2.tUs - r1Back.tUs < 300_000 && aPref !== undefined && bDep !== undefined,
      `R1's RA ${after(raA2?.tUs, back, 'the event')}, R2's ${after(raB2?.tUs, back, 'the event')}; host: A preferred ${after(aPref?.tUs, back, 'the event')}, B deprecated ${after(bDep?.tUs, back, 'the event')}`);
  },
};
