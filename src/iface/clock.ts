/** Time and randomness, injected so the RFC 4861 timing rules are unit-tested without waiting. */
export interface TimerHandle { readonly id: number }

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>();
  const immediates = new Map<number, NodeJS.Immediate>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = next++;
      if (ms <= 0) {
        // Due now: setTimeout would wait at least 1 ms; an RA that is due goes out this turn.
        const im = setImmediate(() => {
          immediates.delete(id);
          fn();
        });
        immediates.set(id, im);
        return { id };
      }
      // Rounded up: Node truncates a fractional delay, and a timer must not fire early (VRRP's
      // Active_Down_Interval is 360.9375 ms at a 100 ms interval).
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.ceil(ms));
      timers.set(id, t);
      return { id };
    },
    clearTimeout(h) {
      const t = timers.get(h.id);
      if (t !== undefined) clearTimeout(t);
      timers.delete(h.id);
      const im = immediates.get(h.id);
      if (im !== undefined) clearImmediate(im);
      immediates.delete(h.id);
    },
  };
})();

/** A manual clock for tests: time moves only when `advance` is called. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.seq++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return { id };
  }
  clearTimeout(h: TimerHandle): void {
    this.pending.delete(h.id);
  }
  /** Run every timer due within `ms`, in time order, moving the clock as it goes. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let best: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (best === undefined || e[1].at < best[1].at || (e[1].at === best[1].at && e[0] < best[0]))) best = e;
      if (best === undefined) break;
      this.pending.delete(best[0]);
      this.t = Math.max(this.t, best[1].at);
      best[1].fn();
    }
    this.t = end;
  }
  get timerCount(): number {
    return this.pending.size;
  }
}
