/** Policies to RA builder overrides: every target, values, why and since, precedence, inline conditions, and the builder itself (S2, S3). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConditionEngine, ConditionError, DEFAULT_DAMPING, formatClockTime } from '../../src/conditions/engine';
import { overrideKey } from '../../src/conditions/policy';
import type { ConditionRef, ConditionSpec, PolicyConfig, PolicyField } from '../../src/conditions/types';
import type { DnsslConfig, PrefixConfig, RdnssConfig, RouteConfig } from '../../src/config/types';
import { memoryLogger } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';
import { buildRa, type InterfaceSnapshot } from '../../src/ra/build';
import type { PrefixInformationOption, RdnssOption } from '../../src/wire/types';
import { cond, inline, pos, ref, rig, WAN } from './conditions-support';
import { ifaceConfig } from './support';

function policy(condition: ConditionRef, field: PolicyField, whenTrue: number | string, whenFalse: number | string): PolicyConfig {
  return { condition, field, whenTrue, whenFalse, pos };
}

function prefix(p: string, len: number, policies: PolicyConfig[] = [], over: Partial<PrefixConfig> = {}): PrefixConfig {
  return {
    prefix: p, prefixLength: len, advOnLink: true, advAutonomous: true, advRouterAddr: false, advDhcpv6Pd: false,
    advValidLifetime: 2592000, advPreferredLifetime: 604800, deprecatePrefix: false, decrementLifetimes: false, policies, pos, ...over,
  };
}

function route(p: string, len: number, policies: PolicyConfig[] = []): RouteConfig {
  return { prefix: p, prefixLength: len, advRoutePreference: 'medium', advRouteLifetime: 1800, removeRoute: true, policies, pos };
}

function rdnss(servers: string[], policies: PolicyConfig[] = []): RdnssConfig {
  return { servers, advRdnssLifetime: 1800, flushRdnss: true, policies, pos };
}

function dnssl(domains: string[], policies: PolicyConfig[] = []): DnsslConfig {
  return { domains, advDnsslLifetime: 1800, flushDnssl: true, policies, pos };
}

const snap: InterfaceSnapshot = { ifindex: 3, mtu: 1500, mac: '02:00:00:00:00:03', addresses: [], addressesOf: () => [] };
const wanUp: ConditionSpec = { kind: 'link', interface: 'wan0', state: 'up' };

describe('overridesFor', () => {
  const a = ref('a');
  const iface = ifaceConfig({
    name: 'lan0',
    policies: [policy(a, 'AdvDefaultLifetime', 1800, 0), policy(a, 'AdvDefaultPreference', 'high', 'low')],
    prefixes: [prefix('2001:db8:1:1::', 64, [policy(a, 'AdvPreferredLifetime', 604800, 0)])],
    routes: [route('2001:db8:2::', 48, [policy(a, 'AdvRouteLifetime', 1800, 0), policy(a, 'AdvRoutePreference', 'high', 'low')])],
    rdnss: [rdnss(['2001:db8::53', '2001:db8::54'], [policy(a, 'AdvRDNSSLifetime', 1800, 0)])],
    dnssl: [dnssl(['example.com', 'example.net'], [policy(a, 'AdvDNSSLLifetime', 1800, 0)])],
  });

  it('map every policy target to the builder key, with the value for the effective state', async () => {
    const r = await rig({ conditions: [cond('a', { kind: 'manual', initial: true })] });
    try {
      const t0 = r.clock.now();
      const values = (): Record<string, number | string> => Object.fromEntries([...r.engine.overridesFor(iface)].map(([k, o]) => [k, o.value]));
      assert.deepEqual(values(), {
        routerLifetime: 1800,
        routerPreference: 'high',
        'prefix 2001:db8:1:1::/64 preferredLifetime': 604800,
        'route 2001:db8:2::/48 lifetime': 1800,
        'route 2001:db8:2::/48 preference': 'high',
        'rdnss 2001:db8::53,2001:db8::54 lifetime': 1800,
        'dnssl example.com,example.net lifetime': 1800,
      });
      for (const o of r.engine.overridesFor(iface).values()) assert.deepEqual([o.why, o.since], ['condition a is up', t0]);
      r.clock.advance(7000);
      r.engine.setManual('a', false);
      assert.deepEqual(values(), {
        routerLifetime: 0,
        routerPreference: 'low',
        'prefix 2001:db8:1:1::/64 preferredLifetime': 0,
        'route 2001:db8:2::/48 lifetime': 0,
        'route 2001:db8:2::/48 preference': 'low',
        'rdnss 2001:db8::53,2001:db8::54 lifetime': 0,
        'dnssl example.com,example.net lifetime': 0,
      });
      for (const o of r.engine.overridesFor(iface).values()) assert.deepEqual([o.why, o.since], ['condition a is down', t0 + 7000]);
    } finally {
      r.close();
    }
  });

  it('overrideKey: a field outside its block has no key', () => {
    assert.equal(overrideKey({ kind: 'prefix', prefix: '2001:db8::', prefixLength: 64 }, 'AdvDefaultLifetime'), undefined);
    assert.equal(overrideKey({ kind: 'interface' }, 'AdvPreferredLifetime'), undefined);
    assert.equal(overrideKey({ kind: 'rdnss', servers: ['::1'] }, 'AdvDNSSLLifetime'), undefined);
    assert.equal(overrideKey({ kind: 'dnssl', domains: ['a'] }, 'AdvRouteLifetime'), undefined);
    assert.equal(overrideKey({ kind: 'route', prefix: '::', prefixLength: 0 }, 'AdvRDNSSLifetime'), undefined);
  });

  it('the first policy for a field wins; a field in the wrong block is ignored with one warning', async () => {
    const r = await rig({ conditions: [cond('a', { kind: 'manual', initial: true }), cond('b', { kind: 'manual', initial: false })] });
    try {
      const cfg = ifaceConfig({
        policies: [policy(ref('b'), 'AdvDefaultLifetime', 1800, 600), policy(ref('a'), 'AdvDefaultLifetime', 9000, 0)],
        prefixes: [prefix('2001:db8:1::', 64, [policy(ref('a'), 'AdvDefaultLifetime', 1, 2), policy(ref('a'), 'AdvPreferredLifetime', 3600, 0), policy(ref('b'), 'AdvPreferredLifetime', 7, 7)])],
      });
      const o = r.engine.overridesFor(cfg);
      assert.deepEqual([...o.keys()], ['routerLifetime', 'prefix 2001:db8:1::/64 preferredLifetime']);
      assert.equal(o.get('routerLifetime')?.value, 600);
      assert.equal(o.get('routerLifetime')?.why, 'condition b is down');
      assert.equal(o.get('prefix 2001:db8:1::/64 preferredLifetime')?.value, 3600);
      r.engine.overridesFor(cfg);
      assert.deepEqual(r.log.lines.filter((l) => l.startsWith('warn:')), ['warn: firsthop.conf:1:1: AdvDefaultLifetime cannot be set by a policy in a prefix block; ignored']);
    } finally {
      r.close();
    }
  });

  it('an unknown condition in a policy is an error, at construction when the interfaces are given', async () => {
    const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64, [policy(ref('nope'), 'AdvPreferredLifetime', 1, 0)])] });
    const r = await rig({ conditions: [] });
    try {
      assert.throws(() => r.engine.overridesFor(cfg), (e: unknown) => e instanceof ConditionError && e.code === 'E_CONDITION_UNKNOWN' && /policy refers to unknown condition nope/.test(e.message));
    } finally {
      r.close();
    }
    assert.throws(
      () => new ConditionEngine({ conditions: [], interfaces: [cfg], net: r.state, clock: new ManualClock(), log: memoryLogger() }),
      (e: unknown) => e instanceof ConditionError && e.code === 'E_CONDITION_UNKNOWN' && e.message.startsWith('firsthop.conf:1:1: policy refers'),
    );
  });

  it('why: held down, suppressed, pending probe', async () => {
    const r = await rig({
      conditions: [
        cond('uplink-a', wanUp, DEFAULT_DAMPING),
        cond('probe', { kind: 'probe', target: '2001:db8::1', dev: 'wan0', intervalMs: 1000, timeoutMs: 500, lossThreshold: 3, riseThreshold: 2 }),
      ],
      kernel: (k) => k.addLink(WAN),
    });
    const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64, [policy(ref('uplink-a'), 'AdvPreferredLifetime', 604800, 0)]), prefix('2001:db8:2::', 64, [policy(ref('probe'), 'AdvPreferredLifetime', 604800, 0)])] });
    const why = (): string | undefined => r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime')?.why;
    try {
      assert.equal(why(), 'condition uplink-a is up');
      assert.equal(r.engine.overridesFor(cfg).get('prefix 2001:db8:2::/64 preferredLifetime')?.why, 'condition probe is down (no probe verdict yet)');
      r.clock.advance(1000);
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      const down = r.clock.now();
      assert.equal(why(), 'condition uplink-a is down');
      assert.equal(r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime')?.since, down);
      r.clock.advance(2000);
      r.kernel.setLink(WAN.ifindex, { carrier: true });
      await r.settle();
      assert.equal(why(), `condition uplink-a is up (held down until ${formatClockTime(r.clock.now() + 30_000)})`);
      assert.equal(r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime')?.value, 0);
      for (let i = 0; i < 2; i++) {
        r.kernel.setLink(WAN.ifindex, { carrier: false });
        await r.settle();
        r.kernel.setLink(WAN.ifindex, { carrier: true });
        await r.settle();
      }
      const until = r.status('uplink-a').suppressedUntil ?? 0;
      assert.equal(why(), `condition uplink-a is up (flapping: suppressed until ${formatClockTime(until)})`);
    } finally {
      r.close();
    }
  });
});

describe('policies on the LAN link itself (users item 2, odhcpd#423)', () => {
  it('are warned about, through references and inline conditions; the uplink is fine', async () => {
    const lan = ifaceConfig({
      name: 'lan0',
      policies: [policy(ref('both'), 'AdvDefaultLifetime', 1800, 0)],
      prefixes: [prefix('2001:db8:1::', 64, [policy(inline({ kind: 'link', interface: 'lan0', state: 'carrier' }), 'AdvPreferredLifetime', 604800, 0)])],
      routes: [route('2001:db8:9::', 48, [policy(ref('wan'), 'AdvRouteLifetime', 1800, 0)])],
    });
    const conditions = [
      cond('wan', wanUp),
      cond('lan', { kind: 'link', interface: 'lan0', state: 'up' }),
      cond('both', { kind: 'all', of: [ref('wan'), ref('lan')] }),
    ];
    const r = await rig({ conditions, interfaces: [lan] });
    try {
      const warnings = r.log.lines.filter((l) => l.startsWith('warn:'));
      assert.equal(warnings.length, 2);
      assert.ok(warnings.every((w) => w.includes('a policy of interface lan0 depends on the link state of lan0 itself')));
      r.log.lines.length = 0;
      r.engine.reconfigure([cond('wan', wanUp)], [ifaceConfig({ name: 'lan0', routes: [route('2001:db8:9::', 48, [policy(ref('wan'), 'AdvRouteLifetime', 1800, 0)])] })]);
      assert.deepEqual(r.log.lines.filter((l) => l.startsWith('warn:')), []);
    } finally {
      r.close();
    }
  });
});

describe('inline conditions in policies', () => {
  it('given the interfaces: tracked from start, reported by description', async () => {
    const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64, [policy(inline(wanUp), 'AdvPreferredLifetime', 604800, 0)])] });
    const r = await rig({ conditions: [], interfaces: [cfg], kernel: (k) => k.addLink(WAN) });
    try {
      assert.equal(r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime')?.value, 604800);
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      assert.deepEqual(r.changes, [['[link wan0 up]']]);
      const o = r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime');
      assert.deepEqual([o?.value, o?.why], [0, 'condition [link wan0 up] is down']);
      assert.deepEqual(r.engine.status(), [], 'status lists named conditions only');
    } finally {
      r.close();
    }
  });

  it('not given: tracked from the first overridesFor, never stale, kept across a reload', async () => {
    const spec: ConditionSpec = { kind: 'any', of: [ref('m'), inline(wanUp)] };
    const cfg = ifaceConfig({ prefixes: [prefix('2001:db8:1::', 64, [policy(inline(spec), 'AdvPreferredLifetime', 604800, 0)])] });
    const r = await rig({ conditions: [cond('m', { kind: 'manual', initial: false })], kernel: (k) => k.addLink(WAN) });
    const value = (): number | string | undefined => r.engine.overridesFor(cfg).get('prefix 2001:db8:1::/64 preferredLifetime')?.value;
    try {
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      assert.equal(value(), 0);
      assert.deepEqual(r.changes, [], 'registering does not call listeners from inside an RA build');
      r.kernel.setLink(WAN.ifindex, { carrier: true });
      await r.settle();
      assert.deepEqual(r.changes, [['[any(m, [link wan0 up])]']]);
      assert.equal(value(), 604800);
      r.engine.reconfigure([cond('m', { kind: 'manual', initial: false })]);
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      assert.deepEqual(r.changes.at(-1), ['[any(m, [link wan0 up])]'], 'still tracked after the reload');
      r.engine.reconfigure([]); // m is gone: the inline condition that needs it is dropped ...
      assert.throws(() => value(), (e: unknown) => e instanceof ConditionError && e.code === 'E_CONDITION_UNKNOWN'); // ... and cannot come back
    } finally {
      r.close();
    }
  });
});

describe('the RA builder with the engine', () => {
  it('S2: primary and backup prefixes and RDNSS swap with uplink A; valid lifetimes never change (RFC 8475 3.2.1)', async () => {
    const A = ref('uplink-a');
    const cfg = ifaceConfig({
      name: 'lan0',
      prefixes: [
        prefix('2001:db8:1:1::', 64, [policy(A, 'AdvPreferredLifetime', 604800, 0)]),
        prefix('2001:db8:2:1::', 64, [policy(A, 'AdvPreferredLifetime', 0, 604800)]),
      ],
      rdnss: [rdnss(['2001:db8:1::53'], [policy(A, 'AdvRDNSSLifetime', 1800, 0)]), rdnss(['2001:db8:2::53'], [policy(A, 'AdvRDNSSLifetime', 0, 1800)])],
    });
    const r = await rig({ conditions: [cond('uplink-a', wanUp, DEFAULT_DAMPING)], kernel: (k) => k.addLink(WAN), interfaces: [cfg] });
    const build = (): { pios: Array<[string, number, number]>; dns: Array<[string, number]>; reasons: string[] } => {
      const { ra, reasons } = buildRa(cfg, snap, { now: r.clock.now(), decrementBase: 0, ceasing: false, withdrawals: [], overrides: r.engine.overridesFor(cfg) });
      return {
        pios: ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation').map((p) => [p.prefix, p.preferredLifetime, p.validLifetime]),
        dns: ra.options.filter((o): o is RdnssOption => o.type === 'rdnss').map((d) => [d.servers.join(','), d.lifetime]),
        reasons: reasons.map((x) => `${x.field} = ${String(x.value)}: ${x.why}`),
      };
    };
    try {
      assert.deepEqual(build(), {
        pios: [['2001:db8:1:1::', 604800, 2592000], ['2001:db8:2:1::', 0, 2592000]],
        dns: [['2001:db8:1::53', 1800], ['2001:db8:2::53', 0]],
        reasons: ['prefix 2001:db8:2:1::/64 preferredLifetime = 0: condition uplink-a is up', 'rdnss 2001:db8:2::53 lifetime = 0: condition uplink-a is up'],
      });
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      assert.deepEqual(r.changes, [['uplink-a']], 'the daemon hears it and sends an RA');
      assert.deepEqual(build(), {
        pios: [['2001:db8:1:1::', 0, 2592000], ['2001:db8:2:1::', 604800, 2592000]],
        dns: [['2001:db8:1::53', 0], ['2001:db8:2::53', 1800]],
        reasons: ['prefix 2001:db8:1:1::/64 preferredLifetime = 0: condition uplink-a is down', 'rdnss 2001:db8:1::53 lifetime = 0: condition uplink-a is down'],
      });
      r.clock.advance(5000);
      r.kernel.setLink(WAN.ifindex, { carrier: true });
      await r.settle();
      assert.equal(build().pios[0]?.[1], 0, 'A back: held down');
      r.clock.advance(30_000);
      assert.deepEqual(build().pios, [['2001:db8:1:1::', 604800, 2592000], ['2001:db8:2:1::', 0, 2592000]], 'after the hold-down: swapped back');
      assert.deepEqual(r.changes, [['uplink-a'], ['uplink-a']]);
    } finally {
      r.close();
    }
  });

  it('S3 / S5: each prefix follows its own uplink route (RFC 8475 3.2.3, 3.2.5)', async () => {
    const cfg = ifaceConfig({
      prefixes: [prefix('2001:db8:1:1::', 64, [policy(ref('isp-a'), 'AdvPreferredLifetime', 604800, 0)]), prefix('2001:db8:2:1::', 64, [policy(ref('isp-b'), 'AdvPreferredLifetime', 604800, 0)])],
    });
    const r = await rig({
      conditions: [cond('isp-a', { kind: 'route', prefix: '::', prefixLength: 0, via: 'fe80::a', protocol: 186 }), cond('isp-b', { kind: 'route', prefix: '::', prefixLength: 0, via: 'fe80::b', protocol: 186 })],
      kernel: (k) => {
        k.addLink(WAN);
        k.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::a', oif: WAN.ifindex, protocol: 186, metric: 20 });
        k.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::b', oif: WAN.ifindex, protocol: 186, metric: 30 });
      },
    });
    const preferred = (): number[] =>
      buildRa(cfg, snap, { now: r.clock.now(), decrementBase: 0, ceasing: false, withdrawals: [], overrides: r.engine.overridesFor(cfg) })
        .ra.options.filter((o): o is PrefixInformationOption => o.type === 'prefixInformation')
        .map((p) => p.preferredLifetime);
    try {
      assert.deepEqual(preferred(), [604800, 604800]);
      r.kernel.removeRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::b', oif: WAN.ifindex, protocol: 186, metric: 30 });
      await r.settle();
      assert.deepEqual(preferred(), [604800, 0]);
      r.kernel.removeRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::a', oif: WAN.ifindex, protocol: 186, metric: 20 });
      await r.settle();
      assert.deepEqual(preferred(), [0, 0]);
    } finally {
      r.close();
    }
  });
});
