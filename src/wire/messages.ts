/**
 * ND messages (RFC 4861 4.1-4.5): one header codec per ICMPv6 type, registered by type,
 * followed by the options area that options.ts frames. Bytes start at the ICMPv6 Type
 * octet; the checksum is left 0 on encode (the kernel fills it on raw ICMPv6 sockets)
 * and ignored on decode (the kernel has verified it).
 */
import { NdReader, NdWriter } from './buffer';
import { NdDecodeError } from './errors';
import { decodeOptions, decodeOptionsKeepingMalformed, encodeOption, optionsLength } from './options';
import { preferenceFromBits, preferenceToBits } from './preference';
import {
  ICMP6,
  type NdMessage,
  type NdOption,
  type NeighborAdvertisement,
  type NeighborSolicitation,
  type Redirect,
  type RouterAdvertisement,
  type RouterSolicitation,
} from './types';

export interface MessageCodec<M extends NdMessage> {
  readonly type: M['type'];
  readonly icmpType: number;
  readonly name: string;
  /** Fixed part, from the Type octet to the first option; also the minimum ICMP length. */
  readonly headerLength: number;
  /** Writes the fields after Type, Code and Checksum (headerLength - 4 bytes). */
  encodeHeader(m: M, w: NdWriter): void;
  /** Reads the same fields back; the options are decoded by the caller. */
  decodeHeader(r: NdReader, options: NdOption[]): M;
}

const routerSolicitation: MessageCodec<RouterSolicitation> = {
  type: 'rs',
  icmpType: ICMP6.RouterSolicitation,
  name: 'Router Solicitation',
  headerLength: 8, // RFC 4861 4.1
  encodeHeader(_m, w) {
    w.zeros(4, 'RS reserved');
  },
  decodeHeader(r, options) {
    r.skip(4, 'RS reserved');
    return { type: 'rs', options };
  },
};

const routerAdvertisement: MessageCodec<RouterAdvertisement> = {
  type: 'ra',
  icmpType: ICMP6.RouterAdvertisement,
  name: 'Router Advertisement',
  headerLength: 16, // RFC 4861 4.2
  encodeHeader(m, w) {
    w.u8(m.curHopLimit, 'Cur Hop Limit');
    // M O (RFC 4861 4.2), H (RFC 6275 7.1), Prf (RFC 4191 2.2), P (RFC 4389 4.1.3.3), 2 reserved bits.
    let flags = (m.managed ? 0x80 : 0) | (m.other ? 0x40 : 0) | (m.homeAgent ? 0x20 : 0) | (preferenceToBits(m.preference) << 3) | (m.proxy ? 0x04 : 0);
    const reserved = m.reservedFlags ?? 0;
    if (!Number.isInteger(reserved) || reserved < 0 || reserved > 3) throw new RangeError(`RA reservedFlags must be 0..3, got ${reserved}`);
    flags |= reserved;
    w.u8(flags, 'RA flags');
    w.u16(m.routerLifetime, 'Router Lifetime');
    w.u32(m.reachableTime, 'Reachable Time');
    w.u32(m.retransTimer, 'Retrans Timer');
  },
  decodeHeader(r, options) {
    const curHopLimit = r.u8('Cur Hop Limit');
    const flags = r.u8('RA flags');
    return {
      type: 'ra',
      curHopLimit,
      managed: (flags & 0x80) !== 0,
      other: (flags & 0x40) !== 0,
      homeAgent: (flags & 0x20) !== 0,
      preference: preferenceFromBits(flags >> 3),
      proxy: (flags & 0x04) !== 0,
      ...((flags & 0x03) !== 0 ? { reservedFlags: flags & 0x03 } : {}),
      routerLifetime: r.u16('Router Lifetime'),
      reachableTime: r.u32('Reachable Time'),
      retransTimer: r.u32('Retrans Timer'),
      options,
    };
  },
};

const neighborSolicitation: MessageCodec<NeighborSolicitation> = {
  type: 'ns',
  icmpType: ICMP6.NeighborSolicitation,
  name: 'Neighbor Solicitation',
  headerLength: 24, // RFC 4861 4.3
  encodeHeader(m, w) {
    w.zeros(4, 'NS reserved');
    w.ipv6(m.target, 'NS target');
  },
  decodeHeader(r, options) {
    r.skip(4, 'NS reserved');
    return { type: 'ns', target: r.ipv6('NS target'), options };
  },
};

const neighborAdvertisement: MessageCodec<NeighborAdvertisement> = {
  type: 'na',
  icmpType: ICMP6.NeighborAdvertisement,
  name: 'Neighbor Advertisement',
  headerLength: 24, // RFC 4861 4.4
  encodeHeader(m, w) {
    w.u8((m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0), 'NA flags');
    w.zeros(3, 'NA reserved');
    w.ipv6(m.target, 'NA target');
  },
  decodeHeader(r, options) {
    const flags = r.u8('NA flags');
    r.skip(3, 'NA reserved');
    return {
      type: 'na',
      router: (flags & 0x80) !== 0,
      solicited: (flags & 0x40) !== 0,
      override: (flags & 0x20) !== 0,
      target: r.ipv6('NA target'),
      options,
    };
  },
};

