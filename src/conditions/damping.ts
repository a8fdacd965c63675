/**
 * Damping of one condition (RFC 8475 3.2.7): a pure state machine over (raw value, time).
 * It owns no timer; the engine asks `nextDeadline()` and calls `tick(now)` then.
 *
 * Rules, in the order they are applied:
 *  - A change to false is announced at once: hosts must stop preferring a broken uplink
 *    (RFC 8475 3.1.2: "Hosts should not use addresses from an ISP_A prefix").
 *  - Every true -> false change of the raw value is a flap: `penalty` is added to the decayed
 *    penalty (RFC 2439 4.2 "figure of merit"), which decays as p * 2^(-dt / halfLifeMs).
 *  - A flap that takes the penalty above `suppress` suppresses the condition (RFC 2439 4.2
 *    "cut-off threshold"). Suppression ends when the penalty has decayed below `reuse`, or
 *    `maxSuppressMs` after it began, whichever comes first (RFC 2439 4.2 "maximum hold-down").
 *    RFC 2439's penalty ceiling is not applied: with a maximum suppression shorter than a few
 *    half-lives it would sit below `suppress` and silently disable suppression; the time bound
 *    above is what limits suppression. A suppression that ends on the time bound with the
 *    penalty still above `suppress` starts again at the next flap.
 *  - A change to true is announced once the raw value has been true for `holdDownMs` without a
 *    break and the condition is not suppressed (RFC 8475 3.2.7: "postpone sending an RA with a
 *    nonzero lifetime for a PIO when the uplink comes up for a number of seconds"). When
 *    suppression ends and the raw value has already been true for the hold-down, true is
 *    announced at that moment.
 * Without a DampingConfig the effective value follows the raw value (flaps are still counted).
 */
import type { DampingConfig } from './types';

/**
 * Defaults for a condition written with damping but without numbers, chosen for uplinks:
 *  - holdDownMs 30 s: long enough for a link that renegotiates, or a BGP session that comes
 *    back and has to reload its routes, to prove itself; short enough that a repaired primary
 *    uplink is preferred again within a minute. While held down the other prefix is used, so
 *    waiting costs little. (RFC 8475 3.2.7 asks for "a number of seconds".)
 *  - penalty 1000, suppress 2000, reuse 750: RFC 2439's (and most BGP implementations')
 *    numbers, so the third quick flap suppresses.
 *  - halfLifeMs 60 s: RFC 2439 uses 15 min for BGP routes, which change far less often than
 *    an uplink's carrier and whose flaps cost the whole Internet. Scaled to uplinks: after three
 *    quick flaps (penalty ~2900) the condition is reusable after about 2 minutes of calm; after
 *    a minute of flapping once a second (penalty ~40000), after ~6 minutes.
 *  - maxSuppressMs 10 min: RFC 2439's 60 min is 4 half-lives of BGP; for an uplink an operator
 *    expects it back within minutes once it is stable, and a link that keeps flapping is
 *    suppressed again at its next flap anyway.
 */
export const DEFAULT_DAMPING: DampingConfig = Object.freeze({
  holdDownMs: 30_000,
  penalty: 1000,
  suppress: 2000,
  reuse: 750,
  halfLifeMs: 60_000,
  maxSuppressMs: 600_000,
});

/** Why a DampingConfig is unusable, or undefined when it is fine. */
export function dampingProblem(d: DampingConfig): string | undefined {
  const finite = (v: number): boolean => Number.isFinite(v);
  if (!finite(d.holdDownMs) || d.holdDownMs < 0) return `holdDownMs ${d.holdDownMs} must be a number >= 0`;
  if (!finite(d.penalty) || d.penalty < 0) return `penalty ${d.penalty} must be a number >= 0`;
  if (!finite(d.halfLifeMs) || d.halfLifeMs <= 0) return `halfLifeMs ${d.halfLifeMs} must be a number > 0`;
  if (!finite(d.maxSuppressMs) || d.maxSuppressMs < 0) return `maxSuppressMs ${d.maxSuppressMs} must be a number >= 0`;
  if (!finite(d.reuse) || d.reuse <= 0) return `reuse ${d.reuse} must be a number > 0`;
  if (!finite(d.suppress) || d.suppress < d.reuse) return `suppress ${d.suppress} must be a number >= reuse ${d.reuse}`;
  return undefined;
}

/** What changed in one call, for the engine's log lines. */
export interface DampingChange {
  readonly effectiveChanged: boolean;
  /** Suppression began (with the penalty that crossed `suppress`). */
  readonly suppressed?: { readonly penalty: number; readonly until: number };
  /** Suppression ended: 'reuse' (the penalty decayed) or 'max' (maxSuppressMs ran out). */
  readonly reused?: 'reuse' | 'max';
}

const NO_CHANGE: DampingChange = { effectiveChanged: false };

export class Damper {
  private cfg: DampingConfig | undefined;
  private rawValue: boolean;
  private effectiveValue: boolean;
  private rawSinceMs: number;
  private effectiveSinceMs: number;
  /** Penalty as of `penaltyAtMs`. */
  private penaltyValue = 0;
  private penaltyAtMs: number;
  private flapCount = 0;
  private suppressedSinceMs: number | undefined;

  constructor(cfg: DampingConfig | undefined, raw: boolean, now: number) {
    this.cfg = cfg;
    this.rawValue = raw;
    this.effectiveValue = raw;
    this.rawSinceMs = now;
    this.effectiveSinceMs = now;
    this.penaltyAtMs = now;
  }

