/**
 * The radvd.conf pipeline: the good corpus resolves to the values radvd 2.19 uses (checked against
 * radvd's own RAs when the corpus was written), the bad corpus produces exactly the recorded
 * diagnostics, and the API behaves as documented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import * as path from 'node:path';
import { checkConfigCli, describeOptions, ERROR_CODES, formatDiagnostic, loadConfig, parseRaw, renderConfigReference, WARNING_CODES, type Config, type InterfaceConfig } from '../../src/config/index';
import { DAMPING_DEFAULTS } from '../../src/config/conditions';
import { corpus, FIXTURES, fixturePath, parseFixture } from './config-corpus';

function ok(file: string): Config {
  const r = parseFixture('good', file);
  assert.ok(r.ok, `good/${file} must parse: ${r.ok ? '' : r.errors.map(formatDiagnostic).join('\n')}`);
  return r.config;
}

function iface(c: Config, name: string): InterfaceConfig {
  const i = c.interfaces.find((x) => x.name === name);
  assert.ok(i, `interface ${name}`);
  return i;
}

function only<T>(list: readonly T[]): T {
  assert.equal(list.length, 1);
  return list[0] as T;
}

function codes(file: string): string[] {
  return parseFixture('good', file).warnings.map((w) => w.code);
}

/** One entry per good file: the resolved values that matter for it. */
const GOOD: Record<string, (c: Config) => void> = {
  'man-basic.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.equal(i.advSendAdvert, true);
    const p = only(i.prefixes);
    assert.deepEqual([p.prefix, p.prefixLength, p.advOnLink, p.advAutonomous, p.advValidLifetime, p.advPreferredLifetime], ['2001:db8:0:1::', 64, true, true, 86400, 14400]);
    assert.equal(i.advDefaultLifetime, 1800);
    assert.equal(i.minRtrAdvInterval, 198);
  },
  'man-mobile-ipv6.conf': (c) => {
    const p = only(iface(c, 'eth0').prefixes);
    assert.equal(p.prefix, '2001:db8:0:1::4', 'the address is kept, not masked');
    assert.equal(p.advRouterAddr, true);
  },
  'man-6to4.conf': (c) => {
    const i = iface(c, 'bnep0');
    assert.equal(i.ignoreIfMissing, true);
    assert.equal(i.maxRtrAdvInterval, 30);
    assert.equal(i.minRtrAdvInterval, 0.33 * 30);
    assert.equal(i.advDefaultLifetime, 90);
    const p = only(i.prefixes);
    assert.equal(p.base6to4Interface, 'ppp0');
    assert.deepEqual([p.prefix, p.advValidLifetime, p.advPreferredLifetime], ['0:0:0:5678::', 300, 120]);
    assert.deepEqual(codes('man-6to4.conf'), ['W_SHORT_LIFETIME', 'W_SHORT_LIFETIME']);
  },
  'man-clients.conf': (c) => {
    assert.deepEqual(iface(c, 'eth0').clients, ['fe80::21f:16ff:fe06:3aab', 'fe80::21d:72ff:fe96:aaff']);
  },
  'man-abro.conf': (c) => {
    const i = iface(c, 'lowpan0');
    assert.equal(i.unicastOnly, true);
    assert.equal(i.advCurHopLimit, 255);
    assert.deepEqual(only(i.abros), { address: 'fe80::a200:0:0:1', advVersionLow: 10, advVersionHigh: 2, advValidLifetime: 2, pos: { file: 'man-abro.conf', line: 12, column: 2 } });
    assert.deepEqual(codes('man-abro.conf'), ['W_DEPRECATED']);
  },
  'minimal.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.deepEqual(
      { ...i, pos: undefined },
      {
        name: 'eth0', policies: [], pos: undefined, ignoreIfMissing: true, advSendAdvert: false, unicastOnly: false, advRaSolicitedUnicast: true,
        maxRtrAdvInterval: 600, minRtrAdvInterval: 198, minDelayBetweenRas: 3, advManagedFlag: false, advOtherConfigFlag: false,
        advLinkMtu: 0, advRaMtu: 1280, advReachableTime: 0, advRetransTimer: 0, advCurHopLimit: 64, advDefaultLifetime: 1800,
        advDefaultPreference: 'medium', advSourceLlAddress: true, advHomeAgentFlag: false, advIntervalOpt: false, advHomeAgentInfo: false,
        homeAgentLifetime: 1800, homeAgentPreference: 0, advMobRtrSupportFlag: false, removeAdvOnExit: true, advRaSrcAddress: [], clients: [],
        prefixes: [], routes: [], rdnss: [], dnssl: [], nat64Prefixes: [], abros: [], lowpanContexts: [],
      },
    );
    assert.deepEqual(i.pos, { file: 'minimal.conf', line: 2, column: 1 });
    assert.deepEqual(codes('minimal.conf'), []);
  },
  'home-router.conf': (c) => {
    const i = iface(c, 'br-lan');
    assert.deepEqual([i.minRtrAdvInterval, i.maxRtrAdvInterval, i.advDefaultLifetime, i.advDefaultPreference, i.advLinkMtu, i.advOtherConfigFlag], [30, 100, 300, 'high', 1492, true]);
    const p = only(i.prefixes);
    assert.deepEqual([p.prefix, p.prefixLength, p.deprecatePrefix, p.advValidLifetime, p.advPreferredLifetime], ['::', 64, true, 7200, 3600]);
    assert.deepEqual(only(i.routes).advRouteLifetime, 1800);
    assert.deepEqual(only(i.rdnss).servers, ['fd00:1234::1', '2001:db8:53::53']);
    assert.equal(only(i.rdnss).advRdnssLifetime, 300);
    assert.deepEqual(only(i.dnssl).domains, ['home.arpa', 'lan']);
    assert.deepEqual(codes('home-router.conf'), [], 'lifetimes of 3 * MaxRtrAdvInterval draw no warning');
  },
  'all-interface-options.conf': (c) => {
    const i = iface(c, 'eth1');
    assert.deepEqual(
      [i.ignoreIfMissing, i.advSendAdvert, i.unicastOnly, i.advRaSolicitedUnicast, i.maxRtrAdvInterval, i.minRtrAdvInterval, i.minDelayBetweenRas],
      [false, true, false, false, 200, 60.5, 4],
    );
    assert.deepEqual([i.advManagedFlag, i.advOtherConfigFlag, i.advLinkMtu, i.advRaMtu, i.advReachableTime, i.advRetransTimer, i.advCurHopLimit], [true, true, 1400, 1400, 30000, 1000, 128]);
    assert.deepEqual([i.advDefaultLifetime, i.advDefaultPreference, i.advSourceLlAddress, i.homeAgentLifetime, i.homeAgentPreference], [1200, 'low', false, 300, 10]);
    assert.deepEqual([i.advHomeAgentFlag, i.advIntervalOpt, i.advHomeAgentInfo, i.advMobRtrSupportFlag], [false, false, false, false]);
  },
  'prefix-options.conf': (c) => {
    const [a, b, d, e] = iface(c, 'eth0').prefixes;
    assert.ok(a && b && d && e);
    assert.deepEqual([a.advOnLink, a.advAutonomous, a.advRouterAddr, a.advValidLifetime, a.advPreferredLifetime, a.deprecatePrefix, a.decrementLifetimes], [false, true, false, 0xffffffff, 0xffffffff, true, true]);
    assert.deepEqual([b.base6Interface, b.advPreferredLifetime], ['ppp0', 86400]);
    assert.deepEqual([d.prefixLength, d.advAutonomous], [48, false]);
    assert.deepEqual([e.prefix, e.prefixLength, e.advValidLifetime], ['2001:db8:13::', 64, 86400]);
    assert.deepEqual(codes('prefix-options.conf'), [], 'a /48 with AdvAutonomous off is fine');
  },
  'routes.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.equal(i.advDefaultLifetime, 0);
    const [a, b, d, e] = i.routes;
    assert.ok(a && b && d && e);
    assert.deepEqual([a.prefix, a.prefixLength, a.advRoutePreference, a.advRouteLifetime, a.removeRoute], ['2001:db8:100::', 40, 'high', 0xffffffff, false]);
    assert.deepEqual([b.advRoutePreference, b.advRouteLifetime, b.removeRoute], ['low', 900, true]);
    assert.deepEqual([d.prefix, d.prefixLength, d.advRoutePreference, d.advRouteLifetime], ['64:ff9b::', 96, 'medium', 900]);
    assert.deepEqual([e.prefix, e.prefixLength, e.advRouteLifetime], ['::', 0, 0]);
    assert.deepEqual(codes('routes.conf'), []);
  },
  'rdnss-dnssl.conf': (c) => {
    const i = iface(c, 'eth0');
    const [a, b] = i.rdnss;
    assert.ok(a && b);
    assert.deepEqual([a.servers.length, a.advRdnssLifetime, a.flushRdnss], [3, 0xffffffff, false]);
    assert.deepEqual([b.advRdnssLifetime, b.flushRdnss], [0, true]);
    const [d, e] = i.dnssl;
    assert.ok(d && e);
    assert.deepEqual([d.domains, d.advDnsslLifetime, d.flushDnssl], [['example.com', 'corp.example.com', 'a-b.example.net.'], 1200, false]);
    assert.equal(e.advDnsslLifetime, 60, 'the default is MaxRtrAdvInterval, not 2 * MaxRtrAdvInterval as radvd.conf(5) says');
    assert.deepEqual(codes('rdnss-dnssl.conf'), ['W_IGNORED_OPTION', 'W_IGNORED_OPTION', 'W_DNS_LIFETIME', 'W_SHORT_LIFETIME']);
  },
  'mobile-ipv6-home-agent.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.deepEqual([i.maxRtrAdvInterval, i.minRtrAdvInterval, i.minDelayBetweenRas], [1.5, 0.5, 0.05]);
    assert.equal(i.advDefaultLifetime, 4, 'trunc(3 * 1.5)');
    assert.deepEqual([i.advHomeAgentFlag, i.advHomeAgentInfo, i.advMobRtrSupportFlag, i.advIntervalOpt, i.homeAgentLifetime, i.homeAgentPreference], [true, true, true, true, 10000, 20]);
  },
  'lowpan.conf': (c) => {
    const i = iface(c, 'lowpan0');
    const [a, b] = i.lowpanContexts;
    assert.ok(a && b);
    assert.deepEqual([a.prefix, a.advContextLength, a.advContextCompressionFlag, a.advContextId, a.advLifeTime], ['::', 64, true, 3, 1000]);
    assert.deepEqual([b.advContextLength, b.advContextCompressionFlag, b.advContextId, b.advLifeTime], [0, false, 0, 0]);
    assert.deepEqual(only(i.abros), { address: 'fe80::1', advVersionLow: 1, advVersionHigh: 0, advValidLifetime: 600, pos: { file: 'lowpan.conf', line: 12, column: 2 } });
  },
  'multi-interface.conf': (c) => {
    assert.deepEqual(c.interfaces.map((i) => [i.name, i.advSendAdvert]), [['eth0', true], ['eth1', false], ['vlan100', true]]);
    const v = iface(c, 'vlan100');
    assert.equal(v.maxRtrAdvInterval, 120);
    assert.equal(v.advDefaultLifetime, 360);
    assert.equal(only(v.rdnss).advRdnssLifetime, 600, 'RDNSS comes before MaxRtrAdvInterval 120, so radvd uses 600');
  },
  'vrrp-source.conf': (c) => {
    assert.deepEqual(iface(c, 'eth0').advRaSrcAddress, ['fe80::1', 'fe80::2', 'fe80::3']);
  },
  'dhcpv6-managed.conf': (c) => {
    const i = iface(c, 'ens3');
    assert.deepEqual([i.advManagedFlag, i.advOtherConfigFlag, only(i.prefixes).advAutonomous], [true, true, false]);
  },
  'unicast-only.conf': (c) => {
    const i = iface(c, 'is0');
    assert.deepEqual([i.unicastOnly, i.advSourceLlAddress], [true, false]);
  },
  'order-dependent-defaults.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.equal(i.maxRtrAdvInterval, 100);
    assert.deepEqual(i.routes.map((r) => r.advRouteLifetime), [1800, 300]);
    assert.deepEqual(i.rdnss.map((r) => r.advRdnssLifetime), [600, 50], 'below MaxRtrAdvInterval: radvd logs it and keeps 50');
    assert.deepEqual(i.dnssl.map((r) => r.advDnsslLifetime), [600, 100], 'below MaxRtrAdvInterval: radvd raises it to 100');
    const w = codes('order-dependent-defaults.conf');
    assert.equal(w.filter((x) => x === 'W_ORDER_DEPENDENT_DEFAULT').length, 3);
    assert.equal(w.filter((x) => x === 'W_DNS_LIFETIME_BELOW_MAX').length, 2);
  },
  'narrow-fields.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.deepEqual([i.advCurHopLimit, i.advDefaultPreference, i.homeAgentPreference, i.advRaMtu, i.advDefaultLifetime], [44, 'reserved', 4464, 1280, 1800]);
    assert.equal(only(i.routes).advRoutePreference, 'low');
    assert.deepEqual(codes('narrow-fields.conf'), ['W_WRAPPED', 'W_NUMERIC_PREFERENCE', 'W_WRAPPED', 'W_CLAMPED', 'W_WRAPPED', 'W_NUMERIC_PREFERENCE']);
  },
  'lexical.conf': (c) => {
    assert.deepEqual(c.interfaces.map((i) => i.name), ['eth0', 'eth1', '"quoted0"', 'averyveryverylo', 'eth0#x']);
    assert.equal(only(iface(c, 'eth0').prefixes).prefix, '2001:db8:0:abcd::');
    const e1 = iface(c, 'eth1');
    assert.equal(e1.advLinkMtu, 1500);
    assert.deepEqual(only(e1.rdnss).servers, ['::1', '1:2:3:4:5:6:7:0']);
    assert.deepEqual(e1.clients, ['fe80::a', 'fe80::b']);
    assert.deepEqual([only(e1.prefixes).prefix, only(e1.prefixes).prefixLength], ['::', 64]);
    assert.deepEqual(codes('lexical.conf'), ['W_DNS_LIFETIME', 'W_QUOTED_NAME', 'W_IFNAME_TRUNCATED']);
  },
  'radvd-2.20-options.conf': (c) => {
    const i = iface(c, 'eth0');
    assert.equal(i.removeAdvOnExit, false);
    assert.equal(i.advCaptivePortalApi, 'https://portal.example.net/api');
    assert.deepEqual(i.nat64Prefixes.map((n) => [n.prefix, n.prefixLength, n.advValidLifetime]), [['64:ff9b::', 96, 1800], ['2001:db8:64::', 64, 1800]]);
    assert.deepEqual(codes('radvd-2.20-options.conf'), ['W_NOT_RADVD_2_19', 'W_NOT_RADVD_2_19', 'W_NOT_RADVD_2_19', 'W_NOT_RADVD_2_19']);
  },
  'conditional-primary-backup.conf': (c) => {
    // RFC 8475 3.2.1: ISP_A primary, ISP_B backup, one router.
    assert.deepEqual(c.conditions, [
      { name: 'isp-a-up', spec: { kind: 'link', interface: 'wan-a', state: 'up' }, damping: DAMPING_DEFAULTS, pos: { file: 'conditional-primary-backup.conf', line: 6, column: 1 } },
    ]);
    const i = iface(c, 'lan0');
    assert.deepEqual(i.policies, []);
    const [a, b] = i.prefixes;
    assert.ok(a && b);
    assert.deepEqual([a.advPreferredLifetime, a.advValidLifetime, b.advPreferredLifetime, b.advValidLifetime], [604800, 2592000, 0, 2592000]);
    assert.deepEqual(a.policies, [{ condition: { ref: 'isp-a-up' }, field: 'AdvPreferredLifetime', whenTrue: 604800, whenFalse: 0, pos: { file: 'conditional-primary-backup.conf', line: 18, column: 3 } }]);
    assert.deepEqual(b.policies?.map((p) => [p.condition, p.field, p.whenTrue, p.whenFalse]), [[{ ref: 'isp-a-up' }, 'AdvPreferredLifetime', 0, 604800]]);
    const [d, e] = i.rdnss;
    assert.ok(d && e);
    // `if not` with only a then-branch: the else value is the block's own 600.
    assert.deepEqual(d.policies?.map((p) => [p.condition, p.field, p.whenTrue, p.whenFalse]), [[{ spec: { kind: 'not', of: { ref: 'isp-a-up' } } }, 'AdvRDNSSLifetime', 0, 600]]);
    assert.deepEqual(e.policies?.map((p) => [p.condition, p.whenTrue, p.whenFalse]), [[{ ref: 'isp-a-up' }, 0, 600]]);
    assert.deepEqual(codes('conditional-primary-backup.conf'), ['W_NOT_RADVD']);
  },
  'conditional-load-balancing.conf': (c) => {
    // RFC 8475 3.2.3: both uplinks at once; conditions written after the interface.
    assert.deepEqual(c.conditions?.map((x) => [x.name, x.spec, x.damping]), [
      ['isp-a', { kind: 'link', interface: 'wan-a', state: 'up' }, { ...DAMPING_DEFAULTS, holdDownMs: 10_000, halfLifeMs: 120_500 }],
      ['isp-b', { kind: 'link', interface: 'wan-b', state: 'carrier' }, { holdDownMs: 2500, penalty: 500, suppress: 3000, reuse: 1000, halfLifeMs: 60_000, maxSuppressMs: 900_000 }],
      ['any-uplink', { kind: 'any', of: [{ ref: 'isp-a' }, { ref: 'isp-b' }] }, undefined],
    ]);
    const i = iface(c, 'lan0');
    assert.deepEqual(i.policies?.map((p) => [p.condition, p.field, p.whenTrue, p.whenFalse, p.pos.line]), [[{ ref: 'any-uplink' }, 'AdvDefaultLifetime', 1800, 0, 10]]);
    assert.deepEqual(i.prefixes.map((p) => p.policies?.map((x) => [x.condition, x.whenTrue, x.whenFalse])), [[[{ ref: 'isp-a' }, 604800, 0]], [[{ ref: 'isp-b' }, 604800, 0]]]);
    assert.deepEqual(only(i.dnssl).policies?.map((p) => [p.field, p.whenTrue, p.whenFalse]), [['AdvDNSSLLifetime', 1800, 0]]);
    assert.deepEqual(codes('conditional-load-balancing.conf'), ['W_NOT_RADVD']);
  },
  'conditional-border-routers.conf': (c) => {
    // RFC 8475 3.2.5: dedicated border routers; route presence is the trigger.
    const spec = (name: string) => c.conditions?.find((x) => x.name === name)?.spec;
    assert.deepEqual(spec('isp-a-route'), { kind: 'route', prefix: '2001:db8:1::', prefixLength: 48, protocol: 186, table: 254 });
    assert.deepEqual(spec('isp-b-route'), { kind: 'route', prefix: '2001:db8:2::', prefixLength: 48, via: 'fe80::4', dev: 'eth1', protocol: 186, table: 254, metric: 20 });
    assert.deepEqual(spec('default-route'), { kind: 'route', prefix: '::', prefixLength: 0, dev: 'eth1' });
    assert.deepEqual(spec('isp-a-gateway'), { kind: 'probe', target: '2001:db8:1:ffff::1', source: '2001:db8:1:1::1', intervalMs: 500, timeoutMs: 250, lossThreshold: 4, riseThreshold: 2 });
    assert.deepEqual(spec('r3-present'), { kind: 'address', prefix: 'fe80::3', prefixLength: 128, dev: 'eth1' });
    assert.deepEqual(spec('lan-addr'), { kind: 'address', prefix: '2001:db8:1:1::', prefixLength: 64 });
    assert.deepEqual(spec('master'), { kind: 'vrrp', instance: 'VI_LAN' });
    assert.deepEqual(spec('maintenance'), { kind: 'manual', initial: false });
    assert.deepEqual(spec('isp-a-ok'), { kind: 'all', of: [{ ref: 'isp-a-route' }, { ref: 'isp-a-gateway' }, { spec: { kind: 'not', of: { ref: 'maintenance' } } }] });
    assert.deepEqual(c.conditions?.find((x) => x.name === 'isp-a-ok')?.damping, { ...DAMPING_DEFAULTS, holdDownMs: 60_000 });
    assert.deepEqual(spec('isp-a-down'), { kind: 'not', of: { ref: 'isp-a-ok' } });
    assert.equal(c.conditions?.length, 11);
    const i = iface(c, 'eth0');
    assert.deepEqual(i.policies?.map((p) => [p.condition, p.field, p.whenTrue, p.whenFalse]), [
      [{ ref: 'serving' }, 'AdvDefaultLifetime', 900, 0],
      [{ ref: 'serving' }, 'AdvDefaultPreference', 'high', 'medium'],
    ]);
    const [a, b] = i.prefixes;
    assert.ok(a && b);
    assert.deepEqual(a.policies?.map((p) => [p.condition, p.whenTrue, p.whenFalse]), [[{ ref: 'isp-a-ok' }, 604800, 0]]);
    assert.deepEqual([b.advPreferredLifetime, b.policies?.map((p) => [p.condition, p.whenTrue, p.whenFalse])], [14400, [[{ ref: 'isp-a-down' }, 604800, 0]]]);
    // Each branch sets a different field; the other side takes the block's own value.
    assert.deepEqual(only(i.routes).policies?.map((p) => [p.field, p.whenTrue, p.whenFalse]), [['AdvRoutePreference', 'high', 'medium'], ['AdvRouteLifetime', 900, 0]]);
    assert.deepEqual(c.vrrp?.map((v) => [v.name, v.interface, v.vrid, v.family]), [['VI_LAN', 'eth0', 10, 6]]);
    assert.deepEqual(codes('conditional-border-routers.conf'), ['W_NOT_RADVD', 'W_NOT_RADVD']);
  },
  'extension-words-as-names.conf': (c) => {
    // Words of the condition syntax are not keywords: radvd 2.19 reads this plain file too.
    assert.deepEqual(c.interfaces.map((i) => i.name), ['if', 'condition', 'else', 'damping']);
    assert.equal(only(iface(c, 'if').prefixes).base6Interface, 'condition');
    assert.deepEqual(c.conditions, []);
    assert.deepEqual(c.interfaces.map((i) => i.policies), [[], [], [], []]);
    assert.deepEqual(codes('extension-words-as-names.conf'), []);
  },
  'vrrp-ipv6-full.conf': (c) => {
    // Every vrrp statement; no interface block: VRRP without RAs.
    assert.deepEqual(c.interfaces, []);
    assert.deepEqual(c.vrrp, [
      {
        name: 'VI_1', interface: 'lan0', vrid: 51, family: 6, priority: 150, advertIntervalCs: 10,
        addresses: [{ address: 'fe80::1', prefixLength: 64 }, { address: '2001:db8:1:1::1', prefixLength: 64 }, { address: '2001:db8:1:2::1', prefixLength: 128 }],
        preempt: false, preemptDelayMs: 30_000, acceptMode: true,
        tracks: [
          { condition: 'uplink', weight: -50, pos: { file: 'vrrp-ipv6-full.conf', line: 19, column: 2 } },
          { condition: 'spare-uplink', weight: 20, pos: { file: 'vrrp-ipv6-full.conf', line: 20, column: 2 } },
        ],
        garpRepeat: 3, garpIntervalMs: 250, vmacName: 'vrrp6-51', pos: { file: 'vrrp-ipv6-full.conf', line: 6, column: 1 },
      },
    ]);
    assert.deepEqual(c.vrrpSyncGroups, []);
    assert.deepEqual(codes('vrrp-ipv6-full.conf'), ['W_NOT_RADVD', 'W_NOT_RADVD'], 'tracked conditions count as used');
  },
  'vrrp-ipv4.conf': (c) => {
    const v = only(c.vrrp ?? []);
    assert.deepEqual(
      [v.family, v.vrid, v.priority, v.advertIntervalCs, v.addresses, v.preempt, v.acceptMode, v.garpRepeat, v.garpIntervalMs, v.vmacName],
      [4, 7, 90, 200, [{ address: '192.0.2.1', prefixLength: 24 }, { address: '198.51.100.1', prefixLength: 32 }], false, false, 1, 0, 'fhv4.7.8306f8'],
    );
    assert.equal(iface(c, 'lan0').vrrp, undefined, 'RAs do not follow an instance unless told to');
    assert.deepEqual(codes('vrrp-ipv4.conf'), ['W_NOT_RADVD', 'W_VRRP_IGNORED', 'W_VRRP_IGNORED']);
  },
  'vrrp-sync-group.conf': (c) => {
    assert.deepEqual(c.vrrp?.map((v) => [v.name, v.interface, v.family, v.vrid, v.vmacName, v.syncGroup]), [
      ['VI_6', 'lan0', 6, 20, 'fhv6.20.8306f8', 'LAN'],
      ['VI_4', 'lan0', 4, 20, 'fhv4.20.8306f8', 'LAN'],
      ['VI_GUEST', 'lan0.30', 6, 30, 'fhv6.30.d404e1', 'GUEST'],
    ]);
    assert.deepEqual(c.vrrpSyncGroups, [
      { name: 'LAN', members: ['VI_6', 'VI_4'], pos: { file: 'vrrp-sync-group.conf', line: 21, column: 1 } },
      { name: 'GUEST', members: ['VI_GUEST'], pos: { file: 'vrrp-sync-group.conf', line: 26, column: 1 } },
    ]);
    assert.deepEqual(codes('vrrp-sync-group.conf'), ['W_NOT_RADVD', 'W_VRRP_SYNC_GROUP_SINGLE']);
  },
  'vrrp-interface.conf': (c) => {
    assert.deepEqual(c.interfaces.map((i) => [i.name, i.vrrp]), [['lan0', 'VI_1'], ['lan1', undefined]]);
    const v = only(c.vrrp ?? []);
    assert.deepEqual([v.priority, v.tracks, v.addresses[0]], [255, [], { address: 'fe80::1', prefixLength: 64 }]);
    assert.deepEqual(codes('vrrp-interface.conf'), ['W_NOT_RADVD']);
  },
  'vrrp-rfc8475-3.2.2.conf': (c) => {
    // RFC 8475 3.2.2 with VRRP: mastership drives the prefixes, the uplink drives mastership.
    assert.deepEqual(c.conditions?.map((x) => [x.name, x.spec]), [
      ['isp-a', { kind: 'link', interface: 'wan0', state: 'up' }],
      ['r1-active', { kind: 'vrrp', instance: 'VI_LAN' }],
    ]);
    const v = only(c.vrrp ?? []);
    assert.deepEqual([v.name, v.priority, v.advertIntervalCs, v.tracks.map((t) => [t.condition, t.weight])], ['VI_LAN', 150, 50, [['isp-a', -100]]]);
    const i = iface(c, 'lan0');
    assert.equal(i.vrrp, 'VI_LAN');
    assert.deepEqual(i.prefixes.map((p) => p.policies?.map((x) => [x.condition, x.whenTrue, x.whenFalse])), [[[{ ref: 'r1-active' }, 604800, 0]], [[{ ref: 'r1-active' }, 0, 604800]]]);
    assert.deepEqual(codes('vrrp-rfc8475-3.2.2.conf'), ['W_NOT_RADVD', 'W_NOT_RADVD']);
  },
  'firsthop-prefix-pd.conf': (c) => {
    const p = only(iface(c, 'eth0').prefixes);
    assert.deepEqual([p.advDhcpv6Pd, p.advAutonomous], [true, false]);
    assert.deepEqual(codes('firsthop-prefix-pd.conf'), ['W_NOT_RADVD']);
  },
  'firsthop-rogue.conf': (c) => {
    const i = iface(c, 'lan0');
    assert.deepEqual(i.allowedRouters, ['fe80::2', '02:00:5e:00:02:01'], 'canonical address, lower-case MAC');
    assert.equal(i.rogueRaWithdraw, true);
    assert.deepEqual(codes('firsthop-rogue.conf'), ['W_NOT_RADVD', 'W_NOT_RADVD']);
  },
};

