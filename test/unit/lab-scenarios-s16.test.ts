/**
 * S6's lab scenario judges the daemon by its own prediction of the damping (predictRecovery):
 * that prediction must be what the documented scheme gives, i.e. what the daemon's Damper does
 * on the same link changes. And the scenario must run the shipped example, damping values aside.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Damper } from '../../src/conditions/damping';
import { parseConfig } from '../../src/config';
import { predictRecovery, s6Config, type S6Damping } from '../../src/lab/scenarios/s6';

const EXAMPLE: S6Damping = { holdDown: 10, penalty: 1000, suppress: 2000, reuse: 750, halfLife: 30, maxSuppress: 300 };

/** When the Damper announces true again after these changes (ms), stepping its clock every 10 ms. */
function damperRecovery(changes: ReadonlyArray<{ tUs: number; up: boolean }>, d: S6Damping): number {
  const cfg = { holdDownMs: d.holdDown * 1000, penalty: d.penalty, suppress: d.suppress, reuse: d.reuse, halfLifeMs: d.halfLife * 1000, maxSuppressMs: d.maxSuppress * 1000 };
  const first = changes[0]!.tUs / 1000;
  const damper = new Damper(cfg, true, first - 1000);
  for (const c of changes) damper.setRaw(c.up, c.tUs / 1000);
  for (let t = changes[changes.length - 1]!.tUs / 1000; t < first + 3_600_000; t += 10) {
    damper.tick(t);
    if (damper.effective) return damper.effectiveSince;
  }
  throw new Error('never recovered');
}

function flapping(startUs: number, n: number, periodMs: number): Array<{ tUs: number; up: boolean }> {
  const out: Array<{ tUs: number; up: boolean }> = [];
  for (let i = 0; i < n; i++) {
    out.push({ tUs: startUs + i * periodMs * 1000, up: false });
    out.push({ tUs: startUs + (i + 0.5) * periodMs * 1000, up: true });
  }
  return out;
}

describe('lab S6: predictRecovery', () => {
  const T = 1_700_000_000_000_000;
  const cases: Array<[string, Array<{ tUs: number; up: boolean }>, S6Damping]> = [
    ['one flap: the hold-down alone', flapping(T, 1, 2000), EXAMPLE],
    ['a minute at 1 s, the example', flapping(T, 60, 1000), EXAMPLE],
    ['a minute at 1 s, half-life 15 s (the full run)', flapping(T, 60, 1000), { ...EXAMPLE, halfLife: 15 }],
    ['15 s at 1 s, the fast run', [...flapping(T, 1, 1500), ...flapping(T + 6e6, 15, 1000)], { holdDown: 2, penalty: 1000, suppress: 2000, reuse: 750, halfLife: 3, maxSuppress: 60 }],
    ['bounded by MaxSuppress', flapping(T, 60, 1000), { ...EXAMPLE, maxSuppress: 40 }],
  ];
  for (const [name, changes, d] of cases) {
    it(`${name}: the same moment as the daemon's Damper`, () => {
      const p = predictRecovery(changes, d);
      assert.ok(p !== undefined);
      const got = damperRecovery(changes, d);
      assert.ok(Math.abs(p.recoveryUs / 1000 - got) <= 10, `predicted ${p.recoveryUs / 1000}, Damper ${got}`);
    });
  }
  it('no prediction while the link is down', () => {
    assert.equal(predictRecovery([{ tUs: 1, up: false }], EXAMPLE), undefined);
  });
});

describe('lab S6: the config', () => {
  it('is examples/s6-flapping-uplink.conf with the damping values given', () => {
    const strip = (t: string): string => t.replace(/#.*$/gm, '').replace(/\s+/g, ' ').trim();
    const example = readFileSync(resolve(__dirname, '..', '..', '..', 'examples', 's6-flapping-uplink.conf'), 'utf8');
    assert.equal(strip(s6Config(EXAMPLE)), strip(example));
    const r = parseConfig(s6Config({ ...EXAMPLE, halfLife: 15 }, 0.03), 's6');
    assert.ok(r.ok);
  });
});
