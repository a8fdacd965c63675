/** Damping (RFC 8475 3.2.7): the Damper's arithmetic, then S6 (a flapping uplink) through the engine. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_DAMPING, Damper, dampingProblem } from '../../src/conditions/damping';
import type { DampingConfig } from '../../src/conditions/types';
import { cond, rig, WAN } from './conditions-support';

const T0 = 1_700_000_000_000;
const D: DampingConfig = DEFAULT_DAMPING;

function close(actual: number, expected: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} is not ${expected}`);
}

describe('Damper', () => {
  it('defaults: hold-down 30 s, RFC 2439 thresholds, half-life 60 s, max suppression 10 min', () => {
    assert.deepEqual({ ...DEFAULT_DAMPING }, { holdDownMs: 30_000, penalty: 1000, suppress: 2000, reuse: 750, halfLifeMs: 60_000, maxSuppressMs: 600_000 });
    assert.ok(Object.isFrozen(DEFAULT_DAMPING));
    assert.equal(dampingProblem(DEFAULT_DAMPING), undefined);
    assert.match(dampingProblem({ ...D, holdDownMs: -1 }) ?? '', /holdDownMs/);
    assert.match(dampingProblem({ ...D, penalty: Number.NaN }) ?? '', /penalty/);
    assert.match(dampingProblem({ ...D, maxSuppressMs: -5 }) ?? '', /maxSuppressMs/);
    assert.match(dampingProblem({ ...D, reuse: 0 }) ?? '', /reuse/);
  });

  it('false at once; true only after holdDownMs of continuous truth', () => {
    const d = new Damper(D, true, T0);
    assert.equal(d.effective, true);
    assert.deepEqual(d.setRaw(false, T0 + 1000), { effectiveChanged: true });
    assert.equal(d.effective, false);
    assert.equal(d.effectiveSince, T0 + 1000);
    d.setRaw(true, T0 + 2000);
    assert.equal(d.effective, false);
    assert.equal(d.holdDownUntil(), T0 + 32_000);
    assert.equal(d.nextDeadline(), T0 + 32_000);
    assert.deepEqual(d.tick(T0 + 31_999), { effectiveChanged: false });
    assert.equal(d.effective, false);
    assert.deepEqual(d.tick(T0 + 32_000), { effectiveChanged: true });
    assert.equal(d.effective, true);
    assert.equal(d.effectiveSince, T0 + 32_000);
    assert.equal(d.holdDownUntil(), undefined);
    assert.equal(d.nextDeadline(), undefined);
  });

  it('a break in the truth restarts the hold-down', () => {
    const d = new Damper({ ...D, penalty: 0 }, false, T0);
    d.setRaw(true, T0);
    d.setRaw(false, T0 + 20_000);
    d.setRaw(true, T0 + 21_000);
    d.tick(T0 + 30_000);
    assert.equal(d.effective, false);
    assert.equal(d.holdDownUntil(), T0 + 51_000);
    d.tick(T0 + 51_000);
    assert.equal(d.effective, true);
  });

  it('a late tick dates the change to when it was due', () => {
    const d = new Damper(D, false, T0);
    d.setRaw(true, T0);
    d.setRaw(true, T0 + 45_000); // no change of raw value, but time has passed: the hold-down ended
    assert.equal(d.effective, true);
    assert.equal(d.effectiveSince, T0 + 30_000);
  });

  it('zero hold-down: true at once when not suppressed', () => {
    const d = new Damper({ ...D, holdDownMs: 0 }, false, T0);
    assert.deepEqual(d.setRaw(true, T0 + 5), { effectiveChanged: true });
    assert.equal(d.effective, true);
  });

  it('the penalty: +penalty per true -> false flap, halved every half-life', () => {
    const d = new Damper(D, true, T0);
    d.setRaw(false, T0);
    assert.equal(d.flaps, 1);
    close(d.penalty(T0), 1000);
    close(d.penalty(T0 + 60_000), 500, 'one half-life');
    close(d.penalty(T0 + 120_000), 250, 'two half-lives');
    close(d.penalty(T0 + 30_000), 1000 / Math.SQRT2, 'half a half-life');
    d.setRaw(true, T0 + 60_000);
    assert.equal(d.flaps, 1, 'false -> true is not a flap');
    d.setRaw(false, T0 + 60_000);
    close(d.penalty(T0 + 60_000), 1500);
    assert.equal(d.suppressed, false, '1500 is not above 2000');
  });

  it('suppression: the flap that takes the penalty above suppress; until it decays to reuse', () => {
    const d = new Damper(D, true, T0);
    d.setRaw(false, T0);
    d.setRaw(true, T0 + 1000);
    d.setRaw(false, T0 + 2000);
    assert.equal(d.suppressed, false);
    d.setRaw(true, T0 + 3000);
    const ch = d.setRaw(false, T0 + 4000);
    assert.equal(d.suppressed, true);
    assert.equal(d.flaps, 3);
    const p = 1000 * Math.pow(2, -4000 / 60_000) + 1000 * Math.pow(2, -2000 / 60_000) + 1000;
    close(d.penalty(T0 + 4000), p);
    const reuseAt = T0 + 4000 + 60_000 * Math.log2(p / 750);
    close(d.suppressedUntil() ?? 0, reuseAt, 'suppressed until the penalty decays to reuse');
    assert.ok(ch.suppressed);
    close(ch.suppressed.until, reuseAt);
    // Up again at once and stable: still false while suppressed, long past the hold-down.
    d.setRaw(true, T0 + 5000);
    d.tick(T0 + 5000 + 30_000);
    assert.equal(d.effective, false);
    assert.equal(d.nextDeadline(), d.suppressedUntil());
    const early = d.tick(Math.floor(reuseAt) - 1);
    assert.equal(early.effectiveChanged, false);
    assert.equal(d.suppressed, true);
    const release = d.tick(Math.ceil(reuseAt));
    assert.deepEqual(release, { effectiveChanged: true, reused: 'reuse' });
    assert.equal(d.suppressed, false);
    assert.equal(d.effective, true, 'true for longer than the hold-down: announced when suppression ends');
    close(d.effectiveSince, reuseAt);
    assert.ok(d.penalty(Math.ceil(reuseAt)) <= 750);
  });

  it('after suppression ends, a recent rise still waits for its hold-down', () => {
    const d = new Damper(D, true, T0);
    for (let i = 0; i < 3; i++) {
      d.setRaw(false, T0 + i * 2000);
      d.setRaw(true, T0 + i * 2000 + 1000);
    }
    d.setRaw(false, T0 + 6000);
    const until = d.suppressedUntil() ?? 0;
    d.setRaw(true, until - 10_000); // up 10 s before suppression ends
    d.tick(until);
    assert.equal(d.suppressed, false);
    assert.equal(d.effective, false);
    assert.equal(d.nextDeadline(), until - 10_000 + 30_000);
    d.tick(until + 20_000);
    assert.equal(d.effective, true);
  });

  it('maximum suppression bounds it, counted from when suppression began', () => {
    const cfg: DampingConfig = { ...D, holdDownMs: 0, halfLifeMs: 600_000, maxSuppressMs: 60_000 };
    const d = new Damper(cfg, true, T0);
    for (let i = 0; i < 3; i++) {
      d.setRaw(false, T0 + i * 1000);
      d.setRaw(true, T0 + i * 1000 + 500);
    }
    assert.equal(d.suppressed, true);
    assert.equal(d.suppressedUntil(), T0 + 2000 + 60_000, 'the penalty would take far longer to decay');
    // More flaps while suppressed do not push the bound.
    d.setRaw(false, T0 + 10_000);
    d.setRaw(true, T0 + 10_500);
    assert.equal(d.suppressedUntil(), T0 + 2000 + 60_000);
    assert.deepEqual(d.tick(T0 + 62_000), { effectiveChanged: true, reused: 'max' });
    assert.equal(d.effective, true);
    assert.ok(d.penalty(T0 + 62_000) > cfg.suppress, 'the penalty is still high ...');
    d.setRaw(false, T0 + 63_000);
    assert.equal(d.suppressed, true, '... so the next flap suppresses again');
    assert.equal(d.suppressedUntil(), T0 + 63_000 + 60_000);
  });

  it('no RFC 2439 ceiling: a maximum suppression shorter than a half-life still suppresses', () => {
    const cfg: DampingConfig = { ...D, halfLifeMs: 600_000, maxSuppressMs: 60_000 }; // the ceiling would be 804 < suppress
    const d = new Damper(cfg, true, T0);
    for (let i = 0; i < 50; i++) {
      d.setRaw(false, T0 + i);
      d.setRaw(true, T0 + i);
    }
    assert.equal(d.suppressed, true);
    assert.ok(d.penalty(T0 + 49) > 49_000);
  });

  it('without damping: the raw value goes through; flaps are counted, no penalty', () => {
    const d = new Damper(undefined, true, T0);
    d.setRaw(false, T0 + 1);
    assert.equal(d.effective, false);
    assert.deepEqual(d.setRaw(true, T0 + 2), { effectiveChanged: true });
    assert.equal(d.effective, true);
    assert.equal(d.flaps, 1);
    assert.equal(d.penalty(T0 + 2), 0);
    assert.equal(d.nextDeadline(), undefined);
  });

  it('reset: a first value is announced at once; reconfigure keeps the state', () => {
    const d = new Damper(D, false, T0);
    assert.deepEqual(d.reset(true, T0 + 5), { effectiveChanged: true });
    assert.equal(d.effective, true);
    assert.equal(d.effectiveSince, T0 + 5);
    d.setRaw(false, T0 + 10);
    d.setRaw(true, T0 + 20);
    d.reconfigure({ ...D, holdDownMs: 100 }, T0 + 50);
    assert.equal(d.effective, false);
    assert.equal(d.nextDeadline(), T0 + 120);
    close(d.penalty(T0 + 50), 1000 * Math.pow(2, -40 / 60_000));
    assert.deepEqual(d.reconfigure({ ...D, holdDownMs: 10 }, T0 + 50), { effectiveChanged: true });
    assert.equal(d.effectiveSince, T0 + 30);
  });
});

/** Flap wan0's carrier through the fake kernel, one change per second, for `seconds`. */
async function flap(r: Awaited<ReturnType<typeof rig>>, seconds: number, start: boolean): Promise<boolean> {
  let carrier = start;
  for (let s = 0; s < seconds; s++) {
    carrier = !carrier;
    r.kernel.setLink(WAN.ifindex, { carrier });
    await r.settle();
    r.clock.advance(1000);
  }
  return carrier;
}