test('every good file parses to the values radvd 2.19 uses', async (t) => {
  const files = corpus('good');
  assert.ok(files.length >= 20, `${files.length} good files`);
  for (const file of files) {
    await t.test(file, () => {
      const check = GOOD[file];
      assert.ok(check, `add the resolved values that matter for good/${file} to GOOD`);
      check(ok(file));
    });
  }
  assert.deepEqual(Object.keys(GOOD).sort(), files, 'every GOOD entry has a file');
});

test('the good corpus uses every option and block at least once', () => {
  const used = new Set<string>();
  for (const file of corpus('good')) {
    const { raw } = parseRaw(readFileSync(fixturePath('good', file), 'utf8'), file);
    for (const i of raw.interfaces) {
      used.add('file:interface');
      for (const item of i.items) {
        if (item.kind === 'option') used.add(`interface:${item.spec.name}`);
        else if (item.kind === 'block') {
          used.add(`interface:${item.spec.keyword}`);
          for (const o of item.options) used.add(`${item.spec.keyword}:${o.spec.name}`);
        }
      }
    }
  }
  const missing = describeOptions()
    .map((o) => `${o.block}:${o.name}`)
    .filter((k) => !used.has(k));
  assert.deepEqual(missing, []);
});

test('every bad file produces exactly its recorded diagnostics', async (t) => {
  const files = corpus('bad');
  assert.ok(files.length >= 45, `${files.length} bad files`);
  for (const file of files) {
    await t.test(file, () => {
      const sidecar = fixturePath('bad', file.replace(/\.conf$/, '.expected'));
      assert.ok(existsSync(sidecar), `bad/${file} needs a .expected sidecar`);
      const expected = readFileSync(sidecar, 'utf8').split('\n').filter((l) => l !== '');
      const r = parseFixture('bad', file);
      assert.equal(r.ok, false, `bad/${file} must be rejected`);
      const got = [...(r.ok ? [] : r.errors), ...r.warnings].map(formatDiagnostic);
      assert.deepEqual(got, expected);
    });
  }
});

