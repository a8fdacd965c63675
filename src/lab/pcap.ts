/**
 * Packet capture for the benchmarks: tcpdump writes a pcap stream (`-w - -U`) that is parsed
 * here as it arrives, so RAs can be timed on the wire with kernel timestamps.
 *
 * pcap format: a 24-byte global header (magic 0xa1b2c3d4 for microsecond or 0xa1b23c4d for
 * nanosecond timestamps, in the writer's byte order; version; zone; sigfigs; snaplen; link
 * type) followed by records (16-byte header: seconds, micro/nanoseconds, captured length,
 * original length; then the captured bytes).
 */
import type { ChildProcess } from 'node:child_process';
import { formatIPv6 } from '../net/ipv6';
import type { Lab } from './netns';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV6 = 229;

export const ICMPV6_ROUTER_SOLICITATION = 133;
export const ICMPV6_ROUTER_ADVERTISEMENT = 134;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;

/** tcpdump filter for Router Advertisements without extension headers (what every RA sender emits). */
export const RA_FILTER = 'icmp6 and ip6[40] == 134';
/** tcpdump filter for Router Solicitations and Advertisements. */
export const RS_RA_FILTER = 'icmp6 and (ip6[40] == 133 or ip6[40] == 134)';

export interface PcapRecord {
  /** Kernel timestamp (CLOCK_REALTIME), microseconds since the epoch. */
  tsMicros: number;
  /** The same timestamp in nanoseconds (exact when the capture used nanosecond precision). */
  tsNanos: bigint;
  /** Length on the wire (may exceed bytes.length when truncated by the snap length). */
  originalLength: number;
  bytes: Uint8Array;
}

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

export class PcapError extends Error {
  override readonly name = 'PcapError';
}

function parseGlobalHeader(b: Buffer): PcapHeader {
  const le = b.readUInt32LE(0);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (le === 0xa1b2c3d4 || le === 0xa1b23c4d) {
    littleEndian = true;
    nanosecond = le === 0xa1b23c4d;
  } else {
    const be = b.readUInt32BE(0);
    if (be !== 0xa1b2c3d4 && be !== 0xa1b23c4d) throw new PcapError(`not a pcap stream (magic 0x${be.toString(16)}; pcapng is not supported)`);
    littleEndian = false;
    nanosecond = be === 0xa1b23c4d;
  }
  const u16 = (o: number): number => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
  return { littleEndian, nanosecond, versionMajor: u16(4), versionMinor: u16(6), snaplen: u32(16), linkType: u32(20) & 0x0fffffff };
}

/** Incremental pcap parser: feed it chunks in order, get whole records back. */
export class PcapStreamReader {
  header: PcapHeader | undefined;
  private pending: Buffer = Buffer.alloc(0);

