/** The per-interface watch on other routers (src/observe/watch.ts) and the countermeasure RA, on a manual clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkWatch, RouterBudget, NEW_SOURCE_BURST, NEW_SOURCE_RATE, DETAILED_PER_INTERVAL, SUMMARY_INTERVAL_MS, REPEAT_WARNING_MS, COUNTER_BURST, offersOf, describeOffers } from '../../src/observe/watch';
import { withdrawingRa } from '../../src/observe/countermeasure';
import { fieldKind } from '../../src/observe/consistency';
import { EventHub } from '../../src/observe/events';
import type { RouterAdvertisement } from '../../src/wire/types';
import { parseMac } from '../../src/net/ipv6';

const T0 = 1_700_000_000_000;

function ra(extra: Partial<RouterAdvertisement> = {}, mac?: string): RouterAdvertisement {
  return {
    type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false,
    routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
    options: [
      ...(mac !== undefined ? [{ type: 'sourceLinkLayer' as const, address: parseMac(mac) }] : []),
      { type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
    ],
    ...extra,
  };
}

const issue = (field: string, theirs = '1') => ({ field, kind: fieldKind(field), ours: '0', theirs });

test('an unknown router offering a default route is a rogue; allowed by address or MAC is not; offering nothing is not', () => {
  const w = new LinkWatch({ allowed: ['fe80::2', '02:00:00:00:00:03'], action: 'report' });
  const a = w.heard('fe80::66', ra({}, '02:00:00:00:00:66'), T0, false, []);
  assert.equal(a.router.rogue, true);
  assert.equal(a.router.role, 'unknown');
  assert.equal(a.router.mac, '02:00:00:00:00:66');
  assert.deepEqual([a.isNew, a.detected, a.logDetail], [true, true, true]);
  assert.deepEqual(a.router.offers.prefixes, ['2001:db8:bad::/64']);
  assert.equal(w.heard('fe80::2', ra(), T0, false, []).router.role, 'allowed');
  const byMac = w.heard('fe80::3', ra({}, '02:00:00:00:00:03'), T0, false, []);
  assert.deepEqual([byMac.router.role, byMac.router.rogue], ['allowed', false]);
  const peer = w.heard('fe80::1', ra(), T0, true, []);
  assert.deepEqual([peer.router.role, peer.router.rogue], ['vrrp-peer', false]);
  const quiet = w.heard('fe80::77', ra({ routerLifetime: 0, options: [] }), T0, false, []);
  assert.deepEqual([quiet.router.role, quiet.router.rogue, quiet.detected], ['unknown', false, false]);
  const s = w.status();
  assert.equal(s.routers.length, 5);
  assert.equal(s.routers[0]?.source, 'fe80::77', 'most recently heard first');
  assert.deepEqual([s.rogueDetections, s.rogueRas, s.received], [1, 1, 5]);
});

test('a rogue is detected once; its next RAs are counted, and a change of what it offers gets a line', () => {
  const w = new LinkWatch({ allowed: [], action: 'report' });
  w.heard('fe80::66', ra(), T0, false, []);
  const again = w.heard('fe80::66', ra(), T0 + 1000, false, []);
  assert.deepEqual([again.isNew, again.detected, again.logDetail, again.changed], [false, false, false, false]);
  assert.equal(again.router.count, 2);
  const changed = w.heard('fe80::66', ra({ routerLifetime: 9000 }), T0 + 2000, false, []);
  assert.deepEqual([changed.changed, changed.detected, changed.logDetail], [true, false, true]);
  // Turning quiet and rogue again is a new detection.
  w.heard('fe80::66', ra({ routerLifetime: 0, options: [] }), T0 + 3000, false, []);
  assert.equal(w.heard('fe80::66', ra(), T0 + 4000, false, []).detected, true);
  assert.equal(w.status().rogueDetections, 2);
});

test('the table is bounded: the least recently heard router goes first', () => {
  const w = new LinkWatch({ allowed: [], action: 'report', capacity: 3 });
  w.heard('fe80::1', ra(), T0, false, []);
  w.heard('fe80::2', ra(), T0 + 1, false, []);
  w.heard('fe80::3', ra(), T0 + 2, false, []);
  w.heard('fe80::1', ra(), T0 + 3, false, []); // heard again: now the most recent
  const v = w.heard('fe80::4', ra(), T0 + 4, false, []);
  assert.deepEqual(v.evicted, { source: 'fe80::2', role: 'unknown', rogue: true });
  assert.deepEqual(w.status().routers.map((r) => r.source), ['fe80::4', 'fe80::1', 'fe80::3']);
  assert.equal(w.status().evicted, 1);
});

test('200,000 distinct spoofed sources: a bounded table, a few detailed lines, one summary per interval', () => {
  const w = new LinkWatch({ allowed: [], action: 'report' });
  let detailed = 0;
  let t = T0;
  for (let i = 0; i < 200_000; i++) {
    t = T0 + Math.floor(i / 20); // 20 RAs per ms: 10 s in all
    const v = w.heard(`fe80::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`, ra(), t, false, []);
    if (v.logDetail) detailed++;
  }
  assert.equal(w.status().routers.length, w.capacity);
  assert.equal(detailed, DETAILED_PER_INTERVAL, 'one interval: the first few only');
  assert.equal(w.summary(t), undefined, 'not before the interval is over');
  assert.equal(w.summaryDueAt, T0 + SUMMARY_INTERVAL_MS);
  const s = w.summary(T0 + SUMMARY_INTERVAL_MS);
  assert.deepEqual(s && [s.detections, s.sources, s.rogueRas], [200_000 - DETAILED_PER_INTERVAL, 10_000, 200_000], 'distinct sources are counted up to 10,000');
  assert.equal(w.summary(T0 + SUMMARY_INTERVAL_MS), undefined, 'said once');
  assert.equal(w.status().rogueDetections, 200_000);
});

test('the same inconsistency of an expected router is warned again only when it changes or after an hour', () => {
  const w = new LinkWatch({ allowed: ['fe80::2'], action: 'report' });
  const i1 = [issue('Cur Hop Limit', '32')];
  assert.equal(w.heard('fe80::2', ra(), T0, false, i1).warn.length, 1);
  assert.equal(w.heard('fe80::2', ra(), T0 + 60_000, false, i1).warn.length, 0);
  assert.equal(w.heard('fe80::2', ra(), T0 + 61_000, false, [issue('Cur Hop Limit', '16')]).warn.length, 1, 'a new value is news');
  assert.equal(w.heard('fe80::2', ra(), T0 + 61_000 + REPEAT_WARNING_MS, false, [issue('Cur Hop Limit', '16')]).warn.length, 1, 'an hour later: once more');
  assert.equal(w.status().inconsistencies['cur_hop_limit'], 4, 'every inconsistent RA is counted');
});

test('countermeasure: withdraw at most once per router per 100 ms, and a bucket per interface', () => {
  const w = new LinkWatch({ allowed: [], action: 'withdraw' });
  assert.equal(w.heard('fe80::66', ra(), T0, false, []).counter, true);
  assert.equal(w.heard('fe80::66', ra(), T0 + 50, false, []).counter, false, 'too soon for the same router');
  assert.equal(w.heard('fe80::66', ra(), T0 + 150, false, []).counter, true);
  let sent = 0;
  for (let i = 0; i < 1000; i++) if (w.heard(`fe80::1:${i.toString(16)}`, ra(), T0 + 200, false, []).counter) sent++;
  assert.equal(sent, COUNTER_BURST, 'a full bucket again (refilled at 20/s since), then nothing');
  assert.equal(w.heard('fe80::9:1', ra(), T0 + 1200, false, []).counter, true, 'refilled a second later');
  assert.equal(w.status().countermeasuresLimited, 1 + 1000 - COUNTER_BURST);
  const report = new LinkWatch({ allowed: [], action: 'report' });
  assert.equal(report.heard('fe80::66', ra(), T0, false, []).counter, false, 'report only: never');
});

test('reconfigure re-classifies the routers in the table', () => {
  const w = new LinkWatch({ allowed: [], action: 'report' });
  w.heard('fe80::2', ra(), T0, false, []);
  assert.equal(w.router('fe80::2')?.rogue, true);
  w.reconfigure({ allowed: ['fe80::2'], action: 'report' });
  assert.deepEqual([w.router('fe80::2')?.role, w.router('fe80::2')?.rogue], ['allowed', false]);
});

test('withdrawingRa: lifetime 0, routes and DNS at 0, prefixes deprecated within the two-hour rule, no source link-layer option', () => {
  const rogue = ra({
    managed: true,
    options: [
      { type: 'sourceLinkLayer', address: parseMac('02:00:00:00:00:66') },
      { type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
      { type: 'prefixInformation', prefix: '2001:db8:bad:1::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 3600, preferredLifetime: 1800 },
      { type: 'routeInformation', prefix: '2001:db8:77::', prefixLength: 48, preference: 'high', lifetime: 1800 },
      { type: 'rdnss', lifetime: 1800, servers: ['2001:db8:bad::53'] },
      { type: 'dnssl', lifetime: 1800, domains: ['evil.example'] },
      { type: 'mtu', mtu: 1400 },
    ],
  });
  const w = withdrawingRa(rogue);
  assert.ok(w);
  assert.deepEqual([w.routerLifetime, w.preference, w.managed, w.other], [0, 'medium', false, false]);
  assert.deepEqual(
    w.options.map((o) => (o.type === 'prefixInformation' ? [o.prefix, o.preferredLifetime, o.validLifetime] : o.type === 'routeInformation' || o.type === 'rdnss' || o.type === 'dnssl' ? [o.type, o.lifetime] : [o.type])),
    [['2001:db8:bad::', 0, 0], ['2001:db8:bad::', 0, 7200], ['2001:db8:bad:1::', 0, 0], ['2001:db8:bad:1::', 0, 0], ['routeInformation', 0], ['rdnss', 0], ['dnssl', 0]],
    'per prefix: on-link at 0, addresses within the two-hour rule; a 3600 s prefix gets 0, never 7200 (that would lengthen it, RFC 4862 5.5.3 e)',
  );
  assert.deepEqual(
    w.options.filter((o) => o.type === 'prefixInformation').map((o) => (o.type === 'prefixInformation' ? [o.onLink, o.autonomous] : [])),
    [[true, false], [false, true], [true, false], [false, true]],
  );
  assert.equal(withdrawingRa(ra({ routerLifetime: 0, options: [] })), undefined, 'nothing to take back');
});

test('offers and their description for a log line', () => {
  const o = offersOf(ra({ options: [{ type: 'rdnss', lifetime: 0, servers: ['2001:db8::53'] }, { type: 'routeInformation', prefix: '2001:db8:1::', prefixLength: 48, preference: 'medium', lifetime: 600 }] }));
  assert.deepEqual([o.defaultRoute, o.rdnss, o.routes], [true, [], ['2001:db8:1::/48']], 'lifetime 0 offers nothing');
  assert.equal(describeOffers(o), 'router lifetime 1800s, prefixes -, routes 2001:db8:1::/48, RDNSS -');
});

test('fieldKind drops what names a prefix or address', () => {
  assert.equal(fieldKind('prefix 2001:db8::/64 valid lifetime'), 'prefix_valid_lifetime');
  assert.equal(fieldKind('Cur Hop Limit'), 'cur_hop_limit');
  assert.equal(fieldKind('RDNSS 2001:db8::53 2001:db8::54'), 'rdnss');
});

test('EventHub: a bounded ring with sequence numbers, replay after a sequence, listeners isolated', () => {
  let now = T0;
  const hub = new EventHub(() => now, 4);
  const got: number[] = [];
  hub.subscribe(() => {
    throw new Error('a broken listener');
  });
  const off = hub.subscribe((e) => got.push(e.seq));
  for (let i = 0; i < 6; i++) {
    now++;
    hub.emit({ type: 'reload', ok: true });
  }
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(hub.since(0).map((e) => e.seq), [3, 4, 5, 6], 'the ring keeps the last 4');
  assert.deepEqual(hub.since(5).map((e) => [e.seq, e.at]), [[6, T0 + 6]]);
  off();
  hub.emit({ type: 'reload', ok: false });
  assert.equal(got.length, 6);
});

test('fieldKind is a fixed vocabulary whatever names the wire puts in a field', () => {
  assert.equal(fieldKind('DNSSL foo bar'), 'dnssl');
  assert.equal(fieldKind('route 2001:db8::/48'), 'route');
  assert.equal(fieldKind('prefix 2001:db8::/64 preferred lifetime'), 'prefix_preferred_lifetime');
});

test('admit: sources in the table or allow-listed by address always; new ones within 50 a second after a burst of 100', () => {
  const w = new LinkWatch({ allowed: ['fe80::2'], action: 'report' });
  let admitted = 0;
  for (let i = 0; i < 1000; i++) if (w.admit(`fe80::1:${i.toString(16)}`, T0)) admitted++;
  assert.equal(admitted, NEW_SOURCE_BURST);
  assert.equal(w.admit('fe80::2', T0), true, 'allow-listed');
  w.heard('fe80::77', ra(), T0, false, []);
  assert.equal(w.admit('fe80::77', T0), true, 'in the table');
  assert.equal(w.admit('fe80::1:ffff', T0 + 1000), true, 'refilled');
  let later = 0;
  for (let i = 0; i < 1000; i++) if (w.admit(`fe80::3:${i.toString(16)}`, T0 + 1000)) later++;
  assert.equal(later, NEW_SOURCE_RATE - 1);
  assert.equal(w.status().uninspected, 900 + 1000 - (NEW_SOURCE_RATE - 1));
  assert.equal(w.summaryDueAt, T0 + SUMMARY_INTERVAL_MS);
  const s = w.summary(T0 + SUMMARY_INTERVAL_MS);
  assert.equal(s?.uninspected, 900 + 1000 - (NEW_SOURCE_RATE - 1));
  assert.equal(s?.detections, 0);
});

test('a router taken off AllowedRouters by a reload is detected as a rogue on its next RA (line, count), not silently', () => {
  const w = new LinkWatch({ allowed: ['fe80::2'], action: 'withdraw' });
  w.heard('fe80::2', ra(), T0, false, []);
  w.reconfigure({ allowed: [], action: 'withdraw' });
  assert.deepEqual([w.router('fe80::2')?.role, w.router('fe80::2')?.rogue], ['unknown', false], 'until it speaks again');
  const v = w.heard('fe80::2', ra(), T0 + 1000, false, []);
  assert.deepEqual([v.router.rogue, v.detected, v.logDetail, v.counter], [true, true, true, true]);
});

test('a wall clock stepped back an hour does not starve inspections, the countermeasure or the summary', () => {
  const w = new LinkWatch({ allowed: [], action: 'withdraw' });
  for (let i = 0; i < 200; i++) w.admit(`fe80::1:${i.toString(16)}`, T0);
  const back = T0 - 3_600_000;
  let admitted = 0;
  for (let i = 0; i < 100; i++) if (w.admit(`fe80::2:${i.toString(16)}`, back + 1000 + i * 20)) admitted++;
  assert.ok(admitted >= 50, `${admitted} admitted in the 2 s after the step`);
  assert.equal(w.heard('fe80::66', ra(), back + 3000, false, []).counter, true);
  assert.equal(w.summaryDueAt, back + 1000 + SUMMARY_INTERVAL_MS, 'the interval restarts at the stepped time');
});

test('RouterBudget: the routers kept across all interfaces are capped; each interface keeps at least one; clear() gives its share back', () => {
  const budget = new RouterBudget(10);
  const a = new LinkWatch({ allowed: [], action: 'report' }, budget);
  const b = new LinkWatch({ allowed: [], action: 'report' }, budget);
  for (let i = 0; i < 50; i++) a.heard(`fe80::a:${i.toString(16)}`, ra(), T0 + i, false, []);
  assert.equal(a.status().routers.length, 10, 'a fills the budget, below its own capacity of 64');
  b.heard('fe80::b:1', ra(), T0 + 100, false, []);
  assert.equal(b.status().routers.length, 1, 'b still keeps one');
  b.heard('fe80::b:2', ra(), T0 + 101, false, []);
  assert.deepEqual(b.status().routers.map((r) => r.source), ['fe80::b:2'], 'b makes room from its own table');
  assert.equal(budget.used, 11);
  a.clear();
  assert.equal(budget.used, 1);
  b.heard('fe80::b:3', ra(), T0 + 102, false, []);
  assert.equal(b.status().routers.length, 2);
});