test('the resolved Config is frozen', () => {
  const c = ok('home-router.conf');
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.interfaces[0]));
  assert.ok(Object.isFrozen(c.interfaces[0]?.prefixes[0]));
  assert.throws(() => {
    (c.interfaces as InterfaceConfig[]).push(c.interfaces[0] as InterfaceConfig);
  });
});

test('loadConfig turns a read error into a diagnostic at line 1, column 1', async () => {
  const missing = path.join(FIXTURES, 'no-such-file.conf');
  const r = await loadConfig(missing);
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map(formatDiagnostic), [`${missing}:1:1: error: cannot read config file: no such file`]);
  const good = await loadConfig(fixturePath('good', 'man-basic.conf'));
  assert.ok(good.ok);
  assert.equal(good.config.interfaces[0]?.pos.file, fixturePath('good', 'man-basic.conf'));
});

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

test('checkConfigCli exits like radvd -c and prints every diagnostic', async () => {
  const good = sink();
  assert.equal(await checkConfigCli(fixturePath('good', 'man-6to4.conf'), good.stream), 0);
  assert.match(good.text(), /man-6to4\.conf:8:20: warning: router lifetime/);
  assert.match(good.text(), /configuration ok, 1 interface, 2 warning\(s\)/);
  const bad = sink();
  const file = fixturePath('bad', 'many-errors.conf');
  assert.equal(await checkConfigCli(file, bad.stream), 1);
  const lines = bad.text().trim().split('\n');
  assert.equal(lines.filter((l) => l.includes(': error: ')).length, 5);
  assert.ok(lines.every((l) => l.startsWith(`${file}:`)));
  const missing = sink();
  assert.equal(await checkConfigCli('/nonexistent/radvd.conf', missing.stream), 1);
  assert.match(missing.text(), /^\/nonexistent\/radvd\.conf:1:1: error: cannot read config file: no such file$/m);
});