  /** Add bytes; returns the records completed by them. Throws PcapError on a bad stream. */
  push(chunk: Uint8Array): PcapRecord[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: PcapRecord[] = [];
    let off = 0;
    if (!this.header) {
      if (this.pending.length < 24) return out;
      this.header = parseGlobalHeader(this.pending);
      off = 24;
    }
    const h = this.header;
    const b = this.pending;
    const u32 = (o: number): number => (h.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
    while (b.length - off >= 16) {
      const sec = u32(off);
      const frac = u32(off + 4);
      const incl = u32(off + 8);
      const orig = u32(off + 12);
      if (incl > 0x4000000) throw new PcapError(`record of ${incl} bytes at offset ${off}: corrupt stream`);
      if (b.length - off - 16 < incl) break;
      const bytes = new Uint8Array(b.subarray(off + 16, off + 16 + incl));
      const tsNanos = BigInt(sec) * 1_000_000_000n + BigInt(h.nanosecond ? frac : frac * 1000);
      out.push({ tsMicros: sec * 1_000_000 + (h.nanosecond ? Math.floor(frac / 1000) : frac), tsNanos, originalLength: orig, bytes });
      off += 16 + incl;
    }
    this.pending = off === 0 ? b : Buffer.from(b.subarray(off));
    return out;
  }

  /** Bytes received but not yet part of a whole record. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Parse a whole pcap file/stream. A truncated last record is dropped. */
export function readPcapFile(buf: Uint8Array): { header: PcapHeader; records: PcapRecord[] } {
  const r = new PcapStreamReader();
  const records = r.push(buf);
  if (!r.header) throw new PcapError(`pcap data too short (${buf.length} bytes)`);
  return { header: r.header, records };
}

/** Parse a whole pcap file/stream into its records. */
export function readPcap(buf: Uint8Array): PcapRecord[] {
  return readPcapFile(buf).records;
}

export interface Icmpv6Packet {
  srcMac?: string;
  dstMac?: string;
  /** 802.1Q VLAN id, when the frame was tagged. */
  vlan?: number;
  src: string;
  dst: string;
  hopLimit: number;
  type: number;
  code: number;
  /** The whole ICMPv6 message (type, code, checksum, body), bounded by the IPv6 payload length. */
  message: Uint8Array;
}

function mac(b: Uint8Array, o: number): string {
  return Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * Pull the ICMPv6 message out of a captured frame (Ethernet with optional 802.1Q tags, Linux
 * cooked, or raw IPv6), skipping hop-by-hop, routing and destination-options headers.
 * Returns undefined for anything else (IPv4, non-first fragments, truncated frames).
 */
export function extractIcmpv6(frame: Uint8Array, linkType: number = LINKTYPE_ETHERNET): Icmpv6Packet | undefined {
  let off: number;
  let srcMac: string | undefined;
  let dstMac: string | undefined;
  let vlan: number | undefined;
  const u16 = (o: number): number => ((frame[o] ?? 0) << 8) | (frame[o + 1] ?? 0);
  if (linkType === LINKTYPE_ETHERNET) {
    if (frame.length < 14) return undefined;
    dstMac = mac(frame, 0);
    srcMac = mac(frame, 6);
    off = 12;
    let ethertype = u16(off);
    while (ethertype === 0x8100 || ethertype === 0x88a8) {
      if (frame.length < off + 6) return undefined;
      vlan = u16(off + 2) & 0x0fff;
      off += 4;
      ethertype = u16(off);
    }
    if (ethertype !== 0x86dd) return undefined;
    off += 2;
  } else if (linkType === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16 || u16(14) !== 0x86dd) return undefined;
    if (u16(4) === 6) srcMac = mac(frame, 6);
    off = 16;
  } else if (linkType === LINKTYPE_RAW || linkType === LINKTYPE_IPV6) {
    off = 0;
  } else {
    return undefined;
  }
  if (frame.length < off + 40 || ((frame[off] ?? 0) >> 4) !== 6) return undefined;
  const payloadLength = u16(off + 4);
  let next = frame[off + 6] ?? 0;
  const hopLimit = frame[off + 7] ?? 0;
  const src = formatIPv6(frame, off + 8);
  const dst = formatIPv6(frame, off + 24);
  const end = Math.min(frame.length, off + 40 + payloadLength);
  let p = off + 40;
  for (let guard = 0; next !== 58 && guard < 16; guard++) {
    if (p + 8 > end) return undefined;
    if (next === 0 || next === 43 || next === 60) {
      const n = frame[p] ?? 0;
      p += ((frame[p + 1] ?? 0) + 1) * 8;
      next = n;
    } else if (next === 44) {
      if ((u16(p + 2) & 0xfff8) !== 0) return undefined; // not the first fragment
      next = frame[p] ?? 0;
      p += 8;
    } else {
      return undefined;
    }
  }
  if (next !== 58 || p + 4 > end) return undefined;
  const pkt: Icmpv6Packet = { src, dst, hopLimit, type: frame[p] ?? 0, code: frame[p + 1] ?? 0, message: frame.subarray(p, end) };
  if (srcMac !== undefined) pkt.srcMac = srcMac;
  if (dstMac !== undefined) pkt.dstMac = dstMac;
  if (vlan !== undefined) pkt.vlan = vlan;
  return pkt;
}

/** Wall-clock time in microseconds (CLOCK_REALTIME, like capture timestamps; sub-ms resolution). */
export function realtimeMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export interface CapturedPacket extends PcapRecord {
  /** The ICMPv6 message in the frame, when there is one. */
  icmpv6: Icmpv6Packet | undefined;
}

export interface CaptureOptions {
  /** tcpdump filter expression. Default 'icmp6'. */
  filter?: string;
  /** Snap length. Default 65535. */
  snaplen?: number;
  /** How long to wait for tcpdump to start listening. Default 10000 ms. */
  startTimeoutMs?: number;
}

/** A running tcpdump inside a lab namespace; see capture(). */
export class Capture {
  readonly packets: CapturedPacket[] = [];
  private readonly reader = new PcapStreamReader();
  private readonly waiters = new Set<{ pred: (p: CapturedPacket) => boolean; resolve: (p: CapturedPacket) => void }>();
  private stderrText = '';
  private parseError: Error | undefined;
  private readonly ended: Promise<void>;

  constructor(private readonly lab: Lab, readonly child: ChildProcess, readonly description: string) {
    const stdout = child.stdout;
    if (!stdout) throw new Error('capture: tcpdump needs a piped stdout');
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.ended = new Promise<void>((resolve) => {
      stdout.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (this.stderrText.length < 64 * 1024) this.stderrText += d.toString('utf8');
    });
  }

  /** Link type of the capture (1 = Ethernet for veths). */
  get linkType(): number | undefined {
    return this.reader.header?.linkType;
  }

  /** What tcpdump printed on stderr so far. */
  get stderr(): string {
    return this.stderrText;
  }

  private onData(chunk: Buffer): void {
    if (this.parseError) return;
    let records: PcapRecord[];
    try {
      records = this.reader.push(chunk);
    } catch (e) {
      this.parseError = e instanceof Error ? e : new Error(String(e));
      return;
    }
    const lt = this.reader.header?.linkType ?? LINKTYPE_ETHERNET;
    for (const r of records) {
      const p: CapturedPacket = { ...r, icmpv6: extractIcmpv6(r.bytes, lt) };
      this.packets.push(p);
      for (const w of [...this.waiters]) {
        if (w.pred(p)) {
          this.waiters.delete(w);
          w.resolve(p);
        }
      }
    }
  }

  /** Resolve with the first packet (already captured or future) matching pred; reject after timeoutMs. */
  waitForPacket(pred: (p: CapturedPacket) => boolean, timeoutMs = 5000): Promise<CapturedPacket> {
    const found = this.packets.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (p: CapturedPacket) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`capture ${this.description}: no matching packet within ${timeoutMs} ms (${this.packets.length} captured)`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Router Advertisements captured so far. */
  routerAdvertisements(): CapturedPacket[] {
    return this.packets.filter((p) => p.icmpv6?.type === ICMPV6_ROUTER_ADVERTISEMENT);
  }

  /** Stop tcpdump (SIGTERM; it flushes), read what is left and return every packet captured. */
  async stop(): Promise<CapturedPacket[]> {
    await this.lab.kill(this.child, 2000);
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, 2000))]);
    if (this.parseError) throw new PcapError(`capture ${this.description}: ${this.parseError.message}`);
    return this.packets;
  }
}