  get raw(): boolean {
    return this.rawValue;
  }
  get effective(): boolean {
    return this.effectiveValue;
  }
  /** Epoch ms of the last raw change (or of the start). */
  get rawSince(): number {
    return this.rawSinceMs;
  }
  /** Epoch ms of the last effective change (or of the start). */
  get effectiveSince(): number {
    return this.effectiveSinceMs;
  }
  get flaps(): number {
    return this.flapCount;
  }
  get config(): DampingConfig | undefined {
    return this.cfg;
  }
  get suppressed(): boolean {
    return this.suppressedSinceMs !== undefined;
  }

  /** The penalty decayed to `now`. */
  penalty(now: number): number {
    if (!this.cfg || this.penaltyValue === 0) return 0;
    return this.penaltyValue * Math.pow(2, -Math.max(0, now - this.penaltyAtMs) / this.cfg.halfLifeMs);
  }

  /** When suppression ends if nothing else flaps (epoch ms), while suppressed. */
  suppressedUntil(): number | undefined {
    if (this.suppressedSinceMs === undefined || !this.cfg) return undefined;
    const c = this.cfg;
    // Solve penalty * 2^(-dt/halfLife) = reuse for dt.
    const reuseAt = this.penaltyValue > c.reuse ? this.penaltyAtMs + c.halfLifeMs * Math.log2(this.penaltyValue / c.reuse) : this.penaltyAtMs;
    return Math.min(reuseAt, this.suppressedSinceMs + c.maxSuppressMs);
  }

  /** When a raw true is due to be announced by the hold-down (epoch ms), while raw is true and effective false. */
  holdDownUntil(): number | undefined {
    if (!this.rawValue || this.effectiveValue || !this.cfg) return undefined;
    return this.rawSinceMs + this.cfg.holdDownMs;
  }

  /** The next moment `tick` may change something, if any. */
  nextDeadline(): number | undefined {
    const release = this.suppressedUntil();
    if (release !== undefined) return release;
    return this.holdDownUntil();
  }

  /** Start over from `raw` (start-up, or a probe's first verdict): announced at once, penalty kept. */
  reset(raw: boolean, now: number): DampingChange {
    const changed = raw !== this.effectiveValue;
    this.rawValue = raw;
    this.rawSinceMs = now;
    if (changed) {
      this.effectiveValue = raw;
      this.effectiveSinceMs = now;
    }
    return changed ? { effectiveChanged: true } : NO_CHANGE;
  }

  /** New damping parameters; state (values, penalty, flaps, suppression) is kept. */
  reconfigure(cfg: DampingConfig | undefined, now: number): DampingChange {
    this.penaltyValue = this.penalty(now);
    this.penaltyAtMs = now;
    this.cfg = cfg;
    if (cfg) return this.tick(now);
    this.penaltyValue = 0;
    this.suppressedSinceMs = undefined;
    if (this.effectiveValue === this.rawValue) return NO_CHANGE;
    this.effectiveValue = this.rawValue; // undamped: the raw value goes through
    this.effectiveSinceMs = now;
    return { effectiveChanged: true };
  }

  /** The raw value at `now`. */
  setRaw(raw: boolean, now: number): DampingChange {
    const before = this.tick(now);
    if (raw === this.rawValue) return before;
    this.rawValue = raw;
    this.rawSinceMs = now;
    if (!raw) {
      // A flap (RFC 2439 4.2: a withdrawal adds to the figure of merit).
      this.flapCount++;
      let suppressed: DampingChange['suppressed'];
      const c = this.cfg;
      if (c) {
        this.penaltyValue = this.penalty(now) + c.penalty;
        this.penaltyAtMs = now;
        if (this.suppressedSinceMs === undefined && this.penaltyValue > c.suppress) {
          this.suppressedSinceMs = now;
          suppressed = { penalty: this.penaltyValue, until: this.suppressedUntil() ?? now };
        }
      }
      // RFC 8475 3.2.7 delays only the change to true: false is announced at once.
      const changed = this.effectiveValue;
      if (changed) {
        this.effectiveValue = false;
        this.effectiveSinceMs = now;
      }
      return { ...before, effectiveChanged: before.effectiveChanged || changed, ...(suppressed ? { suppressed } : {}) };
    }
    if (!this.cfg) {
      this.effectiveValue = true;
      this.effectiveSinceMs = now;
      return { ...before, effectiveChanged: true };
    }
    const after = this.tick(now); // a zero hold-down announces at once
    return { ...before, ...after, effectiveChanged: before.effectiveChanged || after.effectiveChanged };
  }

  /** Apply what time alone changes: the end of suppression, the end of the hold-down. */
  tick(now: number): DampingChange {
    const c = this.cfg;
    if (!c) return NO_CHANGE;
    let reused: DampingChange['reused'];
    const release = this.suppressedUntil();
    let releasedAt: number | undefined;
    if (release !== undefined && this.suppressedSinceMs !== undefined && now >= release) {
      reused = release >= this.suppressedSinceMs + c.maxSuppressMs ? 'max' : 'reuse';
      this.suppressedSinceMs = undefined;
      releasedAt = release;
    }
    let effectiveChanged = false;
    const due = this.holdDownUntil();
    if (this.suppressedSinceMs === undefined && due !== undefined && now >= due) {
      this.effectiveValue = true;
      // The moment it was due, even if the timer fired late.
      this.effectiveSinceMs = Math.max(due, releasedAt ?? due);
      effectiveChanged = true;
    }
    if (!effectiveChanged && reused === undefined) return NO_CHANGE;
    return { effectiveChanged, ...(reused ? { reused } : {}) };
  }
}
