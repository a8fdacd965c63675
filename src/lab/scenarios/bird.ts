/**
 * BIRD 2 in a lab scenario: config pieces, starting `bird -f -c CONF -s SOCK` in a namespace
 * through ctx.daemon (its log in the lab directory, the control socket beside it), asking it
 * with `birdc -s SOCK`, and waiting for protocols and OSPF adjacencies to be up.
 *
 * What BIRD says is context, never a measurement: its log lines go on the daemon lane, and the
 * scenarios time the routes it installs from the routers' kernels (`ip monitor`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { ScenarioContext } from './scenario';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Config

/** The head of every config: log to stderr (the daemon's log file) with microseconds, a router id. */
export function birdHead(routerId: string): string {
  return `log stderr all;
timeformat log "%F %T.%6f";
router id ${routerId};

# Interfaces and their link state, from the kernel's notifications (the scan is only a fallback).
protocol device { scan time 10; }
`;
}

/**
 * The connected routes of `ifaces`, only while they have carrier (`check link yes`): a link
 * that loses carrier takes its route away at once.
 */
export function birdDirect(name: string, ifaces: readonly string[]): string {
  return `
protocol direct ${name} {
    ipv6;
    interface ${ifaces.map((i) => `"${i}"`).join(', ')};
    check link yes;
    debug { states, routes };
}
`;
}

/** Install the routes `exportFilter` selects into the kernel's main table (proto bird, metric 32). */
export function birdKernel(exportFilter: string): string {
  return `
protocol kernel {
    ipv6 { import none; export ${exportFilter}; };
    debug { states, routes };
}
`;
}

export interface OspfIface {
  readonly name: string;
  /** 'ptp' (two routers on the link) or 'broadcast'. */
  readonly type: 'ptp' | 'broadcast';
  /** Hello interval, s (BIRD's default 10). */
  readonly hello: number;
  /** Dead interval, s (BIRD's default 4 x hello). */
  readonly dead: number;
  /** Make the interface a stub: its prefixes are announced, no adjacency is formed on it. */
  readonly stub?: boolean;
}

export interface OspfOptions {
  readonly name?: string;
  /**
   * BIRD's OSPF scheduler tick, s (integer, at least 1; default 1): LSAs that arrive are
   * installed at once, but the routing table is recomputed only at the next tick.
   */
  readonly tick: number;
  readonly ifaces: readonly OspfIface[];
  /** What goes into OSPF (as AS-external routes): 'none', or 'where ...'. */
  readonly export: string;
}

/** OSPFv3 area 0 on the given interfaces. */
export function birdOspf(o: OspfOptions): string {
  const ifaces = o.ifaces
    .map((i) => `        interface "${i.name}" {${i.stub === true ? ' stub yes;' : ''} type ${i.type === 'ptp' ? 'ptp' : 'broadcast'}; hello ${i.hello}; dead ${i.dead};${i.type === 'broadcast' ? ` wait ${Math.max(2, i.dead)};` : ''} };`)
    .join('\n');
  return `
protocol ospf v3 ${o.name ?? 'ospf1'} {
    tick ${o.tick};
    ipv6 { import all; export ${o.export}; };
    area 0 {
${ifaces}
    };
    debug { states, events };
}
`;
}

// ---------------------------------------------------------------------------
// The daemon

export interface BirdProtocol {
  readonly name: string;
  readonly proto: string;
  readonly table: string;
  readonly state: string;
  readonly info: string;
}

/** Parse `birdc show protocols`: "Name Proto Table State Since Info" rows. */
export function parseProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === 'Name' || /^BIRD|^\d{4}[- ]/.test(line)) continue;
    const [name, proto, table, state] = f as [string, string, string, string];
    if (!/^(up|down|start|flush|stop)$/.test(state)) continue;
    // Since is one or two words (time, or date and time); Info is the rest.
    const rest = f.slice(4);
    while (rest.length > 0 && /^[\d:.-]+$/.test(rest[0] as string)) rest.shift();
    out.push({ name, proto, table, state, info: rest.join(' ') });
  }
  return out;
}

export interface OspfNeighbor {
  readonly routerId: string;
  readonly state: string;
  readonly iface: string;
}

/** Parse `birdc show ospf neighbors`: "Router ID  Pri  State  DTime  Interface  Router IP" rows. */
export function parseOspfNeighbors(text: string): OspfNeighbor[] {
  const out: OspfNeighbor[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+\.\d+\.\d+\.\d+)\s+\d+\s+(\S+)\s+[\d.:]+\s+(\S+)/.exec(line);
    if (m !== null) out.push({ routerId: m[1] as string, state: m[2] as string, iface: m[3] as string });
  }
  return out;
}

