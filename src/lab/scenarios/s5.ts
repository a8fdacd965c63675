/**
 * S5: dedicated border routers (scenarios.md S5, RFC 8475 3.2.5).
 *
 *                      host (h0: SLAAC from both prefixes, new pings every 100 ms)
 *                        |
 *                 [ LAN: sw/br0 ]                  2001:db8:1:1::/64 and 2001:db8:2:1::/64
 *                  /            \
 *            r1 lan0            r2 lan0            first-hop routers: firsthop + BIRD 2
 *            c3    c4           c3    c4
 *             |      \         /      |            point-to-point links, OSPFv3 area 0
 *            c1       c1      c2      c2
 *            r3 ------------------    r4           border routers: BIRD 2 only
 *            r3 wan0                  r4 wan0
 *              |                        |
 *             ispa ------ inet ------ ispb         server 2001:db8:ff::1 in inet
 *
 * R3 owns ISP A's uplink, R4 ISP B's. Each announces its uplink's subnet into OSPFv3 (a direct
 * route with `check link`: only while the uplink has carrier); R1 and R2 announce the LAN
 * prefixes (stub interface). R1 and R2 run the same firsthop config
 * (examples/rfc8475-3.2.5-border-routers.conf adapted to what BIRD installs: the uplink
 * subnets, proto bird): A's prefix preferred while ISP A's uplink route is in the kernel, B's
 * only while it is not. They forward by source (packets from A's /48 to R3, from B's to R4);
 * the border routers reach the LAN by the routes OSPF gives them.
 *
 * Injected: R3's uplink loses carrier, then gets it back; then R3 hangs (its BIRD is killed
 * and it stops forwarding, its links stay up): OSPF notices only when the dead interval runs
 * out, and that is what a silent border-router failure costs.
 */
import { prepareRouter, waitFor, waitLinkLocal } from '../inspect';
import type { Lab } from '../netns';
import { birdDirect, birdHead, birdKernel, birdOspf, ospfTimers, startBird, type Bird, type OspfIface } from './bird';
import { ISP_A, ISP_B, ROUTER_SYSCTLS, after, buildIsps, carrierUp, dataSwitch, hostAddr, noCarrier, routerShow, sourceRoute, startDataWatches, steadyOnA, uplinkDown, uplinkRoute, uplinkUp, type DataWatches } from './multihome';
import type { KernelEvent, KernelWatch, WireWatch } from './probes';
import type { Scenario, ScenarioContext } from './scenario';
import { segment } from '../topology';
import { fmtMs, longestGap } from './timeline';

interface S5Lab {
  readonly r1LL: string;
  readonly r2LL: string;
}

/** The border routers' ends of the point-to-point links: r3 c1 (to r1), r3 c2 (to r2), the same for r4. */
async function s5Topology(lab: Lab): Promise<S5Lab> {
  for (const r of ['r1', 'r2', 'r3', 'r4']) {
    await lab.addNamespace(r);
    await lab.sysctls(r, ROUTER_SYSCTLS);
  }
  const seg = await segment(lab, { switchNs: 'sw', bridge: 'br0' });
  await seg.attach('r1', 'lan0', 'router');
  await seg.attach('r2', 'lan0', 'router');
  await seg.attach('host', 'h0', 'host');
  for (const [fh, n] of [['r1', '1'], ['r2', '2']] as const) {
    for (const br of ['3', '4'] as const) {
      await lab.addVeth(fh, `c${br}`, `r${br}`, `c${n}`, { up: false });
      await prepareRouter(lab, fh, `c${br}`);
      await prepareRouter(lab, `r${br}`, `c${n}`);
    }
  }
  await buildIsps(lab, 'r3', 'r4');
  // Both first-hop routers are on-link for both prefixes.
  for (const [r, i] of [['r1', '1'], ['r2', '2']] as const) {
    await lab.ip(r, ['addr', 'add', `2001:db8:1:1::${i}/64`, 'dev', 'lan0', 'nodad']);
    await lab.ip(r, ['addr', 'add', `2001:db8:2:1::${i}/64`, 'dev', 'lan0', 'nodad']);
    // The forwarding policy: packets from A's /48 to R3, from B's to R4.
    await sourceRoute(lab, r, ISP_A.site, 101, await waitLinkLocal(lab, 'r3', `c${i}`), 'c3');
    await sourceRoute(lab, r, ISP_B.site, 102, await waitLinkLocal(lab, 'r4', `c${i}`), 'c4');
  }
  return { r1LL: await waitLinkLocal(lab, 'r1', 'lan0'), r2LL: await waitLinkLocal(lab, 'r2', 'lan0') };
}

