/**
 * The VRRPv3 state machine of RFC 9568 6.4 on a ManualClock, with every effect recorded:
 * Initialize, Backup and Active and each of their events, the exact Skew_Time /
 * Active_Down_Interval arithmetic, learning the Active's interval, preemption with and
 * without a delay, priority changes, and the sync-group orders.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/iface/clock';
import type { Advertisement } from '../../src/vrrp/codec';
import { ASSERT_GAP_MS, VrrpMachine, activeDownIntervalMs, skewTimeMs, type MachineConfig, type Transition, type VrrpState } from '../../src/vrrp/machine';

type Effect =
  | { readonly at: number; readonly kind: 'send'; readonly priority: number }
  | { readonly at: number; readonly kind: 'enter' }
  | { readonly at: number; readonly kind: 'announce' }
  | { readonly at: number; readonly kind: 'leave' }
  | { readonly at: number; readonly kind: 'move'; readonly from: VrrpState; readonly to: VrrpState };

const OWN = 'fe80::10';
const HIGHER = 'fe80::20'; // a peer with a higher primary address
const LOWER = 'fe80::5'; // a peer with a lower one

function config(over: Partial<MachineConfig> = {}): MachineConfig {
  return { name: 'v6', family: 6, vrid: 51, priority: 100, advertIntervalCs: 100, preempt: true, preemptDelayMs: 0, acceptMode: false, ...over };
}

/** A machine on a ManualClock; times in `effects` and `t()` are ms since the rig was made. */
function rig(over: Partial<MachineConfig> = {}, primary: string | undefined = OWN) {
  const clock = new ManualClock();
  const t0 = clock.now();
  const t = (): number => clock.now() - t0;
  const effects: Effect[] = [];
  const transitions: Transition[] = [];
  const m = new VrrpMachine(config(over), {
    clock,
    sendAdvertisement: (priority) => effects.push({ at: t(), kind: 'send', priority }),
    enterActive: () => effects.push({ at: t(), kind: 'enter' }),
    announce: () => effects.push({ at: t(), kind: 'announce' }),
    leaveActive: () => effects.push({ at: t(), kind: 'leave' }),
    transitioned: (tr) => {
      transitions.push(tr);
      effects.push({ at: t(), kind: 'move', from: tr.from, to: tr.to });
    },
  });
  m.setPrimaryAddress(primary);
  /** Advance the clock to `ms` since the rig was made (never backwards). */
  const at = (ms: number): void => {
    assert.ok(ms >= t(), `cannot go back from ${t()} to ${ms}`);
    clock.advance(ms - t());
  };
  const adv = (priority: number, intervalCs = 100): Advertisement => ({ vrid: 51, priority, maxAdvertIntervalCs: intervalCs, addresses: ['fe80::1'] });
  /** The effects since the last call. */
  let seen = 0;
  const fresh = (): Effect[] => {
    const out = effects.slice(seen);
    seen = effects.length;
    return out;
  };
  const sends = (): number[] => effects.filter((e) => e.kind === 'send').map((e) => e.at);
  return { clock, t0, t, at, m, effects, transitions, adv, fresh, sends };
}

/** A Backup at t=0 (startup at t=0), its start-up effects consumed. */
function backup(over: Partial<MachineConfig> = {}, primary: string | undefined = OWN) {
  const r = rig(over, primary);
  r.m.startup();
  assert.equal(r.m.state, 'backup');
  r.fresh();
  return r;
}

/** An Active (its Active_Down_Timer fired at 3609.375 ms for priority 100 at 100 cs), effects consumed. */
function active(over: Partial<MachineConfig> = {}, primary: string | undefined = OWN) {
  const r = backup(over, primary);
  r.clock.advance(r.m.activeDownIntervalMs);
  assert.equal(r.m.state, 'active');
  r.fresh();
  return r;
}

