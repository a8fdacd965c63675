/** Rogue routers through the daemon on the in-memory backend: reports, allow-list, flood bounds, countermeasure, monitor-only. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../src/sys/memory';
import { memoryDaemon } from './support';
import { decodeMessage, encodeMessage } from '../../src/wire';
import type { RouterAdvertisement } from '../../src/wire/types';
import type { StampedEvent } from '../../src/observe/types';
import { parseMac } from '../../src/net/ipv6';
import { renderStatus } from '../../src/cli/status';

const CONF = (extra = ''): string => `interface lan0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvDefaultLifetime 1800;
    ${extra}
    prefix 2001:db8:1::/64 { };
};
interface mon0 {
    AdvSendAdvert off;
};
`;

function rogue(extra: Partial<RouterAdvertisement> = {}): RouterAdvertisement {
  return {
    type: 'ra', curHopLimit: 64, managed: false, other: false, homeAgent: false, preference: 'high', proxy: false,
    routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
    options: [
      { type: 'sourceLinkLayer', address: parseMac('02:00:00:00:00:66') },
      { type: 'prefixInformation', prefix: '2001:db8:bad::', prefixLength: 64, onLink: true, autonomous: true, routerAddress: false, dhcpv6Pd: false, validLifetime: 86400, preferredLifetime: 14400 },
      { type: 'rdnss', lifetime: 1800, servers: ['2001:db8:bad::53'] },
    ],
    ...extra,
  };
}

async function setup(t: TestContext, extra = '') {
  const d = await memoryDaemon(CONF(extra), [
    { name: 'lan0', mac: '02:00:00:00:00:01', address: 'fe80::1' },
    { name: 'mon0', mac: '02:00:00:00:01:01', address: 'fe80::101' },
  ]);
  const [lan, mon] = d.links as [(typeof d.links)[0], (typeof d.links)[0]];
  const events: StampedEvent[] = [];
  d.daemon.events.subscribe((e) => events.push(e));
  t.after(d.cleanup);
  const send = (ra: RouterAdvertisement, source: string, ifindex = lan.ifindex): void => d.backend.inject({ data: encodeMessage(ra), source, ifindex });
  return { file: d.file, backend: d.backend, lan, mon, clock: d.clock, log: d.log, daemon: d.daemon, events, send };
}

test('a rogue RA is reported on that RA: one line with interface, source, MAC and what it offers; status, counters and an event', async (t) => {
  const s = await setup(t);
  s.send(rogue(), 'fe80::66');
  await settle();
  const lines = s.log.lines.filter((l) => /rogue router/.test(l));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^warn: lan0: rogue router fe80::66 \(MAC 02:00:00:00:00:66\) advertises router lifetime 1800s, prefixes 2001:db8:bad::\/64, routes -, RDNSS 2001:db8:bad::53; not in AllowedRouters/);
  const w = s.daemon.status().interfaces.find((i) => i.name === 'lan0')!.watch;
  assert.deepEqual(w.routers.map((r) => [r.source, r.role, r.rogue, r.count, r.mac]), [['fe80::66', 'unknown', true, 1, '02:00:00:00:00:66']]);
  assert.equal(s.daemon.status().counters.rogueDetections, 1);
  assert.ok(s.events.some((e) => e.type === 'rogue' && e.source === 'fe80::66' && e.interface === 'lan0'));
  // The same rogue again: counted, no new line.
  s.clock.advance(3000);
  s.send(rogue(), 'fe80::66');
  await settle();
  assert.equal(s.log.lines.filter((l) => /rogue router/.test(l)).length, 1);
  assert.equal(s.daemon.status().counters.rogueRas, 2);
});

test('an allowed router (by address or by MAC) is not reported, and its inconsistencies are', async (t) => {
  const s = await setup(t, 'AllowedRouters { fe80::2; 02:00:00:00:00:33; };');
  s.send(rogue({ curHopLimit: 32 }), 'fe80::2');
  s.send(rogue({ options: [{ type: 'sourceLinkLayer', address: parseMac('02:00:00:00:00:33') }] }), 'fe80::33');
  await settle();
  assert.equal(s.log.lines.filter((l) => /rogue router/.test(l)).length, 0, s.log.lines.join('\n'));
  assert.equal(s.log.lines.filter((l) => /fe80::2 is inconsistent with ours .*Cur Hop Limit: ours 64, theirs 32/.test(l)).length, 1);
  const w = s.daemon.status().interfaces.find((i) => i.name === 'lan0')!.watch;
  assert.deepEqual(w.routers.map((r) => [r.source, r.role, r.rogue]).sort(), [['fe80::2', 'allowed', false], ['fe80::33', 'allowed', false]]);
  // The same inconsistency a minute later: not repeated (radvd #288).
  s.clock.advance(61_000);
  s.send(rogue({ curHopLimit: 32 }), 'fe80::2');
  await settle();
  assert.equal(s.log.lines.filter((l) => /Cur Hop Limit/.test(l)).length, 1);
});

test('200,000 RAs from 200,000 spoofed sources: at most 100 lines, a bounded table, most only counted, periodic RAs on schedule, an allowed router still inspected', async (t) => {
  const s = await setup(t, 'AllowedRouters { fe80::2; };');
  const before = s.log.lines.length;
  const data = encodeMessage(rogue());
  const sentBefore = s.daemon.status().interfaces[0]!.sent.periodic + s.daemon.status().interfaces[0]!.sent.initial;
  for (let i = 0; i < 200_000; i++) {
    s.backend.inject({ data, source: `fe80::a:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`, ifindex: s.lan.ifindex });
    if (i % 20_000 === 19_999) {
      s.send(rogue({ curHopLimit: 32 }), 'fe80::2'); // the allowed router, amid the flood
      s.clock.advance(1000);
      await settle();
    }
  }
  await settle();
  s.clock.advance(60_000); // the summary timer
  await settle();
  const lines = s.log.lines.slice(before);
  assert.ok(lines.length <= 100, `${lines.length} lines`);
  assert.ok(lines.some((l) => /lan0: in the last \d+ s, \d+ more rogue routers \(\d+ distinct sources\) and \d+ rogue RAs were not logged one by one; \d+ RAs from new sources were only counted, not inspected \(over 50 new routers a second/.test(l)), lines.join('\n'));
  const st = s.daemon.status();
  const w = st.interfaces.find((i) => i.name === 'lan0')!.watch;
  assert.equal(w.routers.length, w.capacity);
  assert.equal(w.rogueRas + w.uninspected, 200_000, 'every RA is either inspected or counted');
  assert.ok(w.uninspected > 199_000, `${w.uninspected} only counted`);
  assert.ok(w.rogueDetections <= 100 + 50 * 11, `${w.rogueDetections} inspected: the burst, then 50 a second`);
  assert.equal(st.counters.raUninspected, w.uninspected);
  assert.equal(w.routers.find((r) => r.source === 'fe80::2')?.count, 10, 'the allowed router is inspected every time');
  assert.equal(lines.filter((l) => /fe80::2 is inconsistent/.test(l)).length, 1);
  const routerEvents = s.events.filter((e) => e.type === 'router' || e.type === 'rogue').length;
  assert.ok(routerEvents <= 300, `${routerEvents} router events for 200,000 spoofed sources`);
  assert.ok(s.events.some((e) => e.type === 'suppressed' && e.count > 0), 'the held-back events are told as a count');
  const sent = st.interfaces[0]!.sent.periodic + st.interfaces[0]!.sent.initial;
  assert.ok(sent - sentBefore >= 7, `periodic RAs kept going: ${sent - sentBefore} in 70 s at 3-10 s`);
});

test('RogueRAWithdraw: the answer goes out at once from the rogue\'s address and withdraws what it offered', async (t) => {
  const s = await setup(t, 'RogueRAWithdraw on; AllowedRouters { fe80::2; };');
  s.clock.advance(20_000);
  s.backend.sent.length = 0;
  s.send(rogue(), 'fe80::66');
  s.send(rogue(), 'fe80::2');
  await settle();
  const answers = s.backend.sent.filter((p) => p.source === 'fe80::66');
  assert.equal(answers.length, 1);
  assert.equal(answers[0]!.destination, 'ff02::1');
  const ra = decodeMessage(answers[0]!.data) as RouterAdvertisement;
  assert.equal(ra.routerLifetime, 0);
  assert.deepEqual(ra.options.map((o) => o.type), ['prefixInformation', 'prefixInformation', 'rdnss']);
  assert.equal(s.backend.sent.filter((p) => p.source === 'fe80::2').length, 0, 'an allowed router is left alone');
  assert.match(s.log.lines.find((l) => /rogue router fe80::66/.test(l)) ?? '', /withdrawn in its name/);
  assert.equal(s.daemon.status().counters.countermeasuresSent, 1);
});

test('monitor-only (AdvSendAdvert off): the routers heard are recorded, nothing is compared or sent', async (t) => {
  const s = await setup(t);
  s.send(rogue({ curHopLimit: 1 }), 'fe80::99', s.mon.ifindex);
  await settle();
  const mon = s.daemon.status().interfaces.find((i) => i.name === 'mon0')!;
  assert.deepEqual(mon.watch.routers.map((r) => [r.source, r.rogue, r.inconsistencies.length]), [['fe80::99', true, 0]]);
  assert.equal(s.backend.sent.filter((p) => p.ifindex === s.mon.ifindex).length, 0);
});

test('firsthop status shows the routers heard; escape sequences and newlines from the wire stay inert in the log and the terminal', async (t) => {
  const s = await setup(t);
  const evil = 'http://x/\u001b[2J\nfake: line';
  s.send(rogue({ options: [...rogue().options, { type: 'captivePortal', uri: evil }, { type: 'dnssl', lifetime: 600, domains: ['evil\\010.example'] }] }), 'fe80::66');
  await settle();
  const text = renderStatus(s.daemon.status());
  assert.match(text, /routers heard: 1, 1 ROGUE; rogue RAs 1, detections 1/);
  assert.match(text, /ROGUE fe80::66 \(02:00:00:00:00:66\) unknown: router lifetime 1800s, prefixes 2001:db8:bad::\/64/);
  assert.ok(!text.includes('\u001b') && !s.log.lines.some((l) => l.includes('\u001b') || l.includes('\n')), 'no raw escape or newline');
  assert.match(s.log.lines.find((l) => /rogue router/.test(l)) ?? '', /captive portal http:\/\/x\/\\x1b\[2J\\x0afake: line/);
  assert.match(text, /mon0 .*AdvSendAdvert off: watching the link only/);
});

test('RAs validation would drop (hop limit not 255) do not use up the inspections of new sources', async (t) => {
  const s = await setup(t);
  const data = encodeMessage(rogue());
  for (let i = 0; i < 1000; i++) s.backend.inject({ data, source: `fe80::b:${i.toString(16)}`, ifindex: s.lan.ifindex, hopLimit: 64 });
  s.send(rogue(), 'fe80::66');
  await settle();
  const w = s.daemon.status().interfaces.find((i) => i.name === 'lan0')!.watch;
  assert.equal(w.uninspected, 0);
  assert.deepEqual(w.routers.map((r) => r.source), ['fe80::66'], 'the real on-link rogue is inspected');
  assert.equal(Object.values(s.daemon.status().drops).reduce((a, b) => a + b, 0), 1000, 'counted as drops');
});

test('RogueRAWithdraw without AllowedRouters is warned at file:line:col', async () => {
  const { parseConfig } = await import('../../src/config');
  const r = parseConfig('interface lan0 {\n  AdvSendAdvert on;\n  RogueRAWithdraw on;\n};\n', 'x.conf');
  assert.ok(r.ok);
  const w = r.warnings.find((d) => d.code === 'W_WITHDRAW_WITHOUT_ALLOWED');
  assert.deepEqual(w && [w.line, w.column], [3, 19]);
});