/** R1's and R2's firsthop config (the same on both): examples/rfc8475-3.2.5-border-routers.conf with BIRD's routes. */
export function s5Config(o: { readonly peerLL: string; readonly maxInterval: number }): string {
  return `# S5: dedicated border routers (RFC 8475 3.2.5). R1 and R2 (this config on both) do not own the
# uplinks; R3 (ISP A) and R4 (ISP B) announce each uplink's subnet by OSPFv3 while it has
# carrier, and BIRD installs it here (proto bird). ISP A is primary.
condition isp-a { route ${ISP_A.uplinkNet} proto bird; };   # from R3
condition isp-b { route ${ISP_B.uplinkNet} proto bird; };   # from R4

interface lan0 {
    AdvSendAdvert on;
    AllowedRouters { ${o.peerLL}; };
    MinRtrAdvInterval ${Math.max(3, Math.floor(o.maxInterval * 0.75))};
    MaxRtrAdvInterval ${o.maxInterval};
    MinDelayBetweenRAs 0.03;
    prefix ${ISP_A.lan} {
        AdvPreferredLifetime 604800;
        AdvValidLifetime 2592000;
        if isp-a { AdvPreferredLifetime 604800; } else { AdvPreferredLifetime 0; };
    };
    prefix ${ISP_B.lan} {
        AdvPreferredLifetime 604800;
        AdvValidLifetime 2592000;
        # Primary/backup: B only while A's route is gone.
        if isp-a { AdvPreferredLifetime 0; } else { AdvPreferredLifetime 604800; };
    };
    route ${ISP_B.site} {
        if isp-b { AdvRouteLifetime 1800; } else { AdvRouteLifetime 0; };
    };
};
`;
}

/** BIRD on each router: OSPFv3 on its point-to-point links; border routers announce their uplink, first-hop routers the LAN. */
export function s5BirdConfig(o: { readonly routerId: string; readonly ptp: readonly string[]; readonly border: boolean; readonly hello: number; readonly dead: number; readonly tick: number }): string {
  const ifaces: OspfIface[] = o.ptp.map((name) => ({ name, type: 'ptp', hello: o.hello, dead: o.dead }));
  if (!o.border) ifaces.push({ name: 'lan0', type: 'broadcast', hello: o.hello, dead: o.dead, stub: true });
  return (
    birdHead(o.routerId) +
    (o.border ? birdDirect('uplink', ['wan0']) : '') +
    birdKernel('where source ~ [RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2] && ifname != "lan0"') +
    birdOspf({ tick: o.tick, ifaces, export: o.border ? 'where proto = "uplink"' : 'none' })
  );
}

interface Watches extends DataWatches {
  readonly wire: WireWatch;
  readonly host: KernelWatch;
  readonly r1: KernelWatch;
  readonly r2: KernelWatch;
  readonly r3: KernelWatch;
}