describe('Skew_Time and Active_Down_Interval (RFC 9568 6.1), exact', () => {
  it('priority 100 at 100 cs: Skew_Time = 156 * 100 / 256 cs = 609.375 ms, Active_Down_Interval = 3609.375 ms', () => {
    assert.equal(skewTimeMs(100, 100), 609.375);
    assert.equal(activeDownIntervalMs(100, 100), 3609.375);
  });

  it('other priorities and intervals', () => {
    assert.equal(skewTimeMs(100, 10), 60.9375);
    assert.equal(activeDownIntervalMs(100, 10), 360.9375);
    assert.equal(skewTimeMs(255, 100), 3.90625);
    assert.equal(skewTimeMs(254, 100), 7.8125);
    assert.equal(skewTimeMs(1, 100), 996.09375);
    assert.equal(skewTimeMs(150, 10), 41.40625);
    assert.equal(activeDownIntervalMs(1, 4095), 122850 + 40790.0390625);
    assert.equal(activeDownIntervalMs(254, 1), 30 + 0.078125);
  });

  it('a higher priority always has the shorter Skew_Time (the better Backup takes over first)', () => {
    for (const interval of [1, 10, 100, 4095]) for (let p = 1; p < 255; p++) assert.ok(skewTimeMs(p + 1, interval) < skewTimeMs(p, interval));
  });

  it('the getters follow the effective priority and the learned interval', () => {
    const r = backup();
    assert.equal(r.m.skewTimeMs, 609.375);
    assert.equal(r.m.activeDownIntervalMs, 3609.375);
    r.m.receive(r.adv(200, 10), HIGHER);
    assert.equal(r.m.learnedIntervalCs, 10);
    assert.equal(r.m.activeDownIntervalMs, 360.9375);
  });
});

describe('Initialize', () => {
  it('is the state before startup; receive is ignored and nothing happens', () => {
    const r = rig();
    assert.equal(r.m.state, 'initialize');
    assert.equal(r.m.receive(r.adv(200), HIGHER), 'ignored');
    assert.equal(r.m.receive(r.adv(0), HIGHER), 'ignored');
    r.clock.advance(60_000);
    assert.deepEqual(r.effects, []);
    assert.equal(r.clock.timerCount, 0);
    assert.equal(r.m.last, undefined);
    assert.equal(r.m.counters.advertisementsReceived, 2, 'counted even when ignored');
  });

  it('Startup, non-owner: Backup with Active_Down_Timer = Active_Down_Interval, nothing sent', () => {
    const r = rig();
    r.clock.advance(250);
    r.m.startup();
    assert.equal(r.m.state, 'backup');
    assert.deepEqual(r.effects, [{ at: 250, kind: 'move', from: 'initialize', to: 'backup' }]);
    assert.deepEqual(r.transitions, [{ from: 'initialize', to: 'backup', at: r.t0 + 250, reason: 'startup' }]);
    assert.equal(r.m.downTimerDueAt, r.t0 + 250 + 3609.375);
    assert.equal(r.clock.timerCount, 1);
  });

  it('Startup with a reason: the transition carries it', () => {
    const r = rig();
    r.m.startup('eth0 has carrier again');
    assert.equal(r.m.last?.reason, 'eth0 has carrier again');
  });

  it('Startup, owner (priority 255): Active at once; takes the addresses, advertises 255, announces them, then the transition is reported', () => {
    const r = rig({ priority: 255 });
    r.m.startup();
    assert.equal(r.m.state, 'active');
    assert.equal(r.m.isOwner, true);
    assert.deepEqual(r.effects, [
      { at: 0, kind: 'enter' },
      { at: 0, kind: 'send', priority: 255 },
      { at: 0, kind: 'announce' },
      { at: 0, kind: 'move', from: 'initialize', to: 'active' },
    ]);
    assert.equal(r.transitions[0]?.from, 'initialize');
    assert.equal(r.transitions[0]?.to, 'active');
    assert.equal(r.transitions[0]?.at, r.t0);
    assert.match(r.transitions[0]?.reason ?? '', /address owner/);
    assert.equal(r.m.downTimerDueAt, undefined);
    r.clock.advance(3000);
    assert.deepEqual(r.sends(), [0, 1000, 2000, 3000]);
  });

  it('Startup is idempotent while running', () => {
    const r = backup();
    r.clock.advance(1000);
    r.m.startup();
    assert.deepEqual(r.fresh(), []);
    assert.equal(r.m.downTimerDueAt, r.t0 + 3609.375, 'the timer is not restarted');
  });
});