test('describeOptions lists every option with a default, an RFC and a meaning', () => {
  const rows = describeOptions();
  const names = new Set(rows.map((r) => `${r.block}:${r.name}`));
  for (const want of [
    'interface:IgnoreIfMissing', 'interface:AdvSendAdvert', 'interface:UnicastOnly', 'interface:AdvRASolicitedUnicast', 'interface:MaxRtrAdvInterval',
    'interface:MinRtrAdvInterval', 'interface:MinDelayBetweenRAs', 'interface:AdvManagedFlag', 'interface:AdvOtherConfigFlag', 'interface:AdvLinkMTU',
    'interface:AdvRAMTU', 'interface:AdvReachableTime', 'interface:AdvRetransTimer', 'interface:AdvCurHopLimit', 'interface:AdvDefaultLifetime',
    'interface:AdvDefaultPreference', 'interface:AdvSourceLLAddress', 'interface:AdvHomeAgentFlag', 'interface:AdvIntervalOpt', 'interface:AdvHomeAgentInfo',
    'interface:HomeAgentLifetime', 'interface:HomeAgentPreference', 'interface:AdvMobRtrSupportFlag', 'interface:AdvCaptivePortalAPI', 'interface:RemoveAdvOnExit',
    'interface:AdvRASrcAddress', 'interface:clients', 'interface:prefix', 'interface:route', 'interface:RDNSS', 'interface:DNSSL', 'interface:nat64prefix',
    'interface:abro', 'interface:lowpanco', 'prefix:AdvOnLink', 'prefix:AdvAutonomous', 'prefix:AdvRouterAddr', 'prefix:AdvValidLifetime',
    'prefix:AdvPreferredLifetime', 'prefix:DeprecatePrefix', 'prefix:DecrementLifetimes', 'prefix:Base6Interface', 'prefix:Base6to4Interface', 'prefix:AdvPrefixPD',
    'route:AdvRoutePreference', 'route:AdvRouteLifetime', 'route:RemoveRoute', 'RDNSS:AdvRDNSSLifetime', 'RDNSS:FlushRDNSS', 'DNSSL:AdvDNSSLLifetime',
    'DNSSL:FlushDNSSL', 'nat64prefix:AdvValidLifetime',
  ]) {
    assert.ok(names.has(want), want);
  }
  for (const r of rows) {
    assert.ok(r.default !== '' && r.rfc !== '' && r.meaning !== '' && r.range !== '', `${r.block}:${r.name} is fully described`);
  }
  assert.equal(rows.find((r) => r.name === 'AdvPrefixPD')?.origin, 'firsthop');
  assert.equal(rows.find((r) => r.name === 'nat64prefix')?.origin, 'radvd-2.20');
  assert.equal(rows.find((r) => r.block === 'RDNSS' && r.name === 'AdvRDNSSLifetime')?.default, 'MaxRtrAdvInterval (as set above the block)');
});

