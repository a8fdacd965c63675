/**
 * Reachability probes: ICMPv6 echo (RFC 4443 4.1, 4.2) to a target, one request per interval.
 * A probe reports up after `riseThreshold` answers in a row and down after `lossThreshold`
 * losses in a row (an echo unanswered within `timeoutMs`, or one that could not be sent), the
 * rise/fall counting of keepalived's and BFD-less trackers. Until then it reports nothing and
 * the engine keeps the condition false ("pending").
 *
 * IcmpProbeFactory runs every probe over one raw ICMPv6 socket filtered to echo replies; the
 * kernel fills in the checksum of raw ICMPv6 sockets (RFC 3542 3.1). Replies are matched by
 * identifier, sequence number, source and the payload's marker.
 */
import type { Logger } from '../daemon/log';
import type { Clock, TimerHandle } from '../iface/clock';
import { formatIPv6, isLinkLocal, isMulticast, isUnspecified, parseIPv6 } from '../net/ipv6';
import type { NetStateView } from '../netlink/types';
import type { Icmp6Socket, IcmpPacket, SystemBackend } from '../sys/types';
import type { ConditionSpec } from './types';

export type ProbeCondition = Extract<ConditionSpec, { kind: 'probe' }>;

/** A running probe. */
export interface Probe {
  stop(): void;
}

/** Starts probes for the engine; the engine runs without one (probe conditions then stay false). */
export interface ProbeFactory {
  /** Start probing; `report` is called with every verdict that differs from the previous one, the first included. */
  start(spec: ProbeCondition, report: (up: boolean) => void): Probe;
}

export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

/** Our echo payload starts with this, so replies to other pingers with the same identifier are ignored. */
const MARKER = Buffer.from('firsthop', 'ascii');

/** Why a probe spec cannot run, or undefined. */
export function probeProblem(spec: ProbeCondition): string | undefined {
  let target: string;
  try {
    target = formatIPv6(parseIPv6(spec.target));
  } catch {
    return `invalid probe target '${spec.target}'`;
  }
  if (isMulticast(target) || isUnspecified(target)) return `probe target ${target} is not a unicast address`;
  if (spec.source !== undefined) {
    try {
      parseIPv6(spec.source);
    } catch {
      return `invalid probe source '${spec.source}'`;
    }
  }
  if (isLinkLocal(target) && spec.dev === undefined) return `probe target ${target} is link-local: it needs a dev`;
  const positive = (v: number): boolean => Number.isFinite(v) && v > 0;
  if (!positive(spec.intervalMs)) return `probe interval ${spec.intervalMs} ms must be > 0`;
  if (!positive(spec.timeoutMs)) return `probe timeout ${spec.timeoutMs} ms must be > 0`;
  if (!Number.isInteger(spec.lossThreshold) || spec.lossThreshold < 1) return `probe loss threshold ${spec.lossThreshold} must be an integer >= 1`;
  if (!Number.isInteger(spec.riseThreshold) || spec.riseThreshold < 1) return `probe rise threshold ${spec.riseThreshold} must be an integer >= 1`;
  return undefined;
}

/** ICMPv6 Echo Request (RFC 4443 4.1): type 128, code 0, checksum left 0 for the kernel, identifier, sequence, data. */
export function encodeEchoRequest(identifier: number, sequence: number, data: Uint8Array = MARKER): Buffer {
  const b = Buffer.alloc(8 + data.length);
  b[0] = ICMP6_ECHO_REQUEST;
  b[1] = 0;
  b.writeUInt16BE(0, 2);
  b.writeUInt16BE(identifier & 0xffff, 4);
  b.writeUInt16BE(sequence & 0xffff, 6);
  b.set(data, 8);
  return b;
}

/** ICMPv6 Echo Reply (RFC 4443 4.2): its identifier, sequence and data, or undefined. */
export function parseEchoReply(data: Uint8Array): { identifier: number; sequence: number; data: Buffer } | undefined {
  if (data.length < 8 || data[0] !== ICMP6_ECHO_REPLY || data[1] !== 0) return undefined;
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  return { identifier: b.readUInt16BE(4), sequence: b.readUInt16BE(6), data: b.subarray(8) };
}

export interface IcmpProbeOptions {
  readonly backend: SystemBackend;
  readonly clock: Clock;
  /** Resolves a probe's `dev` to its ifindex at every echo (interfaces come and go). */
  readonly net: NetStateView;
  readonly log?: Logger;
  /** First echo identifier handed out (default random), for tests. */
  readonly firstIdentifier?: number;
}

interface Outstanding {
  readonly timer: TimerHandle;
  readonly ifindex: number;
}

class EchoProbe implements Probe {
  private readonly target: string;
  private sequence = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  private answers = 0;
  private losses = 0;
  private state: boolean | undefined;
  private intervalTimer: TimerHandle | undefined;
  private stopped = false;
  /** The last send error, logged once until a send succeeds. */
  private lastError: string | undefined;

  constructor(
    private readonly owner: IcmpProbeFactory,
    readonly identifier: number,
    private readonly spec: ProbeCondition,
    private readonly report: (up: boolean) => void,
  ) {
    this.target = formatIPv6(parseIPv6(spec.target));
  }

