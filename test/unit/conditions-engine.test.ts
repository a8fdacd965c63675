/** The condition engine over a MemoryBackend kernel: every kind, combinations, events, resync, reconfigure. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConditionEngine, ConditionError, DEFAULT_DAMPING } from '../../src/conditions/engine';
import { compileNetLeaf, describe as describeSpec, routeValue, type RouteCondition } from '../../src/conditions/evaluate';
import type { ConditionSpec } from '../../src/conditions/types';
import { memoryLogger } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';
import type { NetStateView, RouteInfo } from '../../src/netlink/types';
import { cond, inline, pos, ref, rig } from './conditions-support';

const emptyNet: NetStateView = { links: () => [], link: () => undefined, linkByName: () => undefined, addresses: () => [], routes: () => [], on: () => () => {} };

function engineOf(conditions: Array<Parameters<typeof cond> | ReturnType<typeof cond>>): ConditionEngine {
  const list = conditions.map((c) => (Array.isArray(c) ? cond(...c) : c));
  return new ConditionEngine({ conditions: list, net: emptyNet, clock: new ManualClock(), log: memoryLogger() });
}

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConditionError, `expected a ConditionError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('link conditions', () => {
  const states = ['up', 'down', 'carrier', 'present'] as const;
  const conditions = states.map((state) => cond(`wan-${state}`, { kind: 'link', interface: 'wan0', state }));
  const values = (r: Awaited<ReturnType<typeof rig>>): Record<string, boolean> => Object.fromEntries(states.map((s) => [s, r.effective(`wan-${s}`)]));

  it('follow IFF_UP, carrier and presence, including a missing interface', async () => {
    const r = await rig({ conditions });
    try {
      assert.deepEqual(values(r), { up: false, down: true, carrier: false, present: false });
      r.kernel.addLink({ ifindex: 2, name: 'wan0', up: true, carrier: true });
      await r.settle();
      assert.deepEqual(values(r), { up: true, down: false, carrier: true, present: true });
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      assert.deepEqual(values(r), { up: false, down: true, carrier: false, present: true });
      r.kernel.setLink(2, { up: false, carrier: true });
      await r.settle();
      assert.deepEqual(values(r), { up: false, down: true, carrier: false, present: true });
      r.kernel.setLink(2, { up: true, carrier: true }); // the fake kernel keeps carrier = up && carrier
      await r.settle();
      assert.deepEqual(values(r), { up: true, down: false, carrier: true, present: true });
      r.kernel.removeLink(2);
      await r.settle();
      assert.deepEqual(values(r), { up: false, down: true, carrier: false, present: false });
    } finally {
      r.close();
    }
  });

  it('reads the state at start from the dump', async () => {
    const r = await rig({ conditions, kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }) });
    try {
      assert.deepEqual(values(r), { up: true, down: false, carrier: true, present: true });
      assert.deepEqual(r.changes, [], 'start-up does not notify');
      assert.equal(r.status('wan-up').since, r.clock.now());
    } finally {
      r.close();
    }
  });

  it('follow a rename: the old name is gone, the new name appears', async () => {
    const r = await rig({
      conditions: [cond('a', { kind: 'link', interface: 'wan0', state: 'present' }), cond('b', { kind: 'link', interface: 'isp-a', state: 'up' })],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }),
    });
    try {
      assert.equal(r.effective('a'), true);
      assert.equal(r.effective('b'), false);
      r.kernel.setLink(2, { name: 'isp-a' });
      await r.settle();
      assert.equal(r.effective('a'), false);
      assert.equal(r.effective('b'), true);
      assert.deepEqual(r.changes, [['a', 'b']]);
    } finally {
      r.close();
    }
  });
});

describe('route conditions', () => {
  const base = { kind: 'route', prefix: '::', prefixLength: 0 } as const;

  it('match each attribute: via, dev, protocol, table, metric', async () => {
    const r = await rig({
      conditions: [
        cond('any', { ...base }),
        cond('via', { ...base, via: 'fe80::1' }),
        cond('dev', { ...base, dev: 'wan0' }),
        cond('bgp', { ...base, protocol: 186 }),
        cond('table', { ...base, table: 100 }),
        cond('metric', { ...base, metric: 20 }),
        cond('all', { ...base, via: 'fe80::1', dev: 'wan0', protocol: 186, table: 100, metric: 20 }),
      ],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addLink({ ifindex: 3, name: 'wan1' });
      },
    });
    const names = ['any', 'via', 'dev', 'bgp', 'table', 'metric', 'all'];
    const values = (): string[] => names.filter((n) => r.effective(n));
    try {
      assert.deepEqual(values(), []);
      const other = { destination: '::', prefixLength: 0, gateway: 'fe80::2', oif: 3, protocol: 4, table: 254, metric: 1024 };
      r.kernel.addRoute(other);
      await r.settle();
      assert.deepEqual(values(), ['any']);
      r.kernel.removeRoute(other);
      const full = { destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2, protocol: 186, table: 100, metric: 20 };
      r.kernel.addRoute(full);
      await r.settle();
      assert.deepEqual(values(), names);
      // One attribute off at a time.
      const variants: Array<[string, Partial<typeof full>]> = [
        ['via', { gateway: 'fe80::9' }],
        ['dev', { oif: 3 }],
        ['bgp', { protocol: 188 }],
        ['table', { table: 254 }],
        ['metric', { metric: 21 }],
      ];
      for (const [attr, change] of variants) {
        r.kernel.removeRoute(full);
        const route = { ...full, ...change };
        r.kernel.addRoute(route);
        await r.settle();
        assert.deepEqual(values(), names.filter((n) => n !== attr && n !== 'all'), `with ${attr} changed`);
        r.kernel.removeRoute(route);
        r.kernel.addRoute(full);
        await r.settle();
      }
      r.kernel.removeRoute(full);
      await r.settle();
      assert.deepEqual(values(), []);
    } finally {
      r.close();
    }
  });

  it('via and dev match any next hop of a multipath route, on the same hop', () => {
    // ECMP defaults from two border routers (RFC 8475 3.2.5): `route ::/0 via fe80::4` holds
    // while fe80::4 is one of the next hops, not only when it is the first.
    const route: RouteInfo = { table: 254, destination: '::', prefixLength: 0, protocol: 12, metric: 32, type: 1, gateway: 'fe80::3', oif: 2, nexthops: [{ gateway: 'fe80::3', oif: 2, flags: 0, weight: 1 }, { gateway: 'fe80::4', oif: 3, flags: 0, weight: 1 }] };
    const net = { link: (i: number) => ({ 2: { name: 'wan0' }, 3: { name: 'wan1' } })[i] } as unknown as NetStateView;
    const value = (spec: Record<string, unknown>): boolean => {
      const leaf = compileNetLeaf({ ...base, ...spec } as RouteCondition, 'test');
      return leaf.kind === 'route' && routeValue(leaf, net, [route]);
    };
    assert.equal(value({ via: 'fe80::4' }), true);
    assert.equal(value({ via: 'fe80::3' }), true);
    assert.equal(value({ via: 'fe80::5' }), false);
    assert.equal(value({ via: 'fe80::4', dev: 'wan1' }), true);
    assert.equal(value({ via: 'fe80::4', dev: 'wan0' }), false, 'gateway and device of one hop');
    assert.equal(routeValue(compileNetLeaf({ ...base, via: 'fe80::4' } as RouteCondition, 'test') as Extract<ReturnType<typeof compileNetLeaf>, { kind: 'route' }>, net, [{ ...route, nexthops: undefined }]), false, 'a single-hop route: its gateway only');
  });

  it('need the exact prefix (host bits of the spec ignored) and a unicast route', async () => {
    const r = await rig({
      conditions: [cond('isp', { kind: 'route', prefix: '2001:db8:1::1', prefixLength: 48 })],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }),
    });
    try {
      r.kernel.addRoute({ destination: '2001:db8:1::', prefixLength: 56, oif: 2 });
      r.kernel.addRoute({ destination: '2001:db8::', prefixLength: 32, oif: 2 });
      await r.settle();
      assert.equal(r.effective('isp'), false, 'longer and shorter prefixes do not count');
      r.kernel.addRoute({ destination: '2001:db8:1::', prefixLength: 48, type: 7 }); // unreachable
      r.kernel.addRoute({ destination: '2001:db8:1::', prefixLength: 48, type: 6, metric: 5 }); // blackhole
      await r.settle();
      assert.equal(r.effective('isp'), false, 'unreachable and blackhole routes carry no traffic');
      r.kernel.addRoute({ destination: '2001:db8:1::', prefixLength: 48, oif: 2, metric: 7 });
      await r.settle();
      assert.equal(r.effective('isp'), true);
      assert.equal(r.status('isp').description, 'route 2001:db8:1::1/48');
    } finally {
      r.close();
    }
  });

  it('with dev follow the interface: removed with it, and by name', async () => {
    const r = await rig({
      conditions: [cond('d', { kind: 'route', prefix: '::', prefixLength: 0, dev: 'wan0' })],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2 });
      },
    });
    try {
      assert.equal(r.effective('d'), true);
      r.kernel.setLink(2, { name: 'isp-a' });
      await r.settle();
      assert.equal(r.effective('d'), false, 'the route is now on isp-a');
      r.kernel.setLink(2, { name: 'wan0' });
      await r.settle();
      assert.equal(r.effective('d'), true);
      r.kernel.removeLink(2);
      await r.settle();
      assert.equal(r.effective('d'), false);
    } finally {
      r.close();
    }
  });
});

describe('address conditions', () => {
  it('exact, in a prefix, on a dev or anywhere; tentative and failed DAD do not count', async () => {
    const r = await rig({
      conditions: [
        cond('exact', { kind: 'address', address: '2001:db8:1:1::1' }),
        cond('exact-wan', { kind: 'address', address: '2001:db8:1:1::1', dev: 'wan0' }),
        cond('in', { kind: 'address', prefix: '2001:db8:1::', prefixLength: 48 }),
        cond('in-lan', { kind: 'address', prefix: '2001:db8:1::', prefixLength: 48, dev: 'lan0' }),
      ],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addLink({ ifindex: 3, name: 'lan0' });
      },
    });
    const values = (): string[] => ['exact', 'exact-wan', 'in', 'in-lan'].filter((n) => r.effective(n));
    try {
      assert.deepEqual(values(), []);
      r.kernel.addAddress({ ifindex: 2, address: '2001:db8:1:1:0:0:0:1', tentative: true });
      await r.settle();
      assert.deepEqual(values(), [], 'tentative: DAD still running');
      r.kernel.addAddress({ ifindex: 2, address: '2001:db8:1:1::1' }); // DAD done
      await r.settle();
      assert.deepEqual(values(), ['exact', 'exact-wan', 'in']);
      r.kernel.addAddress({ ifindex: 3, address: '2001:db8:1:2::1', dadFailed: true, tentative: true });
      await r.settle();
      assert.deepEqual(values(), ['exact', 'exact-wan', 'in']);
      r.kernel.addAddress({ ifindex: 3, address: '2001:db8:1:2::1' });
      await r.settle();
      assert.deepEqual(values(), ['exact', 'exact-wan', 'in', 'in-lan']);
      r.kernel.addAddress({ ifindex: 2, address: '2001:db8:1:1::1', deprecated: true });
      await r.settle();
      assert.deepEqual(values(), ['exact', 'exact-wan', 'in', 'in-lan'], 'a deprecated address is still there');
      r.kernel.removeAddress(2, '2001:db8:1:1::1');
      await r.settle();
      assert.deepEqual(values(), ['in', 'in-lan']);
      r.kernel.removeLink(3);
      await r.settle();
      assert.deepEqual(values(), []);
      assert.equal(r.status('in-lan').description, 'address in 2001:db8:1::/48 dev lan0');
    } finally {
      r.close();
    }
  });
});

describe('manual and VRRP conditions', () => {
  it('manual: starts at its initial value, set by name, typed errors', async () => {
    const r = await rig({ conditions: [cond('maint', { kind: 'manual', initial: true }), cond('link', { kind: 'link', interface: 'wan0', state: 'up' })] });
    try {
      assert.equal(r.effective('maint'), true);
      r.engine.setManual('maint', false);
      assert.equal(r.effective('maint'), false);
      assert.deepEqual(r.changes, [['maint']]);
      r.engine.setManual('maint', false);
      assert.equal(r.changes.length, 1, 'no change, no call');
      throwsCode(() => r.engine.setManual('nope', true), 'E_CONDITION_UNKNOWN', /nope/);
      throwsCode(() => r.engine.setManual('link', true), 'E_CONDITION_NOT_MANUAL', /link condition/);
      assert.ok(r.log.lines.some((l) => l.includes('maint set down by hand')));
    } finally {
      r.close();
    }
  });

  it('manual: a value set before start() is the one start() uses', async () => {
    const r = await rig({ conditions: [cond('m', { kind: 'manual', initial: false })], noStart: true });
    try {
      r.engine.setManual('m', true);
      r.engine.start();
      assert.equal(r.effective('m'), true);
    } finally {
      r.close();
    }
  });

  it('vrrp: read from the callback, again on vrrpChanged; unknown is false', async () => {
    const master = new Map<string, boolean>([['VI_1', true]]);
    const r = await rig({
      conditions: [cond('m1', { kind: 'vrrp', instance: 'VI_1' }), cond('m2', { kind: 'vrrp', instance: 'VI_2' })],
      vrrp: (i) => master.get(i),
    });
    try {
      assert.equal(r.effective('m1'), true);
      assert.equal(r.effective('m2'), false);
      master.set('VI_1', false);
      master.set('VI_2', true);
      assert.equal(r.effective('m1'), true, 'nothing changes until told');
      r.engine.vrrpChanged('VI_1');
      assert.equal(r.effective('m1'), false);
      assert.equal(r.effective('m2'), false, 'only the instance named is re-read');
      r.engine.vrrpChanged('VI_2');
      assert.equal(r.effective('m2'), true);
      assert.deepEqual(r.changes, [['m1'], ['m2']]);
      assert.equal(r.status('m1').description, 'vrrp VI_1 master');
    } finally {
      r.close();
    }
    const none = await rig({ conditions: [cond('m', { kind: 'vrrp', instance: 'VI_1' })] });
    try {
      assert.equal(none.effective('m'), false, 'no VRRP source: not master');
    } finally {
      none.close();
    }
  });
});

describe('combinations', () => {
  const wanUp: ConditionSpec = { kind: 'link', interface: 'wan0', state: 'up' };
  const wan1Up: ConditionSpec = { kind: 'link', interface: 'wan1', state: 'up' };

  it('all / any / not, nested, with inline specs', async () => {
    const r = await rig({
      conditions: [
        cond('a', wanUp),
        cond('m', { kind: 'manual', initial: true }),
        cond('both', { kind: 'all', of: [ref('a'), inline(wan1Up)] }),
        cond('either', { kind: 'any', of: [ref('a'), inline(wan1Up)] }),
        cond('none', { kind: 'not', of: ref('either') }),
        cond('nested', { kind: 'all', of: [ref('m'), inline({ kind: 'not', of: inline({ kind: 'any', of: [ref('both'), inline({ kind: 'manual', initial: false })] }) })] }),
      ],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addLink({ ifindex: 3, name: 'wan1', carrier: false });
      },
    });
    const values = (): Record<string, boolean> => Object.fromEntries(['both', 'either', 'none', 'nested'].map((n) => [n, r.effective(n)]));
    try {
      assert.deepEqual(values(), { both: false, either: true, none: false, nested: true });
      r.kernel.setLink(3, { carrier: true });
      await r.settle();
      assert.deepEqual(values(), { both: true, either: true, none: false, nested: false });
      assert.deepEqual(r.changes, [['both', 'nested']], 'one call per event');
      r.kernel.setLink(2, { carrier: false });
      r.kernel.setLink(3, { carrier: false });
      await r.settle();
      assert.deepEqual(values(), { both: false, either: false, none: true, nested: true });
      r.engine.setManual('m', false);
      assert.deepEqual(values(), { both: false, either: false, none: true, nested: false });
      assert.equal(r.status('nested').description, 'all(m, [not [any(both, [manual (initially down)])]])');
      assert.equal(r.status('both').description, 'all(a, [link wan1 up])');
    } finally {
      r.close();
    }
  });

  it('combine the EFFECTIVE values: a part held down keeps the combination false', async () => {
    const r = await rig({
      conditions: [
        cond('a', wanUp, { ...DEFAULT_DAMPING, holdDownMs: 10_000 }),
        cond('b', wan1Up),
        cond('both', { kind: 'all', of: [ref('a'), ref('b')] }),
      ],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addLink({ ifindex: 3, name: 'wan1' });
      },
    });
    try {
      assert.equal(r.effective('both'), true);
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      assert.equal(r.effective('both'), false);
      r.clock.advance(1000);
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      assert.equal(r.raw('a'), true);
      assert.equal(r.effective('a'), false);
      assert.equal(r.effective('both'), false);
      r.clock.advance(9999);
      assert.equal(r.effective('both'), false);
      r.clock.advance(1);
      assert.equal(r.effective('a'), true);
      assert.equal(r.effective('both'), true);
      assert.deepEqual(r.changes, [['a', 'both'], ['a', 'both']]);
    } finally {
      r.close();
    }
  });

  it('a damped combination flaps when its parts do', async () => {
    const r = await rig({
      conditions: [cond('a', wanUp), cond('not-a', { kind: 'not', of: ref('a') }, { ...DEFAULT_DAMPING, holdDownMs: 5000 })],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0', carrier: false }),
    });
    try {
      assert.equal(r.effective('not-a'), true);
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      assert.equal(r.effective('not-a'), false, 'false at once');
      assert.equal(r.status('not-a').flaps, 1);
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      assert.equal(r.effective('not-a'), false, 'held down');
      r.clock.advance(5000);
      assert.equal(r.effective('not-a'), true);
    } finally {
      r.close();
    }
  });
});

describe('configuration errors', () => {
  const up: ConditionSpec = { kind: 'link', interface: 'wan0', state: 'up' };

  it('unknown references, duplicates and cycles are refused at construction', () => {
    throwsCode(() => engineOf([['a', { kind: 'not', of: ref('b') }]]), 'E_CONDITION_UNKNOWN', /condition a refers to unknown condition b/);
    throwsCode(() => engineOf([['a', up], ['a', up]]), 'E_CONDITION_DUPLICATE', /a is defined twice/);
    throwsCode(() => engineOf([['a', { kind: 'not', of: ref('a') }]]), 'E_CONDITION_CYCLE', /a -> a/);
    throwsCode(
      () =>
        engineOf([
          ['x', up],
          ['a', { kind: 'all', of: [ref('x'), ref('b')] }],
          ['b', { kind: 'any', of: [inline({ kind: 'not', of: ref('c') })] }],
          ['c', { kind: 'not', of: ref('a') }],
        ]),
      'E_CONDITION_CYCLE',
      /firsthop\.conf:1:1: conditions refer to each other in a loop: a -> b -> c -> a/,
    );
    // A shared part is not a cycle.
    engineOf([
      ['x', up],
      ['a', { kind: 'all', of: [ref('x'), ref('x')] }],
      ['b', { kind: 'any', of: [ref('a'), ref('x')] }],
    ]);
  });

  it('specs and damping that cannot be evaluated are refused', () => {
    throwsCode(() => engineOf([['r', { kind: 'route', prefix: 'nope', prefixLength: 48 }]]), 'E_CONDITION_INVALID', /condition r: invalid prefix/);
    throwsCode(() => engineOf([['r', { kind: 'route', prefix: '::', prefixLength: 129 }]]), 'E_CONDITION_INVALID');
    throwsCode(() => engineOf([['r', { kind: 'route', prefix: '::', prefixLength: 0, via: 'fe80::zz' }]]), 'E_CONDITION_INVALID');
    throwsCode(() => engineOf([['a', { kind: 'address', address: '1.2.3.4' }]]), 'E_CONDITION_INVALID');
    throwsCode(() => engineOf([cond('l', up, { ...DEFAULT_DAMPING, halfLifeMs: 0 })]), 'E_CONDITION_INVALID', /halfLifeMs/);
    throwsCode(() => engineOf([cond('l', up, { ...DEFAULT_DAMPING, reuse: 3000 })]), 'E_CONDITION_INVALID', /suppress/);
    const probe = { kind: 'probe', target: 'fe80::1', intervalMs: 1000, timeoutMs: 500, lossThreshold: 3, riseThreshold: 2 } as const;
    throwsCode(() => engineOf([['p', probe]]), 'E_CONDITION_INVALID', /link-local: it needs a dev/);
    throwsCode(() => engineOf([['p', { ...probe, dev: 'wan0', intervalMs: 0 }]]), 'E_CONDITION_INVALID', /interval/);
    throwsCode(() => engineOf([['p', { ...probe, target: 'ff02::1', dev: 'wan0' }]]), 'E_CONDITION_INVALID', /not a unicast/);
  });
});

describe('events', () => {
  it('re-evaluate only what an event can affect', async () => {
    const r = await rig({
      conditions: [
        cond('wan', { kind: 'link', interface: 'wan0', state: 'up' }),
        cond('dflt', { kind: 'route', prefix: '::', prefixLength: 0 }),
        cond('dflt-dev', { kind: 'route', prefix: '::', prefixLength: 0, dev: 'wan0' }),
        cond('addr', { kind: 'address', prefix: '2001:db8:1::', prefixLength: 48, dev: 'wan0' }),
      ],
      kernel: (k) => {
        k.addLink({ ifindex: 2, name: 'wan0' });
        k.addLink({ ifindex: 3, name: 'lan0' });
      },
    });
    try {
      r.view.reset();
      r.kernel.setLink(3, { carrier: false }); // lan0: nothing watches it
      await r.settle();
      assert.deepEqual(r.view.calls, { links: 0, link: 0, linkByName: 0, addresses: 0, routes: 0 });
      r.kernel.addRoute({ destination: '2001:db8:9::', prefixLength: 48, oif: 3 }); // no condition on that prefix
      r.kernel.addAddress({ ifindex: 3, address: '2001:db8:1:1::1' }); // on lan0, not wan0
      r.kernel.addAddress({ ifindex: 2, address: '2001:db8:2::1' }); // on wan0, outside the prefix
      await r.settle();
      assert.equal(r.view.calls.routes, 0);
      assert.equal(r.view.calls.addresses, 0);
      r.view.reset();
      r.kernel.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2 });
      await r.settle();
      assert.equal(r.view.calls.routes, 2, 'the two default-route conditions, nothing else');
      assert.equal(r.view.calls.addresses, 0);
      assert.equal(r.view.calls.linkByName, 0, 'no link condition re-read');
      r.view.reset();
      r.kernel.setLink(2, { carrier: false }); // wan0: its link condition, the conditions with dev wan0
      await r.settle();
      assert.equal(r.view.calls.routes, 1, 'dflt-dev only');
      assert.equal(r.view.calls.addresses, 1, 'addr');
      assert.equal(r.effective('wan'), false);
    } finally {
      r.close();
    }
  });

  it('resync after a netlink overflow re-reads everything and never keeps a stale value', async () => {
    const r = await rig({
      conditions: [
        cond('wan', { kind: 'link', interface: 'wan0', state: 'up' }),
        cond('dflt', { kind: 'route', prefix: '::', prefixLength: 0 }),
        cond('addr', { kind: 'address', address: '2001:db8::1' }),
      ],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }),
    });
    try {
      assert.deepEqual([r.effective('wan'), r.effective('dflt'), r.effective('addr')], [true, false, false]);
      // Changes the engine never hears about, as when the kernel drops notifications.
      r.kernel.silently(() => {
        r.kernel.setLink(2, { carrier: false });
        r.kernel.addRoute({ destination: '::', prefixLength: 0, gateway: 'fe80::1', oif: 2 });
        r.kernel.addAddress({ ifindex: 2, address: '2001:db8::1' });
      });
      await r.settle();
      assert.deepEqual([r.effective('wan'), r.effective('dflt'), r.effective('addr')], [true, false, false], 'nothing heard yet');
      r.kernel.overflow();
      await r.settle();
      assert.equal(r.state.stats.overflows, 1);
      assert.deepEqual([r.effective('wan'), r.effective('dflt'), r.effective('addr')], [false, true, true]);
      assert.deepEqual(r.changes, [['wan', 'dflt', 'addr']], 'one call for the resync');
    } finally {
      r.close();
    }
  });

  it('a listener that throws is logged; the others still hear', async () => {
    const r = await rig({ conditions: [cond('m', { kind: 'manual', initial: false })] });
    try {
      const heard: string[][] = [];
      r.engine.onChange(() => {
        throw new Error('boom');
      });
      const off = r.engine.onChange((c) => heard.push([...c]));
      r.engine.setManual('m', true);
      assert.deepEqual(heard, [['m']]);
      assert.ok(r.log.lines.some((l) => l.startsWith('error: condition listener failed') && l.includes('boom')));
      off();
      r.engine.setManual('m', false);
      assert.equal(heard.length, 1);
    } finally {
      r.close();
    }
  });

  it('stop() unsubscribes and cancels timers', async () => {
    const r = await rig({
      conditions: [cond('wan', { kind: 'link', interface: 'wan0', state: 'up' }, DEFAULT_DAMPING)],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0', carrier: false }),
    });
    r.kernel.setLink(2, { carrier: true });
    await r.settle();
    assert.equal(r.clock.timerCount, 1, 'the hold-down timer');
    r.engine.stop();
    assert.equal(r.clock.timerCount, 0);
    r.kernel.setLink(2, { carrier: false });
    await r.settle();
    assert.equal(r.raw('wan'), true, 'no longer following events');
    r.state.close();
  });
});

describe('status', () => {
  it('describes each condition and reports its state', async () => {
    const conditions = [
      cond('uplink-a', { kind: 'link', interface: 'wan0', state: 'up' }, DEFAULT_DAMPING),
      cond('bgp', { kind: 'route', prefix: '2001:db8::', prefixLength: 48, protocol: 186, table: 100 }),
      cond('gw', { kind: 'route', prefix: '::', prefixLength: 0, via: 'fe80::1', dev: 'wan0', protocol: 250, metric: 5 }),
      cond('probe', { kind: 'probe', target: '2001:db8::53', dev: 'wan0', intervalMs: 1000, timeoutMs: 500, lossThreshold: 3, riseThreshold: 2 }),
      cond('addr', { kind: 'address', address: '2001:db8::1' }),
      cond('glob', { kind: 'address', dev: 'wan0' }),
    ];
    const r = await rig({ conditions, kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }) });
    try {
      assert.deepEqual(
        r.engine.status().map((s) => [s.name, s.kind, s.description]),
        [
          ['uplink-a', 'link', 'link wan0 up'],
          ['bgp', 'route', 'route 2001:db8::/48 proto bgp table 100'],
          ['gw', 'route', 'route ::/0 via fe80::1 dev wan0 proto 250 metric 5'],
          ['probe', 'probe', 'probe 2001:db8::53 dev wan0 every 1s'],
          ['addr', 'address', 'address 2001:db8::1'],
          ['glob', 'address', 'global address dev wan0'],
        ],
      );
      const t0 = r.clock.now();
      assert.deepEqual(r.status('uplink-a'), {
        name: 'uplink-a',
        kind: 'link',
        description: 'link wan0 up',
        raw: true,
        effective: true,
        since: t0,
        lastRawChange: t0,
        flaps: 0,
        penalty: 0,
        suppressed: false,
        pending: false,
        damping: DEFAULT_DAMPING,
        history: [],
      });
      assert.equal(r.status('probe').pending, true, 'no prober: pending for ever');
      assert.ok(r.log.lines.some((l) => l.startsWith('warn: condition probe: no prober available')));
      r.clock.advance(5000);
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      r.clock.advance(1000);
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      const s = r.status('uplink-a');
      assert.equal(s.raw, true);
      assert.equal(s.effective, false);
      assert.equal(s.since, t0 + 5000);
      assert.equal(s.lastRawChange, t0 + 6000);
      assert.equal(s.flaps, 1);
      assert.ok(Math.abs(s.penalty - 1000 * Math.pow(2, -1000 / 60_000)) < 1e-9);
      assert.equal(s.holdDownUntil, t0 + 6000 + 30_000);
      assert.equal(s.suppressedUntil, undefined);
      // A global address on wan0 (the link-local one does not count).
      r.kernel.addAddress({ ifindex: 2, address: 'fe80::2' });
      await r.settle();
      assert.equal(r.effective('glob'), false);
      r.kernel.addAddress({ ifindex: 2, address: '2001:db8::2' });
      await r.settle();
      assert.equal(r.effective('glob'), true);
    } finally {
      r.close();
    }
  });

  it('describe() covers every kind', () => {
    assert.equal(describeSpec({ kind: 'manual', initial: true }), 'manual (initially up)');
    assert.equal(describeSpec({ kind: 'probe', target: '2001:db8::1', source: '2001:db8::2', intervalMs: 1500, timeoutMs: 1, lossThreshold: 1, riseThreshold: 1 }), 'probe 2001:db8::1 from 2001:db8::2 every 1500ms');
    assert.equal(describeSpec({ kind: 'any', of: [ref('a'), inline({ kind: 'vrrp', instance: 'VI_1' })] }), 'any(a, [vrrp VI_1 master])');
    assert.equal(describeSpec({ kind: 'route', prefix: '::', prefixLength: 0, protocol: 12 }), 'route ::/0 proto bird');
  });
});

describe('reconfigure', () => {
  const wanUp: ConditionSpec = { kind: 'link', interface: 'wan0', state: 'up' };

  it('keeps the state of unchanged conditions, starts new ones fresh, drops removed ones', async () => {
    const r = await rig({
      conditions: [cond('a', wanUp, DEFAULT_DAMPING), cond('m', { kind: 'manual', initial: false }), cond('gone', { kind: 'manual', initial: true }), cond('changed', { kind: 'manual', initial: false })],
      kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }),
    });
    try {
      const t0 = r.clock.now();
      r.engine.setManual('m', true);
      r.engine.setManual('changed', true);
      r.clock.advance(1000);
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      r.clock.advance(1000);
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      const before = r.status('a');
      assert.equal(before.effective, false);
      assert.equal(before.holdDownUntil, t0 + 2000 + 30_000);
      r.changes.length = 0;
      r.clock.advance(10_000);

      r.engine.reconfigure([
        cond('a', wanUp, DEFAULT_DAMPING),
        cond('m', { kind: 'manual', initial: false }),
        cond('changed', { kind: 'manual', initial: true }),
        cond('new', { kind: 'all', of: [ref('a'), ref('m')] }),
      ]);
      const after = r.status('a');
      assert.deepEqual({ ...after, penalty: 0 }, { ...before, penalty: 0 }, 'same values, since, flaps, hold-down');
      assert.ok(Math.abs(after.penalty - 1000 * Math.pow(2, -11_000 / 60_000)) < 1e-9, 'penalty kept and decaying');
      assert.equal(r.effective('m'), true, 'a manual setting survives a reload');
      assert.equal(r.effective('changed'), true, 'changed spec: fresh, from its new initial value');
      assert.equal(r.status('changed').since, r.clock.now());
      assert.equal(r.effective('new'), false, 'a is still held down');
      assert.deepEqual(r.engine.status().map((s) => s.name), ['a', 'm', 'changed', 'new']);
      assert.equal(r.changes.length, 1);
      assert.deepEqual(r.changes[0]?.slice().sort(), ['changed', 'gone', 'new'], 'added, removed, replaced');
      // The hold-down timer carried over.
      r.clock.advance(19_999);
      assert.equal(r.effective('a'), false);
      r.clock.advance(1);
      assert.equal(r.effective('a'), true);
      assert.equal(r.effective('new'), true);
      assert.equal(r.clock.timerCount, 0);
    } finally {
      r.close();
    }
  });

  it('a changed damping config applies to the kept state; removing it lets the raw value through', async () => {
    const r = await rig({ conditions: [cond('a', wanUp, DEFAULT_DAMPING)], kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }) });
    try {
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      assert.equal(r.effective('a'), false);
      r.engine.reconfigure([cond('a', wanUp, { ...DEFAULT_DAMPING, holdDownMs: 5000 })]);
      assert.equal(r.status('a').holdDownUntil, r.clock.now() + 5000);
      r.clock.advance(5000);
      assert.equal(r.effective('a'), true);
      r.kernel.setLink(2, { carrier: false });
      await r.settle();
      r.kernel.setLink(2, { carrier: true });
      await r.settle();
      assert.equal(r.effective('a'), false);
      r.changes.length = 0;
      r.engine.reconfigure([cond('a', wanUp)]);
      assert.equal(r.effective('a'), true);
      assert.deepEqual(r.changes, [['a']]);
      assert.equal(r.status('a').penalty, 0);
    } finally {
      r.close();
    }
  });

  it('an invalid configuration changes nothing', async () => {
    const r = await rig({ conditions: [cond('m', { kind: 'manual', initial: false })] });
    try {
      r.engine.setManual('m', true);
      throwsCode(() => r.engine.reconfigure([cond('m', { kind: 'manual', initial: false }), cond('x', { kind: 'not', of: ref('y') })]), 'E_CONDITION_UNKNOWN');
      assert.deepEqual(r.engine.status().map((s) => [s.name, s.effective]), [['m', true]]);
      r.engine.setManual('m', false);
      assert.equal(r.effective('m'), false);
    } finally {
      r.close();
    }
  });

  it('before start(), keeps what was set and evaluates at start', async () => {
    const r = await rig({ conditions: [cond('m', { kind: 'manual', initial: false })], noStart: true, kernel: (k) => k.addLink({ ifindex: 2, name: 'wan0' }) });
    try {
      r.engine.setManual('m', true);
      r.engine.reconfigure([cond('m', { kind: 'manual', initial: false }), cond('w', wanUp)]);
      r.engine.start();
      assert.equal(r.effective('m'), true);
      assert.equal(r.effective('w'), true);
      assert.deepEqual(r.changes, []);
    } finally {
      r.close();
    }
  });
});

void pos;
