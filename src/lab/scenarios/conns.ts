/**
 * New TCP connections from a host, seen from both ends and on the links between (S2, S3):
 *  - a client in the host's namespace (a small Node program: this node, -e) opens a new
 *    connection every intervalMs on each of its streams: 'auto' binds nothing (the host's kernel
 *    picks the source address, RFC 6724: a deprecated address is avoided), the others bind a
 *    given source address. It prints one JSON line per attempt: when it started (CLOCK_REALTIME
 *    µs), whether the handshake completed, the error, the local address and port;
 *  - a server (the same, in the server's namespace) prints each peer it accepts;
 *  - tcpdump captures the SYNs on the links the connections may take (the router's uplinks as
 *    they leave it, the server's ingress links as they arrive): by (source, port), every attempt
 *    is matched to the links its SYN crossed.
 * Times come from the client's own clock (the host's traffic) and from the captures' kernel
 * timestamps, never from a daemon.
 */
import type { ChildProcess } from 'node:child_process';
import { formatIPv6 } from '../../net/ipv6';
import type { Lab } from '../netns';
import { capture, type Capture } from '../pcap';
import { poll } from './probes';
import type { Timeline } from './timeline';

/** One connection attempt, as the client saw it. */
export interface Attempt {
  /** 'auto' (no bind) or the bound source address. */
  readonly stream: string;
  /** When connect() was called (CLOCK_REALTIME µs, the client's clock). */
  readonly t: number;
  /** When it ended (connected, failed or timed out). */
  readonly te: number;
  readonly ok: boolean;
  /** The error code ('ENETUNREACH', 'timeout', ...) when it failed. */
  readonly err?: string;
  /** The local address and port (absent when the socket failed before having one). */
  readonly local?: string;
  readonly port?: number;
}

/** A SYN captured on a link. */
export interface Syn {
  readonly tUs: number;
  readonly link: string;
  readonly src: string;
  readonly sport: number;
}

export interface ConnLink {
  /** Which way this is ('ISP A'); several captures may share a label (egress and ingress). */
  readonly label: string;
  /** 'egress': leaving the first-hop router; 'ingress': arriving at the server. */
  readonly side: 'egress' | 'ingress';
  readonly ns: string;
  readonly ifname: string;
}

export interface ConnOptions {
  readonly clientNs: string;
  readonly serverNs: string;
  readonly server: string;
  readonly port: number;
  readonly links: readonly ConnLink[];
  /** Default 100 ms. */
  readonly intervalMs?: number;
  /** Give up on a handshake after this long (default 3000 ms: a SYN retransmission, at 1 s, and its answer fit). */
  readonly timeoutMs?: number;
  /** A name for a source address ('A', 'B'), for the timeline. */
  readonly name: (addr: string | undefined) => string;
}

/** The client: a new connection per stream every interval; one JSON line per attempt. */
export const CLIENT_JS = `
const net = require('net');
const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const [host, port, iv, tmo, ...streams] = process.argv.slice(1);
let seq = 0;
function attempt(stream) {
  const t = now();
  const id = seq++;
  process.stdout.write(JSON.stringify({ start: id, stream, t }) + '\\n');
  const o = { host, port: Number(port) };
  if (stream !== 'auto') o.localAddress = stream;
  let s;
  let done = false;
  const fin = (ok, err) => {
    if (done) return;
    done = true;
    let local, lport;
    try { local = s.localAddress; lport = s.localPort; } catch {}
    process.stdout.write(JSON.stringify({ id, stream, t, te: now(), ok, err, local, port: lport }) + '\\n');
    s.destroy();
  };
  try { s = net.connect(o); } catch (e) { process.stdout.write(JSON.stringify({ id, stream, t, te: now(), ok: false, err: e.code || String(e) }) + '\\n'); return; }
  s.setTimeout(Number(tmo), () => fin(false, 'timeout'));
  s.on('connect', () => fin(true));
  s.on('error', (e) => fin(false, e.code || e.message));
}
setInterval(() => { for (const st of streams) attempt(st); }, Number(iv));
process.on('SIGTERM', () => process.exit(0));
`;