describe('Backup', () => {
  it('Active_Down_Timer fires exactly at 3 * interval + Skew_Time: Active, enterActive before the advertisement, then one every interval', () => {
    const r = backup();
    r.at(3609);
    assert.equal(r.m.state, 'backup');
    assert.deepEqual(r.fresh(), []);
    r.at(3609.375);
    assert.equal(r.m.state, 'active');
    assert.deepEqual(r.fresh(), [
      { at: 3609.375, kind: 'enter' },
      { at: 3609.375, kind: 'send', priority: 100 },
      { at: 3609.375, kind: 'announce' },
      { at: 3609.375, kind: 'move', from: 'backup', to: 'active' },
    ]);
    assert.match(r.m.last?.reason ?? '', /no Active heard/);
    assert.equal(r.m.last?.at, r.t0 + 3609.375);
    r.at(3609.375 + 5000);
    assert.deepEqual(r.sends(), [3609.375, 4609.375, 5609.375, 6609.375, 7609.375, 8609.375]);
    assert.equal(r.clock.timerCount, 1, 'only the Adver_Timer');
    assert.equal(r.m.counters.becameActive, 1);
    assert.equal(r.m.counters.advertisementsSent, 6);
  });

  it('priority 0 from the Active: takes over after Skew_Time exactly', () => {
    const r = backup();
    r.at(1000);
    assert.equal(r.m.receive(r.adv(150), HIGHER), 'accepted');
    r.at(2000);
    assert.equal(r.m.receive(r.adv(0), HIGHER), 'stop');
    assert.equal(r.m.downTimerDueAt, r.t0 + 2000 + 609.375);
    r.at(2609);
    assert.equal(r.m.state, 'backup');
    r.at(2609.375);
    assert.equal(r.m.state, 'active');
    assert.deepEqual(r.fresh(), [
      { at: 2609.375, kind: 'enter' },
      { at: 2609.375, kind: 'send', priority: 100 },
      { at: 2609.375, kind: 'announce' },
      { at: 2609.375, kind: 'move', from: 'backup', to: 'active' },
    ]);
    assert.match(r.m.last?.reason ?? '', /left \(priority 0\)/);
    assert.equal(r.m.counters.priorityZeroReceived, 1);
  });

  it('priority 0 uses the Skew_Time of the learned interval', () => {
    const r = backup();
    r.at(100);
    r.m.receive(r.adv(150, 10), HIGHER);
    r.at(200);
    r.m.receive(r.adv(0, 10), HIGHER);
    assert.equal(r.m.downTimerDueAt, r.t0 + 200 + 60.9375);
  });

  it('priority 0 is honoured even with preemption off', () => {
    const r = backup({ preempt: false });
    r.at(500);
    assert.equal(r.m.receive(r.adv(0), LOWER), 'stop');
    r.at(500 + 609.375);
    assert.equal(r.m.state, 'active');
  });

  for (const [label, priority, source] of [
    ['higher priority', 200, LOWER],
    ['equal priority (any address)', 100, LOWER],
    ['equal priority, higher address', 100, HIGHER],
  ] as const) {
    it(`${label}: accepted, the Active_Down_Timer restarts from it`, () => {
      const r = backup();
      for (let at = 1000; at <= 20_000; at += 1000) {
        r.at(at);
        assert.equal(r.m.receive(r.adv(priority), source), 'accepted');
        assert.equal(r.m.downTimerDueAt, r.t0 + at + 3609.375);
      }
      assert.equal(r.m.state, 'backup');
      assert.deepEqual(r.fresh(), []);
      assert.deepEqual(r.m.active, { address: source, priority, intervalCs: 100, at: r.t0 + 20_000 });
      // It goes silent: takeover Active_Down_Interval after its last advertisement.
      r.at(20_000 + 3609);
      assert.equal(r.m.state, 'backup');
      r.at(20_000 + 3609.375);
      assert.equal(r.m.state, 'active');
      assert.match(r.m.last?.reason ?? '', /went silent/);
    });
  }

  it("learns the Active's interval: configured 100 cs, hearing 10 cs, it uses 30 + Skew_Time(10 cs) ms", () => {
    const r = backup();
    r.at(1000);
    assert.equal(r.m.receive(r.adv(150, 10), HIGHER), 'accepted');
    assert.equal(r.m.learnedIntervalCs, 10);
    assert.equal(r.m.downTimerDueAt, r.t0 + 1000 + 300 + 60.9375);
    r.at(1360.9375 - 0.0625);
    assert.equal(r.m.state, 'backup');
    r.at(1360.9375);
    assert.equal(r.m.state, 'active');
    // Active, it advertises at its own configured interval, not the learned one.
    r.at(1360.9375 + 2000);
    assert.deepEqual(r.sends(), [1360.9375, 2360.9375, 3360.9375]);
  });

  it('learns a longer interval too, and the latest one heard', () => {
    const r = backup({ advertIntervalCs: 10 });
    r.at(10);
    r.m.receive(r.adv(150, 300), HIGHER);
    assert.equal(r.m.learnedIntervalCs, 300);
    assert.equal(r.m.downTimerDueAt, r.t0 + 10 + 9000 + 1828.125);
    r.at(20);
    r.m.receive(r.adv(150, 50), HIGHER);
    assert.equal(r.m.learnedIntervalCs, 50);
    assert.equal(r.m.downTimerDueAt, r.t0 + 20 + 1500 + 304.6875);
  });

  it('preempt on: a lower-priority Active is ignored (its interval is not learned); takeover Active_Down_Interval after entering Backup', () => {
    const r = backup();
    for (let at = 100; at < 3609; at += 100) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(50, 10), LOWER), 'discarded');
      assert.equal(r.m.downTimerDueAt, r.t0 + 3609.375, 'the timer is not touched');
    }
    assert.equal(r.m.learnedIntervalCs, 100);
    r.at(3609.375);
    assert.equal(r.m.state, 'active');
    assert.match(r.m.last?.reason ?? '', /preempting the Active fe80::5 \(priority 50 < 100\)/);
  });

  it('preempt on: takeover Active_Down_Interval after the last accepted advertisement', () => {
    const r = backup();
    r.at(2000);
    assert.equal(r.m.receive(r.adv(150), HIGHER), 'accepted'); // the higher Active, then it drops priority (tracking)
    for (let at = 3000; at < 5609; at += 1000) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(90), HIGHER), 'discarded');
    }
    r.at(5609);
    assert.equal(r.m.state, 'backup');
    r.at(5609.375);
    assert.equal(r.m.state, 'active');
  });

  it('preempt off: a lower-priority Active keeps us Backup forever (and its interval is learned)', () => {
    const r = backup({ preempt: false });
    for (let at = 1000; at <= 120_000; at += 1000) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(50), LOWER), 'accepted');
    }
    r.at(120_000 + 3609);
    assert.equal(r.m.state, 'backup');
    assert.deepEqual(r.effects, [{ at: 0, kind: 'move', from: 'initialize', to: 'backup' }]);
    // Silence still makes us Active.
    r.at(120_000 + 3609.375);
    assert.equal(r.m.state, 'active');
  });

  it('preempt delay 5000 ms after startup: a lower-priority Active is held until the delay has passed, then preempted after Active_Down_Interval', () => {
    const r = backup({ preemptDelayMs: 5000 });
    const outcomes: string[] = [];
    for (let at = 1000; at <= 30_000 && r.m.state === 'backup'; at += 1000) {
      r.at(at);
      if (r.m.state !== 'backup') break;
      outcomes.push(`${at}:${r.m.receive(r.adv(50), LOWER)}`);
    }
    // Started at 0: held (and accepted, timer reset) before 5000, discarded from then on.
    assert.deepEqual(outcomes.slice(0, 5), ['1000:preempt_delay', '2000:preempt_delay', '3000:preempt_delay', '4000:preempt_delay', '5000:discarded']);
    const took = r.transitions.find((tr) => tr.to === 'active');
    assert.ok(took);
    assert.equal(took.at - r.t0, 4000 + 3609.375, 'the last held advertisement (4000) + Active_Down_Interval');
    assert.match(took.reason, /preempting/);
  });

  it('preempt delay: a Backup up for longer than the delay preempts at once when the Active falls below it (the Active lost its uplink)', () => {
    const r = backup({ preemptDelayMs: 5000 });
    for (const at of [1000, 2000, 3000, 4000, 5000, 6000, 7000]) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(150), HIGHER), 'accepted');
    }
    r.at(8000);
    assert.equal(r.m.receive(r.adv(90), HIGHER), 'discarded', 'no delay: this router has been stable for 8 s');
    r.at(7000 + 3609.375);
    assert.equal(r.m.state, 'active', 'Active_Down_Interval after the last accepted advertisement');
  });

  it("preempt delay starts again when this router's own priority rises (its tracked uplink came back)", () => {
    const r = backup({ preemptDelayMs: 5000 });
    r.m.setPriority(80);
    for (const at of [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(90), LOWER), 'accepted', 'the Active outranks us');
    }
    r.m.setPriority(100);
    const outcomes: string[] = [];
    for (let at = 11_000; at <= 30_000; at += 1000) {
      r.at(at);
      if (r.m.state !== 'backup') break;
      outcomes.push(`${at}:${r.m.receive(r.adv(90), LOWER)}`);
    }
    assert.deepEqual(outcomes.slice(0, 5), ['11000:preempt_delay', '12000:preempt_delay', '13000:preempt_delay', '14000:preempt_delay', '15000:discarded']);
    assert.equal(r.transitions.find((tr) => tr.to === 'active')!.at - r.t0, 14_000 + 3609.375);
  });

  it('preempt delay restarts in a new Backup period', () => {
    const r = backup({ preemptDelayMs: 5000 });
    for (const at of [1000, 2000, 3000]) {
      r.at(at);
      r.m.receive(r.adv(50), LOWER);
    }
    r.m.shutdown();
    r.at(3500);
    r.m.startup();
    for (const at of [4000, 5000, 6000, 7000, 8000]) {
      r.at(at);
      assert.equal(r.m.receive(r.adv(50), LOWER), 'preempt_delay', `${at}: less than 5000 ms since it was first seen in this period (4000)`);
    }
    r.at(9000);
    assert.equal(r.m.receive(r.adv(50), LOWER), 'discarded');
  });

  it('preempt delay does nothing with preemption off, or for a higher-priority Active', () => {
    const off = backup({ preempt: false, preemptDelayMs: 5000 });
    for (let at = 1000; at <= 20_000; at += 1000) {
      off.at(at);
      assert.equal(off.m.receive(off.adv(50), LOWER), 'accepted');
    }
    const higher = backup({ preemptDelayMs: 5000 });
    for (let at = 1000; at <= 20_000; at += 1000) {
      higher.at(at);
      assert.equal(higher.m.receive(higher.adv(150), HIGHER), 'accepted');
    }
    assert.equal(higher.m.state, 'backup');
  });

  it('Shutdown: Initialize, nothing sent, no timer left', () => {
    const r = backup();
    r.at(1000);
    r.m.receive(r.adv(150), HIGHER);
    r.m.shutdown('eth0 is down');
    assert.equal(r.m.state, 'initialize');
    assert.deepEqual(r.fresh(), [{ at: 1000, kind: 'move', from: 'backup', to: 'initialize' }]);
    assert.deepEqual(r.m.last, { from: 'backup', to: 'initialize', at: r.t0 + 1000, reason: 'eth0 is down' });
    assert.equal(r.clock.timerCount, 0);
    assert.equal(r.m.downTimerDueAt, undefined);
    r.clock.advance(60_000);
    assert.deepEqual(r.fresh(), []);
    assert.equal(r.m.receive(r.adv(0), HIGHER), 'ignored');
  });

  it('Startup after Shutdown: Backup again with the configured interval (the learned one is forgotten)', () => {
    const r = backup();
    r.m.receive(r.adv(150, 10), HIGHER);
    r.m.shutdown();
    r.at(1000);
    r.m.startup();
    assert.equal(r.m.state, 'backup');
    assert.equal(r.m.learnedIntervalCs, 100);
    assert.equal(r.m.downTimerDueAt, r.t0 + 1000 + 3609.375);
  });

  it('setPriority in Backup keeps the running timer; the next accepted advertisement uses the new Skew_Time', () => {
    const r = backup();
    r.at(1000);
    r.m.setPriority(200);
    assert.equal(r.m.priority, 200);
    assert.equal(r.m.downTimerDueAt, r.t0 + 3609.375);
    assert.deepEqual(r.fresh(), []);
    r.m.receive(r.adv(250), HIGHER);
    assert.equal(r.m.downTimerDueAt, r.t0 + 1000 + 3000 + (56 * 100 * 10) / 256);
    // With preemption, a now-lower Active is no longer accepted.
    r.at(2000);
    assert.equal(r.m.receive(r.adv(150), HIGHER), 'discarded');
  });
});