export interface Bird {
  readonly ns: string;
  readonly name: string;
  readonly confPath: string;
  readonly sock: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** `birdc -s SOCK ARGS...` in the namespace: its output. */
  birdc(...args: string[]): Promise<string>;
  /** Wait until every named protocol is up; throws with `show protocols` on timeout. */
  waitProtocols(names: readonly string[], timeoutMs?: number): Promise<void>;
  /** Wait until `count` OSPF neighbours of protocol `proto` are Full; throws with `show ospf neighbors` on timeout. */
  waitOspfFull(count: number, proto?: string, timeoutMs?: number): Promise<void>;
  /** The log so far. */
  log(): string;
  /** SIGKILL: the routing process dies without withdrawing anything (its kernel routes stay). */
  kill(): void;
}

/** OSPFv3 timers of the scenarios: hello/dead 1/3 s fast, BIRD's defaults 10/40 s full; BIRD's tick 1 s. */
export function ospfTimers(ctx: ScenarioContext): { readonly hello: number; readonly dead: number; readonly tick: number } {
  return { hello: ctx.pick(1, 10), dead: ctx.pick(3, 40), tick: 1 };
}

/**
 * Start BIRD in `ns` with `config` (written to `<lab dir>/<name>.conf`), its control socket at
 * `<lab dir>/<name>.ctl` and its output in `<lab dir>/<name>.log` (ctx.daemon: --keep leaves
 * it running). Resolves once BIRD has read its config and started. Its log lines matching
 * `timeline` are put on the daemon lane when the run ends.
 */
export async function startBird(ctx: ScenarioContext, ns: string, name: string, config: string, opts: { readonly timeoutMs?: number; readonly timeline?: RegExp } = {}): Promise<Bird> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const startedUs = ctx.now();
  const dir = ctx.lab.dir();
  const confPath = join(dir, `${name}.conf`);
  const sock = join(dir, `${name}.ctl`);
  writeFileSync(confPath, config);
  const { child, logPath } = ctx.daemon(ns, name, ['bird', '-f', '-c', confPath, '-s', sock]);
  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!/<INFO> Started/.test(log())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bird in ${ns} exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    if (Date.now() > deadline) throw new Error(`bird in ${ns}: not started after ${timeoutMs} ms:\n${log()}`);
    await sleep(20);
  }
  const birdc = async (...args: string[]): Promise<string> => (await ctx.lab.exec(ns, ['birdc', '-s', sock, ...args], { timeoutMs: 5000 })).stdout;
  const waitUntil = async (what: string, show: () => Promise<string>, done: (text: string) => boolean, ms: number): Promise<void> => {
    const end = Date.now() + ms;
    let text = '';
    for (;;) {
      text = await show();
      if (done(text)) return;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bird in ${ns} exited while waiting for ${what}:\n${log()}`);
      if (Date.now() > end) throw new Error(`bird in ${ns}: no ${what} after ${ms} ms:\n${text}`);
      await sleep(100);
    }
  };
  const interesting = opts.timeline;
  // BIRD's log lines of interest go on the daemon lane when the run ends (context only).
  if (interesting !== undefined) ctx.onFinish(async () => birdToTimeline(ctx, { log }, ns.toUpperCase(), interesting, startedUs));
  return {
    ns,
    name,
    confPath,
    sock,
    logPath,
    child,
    birdc,
    log,
    waitProtocols: (names, ms = 10_000) =>
      waitUntil(`${names.join(', ')} up`, () => birdc('show', 'protocols'), (t) => {
        const ps = parseProtocols(t);
        return names.every((n) => ps.some((p) => p.name === n && p.state === 'up'));
      }, ms),
    waitOspfFull: (count, proto = 'ospf1', ms = 30_000) =>
      waitUntil(`${count} Full OSPF neighbour(s)`, () => birdc('show', 'ospf', 'neighbors', proto), (t) => parseOspfNeighbors(t).filter((n) => n.state.startsWith('Full')).length >= count, ms),
    kill: () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** BIRD's log lines (`YYYY-MM-DD HH:MM:SS.ffffff <LEVEL> text`, local time) with their times. */
export function parseBirdLog(text: string): Array<{ readonly tUs: number; readonly level: string; readonly text: string }> {
  const out: Array<{ tUs: number; level: string; text: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) <(\w+)> (.*)$/.exec(line);
    if (m === null) continue;
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    out.push({ tUs: new Date(y, mo - 1, d, h, mi, s).getTime() * 1000 + Number(m[7]), level: m[8] as string, text: m[9] as string });
  }
  return out;
}

/**
 * Put the interesting lines of a BIRD log on the daemon lane (context only: BIRD's clock is
 * its loop's cached time, and the scenarios time routes from the kernel, not from BIRD).
 */
export function birdToTimeline(ctx: ScenarioContext, bird: Pick<Bird, 'log'>, label: string, interesting: RegExp, fromUs = 0): void {
  for (const l of parseBirdLog(bird.log())) {
    if (l.tUs < fromUs || !interesting.test(l.text)) continue;
    ctx.event('daemon', l.tUs, `${label} bird: ${l.text}`, 'BIRD log (self-reported, not timed from)');
  }
}
