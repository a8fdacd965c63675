/**
 * The pure parts of `firsthop lab`: the timeline and its verdict, the parsers of what the
 * probes read (`ip -ts -o monitor`, `ping -D`), the RA summaries, the text and SVG renderings,
 * and the scenario registry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultShow, describeRa, parseMonitor, parsePingReplies, raValue, type KernelEvent } from '../../src/lab/scenarios/probes';
import { Timeline, fmtMs, longestGap } from '../../src/lab/scenarios/timeline';
import { renderSvg, renderText } from '../../src/lab/scenarios/render';
import { SCENARIOS, findScenario } from '../../src/lab/scenarios/index';
import type { RouterAdvertisement } from '../../src/wire/types';

const RA: RouterAdvertisement = {
  type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'medium', proxy: false,
  routerLifetime: 0, reachableTime: 0, retransTimer: 0,
  options: [
    { type: 'prefixInformation', prefix: '2001:db8:1:1::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 0 },
    { type: 'routeInformation', prefix: '2001:db8:2::', prefixLength: 48, preference: 'high', lifetime: 60 },
    { type: 'rdnss', lifetime: 1800, servers: ['2001:db8:1::53'] },
  ],
};

test('raValue reads the router lifetime, a prefix\'s preferred and valid lifetimes, a route and an RDNSS', () => {
  assert.equal(raValue(RA, 'router'), 0);
  assert.equal(raValue(RA, '2001:db8:1:1::/64'), 0);
  assert.equal(raValue(RA, 'valid 2001:db8:1:1::/64'), 86400);
  assert.equal(raValue(RA, 'route 2001:db8:2::/48'), 60);
  assert.equal(raValue(RA, 'rdnss 2001:db8:1::53'), 1800);
  assert.equal(raValue(RA, 'route 2001:db8:3::/48'), undefined);
  assert.equal(raValue(RA, '2001:db8:9::/64'), undefined);
  assert.equal(describeRa(RA), 'router lifetime 0, PIO 2001:db8:1:1::/64 preferred 0 valid 86400, RIO 2001:db8:2::/48 lifetime 60, RDNSS 2001:db8:1::53 lifetime 1800');
});

test('parseMonitor: timestamps, deletions, one-line records, kinds', () => {
  const text = [
    '[2026-12-05T01:25:34.373400] 3: priv0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default \\    link/ether d6:32:f8:c9:1a:b7 brd ff:ff:ff:ff:ff:ff',
    '[2026-12-05T01:25:34.375104] Deleted 2001:db8:2::/48 via fe80::1 dev h0 proto ra metric 1024 pref high',
    '[2026-12-05T01:25:34.375163] 2001:db8:2::/48 via fe80::1 dev h0 proto ra metric 1024 expires 59sec pref high',
    '[2026-12-05T01:25:34.400001] 2: h0    inet6 2001:db8:1:1::5/64 scope global dynamic mngtmpaddr \\       valid_lft 86400sec preferred_lft 0sec',
    '[2026-12-05T01:25:34.500000] fe80::1 dev h0 lladdr 00:00:5e:00:02:33 router STALE',
    '',
  ].join('\n');
  const ev = parseMonitor(text);
  assert.deepEqual(ev.map((e) => [e.kind, e.deleted]), [['link', false], ['route', true], ['route', false], ['address', false], ['neigh', false]]);
  const base = new Date(2026, 11, 5, 1, 25, 34).getTime() * 1000;
  assert.equal(ev[0]?.tUs, base + 373400);
  assert.equal(ev[4]?.tUs, base + 500000);
  assert.match(ev[3]?.text ?? '', /valid_lft 86400sec preferred_lft 0sec$/);
  // The host lane shows an address's state only when it changes.
  const state = new Map<string, string>();
  assert.equal(defaultShow(ev[3] as KernelEvent, state), 'address 2001:db8:1:1::5/64 deprecated');
  assert.equal(defaultShow(ev[3] as KernelEvent, state), undefined);
  assert.equal(defaultShow(ev[1] as KernelEvent, state), 'route deleted: 2001:db8:2::/48 via fe80::1 dev h0 proto ra pref high');
  assert.equal(defaultShow(ev[0] as KernelEvent, state), 'priv0: no carrier');
});

test('parsePingReplies and longestGap find the outage', () => {
  const out = '[1764900000.100000] 64 bytes from 2001:db8:2::10: icmp_seq=1 ttl=62 time=0.1 ms\n'
    + '[1764900000.110000] 64 bytes from 2001:db8:2::10: icmp_seq=2 ttl=62 time=0.1 ms\n'
    + 'no answer yet for icmp_seq=3\n'
    + '[1764900000.480500] 64 bytes from 2001:db8:2::10: icmp_seq=40 ttl=62 time=0.1 ms\n';
  const r = parsePingReplies(out);
  assert.deepEqual(r, [1764900000100000, 1764900000110000, 1764900000480500]);
  const g = longestGap(r);
  assert.equal(g?.ms, 370.5);
  assert.equal(longestGap(r, 1764900000480600), undefined, 'no gap overlaps an open window after the last reply');
  assert.equal(longestGap(r, 1764900000480600, 1764900001480500)?.ms, 1000, 'replies that stop: the silence runs to the end of the window');
  assert.equal(longestGap(r, 1764900000100000, 1764900000110001)?.ms, 370.5, 'a silence that starts in the window counts whole');
  assert.equal(longestGap([1]), undefined);
  assert.equal(fmtMs(370.4), '370 ms');
  assert.equal(fmtMs(8.04), '8.0 ms');
  assert.equal(fmtMs(1520), '1.52 s');
  assert.equal(fmtMs(undefined), '-');
});

test('Timeline: the verdict passes only with checks, all passing, and no error', () => {
  const t0 = 1_764_900_000_000_000;
  const empty = new Timeline(t0).result('X', 'x', true, t0 + 1);
  assert.equal(empty.verdict, 'fail', 'no checks is no verdict');
  const tl = new Timeline(t0);
  tl.add({ tUs: t0 + 2000, lane: 'wire', what: 'later', source: 's' });
  tl.add({ tUs: t0 + 1000, lane: 'failure', what: 'cut', source: 'lab', key: true });
  tl.sample('route from plr', 'wire', 's', t0 + 1500, 0);
  tl.sample('route from plr', 'wire', 's', t0 + 500, 60);
  tl.chain('cut', t0 + 1000, [{ what: 'RA', tUs: t0 + 1500, source: 'capture' }, { what: 'host', tUs: undefined, source: 'ip monitor' }]);
  tl.check('a', true, 'fine');
  const ok = tl.result('S1', 'title', true, t0 + 3_000_000);
  assert.equal(ok.verdict, 'pass');
  assert.deepEqual(ok.events.map((e) => e.what), ['cut', 'later'], 'events sorted by time');
  assert.deepEqual(ok.series[0]?.points.map((p) => p.value), [60, 0], 'samples sorted by time');
  assert.equal(tl.result('S1', 'title', true, t0 + 3_000_000, 'boom').verdict, 'fail');
  tl.check('b', false, 'broken');
  const bad = tl.result('S1', 'title', true, t0 + 3_000_000);
  assert.equal(bad.verdict, 'fail');
  const text = renderText(bad);
  assert.match(text, /Verdict of S1: FAIL \(1 of 2 checks\)/);
  assert.match(text, /\+0\.5 ms +RA/);
  assert.match(text, /not seen +host/);
  const svg = renderSvg(bad);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /firsthop lab run S1: FAIL/);
  assert.match(svg, /<path d="M/, 'the series is drawn');
  assert.doesNotMatch(renderSvg({ ...bad, title: 'a <b> & "c"' }), /<b>/, 'text is escaped');
});

test('the registry: unique names, S1 first, found case-insensitively', () => {
  const names = SCENARIOS.map((s) => s.name);
  assert.equal(new Set(names.map((n) => n.toLowerCase())).size, names.length);
  assert.equal(names[0], 'S1');
  assert.equal(findScenario('s1'), SCENARIOS[0]);
  assert.equal(findScenario('S99'), undefined);
  for (const s of SCENARIOS) assert.ok(s.seconds.fast > 0 && s.seconds.full >= s.seconds.fast && s.title.length > 10, s.name);
});