describe('S6: a flapping uplink (RFC 8475 3.2.7)', () => {
  it('flapping every second for 20 s stays false throughout; true only once stable after the penalty decayed below reuse', async () => {
    const r = await rig({ conditions: [cond('uplink-a', { kind: 'link', interface: 'wan0', state: 'up' }, DEFAULT_DAMPING)], kernel: (k) => k.addLink(WAN) });
    try {
      const t0 = r.clock.now();
      assert.equal(r.effective('uplink-a'), true);
      // Down at t0, up at t0+1s, ... : 10 downs (flaps) and 10 ups in 20 s; up at the end.
      const seen: boolean[] = [];
      let carrier = true;
      for (let s = 0; s < 20; s++) {
        carrier = !carrier;
        r.kernel.setLink(WAN.ifindex, { carrier });
        await r.settle();
        seen.push(r.effective('uplink-a'));
        r.clock.advance(500);
        seen.push(r.effective('uplink-a'));
        r.clock.advance(500);
      }
      assert.equal(carrier, true);
      assert.ok(seen.every((v) => !v), 'hosts never saw the uplink back while it flapped');
      assert.deepEqual(r.changes, [['uplink-a']], 'one change: down, at the first flap');
      const s = r.status('uplink-a');
      assert.equal(s.flaps, 10);
      assert.equal(s.suppressed, true);
      assert.equal(s.raw, true);
      const lastUp = t0 + 19_000;
      assert.equal(s.lastRawChange, lastUp);
      // The penalty: 1000 per flap at t0, t0+2s, ..., t0+18s, decayed with a 60 s half-life.
      let p = 0;
      for (let k = 0; k < 10; k++) p += 1000 * Math.pow(2, -(18_000 - 2000 * k) / 60_000);
      close(s.penalty, p * Math.pow(2, -(r.clock.now() - (t0 + 18_000)) / 60_000), 'penalty');
      const reuseAt = t0 + 18_000 + 60_000 * Math.log2(p / 750);
      close(s.suppressedUntil ?? 0, reuseAt, 'suppressed until');
      assert.ok(reuseAt - lastUp > 30_000, 'the penalty outlasts the hold-down here');
      // Stable from lastUp on: false until the penalty has decayed below reuse, then true.
      const recovery = Math.ceil(reuseAt);
      r.clock.advance(recovery - 1 - r.clock.now());
      assert.equal(r.effective('uplink-a'), false);
      assert.equal(r.status('uplink-a').suppressed, true);
      r.clock.advance(1);
      assert.equal(r.effective('uplink-a'), true);
      assert.equal(r.status('uplink-a').suppressed, false);
      assert.deepEqual(r.changes, [['uplink-a'], ['uplink-a']], 'down once, up once');
      assert.ok(r.log.lines.some((l) => l.startsWith('warn: condition uplink-a is flapping (3 flaps')), 'suppression logged');
      assert.ok(r.log.lines.some((l) => l.includes('suppression ended (penalty decayed below reuse)')));
      assert.equal(r.clock.timerCount, 0);
    } finally {
      r.close();
    }
  });

  it('when the penalty decays first, recovery waits for the hold-down counted from the last rise', async () => {
    const cfg: DampingConfig = { ...DEFAULT_DAMPING, holdDownMs: 120_000, halfLifeMs: 10_000 };
    const r = await rig({ conditions: [cond('uplink-a', { kind: 'link', interface: 'wan0', state: 'up' }, cfg)], kernel: (k) => k.addLink(WAN) });
    try {
      const t0 = r.clock.now();
      const carrier = await flap(r, 9, true); // down at t0, up at t0+1s, ..., down at t0+8s
      assert.equal(carrier, false);
      assert.equal(r.status('uplink-a').suppressed, true);
      r.clock.advance(5000);
      r.kernel.setLink(WAN.ifindex, { carrier: true }); // up for good at t0+14s
      await r.settle();
      const up = r.clock.now();
      assert.equal(up, t0 + 14_000);
      const until = r.status('uplink-a').suppressedUntil ?? 0;
      assert.ok(until < up + 120_000, 'suppression ends before the hold-down');
      r.clock.advance(Math.ceil(until) - r.clock.now());
      assert.equal(r.status('uplink-a').suppressed, false);
      assert.equal(r.effective('uplink-a'), false);
      assert.equal(r.status('uplink-a').holdDownUntil, up + 120_000);
      r.clock.advance(up + 120_000 - 1 - r.clock.now());
      assert.equal(r.effective('uplink-a'), false);
      r.clock.advance(1);
      assert.equal(r.effective('uplink-a'), true);
      assert.equal(r.status('uplink-a').since, up + 120_000);
    } finally {
      r.close();
    }
  });

  it('a flap during the hold-down restarts it and counts', async () => {
    const r = await rig({ conditions: [cond('uplink-a', { kind: 'link', interface: 'wan0', state: 'up' }, DEFAULT_DAMPING)], kernel: (k) => k.addLink(WAN) });
    try {
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      r.clock.advance(1000);
      r.kernel.setLink(WAN.ifindex, { carrier: true });
      await r.settle();
      r.clock.advance(29_000);
      r.kernel.setLink(WAN.ifindex, { carrier: false });
      await r.settle();
      r.kernel.setLink(WAN.ifindex, { carrier: true });
      await r.settle();
      assert.equal(r.status('uplink-a').flaps, 2);
      r.clock.advance(29_999);
      assert.equal(r.effective('uplink-a'), false);
      r.clock.advance(1);
      assert.equal(r.effective('uplink-a'), true);
      assert.equal(r.clock.timerCount, 0, 'one timer per condition, none left');
    } finally {
      r.close();
    }
  });
});
