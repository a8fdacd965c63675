/**
 * Proves the lab helpers against a known-good RA sender: radvd on the router side of a veth,
 * the host's kernel state read back through routes()/addresses()/linkMtu()/hopLimit(), the RA
 * decoded by rdisc6, and RAs timed on the wire by capture(). The same assertions are meant to
 * be run against firsthop.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  addresses,
  capture,
  defaultRoutes,
  hopLimit,
  ICMPV6_ROUTER_ADVERTISEMENT,
  Lab,
  linkMtu,
  namespaceExists,
  rdisc6,
  realtimeMicros,
  routerHostPair,
  routes,
  startRadvd,
  waitFor,
  waitLinkLocal,
  type Capture,
  type RouterHost,
} from '../../src/lab/netns';
import { basicRadvdConfig } from '../helpers/lab-radvd-configs';
import { describePrivileged } from '../helpers/privileged';

describePrivileged('lab against radvd', { tools: ['radvd'], timeout: 90_000 }, () => {
  let lab: Lab | undefined;
  let pair: RouterHost;
  let routerLinkLocal: string;
  let cap: Capture;
  let startedMicros: number;

  before(async () => {
    lab = Lab.create();
    pair = await routerHostPair(lab);
    routerLinkLocal = await waitLinkLocal(lab, 'router', pair.routerIf);
    cap = await capture(lab, 'host', pair.hostIf, 'icmp6');
    startedMicros = realtimeMicros();
    await startRadvd(lab, 'router', basicRadvdConfig(pair.routerIf));
  });

  after(async () => {
    const names = lab?.namespaceNames() ?? [];
    await lab?.destroy();
    for (const n of names) assert.equal(namespaceExists(n), false, `namespace ${n} left behind`);
  });

  it('host gets a low-preference default route with an expiry from the RA', async () => {
    const l = lab!;
    const [def, ...more] = await waitFor(() => defaultRoutes(l, 'host'), { timeoutMs: 20_000, what: 'default route' });
    assert.equal(more.length, 0);
    assert.ok(def);
    assert.equal(def.protocol, 'ra');
    assert.equal(def.pref, 'low');
    assert.equal(def.gateway, routerLinkLocal);
    assert.equal(def.dev, pair.hostIf);
    assert.ok(def.expires !== undefined && def.expires > 1700 && def.expires <= 1800, `expires ${def.expires}`);
  });

  it('host gets the RIO route 2001:db8:99::/48 with preference high', async () => {
    const l = lab!;
    const [rio] = await waitFor(() => routes(l, 'host', { dst: '2001:db8:99::/48' }), { timeoutMs: 10_000, what: 'RIO route' });
    assert.ok(rio);
    assert.equal(rio.protocol, 'ra');
    assert.equal(rio.pref, 'high');
    assert.equal(rio.gateway, routerLinkLocal);
    assert.ok(rio.expires !== undefined && rio.expires > 1700 && rio.expires <= 1800, `expires ${rio.expires}`);
  });

  it('host forms a SLAAC address in 2001:db8:1::/64 with the advertised lifetimes', async () => {
    const l = lab!;
    const [a] = await waitFor(async () => (await addresses(l, 'host', pair.hostIf)).filter((x) => x.address.startsWith('2001:db8:1:') && x.scope === 'global'), {
      timeoutMs: 10_000,
      what: 'SLAAC address',
    });
    assert.ok(a);
    assert.equal(a.prefixLength, 64);
    assert.equal(a.flags.dynamic, true);
    assert.equal(a.flags.tentative, false);
    assert.equal(a.flags.deprecated, false);
    assert.ok(a.validLft > 86000 && a.validLft <= 86400, `valid ${a.validLft}`);
    assert.ok(a.preferredLft > 14000 && a.preferredLft <= 14400, `preferred ${a.preferredLft}`);
    const onLink = await routes(l, 'host', { dst: '2001:db8:1::/64' });
    assert.equal(onLink.length, 1, 'on-link prefix route');
  });

  it('host takes the MTU 1400 and hop limit 60 from the RA', async () => {
    const l = lab!;
    assert.equal(await waitFor(() => linkMtu(l, 'host', pair.hostIf), { until: (m) => m === 1400, timeoutMs: 10_000, what: 'MTU 1400' }), 1400);
    assert.equal(await waitFor(() => hopLimit(l, 'host', pair.hostIf), { until: (h) => h === 60, timeoutMs: 10_000, what: 'hop limit 60' }), 60);
  });

  it('rdisc6 decodes the RA, including RDNSS and DNSSL', async () => {
    const ra = await rdisc6(lab!, 'host', pair.hostIf);
    assert.equal(ra.from, routerLinkLocal);
    assert.equal(ra.preference, 'low');
    assert.equal(ra.hopLimit, 60);
    assert.equal(ra.mtu, 1400);
    assert.equal(ra.routerLifetime, 1800);
    assert.deepEqual(ra.prefixes, [{ prefix: '2001:db8:1::', length: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }]);
    assert.deepEqual(ra.routes, [{ prefix: '2001:db8:99::', length: 48, preference: 'high', lifetime: 1800 }]);
    assert.deepEqual(ra.rdnss, [{ servers: ['2001:db8:1::53', '2001:db8:1::54'], lifetime: 600 }]);
    assert.deepEqual(ra.dnssl, [{ domains: ['example.com', 'lab.example.org'], lifetime: 600 }]);
    assert.deepEqual(ra.unparsed, []);
  });

  it('capture sees the RAs on the wire with kernel timestamps', async () => {
    const first = await cap.waitForPacket((p) => p.icmpv6?.type === ICMPV6_ROUTER_ADVERTISEMENT, 10_000);
    assert.equal(first.icmpv6?.src, routerLinkLocal);
    assert.equal(first.icmpv6?.hopLimit, 255);
    assert.equal(first.icmpv6?.message[4], 60, 'Cur Hop Limit field');
    // Kernel (CLOCK_REALTIME) timestamps: after the capture started, not in the future.
    assert.ok(first.tsMicros >= startedMicros - 1_000_000, `ts ${first.tsMicros} vs start ${startedMicros}`);
    assert.ok(first.tsMicros <= realtimeMicros() + 1_000_000);
    const all = await cap.stop();
    assert.ok(all.length >= 1);
    assert.ok(all.some((p) => p.icmpv6?.type === 133), 'the host\'s Router Solicitation was captured too');
    const ras = all.filter((p) => p.icmpv6?.type === ICMPV6_ROUTER_ADVERTISEMENT);
    for (let i = 1; i < ras.length; i++) assert.ok((ras[i]?.tsMicros ?? 0) >= (ras[i - 1]?.tsMicros ?? 0), 'timestamps are ordered');
  });
});
