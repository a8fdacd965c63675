/** RFC 4861 6.2 timing rules of the advertiser, on a manual clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Advertiser, MAX_INITIAL_RTR_ADVERT_INTERVAL, MAX_RA_DELAY_TIME, type SendKind } from '../../src/iface/advertiser';
import { ManualClock } from '../../src/iface/clock';
import { ifaceConfig } from './support';
import type { InterfaceConfig } from '../../src/config/types';

interface Sent { at: number; dst: string; kind: SendKind; ceasing: boolean }

function setup(over: Partial<InterfaceConfig> = {}, random: () => number = () => 0.5) {
  const clock = new ManualClock();
  const t0 = clock.now();
  const sent: Sent[] = [];
  const adv = new Advertiser(ifaceConfig(over), {
    clock,
    random,
    transmit: (dst, kind, ceasing) => sent.push({ at: clock.now() - t0, dst, kind, ceasing }),
  });
  return { clock, sent, adv };
}

test('first RA goes out at once when the interface becomes ready', () => {
  const { clock, sent, adv } = setup();
  adv.setReady(true);
  clock.advance(0);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0], { at: 0, dst: 'ff02::1', kind: 'initial', ceasing: false });
});

test('initial RAs are at most MAX_INITIAL_RTR_ADVERT_INTERVAL apart, then uniform in [Min, Max]', () => {
  const { clock, sent, adv } = setup({ maxRtrAdvInterval: 600, minRtrAdvInterval: 198 });
  adv.setReady(true);
  clock.advance(3 * MAX_INITIAL_RTR_ADVERT_INTERVAL);
  assert.deepEqual(sent.map((s) => s.at), [0, 16_000, 32_000]);
  clock.advance(600_000);
  // third interval: random 0.5 in [198, 600] s = 399 s
  assert.equal(sent[3]?.at, 32_000 + 399_000);
  assert.equal(sent[3]?.kind, 'periodic');
});

test('periodic intervals stay within [MinRtrAdvInterval, MaxRtrAdvInterval]', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const { clock, sent, adv } = setup({ maxRtrAdvInterval: 4, minRtrAdvInterval: 3 }, rnd);
  adv.setReady(true);
  clock.advance(400_000);
  assert.ok(sent.length > 90);
  for (let i = 1; i < sent.length; i++) {
    const gap = sent[i]!.at - sent[i - 1]!.at;
    assert.ok(gap >= 3000 && gap <= 4000, `gap ${gap} out of bounds`);
  }
});

test('an RS with a source address gets a unicast answer within MAX_RA_DELAY_TIME (RFC 4861 6.2.6, RFC 7772)', () => {
  const { clock, sent, adv } = setup({}, () => 0.9);
  adv.setReady(true);
  clock.advance(1000);
  adv.solicit('fe80::1');
  clock.advance(MAX_RA_DELAY_TIME);
  const answer = sent.find((s) => s.kind === 'solicited');
  if (answer === undefined) return assert.fail('no answer');
  assert.equal(answer.dst, 'fe80::1');
  assert.equal(answer.at, 1000 + 450);
});

test('an RS from :: gets a multicast answer, rate limited by MinDelayBetweenRAs', () => {
  const { clock, sent, adv } = setup({}, () => 0.5);
  adv.setReady(true); // multicast at 0
  clock.advance(1000);
  adv.solicit('::');
  clock.advance(5000);
  const answer = sent.find((s) => s.kind === 'solicited');
  if (answer === undefined) return assert.fail('no answer');
  assert.equal(answer.dst, 'ff02::1');
  // last multicast at 0, so MIN_DELAY (3 s) plus the random delay (250 ms) after it
  assert.equal(answer.at, 3250);
});

test('AdvRASolicitedUnicast off answers by multicast', () => {
  const { clock, sent, adv } = setup({ advRaSolicitedUnicast: false }, () => 0.2);
  adv.setReady(true);
  clock.advance(10_000);
  const before = sent.length;
  adv.solicit('fe80::2');
  clock.advance(1000);
  assert.equal(sent.length, before + 1);
  assert.equal(sent.at(-1)?.dst, 'ff02::1');
});

test('repeated RSs from one source within a second get one unicast answer', () => {
  const { clock, sent, adv } = setup({}, () => 0.1);
  adv.setReady(true);
  clock.advance(20_000);
  const before = sent.filter((s) => s.dst === 'fe80::5').length;
  for (let i = 0; i < 10; i++) {
    adv.solicit('fe80::5');
    clock.advance(90);
  }
  assert.equal(sent.filter((s) => s.dst === 'fe80::5').length - before, 1);
  assert.ok(adv.stats.solicitationsRateLimited >= 8);
  clock.advance(1000);
  adv.solicit('fe80::5');
  clock.advance(MAX_RA_DELAY_TIME);
  assert.equal(sent.filter((s) => s.dst === 'fe80::5').length - before, 2, 'a second later the host is answered again');
});

test('an RS flood from many sources is capped, and periodic RAs stay on schedule', () => {
  const { clock, sent, adv } = setup({ maxRtrAdvInterval: 4, minRtrAdvInterval: 3 }, () => 0.5);
  adv.setReady(true);
  clock.advance(60_000);
  const periodicBefore = sent.filter((s) => s.dst === 'ff02::1' && s.kind !== 'solicited').length;
  // 10,000 RS per second for 2 s from distinct sources
  for (let ms = 0; ms < 2000; ms++) {
    for (let k = 0; k < 10; k++) adv.solicit(`fe80::${(ms * 10 + k).toString(16)}`);
    clock.advance(1);
  }
  clock.advance(2000);
  const unicast = sent.filter((s) => s.kind === 'solicited' && s.dst !== 'ff02::1').length;
  assert.ok(unicast <= 2 * 100 + 100, `unicast answers ${unicast} exceed the token bucket`);
  const multicast = sent.filter((s) => s.dst === 'ff02::1' && s.at >= 60_000);
  for (let i = 1; i < multicast.length; i++) assert.ok(multicast[i]!.at - multicast[i - 1]!.at >= 3000);
  assert.ok(sent.filter((s) => s.dst === 'ff02::1' && s.kind !== 'solicited').length >= periodicBefore);
});

test('a change triggers an RA at once, then repeats at most 16 s apart', () => {
  const { clock, sent, adv } = setup({}, () => 0.5);
  adv.setReady(true);
  clock.advance(1_000_000);
  const n = sent.length;
  adv.changed();
  clock.advance(0);
  assert.equal(sent.length, n + 1);
  assert.equal(sent.at(-1)?.kind, 'triggered');
  clock.advance(32_000);
  assert.equal(sent.length, n + 3);
});

test('a change right after an RA waits for MinDelayBetweenRAs', () => {
  const { clock, sent, adv } = setup({ minDelayBetweenRas: 3 }, () => 0.5);
  adv.setReady(true);
  clock.advance(500);
  adv.changed();
  assert.equal(sent.length, 1);
  clock.advance(2499);
  assert.equal(sent.length, 1);
  clock.advance(1);
  assert.equal(sent.length, 2);
  assert.equal(sent[1]?.at, 3000);
});

test('MinDelayBetweenRAs of 0.03 lets a change through 30 ms after the last RA', () => {
  const { clock, sent, adv } = setup({ minDelayBetweenRas: 0.03 }, () => 0.5);
  adv.setReady(true);
  clock.advance(0);
  adv.changed();
  clock.advance(30);
  assert.deepEqual(sent.map((s) => s.at), [0, 30]);
});

test('stop(true) sends a final RA; not ready sends nothing', () => {
  const { clock, sent, adv } = setup();
  adv.setReady(true);
  clock.advance(100);
  adv.stop(true);
  assert.deepEqual(sent.at(-1), { at: 100, dst: 'ff02::1', kind: 'final', ceasing: true });
  const b = setup();
  b.adv.stop(true);
  assert.equal(b.sent.length, 0);
});

test('link down stops RAs; back up restarts the initial sequence', () => {
  const { clock, sent, adv } = setup();
  adv.setReady(true);
  clock.advance(40_000);
  adv.setReady(false);
  const n = sent.length;
  clock.advance(3_600_000);
  assert.equal(sent.length, n);
  adv.setReady(true);
  clock.advance(0);
  assert.equal(sent.length, n + 1);
  assert.equal(sent.at(-1)?.kind, 'initial');
});

test('clients: RAs go by unicast to each client; RSs from others are ignored', () => {
  const { clock, sent, adv } = setup({ clients: ['fe80::a', 'fe80::b'] }, () => 0.5);
  adv.setReady(true);
  clock.advance(0);
  assert.deepEqual(sent.map((s) => s.dst), ['fe80::a', 'fe80::b']);
  adv.solicit('fe80::c');
  clock.advance(1000);
  assert.equal(sent.length, 2);
  assert.equal(adv.stats.solicitationsIgnored, 1);
});

test('UnicastOnly: no multicast RAs, RSs answered by unicast', () => {
  const { clock, sent, adv } = setup({ unicastOnly: true }, () => 0.5);
  adv.setReady(true);
  clock.advance(100_000);
  assert.equal(sent.length, 0);
  adv.solicit('fe80::9');
  clock.advance(1000);
  assert.deepEqual(sent.map((s) => s.dst), ['fe80::9']);
});

test('AdvSendAdvert off: silent, RSs ignored', () => {
  const { clock, sent, adv } = setup({ advSendAdvert: false });
  adv.setReady(true);
  adv.solicit('fe80::1');
  clock.advance(100_000);
  assert.equal(sent.length, 0);
});

test('reload keeps the schedule: no extra RA unless the bounds got tighter', () => {
  const { clock, sent, adv } = setup({ maxRtrAdvInterval: 600, minRtrAdvInterval: 198 }, () => 0.5);
  adv.setReady(true);
  clock.advance(100_000);
  const n = sent.length;
  adv.setConfig(ifaceConfig({ maxRtrAdvInterval: 600, minRtrAdvInterval: 198, advCurHopLimit: 60 }));
  assert.equal(sent.length, n);
  adv.setConfig(ifaceConfig({ maxRtrAdvInterval: 10, minRtrAdvInterval: 3 }));
  clock.advance(10_000);
  assert.ok(sent.length > n);
});

test('a new VRRP Active (setReady immediate): the first RA goes out in the same call, not held by its RA of an earlier Active period', () => {
  const { clock, sent, adv } = setup({ minDelayBetweenRas: 3 });
  adv.setReady(true, true);
  assert.deepEqual(sent.map((s) => s.at), [0], 'sent synchronously, no clock.advance needed');
  clock.advance(1000);
  adv.setReady(false); // Backup
  clock.advance(500);
  adv.setReady(true, true); // Active again 1.5 s later
  assert.deepEqual(sent.map((s) => s.at), [0, 1500]);
  // Without `immediate`, MinDelayBetweenRAs holds a re-readied interface back as before.
  const other = setup({ minDelayBetweenRas: 3 });
  other.adv.setReady(true);
  other.clock.advance(1000);
  other.adv.setReady(false);
  other.adv.setReady(true);
  other.clock.advance(5000);
  assert.equal(other.sent[1]?.at, 3000);
});

test('a change due now is sent in the same turn, not by a timer', () => {
  const { clock, sent, adv } = setup({ minDelayBetweenRas: 0.03 });
  adv.setReady(true);
  clock.advance(20_000);
  const before = sent.length;
  adv.changed();
  assert.deepEqual(sent.slice(before).map((x) => x.kind), ['triggered'], 'sent before any timer runs');
  adv.changed();
  assert.equal(sent.length, before + 1, 'the next one waits for MinDelayBetweenRAs');
  clock.advance(30);
  assert.deepEqual(sent.slice(before).map((x) => x.kind), ['triggered', 'triggered']);
});