const redirect: MessageCodec<Redirect> = {
  type: 'redirect',
  icmpType: ICMP6.Redirect,
  name: 'Redirect',
  headerLength: 40, // RFC 4861 4.5
  encodeHeader(m, w) {
    w.zeros(4, 'Redirect reserved');
    w.ipv6(m.target, 'Redirect target');
    w.ipv6(m.destination, 'Redirect destination');
  },
  decodeHeader(r, options) {
    r.skip(4, 'Redirect reserved');
    return { type: 'redirect', target: r.ipv6('Redirect target'), destination: r.ipv6('Redirect destination'), options };
  },
};

type CodecTable = { readonly [K in NdMessage['type']]: MessageCodec<Extract<NdMessage, { type: K }>> };

export const messageCodecs: CodecTable = {
  rs: routerSolicitation,
  ra: routerAdvertisement,
  ns: neighborSolicitation,
  na: neighborAdvertisement,
  redirect,
};

const byIcmpType = new Map<number, MessageCodec<NdMessage>>();
for (const c of Object.values(messageCodecs) as MessageCodec<NdMessage>[]) byIcmpType.set(c.icmpType, c);

/** The codec for an ICMPv6 type, if it is an ND message. */
export function messageCodecFor(icmpType: number): MessageCodec<NdMessage> | undefined {
  return byIcmpType.get(icmpType);
}

function codecOf(m: NdMessage): MessageCodec<NdMessage> {
  const codec = (messageCodecs as Record<string, MessageCodec<NdMessage> | undefined>)[m.type];
  if (codec === undefined) throw new TypeError(`unknown ND message type '${String(m.type)}'`);
  return codec;
}

/** A malformed option is a receive-side mark: re-encoding would silently lose or forge it. */
function refuseMalformed(msg: NdMessage): void {
  if (msg.type === 'ra' && (msg.malformed?.length ?? 0) > 0) throw new RangeError('an RA with malformed options (as received) cannot be encoded: they are never sent');
}

export function messageLength(msg: NdMessage): number {
  refuseMalformed(msg);
  return codecOf(msg).headerLength + optionsLength(msg.options);
}

/** Encode into `buf` at `offset`; returns the bytes written. Code and Checksum are written as 0. */
export function encodeMessageInto(msg: NdMessage, buf: Uint8Array, offset = 0): number {
  const codec = codecOf(msg);
  refuseMalformed(msg);
  const w = new NdWriter(buf, offset);
  w.u8(codec.icmpType, 'ICMPv6 type');
  w.zeros(3, 'ICMPv6 code and checksum');
  codec.encodeHeader(msg, w);
  let at = w.offset;
  for (const o of msg.options) at += encodeOption(o, buf, at);
  return at - offset;
}

export function encodeMessage(msg: NdMessage): Uint8Array {
  const out = new Uint8Array(messageLength(msg));
  encodeMessageInto(msg, out, 0);
  return out;
}

export interface DecodeOptions {
  /**
   * For a Router Advertisement: an option that is framed soundly but bad for its type is
   * ignored and listed in `malformed`, and the rest of the RA is decoded, as receivers do
   * (RFC 4191 2.3, RFC 8106 5.3.1, RFC 8781 4; the Linux kernel). Off: any bad option throws.
   * Other messages are decoded strictly either way.
   */
  readonly keepMalformed?: boolean;
}

/**
 * Decode an ND message starting at the ICMPv6 Type octet. Checks lengths only: the Code
 * and the RFC 4861 6.1 rules are validateReceived()'s. Throws NdDecodeError and nothing else.
 */
export function decodeMessage(bytes: Uint8Array, opts: DecodeOptions = {}): NdMessage {
  try {
    const r = new NdReader(bytes);
    const icmpType = r.u8('ICMPv6 type');
    const codec = byIcmpType.get(icmpType);
    if (codec === undefined) throw r.error('E_UNKNOWN_MESSAGE', `ICMPv6 type ${icmpType} is not a Neighbor Discovery message`, 0);
    if (bytes.length < codec.headerLength) {
      throw r.error('E_TRUNCATED', `${codec.name} needs at least ${codec.headerLength} bytes (RFC 4861 4), have ${bytes.length}`, bytes.length);
    }
    r.skip(3, 'ICMPv6 code and checksum');
    if (opts.keepMalformed === true && codec.type === 'ra') {
      const { options, malformed } = decodeOptionsKeepingMalformed(bytes, codec.headerLength);
      const ra = codec.decodeHeader(r, options);
      return malformed.length > 0 ? { ...(ra as RouterAdvertisement), malformed } : ra;
    }
    return codec.decodeHeader(r, decodeOptions(bytes, codec.headerLength));
  } catch (e) {
    if (e instanceof NdDecodeError) throw e;
    throw new NdDecodeError('E_INTERNAL', `decoder bug: ${e instanceof Error ? e.message : String(e)}`, 0, undefined, e);
  }
}