test('docs/config-reference.md is the generated reference and lists every option, warning and error code', () => {
  const doc = readFileSync(path.resolve(FIXTURES, '../../../docs/config-reference.md'), 'utf8');
  assert.ok(doc === renderConfigReference(), 'docs/config-reference.md is stale: regenerate it as src/config/reference.ts says');
  for (const r of describeOptions()) {
    assert.ok(doc.includes(`\`${r.name}\``), `${r.block}:${r.name} missing from docs/config-reference.md`);
    assert.ok(doc.includes(r.default.replace(/\|/g, '\\|')), `default of ${r.block}:${r.name} missing from docs/config-reference.md`);
  }
  for (const code of [...Object.keys(WARNING_CODES), ...Object.keys(ERROR_CODES)]) assert.ok(doc.includes(`\`${code}\``), `${code} missing from the doc`);
});

test('every diagnostic code the corpus produces is documented', () => {
  for (const kind of ['good', 'bad'] as const) {
    for (const file of corpus(kind)) {
      const r = parseFixture(kind, file);
      for (const d of [...(r.ok ? [] : r.errors), ...r.warnings]) {
        const table = d.severity === 'error' ? ERROR_CODES : WARNING_CODES;
        assert.ok(d.code in table, `${kind}/${file}: ${d.code} is not in ${d.severity === 'error' ? 'ERROR_CODES' : 'WARNING_CODES'}`);
      }
    }
  }
});

test('a warning repeated on 1,000 interfaces is one line naming how many more places have it', async () => {
  const { formatDiagnostics } = await import('../../src/config/types');
  const { parseConfig } = await import('../../src/config');
  const text = Array.from({ length: 1000 }, (_, i) => `interface e${i} {\n  AdvSendAdvert on;\n  AdvDefaultLifetime 60;\n  MaxRtrAdvInterval 10;\n};\n`).join('');
  const r = parseConfig(text, 'big.conf');
  assert.ok(r.ok);
  const lines = formatDiagnostics(r.warnings);
  assert.equal(r.warnings.length, 1000);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^big\.conf:3:22: warning: router lifetime \(AdvDefaultLifetime\) 60 s is under 180 s: .* \(the same at 999 more places: lines 8, 13, 18, 23, 28, \.\.\.\)$/);
  assert.deepEqual(formatDiagnostics(r.warnings.slice(0, 1)), [lines[0]!.replace(/ \(the same .*\)$/, '')], 'a single one is unchanged');
});