/**
 * Start `tcpdump -i IF -w - -U --immediate-mode --time-stamp-precision=nano FILTER` in a lab
 * namespace and resolve once it is listening. The process is tracked by the lab (killed by
 * destroy()); stop() ends it and returns the packets with their kernel timestamps.
 */
export async function capture(lab: Lab, ns: string, ifname: string, opts: CaptureOptions | string = {}): Promise<Capture> {
  const o: CaptureOptions = typeof opts === 'string' ? { filter: opts } : opts;
  const argv = ['tcpdump', '-i', ifname, '-n', '-w', '-', '-U', '--immediate-mode', '--time-stamp-precision=nano', '-s', String(o.snaplen ?? 65535), o.filter ?? 'icmp6'];
  const child = lab.spawn(ns, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const cap = new Capture(lab, child, `${ifname}@${ns}`);
  const startTimeoutMs = o.startTimeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stderr?.removeListener('data', onStderr);
      child.removeListener('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onStderr = (): void => {
      if (/listening on/.test(cap.stderr)) finish();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`tcpdump on ${ifname} in ${ns} exited (${signal ?? code}) before listening: ${cap.stderr.trim()}`));
    };
    const timer = setTimeout(() => finish(new Error(`tcpdump on ${ifname} in ${ns} not listening after ${startTimeoutMs} ms: ${cap.stderr.trim()}`)), startTimeoutMs);
    child.stderr?.on('data', onStderr);
    child.once('exit', onExit);
    onStderr();
  }).catch(async (e: unknown) => {
    await lab.kill(child, 500);
    throw e;
  });
  return cap;
}
