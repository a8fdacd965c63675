/**
 * Helpers of bench/condition-latency.ts: rtnetlink requests sent from this process into a lab
 * namespace (link admin up/down, IPv6 route add/delete), timed right around the sendto(2), and
 * the Prefix Information lifetimes read out of a captured Router Advertisement.
 *
 * The request encoders live here because src/netlink/codec.ts only encodes what the kernel
 * sends (dumps, notifications), not change requests.
 */
import { endianness } from 'node:os';
import { linuxBackend } from '../src/sys/linux';
import type { RawNetlinkSocket } from '../src/sys/types';
import { encodeAttribute, encodeMessage, parseError, parseMessages, u32Data } from '../src/netlink/codec';
import { AF_INET6, AF_UNSPEC, IFF, IFINFOMSG_LEN, NLM_F, NLMSG, RTA, RTM, RTMSG_LEN, RTN, RT_SCOPE } from '../src/netlink/constants';
import { parseIPv6 } from '../src/net/ipv6';

const LE = endianness() === 'LE';

function w32(b: Buffer, off: number, v: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}

/** When a request went to the kernel: the clock just before and just after sendto(2) returned. */
export interface SentRequest {
  readonly seq: number;
  /** Clock (µs) right before sendto(2). */
  readonly beforeUs: number;
  /** Clock (µs) right after sendto(2) returned: rtnetlink handles the request inside the call. */
  readonly afterUs: number;
  /** Resolves with the errno of the kernel's ACK (0 = done). */
  readonly ack: Promise<number>;
}

export interface RouteSpec {
  readonly destination: string;
  readonly prefixLength: number;
  readonly table: number;
  /** RTPROT number (186 = bgp). */
  readonly protocol: number;
  readonly oif?: number;
}

/** One NETLINK_ROUTE socket in a namespace, for change requests; `clock` returns µs (CLOCK_REALTIME). */
export class RtnlClient {
  private readonly sock: RawNetlinkSocket;
  private seq = 1000;
  private readonly pending = new Map<number, (errno: number) => void>();

  constructor(netns: string, private readonly clock: () => number) {
    this.sock = linuxBackend({ netns }).openRouteNetlink({ groups: [] });
    this.sock.onDatagram((d) => {
      for (const m of parseMessages(d)) {
        if (m.type !== NLMSG.ERROR) continue;
        const done = this.pending.get(m.seq);
        if (done === undefined) continue;
        this.pending.delete(m.seq);
        done(parseError(m.payload).errno);
      }
    });
  }

  /** RTM_NEWLINK with ifi_change = IFF_UP: `ip link set IF up|down`. */
  setLinkUp(ifindex: number, up: boolean): SentRequest {
    const ifi = Buffer.alloc(IFINFOMSG_LEN);
    ifi[0] = AF_UNSPEC;
    w32(ifi, 4, ifindex);
    w32(ifi, 8, up ? IFF.UP : 0);
    w32(ifi, 12, IFF.UP);
    return this.send(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, ifi);
  }

  /** RTM_NEWROUTE (create, exclusive) or RTM_DELROUTE of one IPv6 unicast route. */
  route(op: 'add' | 'del', r: RouteSpec): SentRequest {
    const rtm = Buffer.alloc(RTMSG_LEN);
    rtm[0] = AF_INET6;
    rtm[1] = r.prefixLength;
    rtm[4] = r.table < 256 ? r.table : 252; // RT_TABLE_COMPAT; RTA_TABLE carries the real one
    rtm[5] = r.protocol;
    rtm[6] = op === 'add' ? RT_SCOPE.UNIVERSE : RT_SCOPE.NOWHERE;
    rtm[7] = RTN.UNICAST;
    const parts = [rtm, encodeAttribute(RTA.TABLE, u32Data(r.table)), encodeAttribute(RTA.DST, parseIPv6(r.destination))];
    if (r.oif !== undefined) parts.push(encodeAttribute(RTA.OIF, u32Data(r.oif)));
    const flags = op === 'add' ? NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL : NLM_F.REQUEST | NLM_F.ACK;
    return this.send(op === 'add' ? RTM.NEWROUTE : RTM.DELROUTE, flags, Buffer.concat(parts));
  }

  private send(type: number, flags: number, payload: Buffer): SentRequest {
    const seq = ++this.seq;
    const datagram = encodeMessage({ type, flags, seq }, payload);
    const ack = new Promise<number>((resolve) => this.pending.set(seq, resolve));
    const beforeUs = this.clock();
    this.sock.send(datagram);
    const afterUs = this.clock();
    return { seq, beforeUs, afterUs, ack };
  }

  close(): void {
    this.sock.close();
  }
}

export interface PrefixLifetimes {
  readonly valid: number;
  readonly preferred: number;
}

/**
 * The valid and preferred lifetimes of the Prefix Information option for `prefix` (an address
 * text such as '2001:db8:1:1::', length `len`) in an ICMPv6 Router Advertisement message
 * (starting at the type octet), or undefined when the RA has no such option.
 */
export function prefixLifetimes(message: Uint8Array, prefix: string, len: number): PrefixLifetimes | undefined {
  if (message.length < 16 || message[0] !== 134) return undefined;
  const want = parseIPv6(prefix);
  const b = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let off = 16;
  while (off + 8 <= b.length) {
    const type = b[off]!;
    const units = b[off + 1]!;
    if (units === 0) return undefined;
    const end = off + units * 8;
    if (end > b.length) return undefined;
    if (type === 3 && units === 4 && b[off + 2] === len) {
      let same = true;
      for (let i = 0; i < 16; i++) if (b[off + 16 + i] !== want[i]) same = false;
      if (same) return { valid: b.readUInt32BE(off + 4), preferred: b.readUInt32BE(off + 8) };
    }
    off = end;
  }
  return undefined;
}