describe('Active', () => {
  it('Adver_Timer: one advertisement every Advertisement_Interval, at the configured interval', () => {
    const r = active({ advertIntervalCs: 25 });
    const start = r.t();
    r.clock.advance(1000);
    assert.deepEqual(
      r.sends().map((s) => s - start),
      [0, 250, 500, 750, 1000],
    );
  });

  it('higher priority: Backup, leaveActive, no advertisement; the interval and the new Active are learned', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(500);
    assert.equal(r.m.receive(r.adv(200, 10), LOWER), 'stepped_down');
    assert.equal(r.m.state, 'backup');
    assert.deepEqual(r.fresh(), [
      { at: t + 500, kind: 'leave' },
      { at: t + 500, kind: 'move', from: 'active', to: 'backup' },
    ]);
    assert.match(r.m.last?.reason ?? '', /fe80::5 has priority 200 > 100/);
    assert.equal(r.m.learnedIntervalCs, 10);
    assert.deepEqual(r.m.active, { address: LOWER, priority: 200, intervalCs: 10, at: r.clock.now() });
    assert.equal(r.m.downTimerDueAt, r.clock.now() + 360.9375);
    assert.equal(r.clock.timerCount, 1, 'the Adver_Timer is cancelled');
    // No more advertisements while Backup.
    r.clock.advance(360);
    assert.deepEqual(r.fresh(), []);
    // The new Active goes silent: back to Active after the learned Active_Down_Interval.
    r.clock.advance(0.9375);
    assert.equal(r.m.state, 'active');
  });

  it('equal priority and a higher source address: Backup', () => {
    const r = active();
    assert.equal(r.m.receive(r.adv(100), HIGHER), 'stepped_down');
    assert.equal(r.m.state, 'backup');
    assert.match(r.m.last?.reason ?? '', /same priority 100 and a higher address/);
    assert.deepEqual(r.fresh().map((e) => e.kind), ['leave', 'move']);
  });

  it('equal priority and a lower (or the same) source address: stays Active, discards, asserts itself once within ASSERT_GAP_MS', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(500);
    assert.equal(r.m.receive(r.adv(100), LOWER), 'discarded');
    assert.equal(r.m.receive(r.adv(100), OWN), 'discarded');
    assert.equal(r.m.receive(r.adv(100), 'fe80::f'), 'discarded');
    assert.equal(r.m.state, 'active');
    assert.deepEqual(r.fresh(), [{ at: t + 500, kind: 'send', priority: 100 }], 'RFC 9568 6.4.3: one advertisement at once, not one per discarded one');
    r.clock.advance(1000);
    assert.deepEqual(r.fresh(), [{ at: t + 1500, kind: 'send', priority: 100 }], 'the Adver_Timer restarted from it');
    assert.equal(r.m.receive(r.adv(100), 'fe80::1:0'), 'stepped_down', 'fe80::1:0 > fe80::10');
  });

  it('equal priority with IPv4 addresses compares them as numbers', () => {
    const r = active({ family: 4 }, '192.0.2.9');
    assert.equal(r.m.receive(r.adv(100), '192.0.2.10'), 'stepped_down');
    const r2 = active({ family: 4 }, '192.0.2.10');
    assert.equal(r2.m.receive(r2.adv(100), '192.0.2.9'), 'discarded');
  });

  it('equal priority without a primary address of our own: stays Active', () => {
    const r = active();
    r.m.setPrimaryAddress(undefined);
    assert.equal(r.m.primaryAddress, undefined);
    assert.equal(r.m.receive(r.adv(100), HIGHER), 'discarded');
    assert.equal(r.m.state, 'active');
  });

  it('lower priority: discarded, stays Active, answered at once (RFC 9568 6.4.3), the Adver_Timer restarts; a flood buys one answer per ASSERT_GAP_MS', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(300);
    assert.equal(r.m.receive(r.adv(99), HIGHER), 'discarded');
    assert.deepEqual(r.fresh(), [{ at: t + 300, kind: 'send', priority: 100 }]);
    r.clock.advance(700);
    assert.deepEqual(r.fresh(), [], 'the timer was re-armed at 300');
    r.clock.advance(300);
    assert.deepEqual(r.fresh(), [{ at: t + 1300, kind: 'send', priority: 100 }]);
    for (let i = 0; i < 1000; i++) {
      r.clock.advance(1);
      r.m.receive(r.adv(99), HIGHER);
    }
    const sent = r.fresh().filter((e) => e.kind === 'send').length;
    assert.ok(sent <= 1000 / ASSERT_GAP_MS + 1, `${sent} advertisements for 1000 forged ones in 1 s`);
  });

  it('priority 0 from another router: an advertisement at once, and the Adver_Timer restarts from it', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(400);
    assert.equal(r.m.receive(r.adv(0), HIGHER), 'stop');
    assert.equal(r.m.state, 'active');
    assert.deepEqual(r.fresh(), [{ at: t + 400, kind: 'send', priority: 100 }]);
    r.clock.advance(999);
    assert.deepEqual(r.fresh(), []);
    r.clock.advance(1);
    assert.deepEqual(r.fresh(), [{ at: t + 1400, kind: 'send', priority: 100 }]);
    assert.equal(r.m.counters.priorityZeroReceived, 1);
  });

  it('Shutdown: a priority-0 advertisement, leaveActive, Initialize, no timer left', () => {
    const r = active();
    const t = r.t();
    r.m.shutdown('firsthop stopping');
    assert.equal(r.m.state, 'initialize');
    assert.deepEqual(r.fresh(), [
      { at: t, kind: 'send', priority: 0 },
      { at: t, kind: 'leave' },
      { at: t, kind: 'move', from: 'active', to: 'initialize' },
    ]);
    assert.deepEqual(r.m.last, { from: 'active', to: 'initialize', at: r.clock.now(), reason: 'firsthop stopping' });
    assert.equal(r.clock.timerCount, 0);
    assert.equal(r.m.counters.priorityZeroSent, 1);
    r.clock.advance(10_000);
    assert.deepEqual(r.fresh(), []);
  });

  it('Shutdown of the owner also sends priority 0', () => {
    const r = rig({ priority: 255 });
    r.m.startup();
    r.fresh();
    r.m.shutdown();
    assert.deepEqual(r.fresh().map((e) => (e.kind === 'send' ? `send ${e.priority}` : e.kind)), ['send 0', 'leave', 'move']);
  });

  it('setPriority while Active advertises the new priority at once and restarts the Adver_Timer', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(300);
    r.m.setPriority(80);
    assert.equal(r.m.priority, 80);
    assert.deepEqual(r.fresh(), [{ at: t + 300, kind: 'send', priority: 80 }]);
    r.clock.advance(1000);
    assert.deepEqual(r.fresh(), [{ at: t + 1300, kind: 'send', priority: 80 }]);
    // The same priority again: nothing.
    r.m.setPriority(80);
    assert.deepEqual(r.fresh(), []);
    // A Backup of 90 now wins; we step down on its advertisement.
    assert.equal(r.m.receive(r.adv(90), LOWER), 'stepped_down');
  });

  it('setPriority clamps a non-owner to 1..254 and rounds', () => {
    const r = active();
    r.m.setPriority(300);
    assert.equal(r.m.priority, 254);
    r.m.setPriority(255);
    assert.equal(r.m.priority, 254, 'a non-owner never claims 255');
    r.m.setPriority(0);
    assert.equal(r.m.priority, 1, 'a non-owner never sends 0 by tracking');
    r.m.setPriority(-40);
    assert.equal(r.m.priority, 1);
    r.m.setPriority(99.6);
    assert.equal(r.m.priority, 100);
    assert.deepEqual(r.fresh().map((e) => (e.kind === 'send' ? e.priority : e.kind)), [254, 1, 100]);
  });

  it('the owner keeps 255 whatever setPriority says, and sends nothing for it', () => {
    const r = rig({ priority: 255 });
    r.m.startup();
    r.fresh();
    for (const p of [50, 1, 0, 254, 300]) {
      r.m.setPriority(p);
      assert.equal(r.m.priority, 255);
    }
    assert.deepEqual(r.fresh(), []);
    // And so it is never out-ranked by priority: only an equal 255 with a higher address.
    assert.equal(r.m.receive(r.adv(254), HIGHER), 'discarded');
  });

  it('reconfigure while Active: the new interval applies at once', () => {
    const r = active();
    const t = r.t();
    r.clock.advance(100);
    r.m.reconfigure(config({ advertIntervalCs: 50 }));
    r.clock.advance(1000);
    assert.deepEqual(
      r.sends().map((s) => s - t),
      [0, 600, 1100],
    );
  });
});

