/**
 * The VRRPv3 advertisement (RFC 9568 section 5) for IPv4 and IPv6: encode, decode and the
 * receive checks of RFC 9568 7.1. Pure functions over bytes; the checksum is computed here
 * (not by the kernel's IPV6_CHECKSUM) so that a packet with a bad checksum reaches us and is
 * counted instead of vanishing in the kernel.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |(rsvd) |     Max Adver Int     |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  IPvX Address(es) ...                         |
 */
import { formatIPv6, parseIPv6 } from '../net/ipv6';
import { formatIPv4, parseIPv4 } from '../net/ipv4';
import type { VrrpFamily } from './types';

/** IP protocol number of VRRP (RFC 9568 5.1.1.4 / 5.1.2.4). */
export const VRRP_PROTOCOL = 112;
export const VRRP_VERSION = 3;
/** The only message type (RFC 9568 5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** RFC 9568 5.1.1.2 / 5.1.2.2. */
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';
/** RFC 9568 5.1.1.3 / 5.1.2.3: sent with TTL / hop limit 255, and received only so. */
export const VRRP_HOP_LIMIT = 255;
export const HEADER_LENGTH = 8;
/** Priority 0: the Active is leaving (RFC 9568 5.2.4). 255: the address owner. */
export const PRIORITY_STOP = 0;
export const PRIORITY_OWNER = 255;

export interface Advertisement {
  readonly vrid: number;
  readonly priority: number;
  /** Max Adver Int, centiseconds (12 bits). */
  readonly maxAdvertIntervalCs: number;
  readonly addresses: readonly string[];
}

export interface DecodedAdvertisement extends Advertisement {
  readonly version: number;
  readonly type: number;
  readonly checksum: number;
}

export function addressLength(family: VrrpFamily): number {
  return family === 6 ? 16 : 4;
}

/**
 * Parsed addresses, by text: every advertisement's checksum needs its source and destination as
 * bytes, and they are nearly always the same few. Sources come from the wire, so the cache is
 * capped (cleared when full). Entries are never handed out for writing.
 */
const parsed = new Map<string, Uint8Array>();
const PARSED_MAX = 256;

export function parseAddress(family: VrrpFamily, text: string): Uint8Array {
  const key = family === 6 ? text : `4 ${text}`;
  let b = parsed.get(key);
  if (b === undefined) {
    b = family === 6 ? parseIPv6(text) : parseIPv4(text);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(key, b);
  }
  return b;
}

export function formatAddress(family: VrrpFamily, b: Uint8Array, offset = 0): string {
  return family === 6 ? formatIPv6(b, offset) : formatIPv4(b, offset);
}

/** RFC 1071 one's-complement sum of `parts`, folded, not inverted. */
function onesSum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    // Every part but the message has even length; an odd message is padded with a zero octet.
    for (let i = 0; i + 1 < p.length; i += 2) sum += ((p[i] ?? 0) << 8) | (p[i + 1] ?? 0);
    if (p.length % 2 === 1) sum += (p[p.length - 1] ?? 0) << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * The pseudo-header of RFC 9568 5.2.8: for IPv6 that of RFC 8200 8.1 (source, destination,
 * 32-bit upper-layer length, next header 112); for IPv4 source, destination, zero, protocol
 * 112 and 16-bit length, as keepalived and FRR compute it for VRRPv3 over IPv4.
 */
function pseudoHeader(family: VrrpFamily, source: string, destination: string, length: number): Uint8Array[] {
  if (family === 6) {
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, length);
    tail[7] = VRRP_PROTOCOL;
    return [parseAddress(6, source), parseAddress(6, destination), tail];
  }
  const tail = Uint8Array.from([0, VRRP_PROTOCOL, (length >> 8) & 0xff, length & 0xff]);
  return [parseAddress(4, source), parseAddress(4, destination), tail];
}

/** The checksum a message should carry (its own checksum field is taken as zero). */
export function vrrpChecksum(family: VrrpFamily, source: string, destination: string, message: Uint8Array): number {
  const copy = Uint8Array.from(message);
  if (copy.length >= HEADER_LENGTH) {
    copy[6] = 0;
    copy[7] = 0;
  }
  const sum = onesSum([...pseudoHeader(family, source, destination, copy.length), copy]);
  return ~sum & 0xffff;
}