/** The server: prints each accepted peer, answers one line and closes. */
export const SERVER_JS = `
const net = require('net');
const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const [addr, port] = process.argv.slice(1);
const srv = net.createServer((s) => {
  process.stdout.write(JSON.stringify({ t: now(), peer: s.remoteAddress, port: s.remotePort }) + '\\n');
  s.on('error', () => {});
  s.end('hello\\n');
});
srv.listen(Number(port), addr, () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/** tcpdump filter: TCP SYNs (not SYN-ACKs) to `port`, IPv6 without extension headers. */
export function synFilter(port: number): string {
  return `ip6 and ip6[6] == 6 and ip6[42:2] == ${port} and (ip6[53] & 0x12) == 2`;
}

/** The source and source port of a SYN in an Ethernet frame (undefined if it is not one). */
export function decodeSyn(frame: Uint8Array): { src: string; sport: number } | undefined {
  if (frame.length < 14 + 40 + 20 || frame[12] !== 0x86 || frame[13] !== 0xdd || frame[14 + 6] !== 6) return undefined;
  const src = formatIPv6(frame, 14 + 8);
  const sport = ((frame[54] ?? 0) << 8) | (frame[55] ?? 0);
  return { src, sport };
}

/** An attempt the client started: { start: id, stream, t }. */
export interface Start {
  readonly id: number;
  readonly stream: string;
  readonly t: number;
}

/** Parse the client's output lines: ended attempts, and (into `starts`) started ones. Incomplete or foreign lines are skipped. */
export function parseAttempts(text: string, starts?: Map<number, Start>): Attempt[] {
  const out: Attempt[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (typeof o['start'] === 'number' && typeof o['stream'] === 'string' && typeof o['t'] === 'number') {
        starts?.set(o['start'], { id: o['start'], stream: o['stream'], t: o['t'] });
        continue;
      }
      if (typeof o['id'] === 'number') starts?.delete(o['id']);
      if (typeof o['stream'] !== 'string' || typeof o['t'] !== 'number' || typeof o['te'] !== 'number' || typeof o['ok'] !== 'boolean') continue;
      out.push({
        stream: o['stream'],
        t: o['t'],
        te: o['te'],
        ok: o['ok'],
        ...(typeof o['err'] === 'string' ? { err: o['err'] } : {}),
        ...(typeof o['local'] === 'string' ? { local: o['local'] } : {}),
        ...(typeof o['port'] === 'number' ? { port: o['port'] } : {}),
      });
    } catch {
      // a line cut short when the client was stopped
    }
  }
  return out;
}

export class Conns {
  private clientBuf = '';
  private readonly parsed: Attempt[] = [];
  /** Attempts started and not yet ended. */
  private readonly open = new Map<number, Start>();
  private serverText = '';
  private client: ChildProcess | undefined;
  private stopped = false;
  private bound: readonly string[] = [];

  private constructor(
    private readonly lab: Lab,
    private readonly tl: Timeline,
    private readonly opts: ConnOptions,
    private readonly server: ChildProcess,
    private readonly caps: ReadonlyArray<{ readonly link: ConnLink; readonly cap: Capture }>,
  ) {
    server.stdout?.on('data', (d: Buffer) => {
      if (this.serverText.length < 16 * 1024 * 1024) this.serverText += d.toString('utf8');
    });
  }

  /** Start the captures and the server (the client starts with startClient()). */
  static async start(lab: Lab, tl: Timeline, opts: ConnOptions): Promise<Conns> {
    const caps = [];
    for (const link of opts.links) caps.push({ link, cap: await capture(lab, link.ns, link.ifname, synFilter(opts.port)) });
    const server = lab.spawn(opts.serverNs, [process.execPath, '-e', SERVER_JS, opts.server, String(opts.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = new Conns(lab, tl, opts, server, caps);
    const up = await poll(() => (c.serverText.includes('listening') ? true : undefined), 5000, 20);
    if (up === undefined) throw new Error(`the TCP server in ${opts.serverNs} did not start listening on [${opts.server}]:${opts.port}`);
    return c;
  }

  /** Start opening connections: unbound ('auto') and from each of `bound` (addresses the host has by now). */
  startClient(bound: readonly string[]): void {
    const o = this.opts;
    this.bound = bound;
    const argv = [process.execPath, '-e', CLIENT_JS, o.server, String(o.port), String(o.intervalMs ?? 100), String(o.timeoutMs ?? 3000), 'auto', ...bound];
    this.client = this.lab.spawn(o.clientNs, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.client.stdout?.on('data', (d: Buffer) => {
      this.clientBuf += d.toString('utf8');
      const end = this.clientBuf.lastIndexOf('\n');
      if (end < 0) return;
      for (const a of parseAttempts(this.clientBuf.slice(0, end), this.open)) this.parsed.push(a);
      this.clientBuf = this.clientBuf.slice(end + 1);
    });
  }

  /** Every attempt reported so far, in start order. */
  attempts(stream?: string): Attempt[] {
    const all = [...this.parsed].sort((a, b) => a.t - b.t);
    return stream === undefined ? all : all.filter((a) => a.stream === stream);
  }

  /** Attempts of `stream` started in [from, to) that have not ended yet. */
  pending(stream: string, from: number, to: number): Start[] {
    return [...this.open.values()].filter((a) => a.stream === stream && a.t >= from && a.t < to);
  }

  /** The first attempt started at or after afterUs that matches, waiting up to timeoutMs for it to be reported. */
  async waitFirst(pred: (a: Attempt) => boolean, afterUs: number, timeoutMs: number): Promise<Attempt | undefined> {
    return poll(() => this.attempts().find((a) => a.t >= afterUs && pred(a)), timeoutMs, 20);
  }

  /** Every SYN captured so far. */
  syns(side?: ConnLink['side']): Syn[] {
    return this.caps.filter((c) => side === undefined || c.link.side === side).flatMap((c) => c.cap.packets.flatMap((p) => {
      const s = decodeSyn(p.bytes);
      return s === undefined ? [] : [{ tUs: p.tsMicros, link: c.link.label, ...s }];
    }));
  }

  /** The first SYN of an attempt on a side: which way it went, and when. */
  synOf(a: Attempt | undefined, side: ConnLink['side']): Syn | undefined {
    if (a?.local === undefined || a.port === undefined) return undefined;
    let best: Syn | undefined;
    for (const s of this.syns(side)) if (s.src === a.local && s.sport === a.port && s.tUs >= a.t - 1000 && (best === undefined || s.tUs < best.tUs)) best = s;
    return best;
  }

  /** Peers the server accepted (its own clock), in order. */
  accepted(): Array<{ t: number; peer: string; port: number }> {
    const out: Array<{ t: number; peer: string; port: number }> = [];
    for (const line of this.serverText.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const o = JSON.parse(line) as { t: number; peer: string; port: number };
        out.push(o);
      } catch {
        // cut short
      }
    }
    return out;
  }

  /** Stop the client now (the captures and the server go on until stop()). */
  async stopClient(): Promise<void> {
    if (this.client !== undefined) await this.lab.kill(this.client, 500);
  }

  /**
   * Stop everything and put the connections on the data lane: one event each time a stream's
   * new connections change source, way in or outcome, and per stream and way a series of the
   * connections per second that completed.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.stopClient();
    await this.lab.kill(this.server, 500);
    for (const c of this.caps) await c.cap.stop();
    const streams = ['auto', ...this.bound];
    const ingress = new Map<string, string>();
    for (const s of this.syns('ingress')) {
      const k = `${s.src}|${s.sport}`;
      if (!ingress.has(k)) ingress.set(k, s.link);
    }
    for (const st of streams) {
      const label = st === 'auto' ? "new connections (the kernel's choice of source)" : `new connections from ${this.opts.name(st)}'s address (bound)`;
      let cur: string | undefined;
      const bins = new Map<string, Map<number, number>>();
      for (const a of this.attempts(st)) {
        const way = a.local !== undefined && a.port !== undefined ? ingress.get(`${a.local}|${a.port}`) : undefined;
        const state = a.ok ? `from ${this.opts.name(a.local)}'s address, in through ${way ?? 'a link not captured'}` : `failing (${a.err ?? 'error'}${a.local !== undefined ? `, from ${this.opts.name(a.local)}'s address` : ''})`;
        if (state !== cur) {
          cur = state;
          this.tl.add({ tUs: a.t, lane: 'data', what: `${label}: ${state}`, source: 'the client in the host (its clock) and captures at the server' });
        }
        if (a.ok) {
          const key = way ?? 'unknown';
          const m = bins.get(key) ?? new Map<number, number>();
          bins.set(key, m);
          const b = Math.floor(a.t / 1e6);
          m.set(b, (m.get(b) ?? 0) + 1);
        }
      }
      if (st !== 'auto') continue;
      // One series per way in, over the same seconds, zeros included, so that a switch shows.
      const all = this.attempts(st);
      if (all.length === 0) continue;
      const first = Math.floor((all[0] as Attempt).t / 1e6);
      const last = Math.floor((all[all.length - 1] as Attempt).t / 1e6);
      for (const [way, m] of bins) for (let b = first; b <= last; b++) this.tl.sample(`new conns/s via ${way}`, 'data', 'conn/s', b * 1e6, m.get(b) ?? 0);
    }
  }
}
