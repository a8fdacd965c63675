/**
 * A lab scenario (../shared/guide/scenarios.md, docs/scenarios.md): a topology, a failure and
 * what every host must see. `run()` builds the topology in the context's lab, starts the
 * daemons, injects the failure and the recovery, and records what the wire, the host's kernel
 * and the host's traffic showed, ending with checks that make the verdict. The runner
 * (runner.ts) owns the lab: it removes it afterwards, also on Ctrl-C or an error.
 */
import { join } from 'node:path';
import { openSync, closeSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../netns';
import { realtimeMicros } from '../pcap';
import { startFirsthop, type FirsthopHandle, type StartOptions } from '../firsthop';
import { KernelWatch, PathWatch, Pinger, WireWatch, type KernelWatchOptions, type PathLink, type WireWatchOptions } from './probes';
import { fmtMs, type ChainStep, type Lane, type Timeline } from './timeline';
import { chainLines } from './render';

export interface Scenario {
  /** 'S1', 'S1-vxlan', ... (case-insensitive on the command line). */
  readonly name: string;
  /** One line: what it shows. */
  readonly title: string;
  /** Commands it needs beyond iproute2, tcpdump and ping ('bird', 'keepalived'). */
  readonly needs?: readonly string[];
  /** Roughly how long a run takes, fast and full, in seconds (for `lab list`). */
  readonly seconds: { readonly fast: number; readonly full: number };
  run(ctx: ScenarioContext): Promise<void>;
}

/** Lines from a daemon's log shown on the daemon lane (context only: never timed from). */
const DAEMON_LINE = /condition \S+ (is now|is flapping)|condition \S+: suppression ended|condition \S+ set |vrrp \S+: \w+ -> \w+|rogue router|withdr/;

export interface ContextOptions {
  readonly fast: boolean;
  /** Where narrative lines go (stdout; nothing with --json). */
  readonly out: (line: string) => void;
}

export class ScenarioContext {
  readonly fast: boolean;
  private readonly out: (line: string) => void;
  private readonly stoppers: Array<() => Promise<void>> = [];
  private readonly daemons: Array<{ readonly label: string; readonly handle: FirsthopHandle }> = [];

  constructor(
    readonly lab: Lab,
    readonly tl: Timeline,
    opts: ContextOptions,
  ) {
    this.fast = opts.fast;
    this.out = opts.out;
  }

  /** A narrative line. */
  say(text: string): void {
    this.out(text);
  }

  /** Pick the fast (test) or full value. */
  pick<T>(fast: T, full: T): T {
    return this.fast ? fast : full;
  }

  now(): number {
    return realtimeMicros();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /**
   * Do what the scenario breaks (or repairs). The event is timed just before the action starts
   * (a router's own kernel notification, when watched, times it more closely). Returns that time.
   */
  async inject(what: string, action: () => Promise<unknown>): Promise<number> {
    const tUs = realtimeMicros();
    this.tl.add({ tUs, lane: 'failure', what, source: 'lab', key: true });
    this.say(`\n>>> ${what}`);
    await action();
    return tUs;
  }

  /** Start firsthop in a namespace (logging to a file, so that --keep can leave it running). */
  async firsthop(ns: string, config: string, opts: StartOptions & { readonly label?: string } = {}): Promise<FirsthopHandle> {
    const h = await startFirsthop(this.lab, ns, config, { debug: 1, logFile: true, ...opts });
    this.daemons.push({ label: opts.label ?? ns, handle: h });
    return h;
  }

  /**
   * Start another daemon (bird, keepalived) in the foreground in a namespace, its output in
   * `<lab dir>/<name>.log` (not a pipe, so that --keep can leave it running).
   */
  daemon(ns: string, name: string, argv: readonly string[]): { readonly child: ChildProcess; readonly logPath: string } {
    const logPath = join(this.lab.dir(), `${name}.log`);
    const fd = openSync(logPath, 'a');
    try {
      return { child: this.lab.spawn(ns, argv, { stdio: ['ignore', fd, fd] }), logPath };
    } finally {
      closeSync(fd);
    }
  }

  /** Run `stop` when the run ends (before the lab goes), whatever happened: a scenario's own probe. */
  onFinish(stop: () => Promise<void>): void {
    this.stoppers.push(stop);
  }

  /** Capture RAs, NAs and VRRP adverts on a link; stopped by the runner. */
  async wire(ns: string, ifname: string, opts: WireWatchOptions = {}): Promise<WireWatch> {
    const w = await WireWatch.start(this.lab, this.tl, ns, ifname, opts);
    this.stoppers.push(() => w.stop());
    return w;
  }

  /** Follow a namespace's kernel notifications; stopped by the runner. */
  async kernel(ns: string, opts: KernelWatchOptions = {}): Promise<KernelWatch> {
    const k = await KernelWatch.start(this.lab, this.tl, ns, opts);
    this.stoppers.push(() => k.stop());
    return k;
  }

  /** Ping from a namespace every intervalMs (10 ms); stopped by the runner unless stopped before. */
  ping(ns: string, dst: string, opts: { intervalMs?: number; source?: string; label?: string } = {}): Pinger {
    const p = Pinger.start(this.lab, ns, dst, opts);
    this.stoppers.push(async () => {
      const replies = await p.stop();
      this.recordReplies(p.label, replies, p.intervalMs * 5);
    });
    return p;
  }

  /**
   * Put a ping's replies on the data lane: answered pings per 100 ms as a series, and each
   * silence longer than `silenceMs` (five intervals of a 10-ms ping) as an event.
   */
  recordReplies(label: string, replies: readonly number[], silenceMs: number): void {
    if (replies.length === 0) return;
    const t = [...replies].sort((a, b) => a - b);
    const bin = 100_000;
    const first = Math.floor((t[0] as number) / bin) * bin;
    const counts = new Map<number, number>();
    for (const x of t) counts.set(Math.floor((x - first) / bin), (counts.get(Math.floor((x - first) / bin)) ?? 0) + 1);
    const last = Math.floor(((t[t.length - 1] as number) - first) / bin);
    for (let i = 0; i <= last; i++) this.tl.sample(`${label}: replies per 100 ms`, 'data', 'replies', first + i * bin, counts.get(i) ?? 0);
    for (let i = 1; i < t.length; i++) {
      const gapMs = ((t[i] as number) - (t[i - 1] as number)) / 1000;
      if (gapMs > silenceMs) this.tl.add({ tUs: t[i - 1] as number, lane: 'data', what: `${label}: no reply for ${fmtMs(gapMs)}`, source: 'ping -D' });
    }
  }

  /** Capture the host's echo requests on the links they may leave by; stopped by the runner. */
  async paths(links: readonly PathLink[], filter?: string): Promise<PathWatch> {
    const p = await PathWatch.start(this.lab, this.tl, links, filter);
    this.stoppers.push(() => p.stop());
    return p;
  }

  /**
   * Record an end-to-end chain: the failure at t0, then each step's time (undefined: not seen).
   * Prints it with the delay of each step from t0.
   */
  chain(name: string, t0: number, steps: ReadonlyArray<readonly [what: string, tUs: number | undefined, source: string]>): void {
    const all: ChainStep[] = steps.map(([what, tUs, source]) => ({ what, tUs, source }));
    this.tl.chain(name, t0, all);
    this.say(`    ${name}:`);
    const lines = chainLines(t0, all);
    all.forEach((s, i) => this.say(`    ${lines[i]}  [${s.source}]`));
  }

  /** A verdict item: printed at once and in the summary. */
  check(name: string, pass: boolean, detail: string): boolean {
    this.tl.check(name, pass, detail);
    this.say(`    ${pass ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
    return pass;
  }

  /** Add an event by hand (a host sample, a connection). */
  event(lane: Lane, tUs: number, what: string, source: string, key = false): void {
    this.tl.add({ tUs, lane, what, source, ...(key ? { key } : {}) });
  }

  /** Stop every probe and read the daemons' logs onto the daemon lane. Called by the runner. */
  async finish(): Promise<void> {
    for (const s of this.stoppers.splice(0).reverse()) {
      try {
        await s();
      } catch (e) {
        this.say(`(stopping a probe: ${(e as Error).message})`);
      }
    }
    for (const d of this.daemons) {
      for (const line of d.handle.log().split('\n')) {
        const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \S+: \w+: (.*)$/.exec(line);
        if (m === null || !DAEMON_LINE.test(m[2] as string)) continue;
        this.tl.add({ tUs: Date.parse(m[1] as string) * 1000, lane: 'daemon', what: `${d.label}: ${m[2]}`, source: 'firsthop log (self-reported, not timed from)' });
      }
    }
  }
}