async function watch(ctx: ScenarioContext, l: S5Lab): Promise<Watches> {
  const names = new Map([[l.r1LL, 'R1'], [l.r2LL, 'R2']]);
  const wire = await ctx.wire('host', 'h0', { track: [ISP_A.lan, ISP_B.lan, `route ${ISP_B.site}`], names });
  const host = await ctx.kernel('host', { label: 'host' });
  const r1 = await ctx.kernel('r1', { lane: 'failure', label: 'r1 kernel', show: routerShow });
  const r2 = await ctx.kernel('r2', { lane: 'failure', label: 'r2 kernel', show: routerShow });
  const r3 = await ctx.kernel('r3', { lane: 'failure', label: 'r3 kernel', show: (e) => (noCarrier(e) ? 'wan0 lost carrier' : carrierUp(e) ? 'wan0 carrier up' : undefined) });
  return { wire, host, r1, r2, r3, ...(await startDataWatches(ctx)) };
}

/** BIRD's log lines S5 shows on the daemon lane. */
const S5_BIRD_LINES = /uplink\.ipv6 [<>]|Flushing LSA: Type: 4005|Originating LSA: Type: 4005|kernel1\.ipv6 [<>] .*2001:db8:f[12]::|changed state from Full|changed state from Loading to Full|Inactivity timer expired/;

