/** LineBudget (src/daemon/log.ts): the per-minute limit on lines about what the wire sends, on a manual clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBudget } from '../../src/daemon/log';
import { ManualClock } from '../../src/iface/clock';

test('the count of held-back lines is told when the minute ends, even when nothing more arrives', () => {
  const clock = new ManualClock();
  const told: number[] = [];
  const b = new LineBudget(2, (n) => told.push(n), clock);
  const t0 = clock.now();
  assert.deepEqual([b.take(t0), b.take(t0), b.take(t0), b.take(t0)], [true, true, false, false]);
  clock.advance(60_000);
  assert.deepEqual(told, [2]);
});

test('a new minute started by take() before the timer fired: the next minute\'s count is still told', () => {
  const clock = new ManualClock();
  const told: number[] = [];
  const b = new LineBudget(1, (n) => told.push(n), clock);
  const t0 = clock.now();
  b.take(t0);
  b.take(t0); // held back: a timer for t0 + 60 s
  // A packet stamped t0 + 60 s is handled before the timer runs (the clock lags by 1 ms): it
  // tells the first minute and starts the second.
  clock.advance(59_999);
  assert.equal(b.take(t0 + 60_000), true);
  assert.deepEqual(told, [1]);
  assert.equal(b.take(t0 + 60_000), false); // held back in the second minute
  clock.advance(60_001);
  assert.deepEqual(told, [1, 1], 'the second minute is told by its own timer');
});

test('a wall clock stepped backwards does not hold lines back for as long as the step', () => {
  const clock = new ManualClock();
  const b = new LineBudget(1, () => undefined, clock);
  const t0 = clock.now();
  b.take(t0);
  assert.equal(b.take(t0), false);
  assert.equal(b.take(t0 - 3_600_000), true, 'a new minute starts at the stepped time');
  assert.equal(b.take(t0 - 3_600_000 + 1000), false);
});