/** Encode an advertisement with its checksum for the given source and destination. */
export function encodeAdvertisement(family: VrrpFamily, adv: Advertisement, source: string, destination: string): Buffer {
  const alen = addressLength(family);
  // Number.isInteger also refuses NaN and fractions, which the byte writes below would turn into 0 or truncate.
  const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;
  if (!inRange(adv.vrid, 1, 255)) throw new RangeError(`VRID ${adv.vrid} is not 1..255`);
  if (!inRange(adv.priority, 0, 255)) throw new RangeError(`priority ${adv.priority} is not 0..255`);
  if (!inRange(adv.maxAdvertIntervalCs, 1, 0xfff)) throw new RangeError(`interval ${adv.maxAdvertIntervalCs} cs is not 1..4095`);
  if (adv.addresses.length < 1 || adv.addresses.length > 255) throw new RangeError(`${adv.addresses.length} addresses: 1..255 allowed`);
  const b = Buffer.alloc(HEADER_LENGTH + alen * adv.addresses.length);
  b[0] = (VRRP_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT;
  b[1] = adv.vrid;
  b[2] = adv.priority;
  b[3] = adv.addresses.length;
  b.writeUInt16BE(adv.maxAdvertIntervalCs & 0x0fff, 4); // the top 4 bits are reserved: 0 on send
  adv.addresses.forEach((a, i) => b.set(parseAddress(family, a), HEADER_LENGTH + i * alen));
  b.writeUInt16BE(vrrpChecksum(family, source, destination, b), 6);
  return b;
}

/** Why a received advertisement was dropped; each is a counter label. */
export type VrrpDropReason =
  /** RFC 9568 7.1: TTL / hop limit not 255. */
  | 'hop_limit'
  /** Shorter than the header, or than Count addresses; or bytes beyond them. */
  | 'length'
  | 'version'
  | 'type'
  | 'checksum'
  /** Count 0 (RFC 9568 errata: such an advertisement is ignored). */
  | 'count_zero'
  /** The VRID is not configured on the receiving interface for this family. */
  | 'vrid'
  /** Max Adver Int 0: no timer can be derived from it. */
  | 'interval_zero'
  /** IPv6: the first address is not link-local (RFC 9568 errata). */
  | 'first_not_link_local'
  /** Arrived on an interface with no virtual router at all. */
  | 'interface'
  /** Sent by this router itself (looped back). */
  | 'own'
  /** The address list differs from ours and the sender is not the owner (RFC 9568 7.1). */
  | 'addresses';

export type DecodeResult = { readonly ok: true; readonly adv: DecodedAdvertisement } | { readonly ok: false; readonly reason: VrrpDropReason; readonly detail: string };

/**
 * Decode and check a received advertisement (RFC 9568 7.1, the checks that need no
 * configuration: TTL/hop limit, version, type, length, checksum, Count, first IPv6 address).
 * The VRID and address-list checks need the virtual router and are the caller's.
 */
export function decodeAdvertisement(family: VrrpFamily, data: Uint8Array, source: string, destination: string, hopLimit: number): DecodeResult {
  if (hopLimit !== VRRP_HOP_LIMIT) return { ok: false, reason: 'hop_limit', detail: `${family === 6 ? 'hop limit' : 'TTL'} ${hopLimit}, not 255 (RFC 9568 7.1)` };
  if (data.length < HEADER_LENGTH) return { ok: false, reason: 'length', detail: `${data.length} bytes, shorter than the 8-byte header` };
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const version = b[0]! >> 4;
  const type = b[0]! & 0x0f;
  if (version !== VRRP_VERSION) return { ok: false, reason: 'version', detail: `version ${version}, not 3` };
  if (type !== VRRP_TYPE_ADVERTISEMENT) return { ok: false, reason: 'type', detail: `type ${type}, not 1 (ADVERTISEMENT)` };
  const count = b[3]!;
  const alen = addressLength(family);
  const need = HEADER_LENGTH + count * alen;
  if (b.length < need) return { ok: false, reason: 'length', detail: `${b.length} bytes, Count ${count} needs ${need}` };
  // Bytes after the addresses are not part of the message (RFC 9568 defines none); keepalived
  // and FRR reject such packets too, so a checksum over them cannot be agreed on.
  if (b.length > need) return { ok: false, reason: 'length', detail: `${b.length} bytes, Count ${count} accounts for ${need}` };
  const checksum = b.readUInt16BE(6);
  const expected = vrrpChecksum(family, source, destination, b);
  if (checksum !== expected) return { ok: false, reason: 'checksum', detail: `checksum 0x${checksum.toString(16).padStart(4, '0')}, expected 0x${expected.toString(16).padStart(4, '0')}` };
  if (count === 0) return { ok: false, reason: 'count_zero', detail: 'Count 0 (ignored, RFC 9568 errata)' };
  const maxAdvertIntervalCs = b.readUInt16BE(4) & 0x0fff;
  if (maxAdvertIntervalCs === 0) return { ok: false, reason: 'interval_zero', detail: 'Max Adver Int 0' };
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(formatAddress(family, b, HEADER_LENGTH + i * alen));
  if (family === 6 && !addresses[0]!.startsWith('fe80:')) {
    // formatIPv6 output starts with 'fe80:' for fe80::/64, the link-local addresses in use.
    const first = parseIPv6(addresses[0]!);
    if (!(first[0] === 0xfe && (first[1]! & 0xc0) === 0x80)) return { ok: false, reason: 'first_not_link_local', detail: `first address ${addresses[0]} is not link-local (RFC 9568 errata)` };
  }
  return { ok: true, adv: { version, type, vrid: b[1]!, priority: b[2]!, maxAdvertIntervalCs, checksum, addresses } };
}

/** The virtual router MAC address (RFC 9568 7.3): 00-00-5E-00-01-VRID (IPv4), 00-00-5E-00-02-VRID (IPv6). */
export function virtualMac(family: VrrpFamily, vrid: number): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new RangeError(`VRID ${vrid} is not 1..255`);
  return `00:00:5e:00:0${family === 6 ? 2 : 1}:${vrid.toString(16).padStart(2, '0')}`;
}

/**
 * Compare two primary addresses as unsigned integers in network byte order (RFC 9568 6.4.3:
 * on equal priority the higher primary address wins). Returns <0, 0, >0.
 */
export function compareAddresses(family: VrrpFamily, a: string, b: string): number {
  const x = parseAddress(family, a);
  const y = parseAddress(family, b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