describe('sync-group orders', () => {
  it('forceActive from Backup: the Active_Down_Timer is cancelled, Active at once with an advertisement', () => {
    const r = backup();
    r.at(1000);
    r.m.receive(r.adv(200), HIGHER);
    r.m.forceActive('sync group g: v4 became Active');
    assert.equal(r.m.state, 'active');
    assert.deepEqual(r.fresh(), [
      { at: 1000, kind: 'enter' },
      { at: 1000, kind: 'send', priority: 100 },
      { at: 1000, kind: 'announce' },
      { at: 1000, kind: 'move', from: 'backup', to: 'active' },
    ]);
    assert.deepEqual(r.m.last, { from: 'backup', to: 'active', at: r.t0 + 1000, reason: 'sync group g: v4 became Active' });
    assert.equal(r.m.downTimerDueAt, undefined);
    assert.equal(r.clock.timerCount, 1, 'only the Adver_Timer');
  });

  it('forceBackup from Active: priority 0, leaveActive, Backup with the configured interval', () => {
    const r = active({ advertIntervalCs: 50 });
    const t = r.t();
    r.m.forceBackup('sync group g: v4 left Active');
    assert.equal(r.m.state, 'backup');
    assert.deepEqual(r.fresh(), [
      { at: t, kind: 'send', priority: 0 },
      { at: t, kind: 'leave' },
      { at: t, kind: 'move', from: 'active', to: 'backup' },
    ]);
    assert.equal(r.m.last?.reason, 'sync group g: v4 left Active');
    assert.equal(r.m.learnedIntervalCs, 50);
    assert.equal(r.m.downTimerDueAt, r.clock.now() + 1500 + 304.6875);
    assert.equal(r.clock.timerCount, 1, 'only the Active_Down_Timer');
    assert.equal(r.m.counters.priorityZeroSent, 1);
  });

  it('forceActive when Active and forceBackup when Backup do nothing', () => {
    const a = active();
    a.m.forceActive('x');
    assert.deepEqual(a.fresh(), []);
    const b = backup();
    b.m.forceBackup('x');
    assert.deepEqual(b.fresh(), []);
    assert.equal(b.m.downTimerDueAt, b.t0 + 3609.375);
  });

  it('they do nothing when not running: before Startup and after Shutdown', () => {
    const r = rig();
    r.m.forceActive('x');
    r.m.forceBackup('x');
    assert.equal(r.m.state, 'initialize');
    assert.deepEqual(r.effects, []);
    assert.equal(r.clock.timerCount, 0);
    const s = active();
    s.m.shutdown();
    s.fresh();
    s.m.forceActive('x');
    s.m.forceBackup('x');
    assert.equal(s.m.state, 'initialize');
    assert.deepEqual(s.fresh(), []);
    assert.equal(s.clock.timerCount, 0);
  });
});

