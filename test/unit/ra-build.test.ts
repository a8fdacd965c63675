/** The RA builder: configured values, radvd's special prefixes, final RAs, withdrawals, overrides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRa, sixToFourPrefix, type InterfaceSnapshot } from '../../src/ra/build';
import { WithdrawalLedger } from '../../src/ra/withdrawals';
import { ifaceConfig, pos } from './support';
import type { PrefixConfig, RouteConfig } from '../../src/config/types';
import type { AddressInfo } from '../../src/netlink/types';
import type { PrefixInformationOption, RouteInformationOption } from '../../src/wire/types';

const T0 = 1_700_000_000_000;

function addr(address: string, prefixLength: number, ifindex = 2): AddressInfo {
  return { ifindex, address, prefixLength, scope: address.startsWith('fe80') ? 253 : 0, tentative: false, deprecated: false, dadFailed: false, preferredLifetime: 0xffffffff, validLifetime: 0xffffffff };
}

function snap(addresses: AddressInfo[] = [], others: Record<string, AddressInfo[]> = {}): InterfaceSnapshot {
  return { ifindex: 2, mtu: 1500, mac: '02:00:00:00:00:01', addresses, addressesOf: (n) => others[n] ?? [] };
}

function prefix(p: string, len: number, over: Partial<PrefixConfig> = {}): PrefixConfig {
  return {
    prefix: p, prefixLength: len, advOnLink: true, advAutonomous: true, advRouterAddr: false, advDhcpv6Pd: false,
    advValidLifetime: 86400, advPreferredLifetime: 14400, deprecatePrefix: false, decrementLifetimes: false, pos, ...over,
  };
}

function route(p: string, len: number, over: Partial<RouteConfig> = {}): RouteConfig {
  return { prefix: p, prefixLength: len, advRoutePreference: 'high', advRouteLifetime: 60, removeRoute: true, pos, ...over };
}

const ctx = (over = {}) => ({ now: T0, decrementBase: T0, ceasing: false, withdrawals: [], ...over });

test('header and options follow the config', () => {
  const cfg = ifaceConfig({
    advCurHopLimit: 60, advManagedFlag: true, advOtherConfigFlag: true, advDefaultLifetime: 1800, advDefaultPreference: 'high',
    advReachableTime: 30000, advRetransTimer: 1000, advLinkMtu: 1400, advIntervalOpt: true, maxRtrAdvInterval: 600,
    prefixes: [prefix('2001:db8:1::', 64)], routes: [route('2001:db8:99::', 48)],
    rdnss: [{ servers: ['2001:db8::53'], advRdnssLifetime: 1200, flushRdnss: true, pos }],
    dnssl: [{ domains: ['example.org'], advDnsslLifetime: 1200, flushDnssl: true, pos }],
    advCaptivePortalApi: 'https://portal.example/api',
    nat64Prefixes: [{ prefix: '64:ff9b::', prefixLength: 96, advValidLifetime: 1800, pos }],
  });
  const { ra, reasons } = buildRa(cfg, snap(), ctx());
  assert.equal(ra.curHopLimit, 60);
  assert.equal(ra.managed, true);
  assert.equal(ra.other, true);
  assert.equal(ra.routerLifetime, 1800);
  assert.equal(ra.preference, 'high');
  assert.equal(ra.reachableTime, 30000);
  assert.equal(ra.retransTimer, 1000);
  assert.deepEqual(ra.options.map((o) => o.type), ['sourceLinkLayer', 'mtu', 'advertisementInterval', 'prefixInformation', 'routeInformation', 'rdnss', 'dnssl', 'captivePortal', 'pref64']);
  assert.deepEqual(reasons, []);
});

test('router lifetime 0 forces medium preference (RFC 4191 2.2)', () => {
  const { ra, reasons } = buildRa(ifaceConfig({ advDefaultLifetime: 0, advDefaultPreference: 'high' }), snap(), ctx());
  assert.equal(ra.preference, 'medium');
  assert.equal(reasons[0]?.field, 'routerPreference');
});

test('::/64 stands for every global /64 on the interface', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('::', 64)] });
  const { ra } = buildRa(cfg, snap([addr('fe80::1', 64), addr('2001:db8:5::1', 64), addr('2001:db8:6::1', 64), addr('2001:db8:6::2', 64), addr('2001:db8:7::1', 48)]), ctx());
  const p = ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation').map((o) => `${o.prefix}/${o.prefixLength}`);
  assert.deepEqual(p, ['2001:db8:5::/64', '2001:db8:6::/64']);
});

test('Base6Interface takes the leading bits from that interface', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('0:0:0:1234::', 64, { base6Interface: 'wan0' })] });
  const { ra } = buildRa(cfg, snap([], { wan0: [addr('2001:db8:aa00::1', 48, 3)] }), ctx());
  const p = ra.options.find((o): o is PrefixInformationOption => o.type === 'prefixInformation');
  assert.equal(p?.prefix, '2001:db8:aa00:1234::');
});

test('final RA: router lifetime 0, DeprecatePrefix, RemoveRoute, FlushRDNSS', () => {
  const cfg = ifaceConfig({
    prefixes: [prefix('2001:db8:1::', 64, { deprecatePrefix: true }), prefix('2001:db8:2::', 64)],
    routes: [route('2001:db8:99::', 48), route('2001:db8:98::', 48, { removeRoute: false })],
    rdnss: [{ servers: ['2001:db8::53'], advRdnssLifetime: 1200, flushRdnss: true, pos }],
  });
  const { ra } = buildRa(cfg, snap(), ctx({ ceasing: true }));
  assert.equal(ra.routerLifetime, 0);
  const pios = ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation');
  assert.deepEqual(pios.map((p) => [p.preferredLifetime, p.validLifetime]), [[0, 7200], [14400, 86400]]);
  const rios = ra.options.filter((o): o is RouteInformationOption => o.type === 'routeInformation');
  assert.deepEqual(rios.map((r) => r.lifetime), [0, 60]);
  assert.equal(ra.options.find((o) => o.type === 'rdnss' && o.lifetime === 0)?.type, 'rdnss');
});

test('DecrementLifetimes counts down and stops the prefix at 0', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64, { decrementLifetimes: true, advValidLifetime: 100, advPreferredLifetime: 50 })] });
  const at = (s: number) => buildRa(cfg, snap(), ctx({ now: T0 + s * 1000 })).ra.options.find((o): o is PrefixInformationOption => o.type === 'prefixInformation');
  assert.deepEqual([at(10)?.validLifetime, at(10)?.preferredLifetime], [90, 40]);
  assert.deepEqual([at(60)?.validLifetime, at(60)?.preferredLifetime], [40, 0]);
  assert.equal(at(100), undefined);
});

test('overrides change a value and say why', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64)] });
  const overrides = new Map([['prefix 2001:db8:1::/64 preferredLifetime', { value: 0, why: 'condition uplink-a is down', since: T0 - 5000 }]]);
  const { ra, reasons } = buildRa(cfg, snap(), ctx({ overrides }));
  const p = ra.options.find((o): o is PrefixInformationOption => o.type === 'prefixInformation');
  assert.equal(p?.preferredLifetime, 0);
  assert.equal(p?.validLifetime, 86400, 'RFC 8475: the valid lifetime is never touched');
  assert.deepEqual(reasons, [{ field: 'prefix 2001:db8:1::/64 preferredLifetime', value: 0, configured: 14400, why: 'condition uplink-a is down', since: T0 - 5000 }]);
});

test('a removed prefix and route linger with zero lifetimes, then go', () => {
  const before = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64), prefix('2001:db8:2::', 64, { advValidLifetime: 3600 })], routes: [route('2001:db8:99::', 48)] });
  const after = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64)] });
  const ledger = new WithdrawalLedger();
  const items0 = buildRa(before, snap(), ctx()).items;
  const items1 = buildRa(after, snap(), ctx()).items;
  assert.equal(ledger.update(items0, items1, T0, 'reload'), true);
  const early = T0 + 30_000;
  const rio = buildRa(after, snap(), ctx({ now: early, withdrawals: ledger.active(early) })).ra.options.find((o): o is RouteInformationOption => o.type === 'routeInformation');
  assert.equal(rio?.lifetime, 0, 'the removed route is advertised with lifetime 0');
  const now = T0 + 600_000; // ten minutes later
  const { ra } = buildRa(after, snap(), ctx({ now, withdrawals: ledger.active(now) }));
  const gone = ra.options.find((o): o is PrefixInformationOption => o.type === 'prefixInformation' && o.prefix === '2001:db8:2::');
  assert.deepEqual([gone?.preferredLifetime, gone?.validLifetime], [0, 3000]);
  assert.equal(ra.options.some((o) => o.type === 'routeInformation'), false, 'the route stopped lingering after its 60 s lifetime');
  assert.equal(ledger.active(T0 + 3600_000).length, 0, 'the prefix lingers for its 3600 s valid lifetime');
});

test('a withdrawn item that comes back is advertised normally', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64)] });
  const ledger = new WithdrawalLedger();
  const items = buildRa(cfg, snap(), ctx()).items;
  ledger.update(items, new Map(), T0, 'reload');
  assert.equal(ledger.active(T0).length, 1);
  ledger.update(new Map(), items, T0 + 1, 'reload');
  assert.equal(ledger.active(T0 + 1).length, 0);
});

test('lingering withdrawn items are not among the live items (regression: the second rebuild forgot them)', () => {
  const before = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64), prefix('2001:db8:2::', 64)] });
  const after = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64)] });
  const ledger = new WithdrawalLedger();
  ledger.update(buildRa(before, snap(), ctx()).items, buildRa(after, snap(), ctx()).items, T0, 'reload');
  const second = buildRa(after, snap(), ctx({ withdrawals: ledger.active(T0) }));
  assert.ok(second.ra.options.some((o) => o.type === 'prefixInformation' && o.prefix === '2001:db8:2::'));
  assert.deepEqual([...second.items.keys()], ['prefix 2001:db8:1::/64']);
  assert.equal(ledger.update(buildRa(after, snap(), ctx()).items, second.items, T0 + 1, 'again'), false);
  assert.equal(ledger.active(T0 + 1).length, 1);
});

test('a route zeroed by a policy is live, not withdrawn: it appears once (regression: a duplicate RIO)', () => {
  const cfg = ifaceConfig({ routes: [route('2001:db8:2::', 48, { advRouteLifetime: 360 })] });
  const overrides = new Map([['route 2001:db8:2::/48 lifetime', { value: 0, why: 'condition private-link is down' }]]);
  const ledger = new WithdrawalLedger();
  const before = buildRa(cfg, snap(), ctx()).items;
  const zeroed = buildRa(cfg, snap(), ctx({ overrides }));
  assert.equal(ledger.update(before, zeroed.items, T0, 'condition'), false);
  const again = buildRa(cfg, snap(), ctx({ overrides, withdrawals: ledger.active(T0) }));
  assert.deepEqual(again.ra.options.filter((o) => o.type === 'routeInformation').map((o) => (o as RouteInformationOption).lifetime), [0]);
});

test('AdvLinkMTU above the interface MTU: no MTU option, and a reason (RFC 4861 6.3.4); at or below it: the option', () => {
  const cfg = ifaceConfig({ advLinkMtu: 1600 });
  const over = buildRa(cfg, { ...snap(), mtu: 1500 }, ctx());
  assert.equal(over.ra.options.some((o) => o.type === 'mtu'), false, 'no MTU option above the link MTU');
  const reason = over.reasons.find((r) => r.field === 'mtu');
  assert.equal(reason?.value, 'omitted');
  assert.equal(reason?.configured, 1600);
  assert.match(reason?.why ?? '', /AdvLinkMTU 1600 is above the interface MTU 1500.*RFC 4861 6\.3\.4/);
  for (const mtu of [1600, 9000]) {
    const fits = buildRa(cfg, { ...snap(), mtu }, ctx());
    assert.deepEqual(fits.ra.options.filter((o) => o.type === 'mtu'), [{ type: 'mtu', mtu: 1600 }], `link MTU ${mtu}`);
    assert.deepEqual(fits.reasons, []);
  }
  // AdvLinkMTU 0 sends no option and needs no explanation.
  const none = buildRa(ifaceConfig({ advLinkMtu: 0 }), { ...snap(), mtu: 1280 }, ctx());
  assert.equal(none.ra.options.some((o) => o.type === 'mtu'), false);
  assert.deepEqual(none.reasons, []);
});

test('Base6to4Interface: 2002:V4ADDR with the configured SLA bits, from that interface\'s IPv4 address (radvd, RFC 3056 2)', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('0:0:0:5678::', 64, { base6to4Interface: 'ppp0' })] });
  const v4: Record<string, string> = { ppp0: '192.0.2.10' };
  const built = buildRa(cfg, { ...snap(), ipv4Of: (n) => v4[n] }, ctx());
  const pios = built.ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation');
  assert.deepEqual(pios.map((p) => `${p.prefix}/${p.prefixLength}`), ['2002:c000:20a:5678::/64']);
  assert.equal(pios[0]?.validLifetime, 86400);
  assert.deepEqual([...built.items.keys()], ['prefix 2002:c000:20a:5678::/64']);
  assert.deepEqual(built.reasons, []);
  // Bits the configured prefix has in the first 48 are replaced, not ORed.
  assert.equal(sixToFourPrefix('2001:db8:ffff:1::', '10.0.0.1', 64), '2002:a00:1:1::');
  assert.equal(sixToFourPrefix('::', '198.51.100.255', 48), '2002:c633:64ff::');
});

test('Base6to4Interface without an IPv4 address: the prefix is not advertised, and a reason says why', () => {
  const cfg = ifaceConfig({ prefixes: [prefix('0:0:0:5678::', 64, { base6to4Interface: 'ppp0' }), prefix('2001:db8:1::', 64)] });
  for (const s of [{ ...snap(), ipv4Of: () => undefined }, snap()]) {
    const built = buildRa(cfg, s, ctx());
    const pios = built.ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation');
    assert.deepEqual(pios.map((p) => p.prefix), ['2001:db8:1::']);
    assert.deepEqual(built.reasons.map((r) => [r.field, r.value]), [['prefix 0:0:0:5678::/64', 'not advertised']]);
    assert.match(built.reasons[0]?.why ?? '', /Base6to4Interface ppp0 has no IPv4 address/);
  }
});
