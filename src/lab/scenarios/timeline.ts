/**
 * What a scenario run saw, as data: events on lanes, sampled values, the verdict's checks and
 * the end-to-end chains (failure -> RA on the wire -> host kernel -> data plane). Pure: no I/O,
 * no clock of its own (times are CLOCK_REALTIME microseconds given by the caller, from tcpdump's
 * kernel timestamps, `ip -ts monitor` and `ping -D`). Rendered by render.ts (text, SVG) and
 * printed as JSON by `firsthop lab run --json`.
 */

/**
 * Lanes of the timeline, top to bottom:
 *  - failure: what the lab did (carrier cut, process killed), timed by the lab or by the
 *    router kernel's own link notification;
 *  - daemon: what the routers' daemons said (firsthop's condition and VRRP lines, BIRD,
 *    keepalived): shown for context, never used for a timing;
 *  - wire: packets captured on the host's link (RAs, VRRP adverts, NAs), kernel timestamps;
 *  - host: the host kernel's route, address and neighbour notifications (`ip -ts monitor`);
 *  - data: the host's traffic (ping replies, new connections, the path packets took).
 */
export type Lane = 'failure' | 'daemon' | 'wire' | 'host' | 'data';
export const LANES: readonly Lane[] = ['failure', 'daemon', 'wire', 'host', 'data'];

export interface TimelineEvent {
  /** CLOCK_REALTIME, microseconds since the epoch. */
  readonly tUs: number;
  readonly lane: Lane;
  readonly what: string;
  /** Where the time comes from: 'lab', 'capture h0@host', 'kernel (ip monitor)', 'ping -D', 'firsthop log'. */
  readonly source: string;
  /** Marks an event the reader should see highlighted (a failure, a verdict's step). */
  readonly key?: boolean;
}

/** A value sampled over time, drawn as a step line on its lane (a lifetime on the wire, the host's preferred lifetime). */
export interface Series {
  readonly name: string;
  readonly lane: Lane;
  readonly unit: string;
  readonly points: Array<{ readonly tUs: number; readonly value: number }>;
}

export interface Check {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

/** One link of an end-to-end chain: a step and when it happened. */
export interface ChainStep {
  readonly what: string;
  /** undefined: not seen (the chain broke here). */
  readonly tUs: number | undefined;
  readonly source: string;
}

/** A failure (or recovery) and what followed it, each step timed from the first. */
export interface Chain {
  readonly name: string;
  /** The failure (or recovery) it starts from. */
  readonly startUs: number;
  readonly steps: readonly ChainStep[];
}

export type Verdict = 'pass' | 'fail';

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  /** The test setting (shorter timers and lifetimes), or a full run. */
  readonly fast: boolean;
  readonly startUs: number;
  readonly endUs: number;
  readonly events: readonly TimelineEvent[];
  readonly series: readonly Series[];
  readonly chains: readonly Chain[];
  readonly checks: readonly Check[];
  readonly verdict: Verdict;
  /** What went wrong outside the checks (an exception), if anything. */
  readonly error?: string;
}

/** Collects a run's events, series, chains and checks. */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly series = new Map<string, Series>();
  readonly chains: Chain[] = [];
  readonly checks: Check[] = [];

  constructor(readonly startUs: number) {}

  add(e: TimelineEvent): TimelineEvent {
    this.events.push(e);
    return e;
  }

  /** Add a sample to a named series (created on first use). Consecutive equal values are kept: they are samples. */
  sample(name: string, lane: Lane, unit: string, tUs: number, value: number): void {
    let s = this.series.get(name);
    if (s === undefined) {
      s = { name, lane, unit, points: [] };
      this.series.set(name, s);
    }
    s.points.push({ tUs, value });
  }

  chain(name: string, startUs: number, steps: readonly ChainStep[]): Chain {
    const c = { name, startUs, steps };
    this.chains.push(c);
    return c;
  }

  check(name: string, pass: boolean, detail: string): boolean {
    this.checks.push({ name, pass, detail });
    return pass;
  }

  result(scenario: string, title: string, fast: boolean, endUs: number, error?: string): ScenarioResult {
    const events = [...this.events].sort((a, b) => a.tUs - b.tUs);
    const series = [...this.series.values()].map((s) => ({ ...s, points: [...s.points].sort((a, b) => a.tUs - b.tUs) }));
    const verdict: Verdict = error === undefined && this.checks.length > 0 && this.checks.every((c) => c.pass) ? 'pass' : 'fail';
    return { scenario, title, fast, startUs: this.startUs, endUs, events, series, chains: [...this.chains], checks: [...this.checks], verdict, ...(error !== undefined ? { error } : {}) };
  }
}

/**
 * The longest silence in a series of reply times (µs, any order) that overlaps [fromUs, toUs]:
 * the data-plane outage around a failure. A silence still running at toUs counts up to toUs
 * (traffic that stopped and never came back is the longest outage, not none). Returns the
 * gap's edges and length, or undefined when there is no reply at or before toUs.
 */
export function longestGap(timesUs: readonly number[], fromUs = -Infinity, toUs = Infinity): { readonly startUs: number; readonly endUs: number; readonly ms: number } | undefined {
  const t = [...timesUs].sort((a, b) => a - b);
  let best: { startUs: number; endUs: number; ms: number } | undefined;
  const consider = (a: number, b: number): void => {
    if (b < fromUs || a > toUs) return;
    const ms = (b - a) / 1000;
    if (best === undefined || ms > best.ms) best = { startUs: a, endUs: b, ms };
  };
  for (let i = 1; i < t.length; i++) consider(t[i - 1] as number, t[i] as number);
  if (Number.isFinite(toUs)) {
    const last = t.filter((x) => x <= toUs).pop();
    if (last !== undefined && last < toUs && !t.some((x) => x > last && x <= toUs)) consider(last, toUs);
  }
  return best;
}

/** "12.3 ms", "1.52 s", "-" for undefined. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (Math.abs(ms) >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}