export const S5: Scenario = {
  name: 'S5',
  title: 'dedicated border routers: R1 and R2 follow the uplinks\' routes as OSPFv3 carries them (RFC 8475 3.2.5)',
  needs: ['bird', 'birdc'],
  seconds: { fast: 23, full: 65 },
  async run(ctx) {
    const { lab } = ctx;
    const maxInterval = ctx.pick(4, 30);
    const { hello, dead, tick } = ospfTimers(ctx);
    ctx.say('Building S5: LAN (host, R1, R2); R1 and R2 linked to both border routers R3 (ISP A) and R4 (ISP B); the server behind both ISPs.');
    const l = await s5Topology(lab);
    const birds = new Map<string, Bird>();
    ctx.say(`  BIRD 2 on R1..R4: OSPFv3 hello ${hello} s, dead ${dead} s, tick ${tick} s; R3 and R4 announce their uplink's subnet while it has carrier`);
    const plan = [
      ['r1', '10.0.0.1', ['c3', 'c4'], false],
      ['r2', '10.0.0.2', ['c3', 'c4'], false],
      ['r3', '10.0.0.3', ['c1', 'c2'], true],
      ['r4', '10.0.0.4', ['c1', 'c2'], true],
    ] as const;
    for (const [ns, id, ptp, border] of plan) birds.set(ns, await startBird(ctx, ns, `bird-${ns}`, s5BirdConfig({ routerId: id, ptp, border, hello, dead, tick }), { timeline: S5_BIRD_LINES }));
    for (const [ns, b] of birds) await b.waitProtocols(ns === 'r3' || ns === 'r4' ? ['uplink', 'kernel1', 'ospf1'] : ['kernel1', 'ospf1']);
    for (const b of birds.values()) await b.waitOspfFull(2, 'ospf1', (dead + 20) * 1000);
    const learnt = async (ns: string, net: string): Promise<string> => (await lab.ip(ns, ['-6', 'route', 'show', net, 'proto', 'bird'])).stdout.trim();
    await waitFor(async () => {
      for (const r of ['r1', 'r2']) for (const n of [ISP_A.uplinkNet, ISP_B.uplinkNet]) if ((await learnt(r, n)) === '') return false;
      for (const r of ['r3', 'r4']) for (const n of [ISP_A.lan, ISP_B.lan]) if ((await learnt(r, n)) === '') return false;
      return true;
    }, { timeoutMs: 20_000, intervalMs: 100, what: 'OSPF routes in every kernel' });
    const r1a = (await lab.ip('r1', ['-6', 'route', 'show', ISP_A.uplinkNet])).stdout.trim();
    const r3lan = (await lab.ip('r3', ['-6', 'route', 'show', ISP_A.lan, 'proto', 'bird'])).stdout.trim().replace(/\s+/g, ' ');
    ctx.say(`  R1's kernel: ${r1a}\n  R3's kernel: ${r3lan}`);
    ctx.check('normal: R1 and R2 have both uplinks\' routes from OSPF, R3 and R4 the LAN\'s', / proto bird /.test(`${r1a} `), `R1: ${r1a}; R3: ${r3lan}`);
    const w = await watch(ctx, l);
    await ctx.firsthop('r1', s5Config({ peerLL: l.r2LL, maxInterval }), { label: 'R1' });
    await ctx.firsthop('r2', s5Config({ peerLL: l.r1LL, maxInterval }), { label: 'R2' });
    await steadyOnA(ctx, w);
    await ctx.sleep(500);

    const bothRas = async (item: string, want: (v: number) => boolean, t: number, ms: number): Promise<[number | undefined, number | undefined]> => {
      const [a, b] = await Promise.all([w.wire.waitRa(item, want, t, ms, l.r1LL), w.wire.waitRa(item, want, t, ms, l.r2LL)]);
      return [a?.tUs, b?.tUs];
    };
    const last = (...t: Array<number | undefined>): number | undefined => (t.some((x) => x === undefined) ? undefined : Math.max(...(t as number[])));

    // 1. R3's uplink loses carrier.
    const cut = await ctx.inject("R3's uplink to ISP A loses carrier (ISP A's end goes dark)", () => uplinkDown(lab, ISP_A));
    const carrier = await w.r3.wait(noCarrier, cut, 2000);
    const [del1, del2] = await Promise.all([w.r1.wait(uplinkRoute(ISP_A, true), cut, (tick + 3) * 1000), w.r2.wait(uplinkRoute(ISP_A, true), cut, (tick + 3) * 1000)]);
    const [ra1, ra2] = await bothRas(ISP_A.lan, (v) => v === 0, cut, (tick + 3) * 1000);
    const aDep = await w.host.wait(hostAddr(ISP_A, 'deprecated'), cut, (tick + 3) * 1000);
    const bPref = await w.host.wait(hostAddr(ISP_B, 'preferred'), cut, (tick + 3) * 1000);
    const d1 = await dataSwitch(ctx, w, 'uplink lost', cut, ISP_B, ISP_A, bPref?.tUs, last(ra1, ra2));
    ctx.chain("R3's uplink lost", cut, [
      ['R3 kernel: wan0 lost carrier', carrier?.tUs, 'ip monitor in r3'],
      [`R1 kernel: route to ${ISP_A.uplinkNet} deleted (OSPF, BIRD)`, del1?.tUs, 'ip monitor in r1'],
      [`R2 kernel: route to ${ISP_A.uplinkNet} deleted (OSPF, BIRD)`, del2?.tUs, 'ip monitor in r2'],
      ["RA from R1: A's prefix preferred 0, B's preferred", ra1, 'capture on the host link'],
      ["RA from R2: A's prefix preferred 0, B's preferred", ra2, 'capture on the host link'],
      ["host kernel: A's address deprecated", aDep?.tUs, 'ip monitor in host'],
      ["host kernel: B's address preferred", bPref?.tUs, 'ip monitor in host'],
      ["first new ping from B's address", d1.host, 'capture on h0'],
      ['... through ISP B', d1.isp, 'capture on inet b0'],
      ['... answered', d1.reply, 'ping -D'],
    ]);
    const c1 = carrier?.tUs ?? cut;
    const within = (t: number | undefined, from: number, s: number): boolean => t !== undefined && t - from < s * 1e6;
    ctx.check(`lost: the route leaves R1's and R2's kernels within BIRD's OSPF tick (${tick} s) + 0.5 s`, within(del1?.tUs, c1, tick + 0.5) && within(del2?.tUs, c1, tick + 0.5),
      `R1 ${after(del1?.tUs, c1, 'R3 lost carrier')}, R2 ${after(del2?.tUs, c1, 'R3 lost carrier')}`);
    const follows = (ra: number | undefined, k: KernelEvent | undefined): boolean => ra !== undefined && k !== undefined && ra - k.tUs > -20_000 && ra - k.tUs < 500_000;
    ctx.check('lost: each router\'s RA follows its own kernel (A deprecated, B preferred)', follows(ra1, del1) && follows(ra2, del2),
      `R1's RA ${ra1 !== undefined && del1 ? fmtMs((ra1 - del1.tUs) / 1000) : '-'} after its route went, R2's ${ra2 !== undefined && del2 ? fmtMs((ra2 - del2.tUs) / 1000) : '-'}`);
    ctx.check('lost: the host deprecates A and prefers B', aDep !== undefined && bPref !== undefined, `A deprecated ${after(aDep?.tUs, cut, 'the event')}, B preferred ${after(bPref?.tUs, cut, 'the event')}`);
    await ctx.sleep(1000);

    // 2. The uplink comes back.
    const back = await ctx.inject("R3's uplink to ISP A gets its carrier back", () => uplinkUp(lab, ISP_A));
    const carrier2 = await w.r3.wait(carrierUp, back, 3000);
    const [add1, add2] = await Promise.all([w.r1.wait(uplinkRoute(ISP_A, false), back, (tick + 8) * 1000), w.r2.wait(uplinkRoute(ISP_A, false), back, (tick + 8) * 1000)]);
    const [rb1, rb2] = await bothRas(ISP_A.lan, (v) => v > 0, back, (tick + 8) * 1000);
    const aPref = await w.host.wait(hostAddr(ISP_A, 'preferred'), back, (tick + 8) * 1000);
    const bDep = await w.host.wait(hostAddr(ISP_B, 'deprecated'), back, (tick + 8) * 1000);
    const d2 = await dataSwitch(ctx, w, 'back', back, ISP_A, ISP_B, bDep?.tUs, last(rb1, rb2));
    ctx.chain("R3's uplink back", back, [
      ['R3 kernel: wan0 carrier up', carrier2?.tUs, 'ip monitor in r3'],
      [`R1 kernel: route to ${ISP_A.uplinkNet} back (OSPF, BIRD)`, add1?.tUs, 'ip monitor in r1'],
      [`R2 kernel: route to ${ISP_A.uplinkNet} back (OSPF, BIRD)`, add2?.tUs, 'ip monitor in r2'],
      ["RA from R1: A's prefix preferred, B's preferred 0", rb1, 'capture on the host link'],
      ["RA from R2: A's prefix preferred, B's preferred 0", rb2, 'capture on the host link'],
      ["host kernel: A's address preferred", aPref?.tUs, 'ip monitor in host'],
      ["host kernel: B's address deprecated", bDep?.tUs, 'ip monitor in host'],
      ["first new ping from A's address", d2.host, 'capture on h0'],
      ['... through ISP A', d2.isp, 'capture on inet a0'],
      ['... answered', d2.reply, 'ping -D'],
    ]);
    const c2 = carrier2?.tUs ?? back;
    // MinLSInterval (5 s, RFC 2328): R3 may not originate a new instance of its LSA sooner than 5 s after the last one.
    ctx.check(`back: the route returns to both kernels within OSPF's MinLSInterval (5 s) + tick (${tick} s)`, within(add1?.tUs, c2, 5 + tick + 0.5) && within(add2?.tUs, c2, 5 + tick + 0.5),
      `R1 ${after(add1?.tUs, c2, 'R3 got carrier')}, R2 ${after(add2?.tUs, c2, 'R3 got carrier')}`);
    ctx.check('back: the RAs follow the kernels, the host prefers A and deprecates B', follows(rb1, add1) && follows(rb2, add2) && aPref !== undefined && bDep !== undefined,
      `R1's RA ${rb1 !== undefined && add1 ? fmtMs((rb1 - add1.tUs) / 1000) : '-'} after its route came back, R2's ${rb2 !== undefined && add2 ? fmtMs((rb2 - add2.tUs) / 1000) : '-'}; host: A preferred ${after(aPref?.tUs, back, 'the event')}, B deprecated ${after(bDep?.tUs, back, 'the event')}`);
    await ctx.sleep(1000);

    // 3. R3 hangs: its routing process dies and it stops forwarding; its links stay up.
    const r3bird = birds.get('r3') as Bird;
    const hang = await ctx.inject('R3 hangs (BIRD killed, forwarding off; its links keep their carrier: only the dead interval tells)', async () => {
      r3bird.kill();
      await lab.sysctls('r3', { 'net.ipv6.conf.all.forwarding': 0 });
    });
    const wait3 = (dead + tick + 5) * 1000;
    const [gone1, gone2] = await Promise.all([w.r1.wait(uplinkRoute(ISP_A, true), hang, wait3), w.r2.wait(uplinkRoute(ISP_A, true), hang, wait3)]);
    const [rd1, rd2] = await bothRas(ISP_A.lan, (v) => v === 0, hang, wait3);
    const bPref3 = await w.host.wait(hostAddr(ISP_B, 'preferred'), hang, wait3);
    const d3 = await dataSwitch(ctx, w, 'R3 hangs', hang, ISP_B, ISP_A, bPref3?.tUs, last(rd1, rd2));
    ctx.chain('R3 hangs', hang, [
      [`R1 kernel: route to ${ISP_A.uplinkNet} deleted (R3 declared dead)`, gone1?.tUs, 'ip monitor in r1'],
      [`R2 kernel: route to ${ISP_A.uplinkNet} deleted (R3 declared dead)`, gone2?.tUs, 'ip monitor in r2'],
      ["RA from R1: A's prefix preferred 0", rd1, 'capture on the host link'],
      ["RA from R2: A's prefix preferred 0", rd2, 'capture on the host link'],
      ["host kernel: B's address preferred", bPref3?.tUs, 'ip monitor in host'],
      ["first new ping from B's address", d3.host, 'capture on h0'],
      ['... through ISP B', d3.isp, 'capture on inet b0'],
      ['... answered', d3.reply, 'ping -D'],
    ]);
    // R1 last heard R3 at most one hello before the hang, so it declares R3 dead between
    // dead - hello and dead after it. The route may then survive one more tick: at the first
    // SPF R2's router-LSA (not yet updated) and R3's own (never withdrawn) still pass OSPF's
    // two-way check, so R3 looks reachable through R4 and R2, and BIRD moves the route there
    // (ip route replace) until R2's new router-LSA is in.
    const inDead = (t: number | undefined): boolean => t !== undefined && t - hang >= (dead - hello - 0.2) * 1e6 && t - hang < (dead + 2 * tick + 0.5) * 1e6;
    ctx.check(`hangs: the route leaves only when the dead interval (${dead} s) runs out: between dead - hello and dead + 2 ticks + 0.5 s`, inDead(gone1?.tUs) && inDead(gone2?.tUs),
      `R1 ${after(gone1?.tUs, hang, 'the hang')}, R2 ${after(gone2?.tUs, hang, 'the hang')}`);
    ctx.check("hangs: each router's RA deprecates A as its route goes", follows(rd1, gone1) && follows(rd2, gone2),
      `R1's RA ${rd1 !== undefined && gone1 ? fmtMs((rd1 - gone1.tUs) / 1000) : '-'} after its route went, R2's ${rd2 !== undefined && gone2 ? fmtMs((rd2 - gone2.tUs) / 1000) : '-'}`);
    const outage = longestGap(w.pings.replies(), hang, d3.reply ?? hang + wait3 * 1000);
    ctx.check('hangs: new connections fail until then, and then go through ISP B', d3.reply !== undefined && outage !== undefined && outage.ms > (dead - hello - 1) * 1000,
      `no reply to new pings for ${fmtMs(outage?.ms)} (${d3.before} new ping(s) from A lost); from B ${after(d3.host, hang, 'the hang')}`);
  },
};