describe('bookkeeping', () => {
  it('every transition is recorded with from, to, at and reason, after its effects, and counted', () => {
    const r = rig();
    r.m.startup();
    r.at(3609.375);
    r.at(4000);
    r.m.receive(r.adv(200), HIGHER);
    r.at(5000);
    r.m.shutdown('stop');
    assert.deepEqual(
      r.transitions.map((tr) => ({ ...tr, at: tr.at - r.t0, reason: typeof tr.reason })),
      [
        { from: 'initialize', to: 'backup', at: 0, reason: 'string' },
        { from: 'backup', to: 'active', at: 3609.375, reason: 'string' },
        { from: 'active', to: 'backup', at: 4000, reason: 'string' },
        { from: 'backup', to: 'initialize', at: 5000, reason: 'string' },
      ],
    );
    assert.ok(r.transitions.every((tr) => tr.reason.length > 0));
    assert.equal(r.m.counters.transitions, 4);
    assert.deepEqual(r.m.last, r.transitions[3]);
    // transitioned() comes after the effects of the same event.
    const enter = r.effects.findIndex((e) => e.kind === 'enter');
    const moveActive = r.effects.findIndex((e) => e.kind === 'move' && e.to === 'active');
    assert.ok(enter < moveActive);
  });

  it('dispose stops every timer and sends nothing', () => {
    const a = active();
    a.m.dispose();
    assert.equal(a.clock.timerCount, 0);
    a.clock.advance(10_000);
    assert.deepEqual(a.fresh(), []);
    const b = backup();
    b.m.dispose();
    assert.equal(b.clock.timerCount, 0);
  });

  it('a long run between two priorities settles: the higher is Active, the lower sees it every interval', () => {
    // Two machines wired to each other through a shared clock.
    const clock = new ManualClock();
    const log: string[] = [];
    const machines: VrrpMachine[] = [];
    const mk = (name: string, priority: number, address: string): VrrpMachine => {
      const m: VrrpMachine = new VrrpMachine(config({ name, priority }), {
        clock,
        sendAdvertisement: (p) => {
          for (const other of machines) if (other !== m) other.receive({ vrid: 51, priority: p, maxAdvertIntervalCs: 100, addresses: ['fe80::1'] }, address);
        },
        enterActive: () => log.push(`${name} enter`),
        announce: () => undefined,
        leaveActive: () => log.push(`${name} leave`),
        transitioned: (t) => log.push(`${name} ${t.from}->${t.to}`),
      });
      m.setPrimaryAddress(address);
      machines.push(m);
      return m;
    };
    const low = mk('low', 100, 'fe80::1');
    const high = mk('high', 200, 'fe80::2');
    const t0 = clock.now();
    low.startup();
    clock.advance(1000);
    high.startup();
    clock.advance(3000);
    assert.equal(low.state, 'active', 'low took over first at 3609.375 (no one else was there)');
    assert.equal(high.state, 'backup', 'high has not yet preempted: it ignores low, and its timer runs');
    // high: Backup at 1000, Active_Down_Interval(200) = 3000 + 218.75 -> preempts at 4218.75.
    clock.advance(218.75);
    assert.equal(high.state, 'active');
    assert.equal(high.last?.at, t0 + 4218.75);
    assert.equal(low.state, 'backup');
    clock.advance(60_000);
    assert.equal(high.state, 'active');
    assert.equal(low.state, 'backup');
    assert.deepEqual(log, ['low initialize->backup', 'high initialize->backup', 'low enter', 'low backup->active', 'high enter', 'low leave', 'low active->backup', 'high backup->active']);
    // high shuts down: low takes over after its Skew_Time.
    const before = clock.now();
    high.shutdown();
    clock.advance(609.375);
    assert.equal(low.state, 'active');
    assert.equal(low.last?.at, before + 609.375);
  });
});