  begin(): void {
    this.sendOne();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const clock = this.owner.clock;
    if (this.intervalTimer) clock.clearTimeout(this.intervalTimer);
    for (const o of this.outstanding.values()) clock.clearTimeout(o.timer);
    this.outstanding.clear();
    this.owner.release(this);
  }

  private sendOne(): void {
    if (this.stopped) return;
    const clock = this.owner.clock;
    this.intervalTimer = clock.setTimeout(() => this.sendOne(), this.spec.intervalMs);
    this.sequence = (this.sequence + 1) & 0xffff;
    const seq = this.sequence;
    let ifindex = 0; // the kernel routes it
    if (this.spec.dev !== undefined) {
      const link = this.owner.net.linkByName(this.spec.dev);
      if (!link) {
        this.failed(`interface ${this.spec.dev} does not exist`);
        return;
      }
      ifindex = link.ifindex;
    }
    try {
      this.owner.socket().send(encodeEchoRequest(this.identifier, seq), this.target, ifindex, this.spec.source);
    } catch (e) {
      this.failed(e instanceof Error ? e.message : String(e));
      return;
    }
    this.lastError = undefined;
    const stale = this.outstanding.get(seq); // the sequence wrapped onto an echo still waiting
    if (stale) clock.clearTimeout(stale.timer);
    const timer = clock.setTimeout(() => {
      this.outstanding.delete(seq);
      this.loss();
    }, this.spec.timeoutMs);
    this.outstanding.set(seq, { timer, ifindex });
  }

  /** A send that could not happen counts as a loss. */
  private failed(message: string): void {
    if (message !== this.lastError) this.owner.log?.warn(`probe ${this.target}: cannot send an echo request: ${message}`);
    this.lastError = message;
    this.loss();
  }

  /** @internal an echo reply carrying our identifier. */
  answer(sequence: number, packet: IcmpPacket): void {
    const o = this.outstanding.get(sequence);
    if (!o || packet.source !== this.target) return;
    // A link-local target is only itself on the link we asked on.
    if (isLinkLocal(this.target) && o.ifindex !== 0 && packet.ifindex !== o.ifindex) return;
    this.owner.clock.clearTimeout(o.timer);
    this.outstanding.delete(sequence);
    this.losses = 0;
    this.answers++;
    if (this.state !== true && this.answers >= this.spec.riseThreshold) this.verdict(true);
  }

  private loss(): void {
    if (this.stopped) return;
    this.answers = 0;
    this.losses++;
    if (this.state !== false && this.losses >= this.spec.lossThreshold) this.verdict(false);
  }

  private verdict(up: boolean): void {
    this.state = up;
    this.owner.log?.debug(`probe ${this.target}: ${up ? 'answers' : 'lost'} (${up ? this.answers : this.losses} in a row)`);
    this.report(up);
  }
}

/** Probes over one raw ICMPv6 socket (SystemBackend.openIcmp6), opened with the first probe and closed with the last. */
export class IcmpProbeFactory implements ProbeFactory {
  readonly clock: Clock;
  readonly net: NetStateView;
  readonly log: Logger | undefined;
  private readonly backend: SystemBackend;
  private sock: Icmp6Socket | undefined;
  private readonly probes = new Map<number, EchoProbe>();
  private nextIdentifier: number;

  constructor(opts: IcmpProbeOptions) {
    this.backend = opts.backend;
    this.clock = opts.clock;
    this.net = opts.net;
    this.log = opts.log;
    this.nextIdentifier = (opts.firstIdentifier ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
  }

  start(spec: ProbeCondition, report: (up: boolean) => void): Probe {
    const problem = probeProblem(spec);
    if (problem !== undefined) throw new RangeError(problem);
    if (this.probes.size >= 0x10000) throw new RangeError('no echo identifier left');
    while (this.probes.has(this.nextIdentifier)) this.nextIdentifier = (this.nextIdentifier + 1) & 0xffff;
    const id = this.nextIdentifier;
    this.nextIdentifier = (id + 1) & 0xffff;
    const probe = new EchoProbe(this, id, spec, report);
    this.probes.set(id, probe);
    probe.begin();
    return probe;
  }

  /** Probes running now. */
  get activeProbes(): number {
    return this.probes.size;
  }

  /** @internal the shared socket, opened on demand (a failure is a failed send: a loss). */
  socket(): Icmp6Socket {
    if (this.sock) return this.sock;
    const s = this.backend.openIcmp6({ types: [ICMP6_ECHO_REPLY] });
    s.onPacket((p) => this.onPacket(s, p));
    this.sock = s;
    return s;
  }

  /** @internal */
  release(probe: EchoProbe): void {
    if (this.probes.get(probe.identifier) !== probe) return;
    this.probes.delete(probe.identifier);
    if (this.probes.size === 0 && this.sock) {
      this.sock.close();
      this.sock = undefined;
    }
  }

  private onPacket(from: Icmp6Socket, packet: IcmpPacket): void {
    if (from !== this.sock) return;
    const reply = parseEchoReply(packet.data);
    if (!reply || !reply.data.subarray(0, MARKER.length).equals(MARKER)) return;
    this.probes.get(reply.identifier)?.answer(reply.sequence, packet);
  }
}
